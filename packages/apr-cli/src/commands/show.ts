/**
 * `apr show REF [--json]`: a stored model's facts — architecture, parameters, quantisation, context
 * length, chat template, license and the GGUF's path — read from the GGUF header of its model
 * layer (through realizar's reader, as `apr inspect` does) plus the manifest.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type LayerKind, type ShowResult, layerKind } from '@sovereign/pacha';
import { CliError } from '../cli-error.js';
import { formatCount } from '../format.js';
import { inspectModel } from './inspect.js';
import { humanSize, openStore, withRefErrors } from './list-store.js';

/** llama.cpp's `general.file_type` (enum llama_ftype) → the quant name people use. */
const FILE_TYPES: Record<number, string> = {
  0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1', 7: 'Q8_0', 8: 'Q5_0', 9: 'Q5_1', 10: 'Q2_K', 11: 'Q3_K_S', 12: 'Q3_K_M',
  13: 'Q3_K_L', 14: 'Q4_K_S', 15: 'Q4_K_M', 16: 'Q5_K_S', 17: 'Q5_K_M', 18: 'Q6_K', 32: 'BF16',
};

/** What `apr show --json` prints. */
export interface ShowReport {
  readonly name: string;
  readonly id: string;
  readonly digest: string;
  readonly path: string;
  readonly linked: boolean;
  readonly size: number;
  readonly modified: string;
  readonly architecture: string | null;
  readonly parameters: number;
  readonly quantization: string;
  readonly contextLength: number | null;
  readonly chatTemplate: string | null;
  readonly license: string | null;
  /** Layer kinds of the manifest, e.g. `['model']`. */
  readonly layers: readonly string[];
  /** Text of the manifest's template / params / license layers (Ollama registry models carry them). */
  readonly templateLayer: string | null;
  readonly paramsLayer: string | null;
  readonly licenseLayer: string | null;
}

/** Layers above this size are not printed (a template or params layer is a few KB). */
const MAX_LAYER_TEXT = 256 * 1024;

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/**
 * The quant: `general.file_type` when the file has it (llama.cpp's "mostly Q4_K_M" label), else the
 * most frequent non-f32 tensor type (norms and biases stay f32 in every quant).
 */
function quantization(metadata: Record<string, unknown>, types: Record<string, number>): string {
  const ft = metadata['general.file_type'];
  if (typeof ft === 'number' && FILE_TYPES[ft]) return FILE_TYPES[ft];
  const ranked = Object.entries(types).sort((a, b) => b[1] - a[1]);
  return (ranked.find(([t]) => t.toLowerCase() !== 'f32') ?? ranked[0] ?? ['unknown'])[0].toUpperCase();
}

/** The text of the first `kind` layer, read through `blobPath`; null when absent or too large. */
function layerText(s: ShowResult, kind: LayerKind, blobPath: (digest: string) => string): string | null {
  const l = s.manifest.layers.find((x) => layerKind(x.mediaType) === kind);
  if (!l || l.size > MAX_LAYER_TEXT) return null;
  return readFileSync(l.path ?? blobPath(l.digest), 'utf8');
}

/**
 * Builds the report of a stored model: the GGUF's header, plus the text of its template, params and
 * license layers read through `blobPath` (the store's).
 */
export function showReport(s: ShowResult, blobPath: (digest: string) => string): ShowReport {
  if (!s.modelPath) throw new CliError(`model '${s.display}' has no model layer in its manifest; remove it with 'apr rm ${s.display}'`);
  const r = inspectModel(s.modelPaths);
  return {
    name: s.display,
    id: s.id,
    digest: s.digest,
    path: s.modelPath,
    linked: s.linked,
    size: s.size,
    modified: s.modified.toISOString(),
    architecture: r.architecture,
    parameters: r.parameterCount,
    quantization: quantization(r.metadata, r.types),
    contextLength: r.contextLength,
    chatTemplate: str(r.metadata['tokenizer.chat_template']),
    license: str(r.metadata['general.license']),
    layers: s.manifest.layers.map((l) => layerKind(l.mediaType) ?? l.mediaType),
    templateLayer: layerText(s, 'template', blobPath),
    paramsLayer: layerText(s, 'params', blobPath),
    licenseLayer: layerText(s, 'license', blobPath),
  };
}

const indent = (text: string) => text.replace(/\n$/, '').split('\n').map((l) => `  ${l}`);

/** The text `apr show` prints. */
export function showText(r: ShowReport): string {
  const lines = [
    `  name              ${r.name}`,
    `  id                ${r.id}`,
    `  architecture      ${r.architecture ?? '(none)'}`,
    `  parameters        ${formatCount(r.parameters)}`,
    `  quantization      ${r.quantization}`,
    `  context length    ${r.contextLength ?? '(unknown)'}`,
    `  license           ${r.license ?? (r.licenseLayer ? `${r.licenseLayer.trim().split('\n')[0]} (license layer)` : '(none in the file)')}`,
    `  size              ${humanSize(r.size)}`,
    `  path              ${r.path}${r.linked ? ' (linked in place)' : ''}`,
    `  layers            ${r.layers.join(', ')}`,
    '',
    'Template',
    ...indent(r.chatTemplate ?? '(none: the GGUF has no tokenizer.chat_template)'),
    ...(r.templateLayer !== null ? ['', 'Template layer (Ollama Go template; apr renders the GGUF template above)', ...indent(r.templateLayer)] : []),
    ...(r.paramsLayer !== null ? ['', 'Parameters layer', ...indent(r.paramsLayer)] : []),
    ...(r.licenseLayer !== null ? ['', 'License layer', ...indent(r.licenseLayer)] : []),
  ];
  return `Model\n${lines.join('\n')}\n`;
}

/** Registers `apr show`. */
export function registerShow(program: Command, io: { stdout: NodeJS.WritableStream }): void {
  program
    .command('show')
    .description('show a stored model: architecture, parameters, quantization, context length, template, license, path')
    .argument('<ref>', 'model name, e.g. qwen2.5-coder:1.5b')
    .option('--json', 'print one JSON object')
    .action(async (ref: string, flags: { json?: boolean }) => {
      const store = openStore();
      const s = await withRefErrors(() => store.show(ref));
      const r = showReport(s, (d) => store.blobPath(d));
      io.stdout.write(flags.json ? `${JSON.stringify(r)}\n` : showText(r));
    });
}
