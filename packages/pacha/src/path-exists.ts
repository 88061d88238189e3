import { stat } from 'node:fs/promises';

/** Whether `path` exists (any kind of file); false on any stat error. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
