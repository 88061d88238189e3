import type { Command } from 'commander';
import { type GGUFHeader, type GGUFValue, GGUFValueType, findDType, readGGUFHeaderSync, valueTypeName } from '@sovereign/realizar';
import { assertModelFile } from '../model-loader.js';
import { resolveModelArg } from '../model-ref.js';
import { formatBytes, formatCount, table } from '../format.js';

/** Arrays longer than this are summarised as `{type, length}` in reports. */
const ARRAY_SUMMARY_THRESHOLD = 16;

/** What `apr inspect --json` prints (one object). */
export interface InspectReport {
  file: string;
  format: 'gguf';
  version: number;
  architecture: string | null;
  name: string | null;
  fileSize: number;
  tensorCount: number;
  parameterCount: number;
  /** Tensor count per ggml type name, e.g. `{ q4_K: 120, f32: 49 }`. */
  types: Record<string, number>;
  contextLength: number | null;
  vocabSize: number | null;
  chatTemplate: boolean;
  alignment: number;
  dataOffset: number;
  /** Every KV pair; arrays longer than 16 items become `{ type: 'array<T>', length }`. */
  metadata: Record<string, unknown>;
  tensors?: Array<{ name: string; type: string; shape: number[]; offset: number; bytes: number }>;
}

function jsonScalar(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v;
}

function dtypeName(type: number): string {
  return findDType(type)?.name ?? `type${type}`;
}

/** Shortest decimal that reads back as the same float32 (so 1e-5 prints as 0.00001, not 0.0000099999997). */
function shortestF32(x: number): number {
  if (!Number.isFinite(x)) return x;
  for (let p = 1; p < 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return y;
  }
  return x;
}

/** A metadata value as plain JSON; large arrays summarised. */
function summarise(v: GGUFValue): unknown {
  if (v.type === GGUFValueType.FLOAT32) return jsonScalar(shortestF32(v.value));
  if (v.type !== GGUFValueType.ARRAY) return jsonScalar(v.value);
  const items = v.value as ArrayLike<unknown>;
  if (items.length > ARRAY_SUMMARY_THRESHOLD) return { type: `array<${valueTypeName(v.itemType)}>`, length: items.length };
  return Array.from(items, (item) =>
    v.itemType === GGUFValueType.ARRAY ? summarise(item as GGUFValue) : jsonScalar(item),
  );
}

function numberOf(file: GGUFHeader, key: string): number | null {
  const v = file.metadata.get(key);
  if (!v || v.type === GGUFValueType.ARRAY || typeof v.value === 'string' || typeof v.value === 'boolean') return null;
  return Number(v.value);
}

function stringOf(file: GGUFHeader, key: string): string | null {
  const v = file.metadata.get(key);
  return v && v.type === GGUFValueType.STRING ? (v.value as string) : null;
}

/**
 * Reads the header of `path` (metadata and tensor infos, never the tensor data, so a 20 GB model
 * costs a few MB of reads) and builds the inspection report. Throws the reader's typed errors on
 * bad files, including a truncated one whose tensor data would end past the end of the file.
 * A split model's ordered shard paths report over all shards (size, tensors); `file` is the first.
 */
export function inspectModel(paths: string | readonly string[], options: { tensors?: boolean } = {}): InspectReport {
  const list = typeof paths === 'string' ? [paths] : paths;
  for (const p of list) assertModelFile(p);
  const path = list[0];
  const file = readGGUFHeaderSync(list.length === 1 ? path : list);
  const arch = stringOf(file, 'general.architecture');
  const types: Record<string, number> = {};
  let parameterCount = 0;
  for (const t of file.tensors) {
    const name = dtypeName(t.type);
    types[name] = (types[name] ?? 0) + 1;
    parameterCount += t.nElements;
  }
  const tokens = file.metadata.get('tokenizer.ggml.tokens');
  const vocabSize =
    (tokens && tokens.type === GGUFValueType.ARRAY ? (tokens.value as ArrayLike<unknown>).length : null) ??
    (arch ? numberOf(file, `${arch}.vocab_size`) : null);
  const metadata: Record<string, unknown> = {};
  for (const [key, value] of file.metadata) metadata[key] = summarise(value);
  const report: InspectReport = {
    file: path,
    format: 'gguf',
    version: file.version,
    architecture: arch,
    name: stringOf(file, 'general.name'),
    fileSize: file.fileSize,
    tensorCount: file.tensors.length,
    parameterCount,
    types,
    contextLength: arch ? numberOf(file, `${arch}.context_length`) : null,
    vocabSize,
    chatTemplate: file.metadata.has('tokenizer.chat_template'),
    alignment: file.alignment,
    dataOffset: file.dataOffset,
    metadata,
  };
  if (options.tensors) {
    report.tensors = file.tensors.map((t) => ({
      name: t.name,
      type: dtypeName(t.type),
      shape: [...t.dims],
      offset: t.offset,
      bytes: t.byteSize,
    }));
  }
  return report;
}

function printHuman(r: InspectReport, out: NodeJS.WritableStream): void {
  const lines = [
    `file:            ${r.file}`,
    `format:          GGUF v${r.version} (alignment ${r.alignment}, data at byte ${r.dataOffset})`,
    `architecture:    ${r.architecture ?? '(none)'}${r.name ? ` — ${r.name}` : ''}`,
    `parameters:      ${formatCount(r.parameterCount)} (${r.parameterCount})`,
    `file size:       ${formatBytes(r.fileSize)}`,
    `tensors:         ${r.tensorCount} (${Object.entries(r.types)
      .sort((a, b) => b[1] - a[1])
      .map(([t, n]) => `${t} ${n}`)
      .join(', ')})`,
    `context length:  ${r.contextLength ?? '(unknown)'}`,
    `vocab size:      ${r.vocabSize ?? '(no tokenizer)'}`,
    `chat template:   ${r.chatTemplate ? 'yes' : 'no'}`,
    '',
    `metadata (${Object.keys(r.metadata).length} keys):`,
  ];
  for (const [k, v] of Object.entries(r.metadata)) {
    let s = JSON.stringify(v);
    if (s.length > 100) s = `${s.slice(0, 97)}...`;
    lines.push(`  ${k.padEnd(44)} ${s}`);
  }
  out.write(`${lines.join('\n')}\n`);
  if (r.tensors) {
    out.write(`\ntensors (${r.tensors.length}):\n`);
    out.write(
      table(
        ['#', 'name', 'type', 'shape', 'offset', 'bytes'],
        r.tensors.map((t, i) => [String(i), t.name, t.type, `[${t.shape.join(', ')}]`, String(t.offset), String(t.bytes)]),
      ),
    );
  }
}

/** Registers `apr inspect FILE [--json] [--tensors]`. */
export function registerInspect(program: Command, io: { stdout: NodeJS.WritableStream }): void {
  program
    .command('inspect')
    .description('show a model file: architecture, parameters, tensor types, metadata (like gguf-dump)')
    .argument('<file>', 'model file (GGUF) or a model in the store (name:tag)')
    .option('--json', 'print one JSON object')
    .option('--tensors', 'list every tensor (name, type, shape, offset, bytes)')
    .action(async (file: string, opts: { json?: boolean; tensors?: boolean }) => {
      const report = inspectModel(await resolveModelArg(file, { pull: false }), { tensors: opts.tensors });
      if (opts.json) io.stdout.write(`${JSON.stringify(report)}\n`);
      else printHuman(report, io.stdout);
    });
}
