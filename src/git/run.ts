// Running one git command with a time limit and turning its failure into a GitError. git hands
// network work to helpers (git-remote-https, ssh) that inherit its output pipes; when git is
// killed at the limit such a helper may keep the pipes open a while longer, so the limit is
// enforced here as well and the caller is released at once (the helper gives up on its own
// through the low-speed limit or ssh's keep-alives, see access.ts).
import { formatBytes, LIMIT_FLAGS } from "../core/limits.ts";
import { type RunResult, runCommand } from "../util/exec.ts";
import { describeFailure, type FailureContext, failureMessage } from "./classify.ts";
import { scrubSecrets } from "./credentials.ts";
import { GitError } from "./errors.ts";

export interface GitRunOptions {
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Secret values to scrub from the message of a failure. */
  secrets: readonly string[];
  /** What is being done to which repository, for the message of a failure. */
  context: FailureContext;
  /** Most bytes of output git may write before it is stopped; default: no limit. */
  maxOutputBytes?: number;
}

/** Runs git and returns its standard output; a non-zero exit becomes a classified GitError. */
export async function runGit(args: readonly string[], options: GitRunOptions): Promise<string> {
  const result = await probeGit(args, options);
  if (result.code === 0) return result.stdout;
  const failure = describeFailure(result.stderr || result.stdout, options.context);
  throw new GitError(failure.code, safeText(failure.message, options.secrets), options.context.repo);
}

/** Runs git and returns its result whatever the exit code; only exceeding the time limit throws. */
export async function probeGit(args: readonly string[], options: GitRunOptions): Promise<RunResult> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<"expired">((resolve) => {
    timer = setTimeout(() => resolve("expired"), options.timeoutMs);
  });
  const started = performance.now();
  try {
    const result = await Promise.race([
      runCommand("git", args, {
        env: options.env,
        timeoutMs: options.timeoutMs,
        ...(options.maxOutputBytes !== undefined ? { maxOutputBytes: options.maxOutputBytes } : {}),
      }),
      expired,
    ]);
    if (result !== "expired" && result.outputLimited) {
      const { operation, repo } = options.context;
      throw new GitError(
        "too-large",
        `git ${operation} of ${repo} wrote more than ${formatBytes(options.maxOutputBytes ?? 0)} of output, the limit per git command (${LIMIT_FLAGS.maxOutputBytes}), and was stopped`,
        repo,
      );
    }
    if (result === "expired" || (result.code !== 0 && performance.now() - started >= options.timeoutMs)) {
      const context = { ...options.context, timeoutMs: options.timeoutMs };
      throw new GitError(
        "timeout",
        safeText(failureMessage("timeout", context), options.secrets),
        context.repo,
      );
    }
    return result;
  } finally {
    clearTimeout(timer);
  }
}

function safeText(text: string, secrets: readonly string[]): string {
  return scrubSecrets(text, secrets);
}
