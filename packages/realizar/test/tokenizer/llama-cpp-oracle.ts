/**
 * llama.cpp (through the `node-llama-cpp` devDependency, prebuilt, offline) as a tokenizer oracle.
 * One `Llama` instance per test file; models are loaded vocab-only where the file has no tensors.
 */
import type { Llama, LlamaModel } from 'node-llama-cpp';

let llama: Promise<Llama> | undefined;

/** The shared CPU-only llama.cpp binding, or undefined (with a printed reason) when unavailable. */
export async function getLlamaOrSkip(): Promise<Llama | undefined> {
  try {
    const { getLlama } = await import('node-llama-cpp');
    llama ??= getLlama({
      gpu: false,
      build: 'never',
      skipDownload: true,
      progressLogs: false,
      logLevel: 'error' as never,
      logger: (_level, message) => {
        // Loading a tensor-less vocab file, node-llama-cpp first probes a full load, which fails
        // before its vocab-only load succeeds; those two lines are expected noise.
        if (/missing tensor 'token_embd\.weight'|llama_model_load_from_file_impl: failed to load model/.test(message)) return;
        console.warn(`[llama.cpp] ${message.trimEnd()}`);
      },
    });
    return await llama;
  } catch (e) {
    console.warn(`skipping llama.cpp parity tests: node-llama-cpp unavailable: ${(e as Error).message}`);
    return undefined;
  }
}

/** Loads `path` (vocab only when `vocabOnly`) on the CPU. */
export async function loadModel(l: Llama, path: string, vocabOnly = false): Promise<LlamaModel> {
  // No memory-fit simulation: it would try (and, without tensors, fail noisily) to load the weights.
  return l.loadModel({ modelPath: path, gpuLayers: 0, vocabOnly, ignoreMemorySafetyChecks: true });
}

/** llama.cpp's ids for `text` (`common_tokenize(vocab, text, add_special=false, parse_special)`). */
export function llamaTokenize(model: LlamaModel, text: string, parseSpecial: boolean): number[] {
  return Array.from(model.tokenize(text, parseSpecial), Number);
}

/** llama.cpp's text for `ids` (`llama_detokenize(remove_special=false, unparse_special)`). */
export function llamaDetokenize(model: LlamaModel, ids: readonly number[], unparseSpecial: boolean): string {
  return model.detokenize(ids as never, unparseSpecial);
}
