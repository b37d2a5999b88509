// Running other programs. Every call takes an argument array and never goes through a shell,
// so no input can be interpreted as shell syntax.
import { spawn } from "node:child_process";

export interface RunOptions {
  /** Working directory; default: the current one. */
  cwd?: string;
  /** Environment; default: this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Data written to the program's standard input; default: none (stdin closed). */
  input?: string;
  /** Kill the program after this many milliseconds; default: no limit. */
  timeoutMs?: number;
  /**
   * At the time limit, first send this signal and wait `graceMs` for the program to stop on its
   * own (OpenTofu stops cleanly on SIGINT and releases its state lock); then SIGKILL. Default:
   * SIGKILL at once.
   */
  interrupt?: {
    signal: NodeJS.Signals;
    graceMs: number;
    /**
     * Delivers the signal; false when it cannot (the program is then killed at once). Default:
     * to the program started. A wrapper that does not pass signals on (bubblewrap) sends it to
     * the program it runs instead.
     */
    deliver?: (signal: NodeJS.Signals) => boolean;
  };
  /**
   * Most bytes of output (stdout and stderr together) kept from the program; past it the program
   * is stopped as at the time limit (`interrupt` first when given) and the result says
   * `outputLimited`, so a program printing without end cannot fill the caller's memory. Default:
   * no limit.
   */
  maxOutputBytes?: number;
  /** Called with each chunk of combined output as it arrives; default: none. */
  onOutput?: (chunk: string) => void;
  /**
   * Opens a fourth pipe as the program's file descriptor 3 and calls this with what it writes
   * there: a wrapper's status channel, kept apart from the program's output (bubblewrap's
   * --json-status-fd). Default: none.
   */
  onFd3?: (chunk: string) => void;
  /**
   * Cancels the run: when it aborts, the program is stopped as at the time limit (`interrupt`
   * first when given, SIGKILL after its grace; SIGKILL at once otherwise), and the result says
   * `aborted` with code 130 (what a shell reports for a program stopped by Ctrl-C). A signal that
   * has already aborted starts nothing. Default: none.
   */
  signal?: AbortSignal;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Set when `signal` aborted the run; the code is then 130. */
  aborted?: true;
  /** Set when the program was killed for writing more than `maxOutputBytes`; the code is then 125. */
  outputLimited?: true;
}

/** The exit code reported for a run stopped for writing too much output. */
export const OUTPUT_LIMITED_CODE = 125;

/** The exit code reported for a run cancelled through its AbortSignal. */
export const ABORTED_CODE = 130;

/** A program exited non-zero (or could not start); the message says which and why. */
export class CommandError extends Error {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  constructor(file: string, args: readonly string[], result: RunResult) {
    const tail = lastLines(result.stderr || result.stdout, 15);
    super(`${file} ${args.join(" ")} exited with code ${result.code}${tail ? `:\n${tail}` : ""}`);
    this.name = "CommandError";
    this.code = result.code;
    this.stdout = result.stdout;
    this.stderr = result.stderr;
  }
}

/** Why a program is stopped before it ends on its own, and what its result then says. */
interface StopReason {
  code: number;
  aborted: boolean;
  outputLimited?: boolean;
  /** Note added to stderr when the program exits after the interrupt signal. */
  interrupted: string;
  /** Note added to stderr when it had to be killed. */
  killed: string;
}

