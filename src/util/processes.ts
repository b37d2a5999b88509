// Which processes on this machine work where, read from /proc (Linux). Used to tell whether a
// tofu started by an earlier controller process still runs in a Stack's run folder: such a run
// may hold the state lock, and its folder must not be removed or reused under it.
import { readdirSync, readlinkSync } from "node:fs";

/** The working directories of all processes whose working directory is `dir` or below it. */
export function processesWorkingUnder(dir: string): string[] {
  const prefix = dir.endsWith("/") ? dir : `${dir}/`;
  const found: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if (cwd === dir || cwd.startsWith(prefix)) found.push(cwd);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}
