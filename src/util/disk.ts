// How much disk a folder takes: the sum of the sizes of everything below it. Symbolic links are
// counted as links, never followed, so a link cannot make a folder look larger or smaller.
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

/** Bytes taken by the files below a folder; 0 when it is gone. */
export async function folderBytes(path: string): Promise<number> {
  let total = 0;
  const pending = [path];
  while (pending.length > 0) {
    const current = pending.pop() as string;
    const info = await lstat(current).catch(() => null);
    if (!info) continue;
    total += info.size;
    if (!info.isDirectory()) continue;
    const names = await readdir(current).catch(() => [] as string[]);
    for (const name of names) pending.push(join(current, name));
  }
  return total;
}
