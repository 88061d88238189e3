/**
 * Shared by the native tests: the addon if it loads, else the reason, printed once, for which
 * every addon-dependent test skips (so the suite passes on a machine without a compiler).
 */
import type { NativeAddon } from './native-addon.js';
import { loadNative } from './load-native.js';

const loaded = loadNative();

/** The addon, or null when it is unavailable. */
export const nativeAddon: NativeAddon | null = loaded.addon;

/** Why the addon is unavailable (undefined when it loaded). */
export const skipReason: string | undefined = loaded.addon ? undefined : loaded.reason;

if (skipReason) console.warn(`[trueno native tests] skipping addon tests: ${skipReason}`);

/** Suite title with the skip reason appended when the addon is absent. */
export function nativeSuite(title: string): string {
  return skipReason ? `${title} (skipped: ${skipReason})` : title;
}

/** Runs `fn` once per kernel set this CPU supports, restoring the ISA and thread count after. */
export function forEachIsa(addon: NativeAddon, fn: (isa: string) => void): void {
  const { isa: saved, threads } = addon.info();
  try {
    for (const isa of addon.info().isas) {
      if (!addon.setIsa(isa)) throw new Error(`setIsa(${isa}) refused an ISA the addon listed`);
      fn(isa);
    }
  } finally {
    addon.setIsa(saved);
    addon.setThreads(threads);
  }
}
