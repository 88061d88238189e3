// Child process of the kill-and-resume test: pulls argv[2] into the store at $PACHA_HOME from the
// hub at $HF_ENDPOINT with small parts, printing one line per progress event.
import { pull } from '../src/pull/pull.js';
import { Store } from '../src/store.js';

const store = new Store(process.env.PACHA_HOME);
await pull(store, process.argv[2]!, {
  minPartBytes: 64 << 10,
  parallel: 4,
  stallMs: 2000,
  backoffMs: 5,
  onProgress: (e) => process.stdout.write(`${JSON.stringify(e)}\n`),
});
