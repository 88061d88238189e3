/**
 * Shared helpers of the model-store commands (`apr list/show/rm/cp/import`): the store at
 * `$PACHA_HOME`, pacha's reference errors as usage errors, and `ollama list`-style formatting.
 */
import { RefError, Store, defaultPachaHome } from '@sovereign/pacha';
import { CliError } from '../cli-error.js';

/** The store at `$PACHA_HOME` (default `~/.cache/pacha`), read from the environment at each call. */
export function openStore(): Store {
  return new Store(defaultPachaHome(process.env));
}

/** Runs `fn`, turning a malformed reference into a usage error (exit 2). */
export async function withRefErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RefError) throw new CliError(err.message, 2);
    throw err;
  }
}

/** Decimal units as `ollama list` prints them: `397 MB`, `4.7 GB`. */
export function humanSize(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${n} B` : `${v >= 10 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** `now - t` as people say it: `Less than a second ago`, `3 minutes ago`, `2 days ago`. */
export function timeAgo(t: Date, now: Date = new Date()): string {
  const s = Math.max(0, (now.getTime() - t.getTime()) / 1000);
  if (s < 1) return 'Less than a second ago';
  const steps: Array<[number, string]> = [
    [60, 'second'],
    [60, 'minute'],
    [24, 'hour'],
    [7, 'day'],
    [4.345, 'week'],
    [12, 'month'],
    [Infinity, 'year'],
  ];
  let v = s;
  for (const [per, unit] of steps) {
    if (v < per) {
      const k = Math.floor(v);
      return k === 1 ? `1 ${unit} ago` : `${k} ${unit}s ago`;
    }
    v /= per;
  }
  return 'long ago';
}
