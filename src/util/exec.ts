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
  interrupt?: { signal: NodeJS.Signals; graceMs: number };
  /** Called with each chunk of combined output as it arrives; default: none. */
  onOutput?: (chunk: string) => void;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

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

/** Runs a program to completion and returns its output, whatever its exit code. */
export function runCommand(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: RunResult) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      resolve(result);
    };
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timer: NodeJS.Timeout | undefined;
    /** Set once the time limit interrupted the program: its exit then reports the timeout. */
    let interrupted: string | undefined;
    if (options.timeoutMs !== undefined) {
      const limit = options.timeoutMs;
      const kill = () => {
        child.kill("SIGKILL");
        // A grandchild may still hold the output pipes open; stop reading instead of waiting.
        child.stdout.destroy();
        child.stderr.destroy();
        settle({ code: 124, stdout, stderr: `${stderr}\n${file} was stopped after ${limit} ms` });
      };
      timer = setTimeout(() => {
        if (!options.interrupt) {
          kill();
          return;
        }
        interrupted = `${file} was interrupted after ${limit} ms`;
        child.kill(options.interrupt.signal);
        const grace = setTimeout(kill, options.interrupt.graceMs);
        grace.unref();
      }, limit);
    }
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      options.onOutput?.(chunk);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      options.onOutput?.(chunk);
    });
    child.on("error", (err) => settle({ code: 127, stdout, stderr: stderr + String(err.message) }));
    child.on("close", (code, signal) =>
      settle(
        interrupted
          ? { code: 124, stdout, stderr: `${stderr}\n${interrupted}` }
          : { code: code ?? (signal ? 128 : 1), stdout, stderr },
      ),
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
