// A forge is the server that hosts a repository's pull requests: Gitea/Forgejo, GitHub, GitLab.
//
// Pull-request previews need the same few things from each: read open pull requests (the poll that
// backs up lost webhooks), one pull request, and the files it changes; keep exactly one comment of
// Mooring's on it, found again by a hidden marker and edited in place on every push; set the commit
// status `mooring/preview` that branch protection can require; and ask whether a user may write to
// the repository (forks and outsiders get no Stack plan until a writer comments `/moor plan`).
// Each forge says these things in its own REST dialect; ForgeClient is the one small interface the
// preview code talks to, and gitea.ts, github.ts and gitlab.ts translate.
//
// GitLab calls a pull request a merge request and numbers it by `iid`; here both are a PullRequest
// with a `number`. A repository is `owner/name`; on GitLab the owner is the whole group path.
//
// forgeRequest below is the clients' one HTTP layer (global fetch, a timeout on every request).
// Every failure is a ForgeError with a closed code; rate-limited and unreachable are retryable,
// the rest need a person (a token, a permission, a name). Tokens travel in request headers only:
// never in a URL, an error message or a log line.

import { FORGE_KINDS, type ForgeKind } from "../core/preview/protocol.ts";
import { parseRepoLocation } from "../core/repo-url.ts";

export { FORGE_KINDS, type ForgeKind };

/** The hidden marker that identifies Mooring's own preview comment on a pull request. */
export const PREVIEW_MARKER = "<!-- mooring-preview -->";
/** The commit status context branch protection can require. */
export const PREVIEW_STATUS_CONTEXT = "mooring/preview";

/**
 * Largest comment body each forge accepts, in characters.
 * - github: 65,536 ("body is too long (maximum is 65536 characters)").
 * - gitlab: 1,000,000 (notes and descriptions are validated against a one-million-character
 *   limit since GitLab 12.x; later counted as 1 MiB of bytes, which is never smaller for ASCII).
 * - gitea: Gitea documents no limit (comment content is a LONGTEXT column); we budget 262,144 so
 *   the page Gitea renders stays usable. Forgejo is the same code.
 */
export const COMMENT_LIMITS: Readonly<Record<ForgeKind, number>> = {
  github: 65_536,
  gitlab: 1_000_000,
  gitea: 262_144,
};

export const FORGE_ERROR_CODES = [
  "unauthorized",
  "forbidden",
  "not-found",
  "rate-limited",
  "unreachable",
  "invalid",
] as const;
export type ForgeErrorCode = (typeof FORGE_ERROR_CODES)[number];

const RETRYABLE: ReadonlySet<ForgeErrorCode> = new Set(["rate-limited", "unreachable"]);

