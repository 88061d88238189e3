import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { loadTokenizer } from '../model-loader.js';

/** Registers `apr tokenize MODEL TEXT` and `apr detokenize MODEL IDS...`. */
export function registerTokenize(program: Command, io: { stdout: NodeJS.WritableStream }): void {
  program
    .command('tokenize')
    .description("text → token ids with the model's tokenizer (defaults as llama.cpp's tokenizer tests: no BOS, no special parsing)")
    .argument('<model>', 'model file (GGUF)')
    .argument('<text>', 'text to tokenize')
    .option('--add-special', "add BOS/EOS as the model's add_bos_token / add_eos_token say")
    .option('--parse-special', 'match special-token text such as <|im_start|> as one token')
    .option('--json', 'print {"tokens": [ids]}')
    .action((model: string, text: string, opts: { addSpecial?: boolean; parseSpecial?: boolean; json?: boolean }) => {
      const tokenizer = loadTokenizer(model);
      const tokens = tokenizer.encode(text, { addSpecial: opts.addSpecial === true, parseSpecial: opts.parseSpecial === true });
      if (opts.json) {
        io.stdout.write(`${JSON.stringify({ tokens })}\n`);
        return;
      }
      for (const id of tokens) io.stdout.write(`${String(id).padStart(7)} -> ${JSON.stringify(tokenizer.tokenText(id))}\n`);
      io.stdout.write(`${tokens.length} tokens\n`);
    });

  program
    .command('detokenize')
    .description('token ids → text')
    .argument('<model>', 'model file (GGUF)')
    .argument('<ids...>', 'token ids (space- or comma-separated)')
    .option('--unparse-special', 'print control tokens such as <|im_end|> as text')
    .action((model: string, ids: string[], opts: { unparseSpecial?: boolean }) => {
      const parsed = ids.flatMap((s) => s.split(',')).filter((s) => s.trim() !== '').map((s) => {
        const n = Number(s);
        if (!Number.isInteger(n) || n < 0) throw new CliError(`detokenize: '${s}' is not a token id (a non-negative integer)`, 2);
        return n;
      });
      const tokenizer = loadTokenizer(model);
      io.stdout.write(`${tokenizer.decode(parsed, { unparseSpecial: opts.unparseSpecial === true })}\n`);
    });
}
