// From git's stderr to a GitError code and a message a user can act on. git reports the same
// failure differently per transport (curl for http, ssh's own words, upload-pack for file), so
// each cause is a row of patterns; the first row that matches wins, which is why "could not read
// Username" (git asked for a password it may not prompt for) is tested before generic "not found".
import type { GitErrorCode } from "./errors.ts";
import { redactURLs, type Transport } from "./url.ts";

export interface FailureContext {
  /** The git subcommand that failed, e.g. "fetch". */
  operation: string;
  /** The repository as safe to print. */
  repo: string;
  transport: Transport;
  /** The revision asked for, when there is one. */
  revision?: string;
  /** The time limit that was exceeded, for timeouts. */
  timeoutMs?: number;
}

export interface Failure {
  code: GitErrorCode;
  message: string;
}

type Cause = GitErrorCode | "host-key";

const CAUSES: readonly { cause: Cause; pattern: RegExp }[] = [
  {
    cause: "host-key",
    pattern: /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key .* not known/i,
  },
  {
    cause: "auth-failed",
    pattern:
      /Authentication failed|could not read (Username|Password)|terminal prompts disabled|returned error: 40[13]|Permission denied \(|HTTP Basic: Access denied|invalid (username|credentials)/i,
  },
  {
    cause: "revision-not-found",
    pattern: /couldn't find remote ref|not our ref|unadvertised object|unknown revision|bad revision/i,
  },
  {
    cause: "repo-not-found",
    pattern:
      /returned error: 404|repository '.*' not found|Repository not found|does not appear to be a git repository|not a git repository|could not be found/i,
  },
  {
    cause: "unreachable",
    pattern:
      /Could not resolve host|Connection refused|Failed to connect|Couldn't connect to server|Connection timed out|Network is unreachable|No route to host|Connection reset|Connection closed by|Temporary failure in name resolution|Name or service not known/i,
  },
];

/** The cause named by git's stderr; "git-failed" when no row matches. */
export function classifyStderr(stderr: string): GitErrorCode {
  const cause = causeOf(stderr);
  return cause === "host-key" ? "auth-failed" : cause;
}

function causeOf(stderr: string): Cause {
  return CAUSES.find((row) => row.pattern.test(stderr))?.cause ?? "git-failed";
}

/** Classifies a failed git command and words its message, quoting git's own last words. */
export function describeFailure(stderr: string, context: FailureContext): Failure {
  const cause = causeOf(stderr);
  const code = classifyStderr(stderr);
  const detail = gitDetail(stderr);
  const message = wordCause(cause, context);
  return { code, message: detail ? `${message} (git: ${detail})` : message };
}

/** The message of a failure the adapter decides itself (a timeout, a revision missing from the refs). */
export function failureMessage(code: GitErrorCode, context: FailureContext): string {
  return wordCause(code, context);
}

function wordCause(cause: Cause, context: FailureContext): string {
  const { repo } = context;
  switch (cause) {
    case "host-key":
      return `the ssh host key of ${repo} is not trusted: add the server's public key to sshKnownHosts (ssh-keyscan prints it)`;
    case "auth-failed":
      return `authentication to ${repo} failed: ${authAdvice(context.transport)}`;
    case "repo-not-found":
      return `repository ${repo} not found: check repoURL; a private repository also answers "not found" when credentials are missing or wrong`;
    case "unreachable":
      return `cannot reach ${repo}: check the host name and port, and that the server is up and reachable from here`;
    case "revision-not-found":
      return `revision "${context.revision ?? ""}" not found in ${repo}: use a branch, a tag or a commit sha that exists there`;
    case "timeout":
      return `git ${context.operation} of ${repo} timed out after ${seconds(context.timeoutMs)}: check that the server answers, or raise the timeout`;
    case "git-failed":
      return `git ${context.operation} of ${repo} failed`;
    case "url-refused":
      return `repository URL ${repo} is refused`;
    case "too-large":
      return `repository ${repo} is larger than this controller's limit`;
    case "submodule-failed":
      return `a submodule of ${repo} could not be read`;
  }
}

function authAdvice(transport: Transport): string {
  if (transport === "ssh")
    return "check that sshPrivateKey holds a key the server accepts for this repository";
  return "check the username and password or token in its credentials, and that they grant read access";
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? "the time limit" : `${Math.round(ms / 100) / 10}s`;
}

const MESSAGE_LINE = /^(fatal|error|remote|ssh|ERROR|Host key)|Permission denied/;

/**
 * git's last meaningful lines (fatal:, error:, remote: ...) on one line, at most 400 characters,
 * with userinfo removed from any URL in them.
 */
export function gitDetail(stderr: string): string {
  const lines = redactURLs(stderr)
    .split(/\r?\n|\r/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const meaningful = lines.filter((line) => MESSAGE_LINE.test(line));
  const chosen = (meaningful.length > 0 ? meaningful : lines).slice(-3).join("; ");
  return chosen.length > 400 ? `${chosen.slice(0, 397)}...` : chosen;
}