export class ForgeError extends Error {
  readonly code: ForgeErrorCode;
  /** Whether trying again later may succeed (rate-limited, unreachable). */
  readonly retryable: boolean;
  /** Seconds the forge asked us to wait, when it said (Retry-After, rate-limit reset). */
  readonly retryAfterSeconds: number | undefined;
  constructor(code: ForgeErrorCode, message: string, retryAfterSeconds?: number) {
    super(message);
    this.name = "ForgeError";
    this.code = code;
    this.retryable = RETRYABLE.has(code);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A repository on a forge: `owner/name` (GitLab: `group/subgroup/project`). */
export interface RepoRef {
  owner: string;
  name: string;
}

export function repoPath(repo: RepoRef): string {
  return `${repo.owner}/${repo.name}`;
}

/**
 * The repository an Application's or Stack's repoURL names on the forge whose web address is
 * `forgeURL` (https://github.com/, http://git.example/gitea/), or undefined when it lives elsewhere.
 * https and ssh (`git@host:team/app.git`) addresses both count; a forge served under a sub-path
 * is stripped from https ones. Names come back lower-case: all three forges ignore case in paths.
 */
export function repoRefOf(kind: ForgeKind, forgeURL: string, repoURL: string): RepoRef | undefined {
  const forge = parseRepoLocation(forgeURL);
  const repo = parseRepoLocation(repoURL);
  if (forge === undefined || repo === undefined || repo.local || repo.host !== forge.host) return undefined;
  let segments = repo.segments;
  if (repo.scheme === "http" || repo.scheme === "https") {
    if (repo.scheme !== forge.scheme || repo.port !== forge.port) return undefined;
    if (!forge.segments.every((s, i) => s === segments[i])) return undefined;
    segments = segments.slice(forge.segments.length);
  }
  const name = segments.at(-1);
  const depthOK = kind === "gitlab" ? segments.length >= 2 : segments.length === 2;
  if (!depthOK || name === undefined) return undefined;
  return { owner: segments.slice(0, -1).join("/"), name };
}

/** One side of a pull request: the branch, its commit and the repository it lives in. */
export interface PullRequestSide {
  ref: string;
  /** Head: always the commit. Base: the base commit when the forge says (GitLab hooks do not). */
  sha: string;
  /** The clone URL of the repository this side lives in (the fork's, for a fork's head). */
  repoURL: string;
}

export const PULL_REQUEST_STATES = ["open", "closed", "merged"] as const;
export type PullRequestState = (typeof PULL_REQUEST_STATES)[number];

export interface PullRequest {
  number: number;
  title: string;
  state: PullRequestState;
  base: PullRequestSide;
  head: PullRequestSide;
  /** The head lives in another repository than the base (or its fork was deleted). */
  fromFork: boolean;
  /** Login of the user who opened it. */
  author: string;
  /** The pull request's web page. */
  url: string;
  /**
   * Once merged: the commit the merge put on the base branch (a merge, squash or rebase commit).
   * Previews wait for a sync or apply containing it to show what went live.
   */
  mergeCommitSha?: string;
}

export const CHANGE_KINDS = ["added", "modified", "deleted", "renamed"] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** A file a pull request touches; a renamed one has its old path too. */
export interface ChangedFile {
  path: string;
  previousPath?: string;
  status: ChangeKind;
}

export interface ForgeComment {
  id: number;
  body: string;
  author: string;
}

export const COMMIT_STATES = ["pending", "success", "failure", "error"] as const;
export type CommitState = (typeof COMMIT_STATES)[number];

export interface CommitStatusInput {
  state: CommitState;
  /** One line; forges cut long ones (GitHub at 140 characters), so we cut first. */
  description: string;
  targetURL?: string;
  /** Default PREVIEW_STATUS_CONTEXT. */
  context?: string;
}

export interface CommitStatus {
  context: string;
  state: CommitState;
  description: string;
  targetURL: string;
}

/** Largest status description sent; GitHub refuses longer ones. */
export const STATUS_DESCRIPTION_LIMIT = 140;

export interface UpsertResult {
  comment: ForgeComment;
  /** True when no marked comment existed and one was created; false when it was edited. */
  created: boolean;
}

/** What pull-request previews need from a forge; one implementation per forge. */
export interface ForgeClient {
  readonly kind: ForgeKind;
  /** Largest comment body this forge accepts, in characters. */
  readonly commentLimit: number;
  /** The login the token belongs to. */
  whoAmI(): Promise<string>;
  listOpenPullRequests(repo: RepoRef): Promise<PullRequest[]>;
  getPullRequest(repo: RepoRef, number: number): Promise<PullRequest>;
  listChangedFiles(repo: RepoRef, number: number): Promise<ChangedFile[]>;
  /** Mooring's own comment: written by the token's user and carrying the marker. */
  findMarkedComment(repo: RepoRef, number: number, marker?: string): Promise<ForgeComment | undefined>;
  /**
   * Edits the marked comment in place, or creates it when there is none; never a second one.
   * Find-then-write is not atomic on any forge: callers serialise previews of one pull request.
   */
  upsertMarkedComment(repo: RepoRef, number: number, body: string, marker?: string): Promise<UpsertResult>;
  setCommitStatus(repo: RepoRef, sha: string, status: CommitStatusInput): Promise<void>;
  /** The latest status of each context on a commit. */
  listCommitStatuses(repo: RepoRef, sha: string): Promise<CommitStatus[]>;
  /** Whether the user may push to the repository (write, maintain or admin). */
  hasWriteAccess(repo: RepoRef, login: string): Promise<boolean>;
}

/** Settings every client takes; each field has the default shown. */
export interface ForgeClientOptions {
  /** The API base, e.g. https://api.github.com/, http://gitea:3000/api/v1/, https://gitlab.com/api/v4/. */
  apiURL: string;
  /** An access token; sent in a header, never in a URL. */
  token: string;
  /** Per request; default 15,000 ms. */
  timeoutMs?: number;
  /** The fetch to use; default the global one (tests may pass another). */
  fetch?: typeof fetch;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

/** The body with the marker on its first line, and checked against the forge's size limit. */
export function markedBody(kind: ForgeKind, body: string, marker = PREVIEW_MARKER): string {
  const marked = body.includes(marker) ? body : `${marker}\n${body}`;
  const limit = COMMENT_LIMITS[kind];
  if (marked.length > limit)
    throw new ForgeError(
      "invalid",
      `preview comment is ${marked.length} characters, over ${kind}'s limit of ${limit}; cut it before posting`,
    );
  return marked;
}

/** The description cut to one line of at most STATUS_DESCRIPTION_LIMIT characters. */
export function statusDescription(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length <= STATUS_DESCRIPTION_LIMIT ? line : `${line.slice(0, STATUS_DESCRIPTION_LIMIT - 1)}…`;
}

/** A request as the HTTP layer sends it. */
export interface ForgeRequest {
  method: "GET" | "POST" | "PATCH" | "PUT";
  /** Relative to the API base, query included, segments already encoded. */
  path: string;
  body?: unknown;
}

export interface ForgeAnswer<T> {
  data: T;
  headers: Headers;
}

/**
 * The shared HTTP layer of the clients: JSON in and out, a timeout on every request, the token in
 * the headers given, and every failure turned into a ForgeError naming the forge, method and path
 * (never the token). `what` names the object for the message, e.g. `pull request team/app#4`.
 */
export async function forgeRequest<T>(
  kind: ForgeKind,
  options: ForgeClientOptions,
  authHeaders: Record<string, string>,
  request: ForgeRequest,
  what: string,
): Promise<ForgeAnswer<T>> {
  const base = options.apiURL.endsWith("/") ? options.apiURL : `${options.apiURL}/`;
  const url = new URL(request.path.replace(/^\//, ""), base);
  const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
  const doFetch = options.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(url, {
      method: request.method,
      headers: {
        Accept: "application/json",
        "User-Agent": "mooring",
        ...authHeaders,
        ...(payload === undefined ? {} : { "Content-Type": "application/json" }),
      },
      ...(payload === undefined ? {} : { body: payload }),
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as Error).name === "TimeoutError" ? "timed out" : (error as Error).message;
    throw new ForgeError(
      "unreachable",
      `${kind} ${request.method} ${url.pathname} for ${what} failed: ${cause}; check the forge's address and that it is up`,
    );
  }
  const text = await res.text();
  if (!res.ok) throw errorOf(kind, request.method, url.pathname, what, res, text);
  try {
    return { data: (text === "" ? undefined : JSON.parse(text)) as T, headers: res.headers };
  } catch {
    throw new ForgeError(
      "invalid",
      `${kind} ${request.method} ${url.pathname} for ${what} answered ${res.status} with a body that is not JSON`,
    );
  }
}

function errorOf(
  kind: ForgeKind,
  method: string,
  path: string,
  what: string,
  res: Response,
  text: string,
): ForgeError {
  const said = forgeMessage(text);
  const head = `${kind} ${method} ${path} for ${what} answered ${res.status}${said ? ` (${said})` : ""}`;
  const retryAfter = retryAfterOf(res.headers);
  const exhausted =
    res.headers.get("x-ratelimit-remaining") === "0" || /rate limit/i.test(said) || res.status === 429;
  if (exhausted && (res.status === 403 || res.status === 429))
    return new ForgeError(
      "rate-limited",
      `${head}; the token's rate limit is spent, try again later`,
      retryAfter,
    );
  switch (res.status) {
    case 401:
      return new ForgeError(
        "unauthorized",
        `${head}; the token is missing, wrong or expired: set a valid one`,
      );
    case 403:
      return new ForgeError("forbidden", `${head}; give the token's user access to ${what}`);
    case 404:
      return new ForgeError(
        "not-found",
        `${head}; check that ${what} exists and the token's user can see it`,
      );
    case 400:
    case 409:
    case 413:
    case 422:
      return new ForgeError("invalid", `${head}; the forge refused the request as sent`);
    default:
      return res.status >= 500
        ? new ForgeError("unreachable", `${head}; the forge failed, try again later`, retryAfter)
        : new ForgeError("invalid", head);
  }
}

/** The forge's own short error text, when its body has one (`message` or `error`). */
function forgeMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    const said = typeof body.message === "string" ? body.message : body.error;
    return typeof said === "string" ? said.slice(0, 200) : "";
  } catch {
    return "";
  }
}

function retryAfterOf(headers: Headers): number | undefined {
  const seconds = Number(headers.get("retry-after") ?? Number.NaN);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

/** Reads every page `fetchPage(1..)` gives, stopping at a short or empty page. */
export async function readAllPages<T>(
  fetchPage: (page: number) => Promise<T[]>,
  pageSize: number,
  maxPages = 100,
): Promise<T[]> {
  const all: T[] = [];
  for (let page = 1; page <= maxPages; page += 1) {
    const items = await fetchPage(page);
    all.push(...items);
    if (items.length < pageSize) break;
  }
  return all;
}

export function enc(segment: string): string {
  return encodeURIComponent(segment);
}
