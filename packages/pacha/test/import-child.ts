// Child process of the concurrency test: for each argument `file=name` imports the file under that
// name into the store at $PACHA_HOME; for `-name` removes that name (which runs a blob GC, racing
// with the other process's imports). Exits 0 when all succeed.
import { Store } from '../src/store.js';

const store = new Store(process.env.PACHA_HOME);
for (const arg of process.argv.slice(2)) {
  if (arg.startsWith('-')) {
    await store.rm(arg.slice(1));
    continue;
  }
  const eq = arg.indexOf('=');
  await store.import(arg.slice(0, eq), arg.slice(eq + 1));
}