/** Runs a program to completion and returns its output, whatever its exit code. */
export function runCommand(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    if (options.signal?.aborted) {
      const stderr = `${file} was not started: its run was cancelled`;
      resolve({ code: ABORTED_CODE, stdout: "", stderr, aborted: true });
      return;
    }
    let stdout = "";
    let stderr = "";
    let timer: NodeJS.Timeout | undefined;
    let grace: NodeJS.Timeout | undefined;
    /** Set once the program is being stopped: its exit then reports why, not its own code. */
    let stopping: StopReason | undefined;
    let settled = false;
    const settle = (result: RunResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(grace);
      options.signal?.removeEventListener("abort", onAbort);
      resolve(result);
    };
    const settleStopped = (reason: StopReason, note: string) =>
      settle({
        code: reason.code,
        stdout,
        stderr: `${stderr}\n${note}`,
        ...(reason.aborted ? { aborted: true as const } : {}),
        ...(reason.outputLimited ? { outputLimited: true as const } : {}),
      });
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: options.onFd3 ? ["pipe", "pipe", "pipe", "pipe"] : ["pipe", "pipe", "pipe"],
    });
    const fd3 = options.onFd3 ? (child.stdio[3] as NodeJS.ReadableStream & { destroy(): void }) : undefined;
    fd3?.setEncoding("utf8").on("data", (chunk: string) => options.onFd3?.(chunk));
    const kill = (reason: StopReason) => {
      child.kill("SIGKILL");
      // A grandchild may still hold the output pipes open; stop reading instead of waiting.
      child.stdout.destroy();
      child.stderr.destroy();
      fd3?.destroy();
      settleStopped(reason, reason.killed);
    };
    /** The first reason to stop wins; `interrupt` lets the program clean up before the kill. */
    const stop = (reason: StopReason) => {
      if (stopping || settled) return;
      stopping = reason;
      clearTimeout(timer);
      if (!options.interrupt) {
        kill(reason);
        return;
      }
      const { deliver, signal } = options.interrupt;
      if (!deliver) child.kill(signal);
      else if (!deliver(signal)) {
        kill(reason);
        return;
      }
      grace = setTimeout(() => kill(reason), options.interrupt.graceMs);
      grace.unref();
    };
    function onAbort() {
      stop({
        code: ABORTED_CODE,
        aborted: true,
        interrupted: `${file} was interrupted: its run was cancelled`,
        killed: `${file} was stopped: its run was cancelled`,
      });
    }
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.timeoutMs !== undefined) {
      const limit = options.timeoutMs;
      const reason: StopReason = {
        code: 124,
        aborted: false,
        interrupted: `${file} was interrupted after ${limit} ms`,
        killed: `${file} was stopped after ${limit} ms`,
      };
      timer = setTimeout(() => stop(reason), limit);
    }
    let outputBytes = 0;
    /** Counts a chunk; false once the output limit is passed (the program is then being killed). */
    const withinLimit = (chunk: string): boolean => {
      if (options.maxOutputBytes === undefined) return true;
      outputBytes += Buffer.byteLength(chunk);
      if (outputBytes <= options.maxOutputBytes) return true;
      // Stopped as at the time limit: `interrupt` first when given (tofu then releases its lock).
      stop({
        code: OUTPUT_LIMITED_CODE,
        aborted: false,
        outputLimited: true,
        interrupted: `${file} was interrupted: it wrote more than ${options.maxOutputBytes} bytes of output`,
        killed: `${file} was stopped: it wrote more than ${options.maxOutputBytes} bytes of output`,
      });
      return false;
    };
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      if (!withinLimit(chunk)) return;
      stdout += chunk;
      options.onOutput?.(chunk);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      if (!withinLimit(chunk)) return;
      stderr += chunk;
      options.onOutput?.(chunk);
    });
    child.on("error", (err) => settle({ code: 127, stdout, stderr: stderr + String(err.message) }));
    child.on("close", (code, signal) =>
      stopping
        ? settleStopped(stopping, stopping.interrupted)
        : settle({ code: code ?? (signal ? 128 : 1), stdout, stderr }),
    );
    child.stdin.on("error", () => {});
    child.stdin.end(options.input ?? "");
  });
}

/** Runs a program and throws a CommandError unless it exits 0. */
export async function runChecked(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const result = await runCommand(file, args, options);
  if (result.code !== 0) throw new CommandError(file, args, result);
  return result;
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split("\n").slice(-count).join("\n");
}
