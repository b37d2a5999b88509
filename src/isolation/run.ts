// Running a program inside the sandbox, with the same contract as runCommand: time limit,
// cancellation through an AbortSignal, an interrupt signal first and a kill after a grace.
//
// bwrap does not pass signals on: an interrupt sent to it kills bwrap, and with it (through
// --die-with-parent) the program, before the program could react. tofu must get its SIGINT
// itself, or it never releases the state lock. So bwrap reports the program's PID on a status
// pipe of its own and the interrupt goes straight to that PID; the kill after the grace goes to
// bwrap, which takes the whole sandbox with it.
import { bwrapArgs, childPidOf, type SandboxView } from "../core/isolation/bwrap.ts";
import { ABORTED_CODE, type RunOptions, type RunResult, runCommand } from "../util/exec.ts";
import type { Sandbox } from "./sandbox.ts";

/** What the program sees; the working folder and environment come from the run's options. */
export type SandboxMounts = Pick<SandboxView, "readWrite" | "readOnly" | "network">;

/**
 * bwrap's status channel: a pipe of its own (bwrap closes it in the sandbox; on stdout or stderr
 * it would take the program's output with it).
 */
const STATUS_FD = 3;

interface Stop {
  code: number;
  aborted: boolean;
  note: string;
}

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
  const { timeoutMs, interrupt, signal, onOutput, env, ...rest } = options;
  if (signal?.aborted) return runCommand(file, args, { signal });
  const view: SandboxView = {
    ...mounts,
    system: sandbox.system,
    cwd: options.cwd,
    env: definedOnly(env ?? {}),
  };
  const argv = bwrapArgs(view, file, args, STATUS_FD);
  const kill = new AbortController();
  let pid: number | undefined;
  let status = "";
  let stopped: Stop | undefined;
  let grace: NodeJS.Timeout | undefined;
  const stop = (reason: Stop) => {
    if (stopped) return;
    stopped = reason;
    if (interrupt && pid !== undefined) {
      try {
        process.kill(pid, interrupt.signal);
      } catch {
        // Already gone.
      }
      grace = setTimeout(() => kill.abort(), interrupt.graceMs);
      grace.unref();
    } else {
      kill.abort();
    }
  };
  const onAbort = () =>
    stop({ code: ABORTED_CODE, aborted: true, note: `${file} was interrupted: its run was cancelled` });
  signal?.addEventListener("abort", onAbort, { once: true });
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(
          () => stop({ code: 124, aborted: false, note: `${file} was interrupted after ${timeoutMs} ms` }),
          timeoutMs,
        );
  try {
    const result = await runCommand(sandbox.bwrap, argv, {
      ...rest,
      cwd: "/",
      env: {},
      signal: kill.signal,
      ...(onOutput ? { onOutput } : {}),
      onFd3: (chunk) => {
        status += chunk;
        // Whole lines only: a PID cut in two would name another process.
        if (pid === undefined && status.includes("\n"))
          pid = childPidOf(status.slice(0, status.indexOf("\n")));
      },
    });
    const { aborted: _killedByUs, ...plain } = result;
    if (!stopped) return plain;
    return {
      ...plain,
      code: stopped.code,
      stderr: `${plain.stderr}\n${stopped.note}`,
      ...(stopped.aborted ? { aborted: true as const } : {}),
    };
  } finally {
    clearTimeout(timer);
    clearTimeout(grace);
    signal?.removeEventListener("abort", onAbort);
  }
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) out[name] = value;
  return out;
}
