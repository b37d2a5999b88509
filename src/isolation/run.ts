// Running a program inside the sandbox, with runCommand's contract: time limit, output cap,
// cancellation through an AbortSignal, an interrupt signal first and a kill after a grace.
//
// bwrap does not pass signals on: an interrupt sent to it kills bwrap, and with it (through
// --die-with-parent) the program, before the program could react. tofu must get its SIGINT
// itself, or it never releases the state lock. So bwrap reports the program's PID on a status
// pipe of its own and the interrupt goes straight to that PID; the kill after the grace goes to
// bwrap, which takes the whole sandbox with it.
import { lchown, readdir } from "node:fs/promises";
import { join } from "node:path";
import { bwrapArgs, childPidOf, SANDBOX_UID, type SandboxView } from "../core/isolation/bwrap.ts";
import { type RunOptions, type RunResult, runCommand } from "../util/exec.ts";
import type { Sandbox } from "./sandbox.ts";

/** What the program sees; the working folder and environment come from the run's options. */
export type SandboxMounts = Pick<SandboxView, "readWrite" | "readOnly" | "network">;

/**
 * bwrap's status channel: a pipe of its own (bwrap closes it in the sandbox; on stdout or stderr
 * it would take the program's output with it).
 */
const STATUS_FD = 3;

/**
 * Runs `file args` in the sandbox. `options.cwd` (required) must lie in the mounts and
 * `options.env` is the program's whole environment.
 */
export async function runSandboxed(
  sandbox: Sandbox,
  mounts: SandboxMounts,
  file: string,
  args: readonly string[],
  options: RunOptions & { cwd: string },
): Promise<RunResult> {
  const { interrupt, env, ...rest } = options;
  const view: SandboxView = {
    ...mounts,
    system: sandbox.system,
    cwd: options.cwd,
    env: definedOnly(env ?? {}),
  };
  let pid: number | undefined;
  let status = "";
  /** The interrupt goes to the program itself; before bwrap named it, there is nothing to interrupt. */
  const deliver = (signal: NodeJS.Signals): boolean => {
    if (pid === undefined) return false;
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  };
  // As root, the program runs as the host's uid 65534: what it may write must be that uid's.
  if (sandbox.drop === "setuid") for (const path of mounts.readWrite) await handOver(path);
  return runCommand(sandbox.bwrap, bwrapArgs(view, file, args, STATUS_FD, sandbox.drop), {
    ...rest,
    cwd: "/",
    env: {},
    ...(interrupt ? { interrupt: { ...interrupt, deliver } } : {}),
    onFd3: (chunk) => {
      status += chunk;
      // Whole lines only: a PID cut in two would name another process.
      if (pid === undefined && status.includes("\n")) pid = childPidOf(status.slice(0, status.indexOf("\n")));
    },
  });
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) out[name] = value;
  return out;
}

/**
 * Gives a writable folder, and everything in it, to the sandbox's uid. The controller, being root,
 * keeps reading and removing it; links are changed themselves, never followed.
 */
async function handOver(path: string): Promise<void> {
  await lchown(path, SANDBOX_UID, SANDBOX_UID);
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) await handOver(child);
    else await lchown(child, SANDBOX_UID, SANDBOX_UID);
  }
}
