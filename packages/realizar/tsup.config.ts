import { tsupPreset } from '../../tools/tsup.preset.js';

// `worker-entry` is the script of the model worker thread (src/worker): a separate entry so that
// `new URL('./worker-entry.js', import.meta.url)` finds it beside the bundle in dist/. Likewise
// `serve-worker` is the serving engine's thread (src/scheduler), found beside `server`.
export default tsupPreset({
  index: 'src/index.ts',
  gguf: 'src/gguf/index.ts',
  server: 'src/server/index.ts',
  'worker-entry': 'src/worker/worker-entry.ts',
  'serve-worker': 'src/scheduler/worker-entry.ts',
});
