// Long-running sandbox processes: started detached in their own process group so they outlive the
// `moor` command that started them, with output going to a log file; found again later by pid,
// checked against /proc so that a recycled pid is never mistaken for (or killed as) ours.
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

export interface RunningProcess {
  pid: number;
  /** The executable, to recognise the process again by its command line. */
  file: string;
}

export function startDetached(file: string, args: readonly string[], logPath: string): RunningProcess {
  const fd = openSync(logPath, "a");
  try {
    const child = spawn(file, args, { detached: true, stdio: ["ignore", fd, fd] });
    if (child.pid === undefined) throw new Error(`could not start ${file}`);
    child.unref();
    return { pid: child.pid, file };
  } finally {
    closeSync(fd);
  }
}

/** True when the pid is alive and still runs the same executable. */
export function isRunning(proc: RunningProcess): boolean {
  try {
    const cmdline = readFileSync(`/proc/${proc.pid}/cmdline`, "utf8");
    const stat = readFileSync(`/proc/${proc.pid}/stat`, "utf8");
    // A zombie (state Z) has exited and only waits to be reaped.
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (state === "Z") return false;
    // A process the kernel is still setting up (just forked, or in the middle of exec on a busy
    // machine) can show an empty command line for a moment: alive, not yet the program. Reading
    // that as "exited" once failed a sandbox's start-up with an etcd that never got to log.
    if (cmdline === "") return true;
    return cmdline.split("\0")[0] === proc.file;
  } catch {
    return false;
  }
}

/** Stops a process group: SIGTERM, then SIGKILL after the grace period. */
export async function stopProcess(proc: RunningProcess, graceMs = 5000): Promise<void> {
  if (!isRunning(proc)) return;
  signalGroup(proc.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isRunning(proc)) return;
    await sleep(50);
  }
  signalGroup(proc.pid, "SIGKILL");
  const killDeadline = Date.now() + 5000;
  while (isRunning(proc) && Date.now() < killDeadline) await sleep(50);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}
