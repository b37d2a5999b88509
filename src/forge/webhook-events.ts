// Pull-request and comment webhooks, verified and read into one shape for every forge.
//
// A forge tells Mooring a pull request moved by POSTing JSON to a hook. Before a byte of it is
// believed, the sender proves it holds the hook's secret: Gitea/Forgejo sign the exact body with
// HMAC-SHA256 (hex, in X-Gitea-Signature / X-Forgejo-Signature), GitHub does the same with a
// `sha256=` prefix in X-Hub-Signature-256, and GitLab sends the secret itself in X-Gitlab-Token.
// Comparisons run in constant time over 32-byte digests, so neither content nor length leaks.
//
// The event names differ: GitHub and Gitea send `pull_request` (actions opened, synchronize /
// synchronized, closed with `merged`, reopened) and `issue_comment` (on a pull request when
// `issue.pull_request` is set); GitLab sends "Merge Request Hook" (actions open, update, close,
// merge, reopen; an update with `oldrev` is a push, one without only an edit) and "Note Hook"
// (`noteable_type: MergeRequest`). Everything else, and actions previews do not act on (edited,
// labelled, approved), reads as an IgnoredEvent saying why, so the receiver can answer 202.
// GitLab's merge request hook names the user who acted, not the author, and no base commit; a
// preview reads both from getPullRequest. Pure: no I/O, no clock.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { ForgeError, type ForgeKind, type PullRequest, type PullRequestSide } from "./forge.ts";

export const PULL_REQUEST_ACTIONS = ["opened", "synchronized", "closed", "reopened", "merged"] as const;
export type PullRequestAction = (typeof PULL_REQUEST_ACTIONS)[number];

export interface PullRequestEvent {
  kind: "pull_request";
  forge: ForgeKind;
  action: PullRequestAction;
  number: number;
  base: PullRequestSide;
  head: PullRequestSide;
  fromFork: boolean;
  /** Login of the author (GitLab: of the user who acted, see the header). */
  author: string;
  url: string;
}

export interface IssueCommentEvent {
  kind: "comment";
  forge: ForgeKind;
  /** The clone URL of the repository the comment is in. */
  repoURL: string;
  /** The pull request's number (GitLab: the merge request's iid). */
  number: number;
  commentId: number;
  /** Login of the commenter: who asked, for `/moor plan`. */
  commenter: string;
  body: string;
}

export interface IgnoredEvent {
  kind: "ignored";
  forge: ForgeKind;
  reason: string;
}

export type ForgeEvent = PullRequestEvent | IssueCommentEvent | IgnoredEvent;

/** Request headers as Node (lower-case keys) or the Fetch API hands them over. */
export type HeaderBag = Headers | Readonly<Record<string, string | string[] | undefined>>;

function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>)[name.toLowerCase()];
  return Array.isArray(value) ? value.join(", ") : value;
}

function firstHeader(headers: HeaderBag, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = header(headers, name);
    if (value !== undefined && value !== "") return value;
  }
  return undefined;
}

const HEX_DIGEST = /^[0-9a-f]{64}$/i;

function hmacMatches(secret: string, body: Uint8Array | string, sentHex: string): boolean {
  const wellFormed = HEX_DIGEST.test(sentHex);
  const given = wellFormed ? Buffer.from(sentHex, "hex") : Buffer.alloc(32);
  const expected = createHmac("sha256", secret).update(body).digest();
  return timingSafeEqual(expected, given) && wellFormed;
}

function tokenMatches(secret: string, sent: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
  return timingSafeEqual(digest(secret), digest(sent));
}

/**
 * Whether the delivery was sent by a holder of the secret. The body must be the exact bytes
 * received. An empty secret never verifies: unsigned hooks are not accepted.
 */
export function verifySignature(
  forge: ForgeKind,
  headers: HeaderBag,
  body: Uint8Array | string,
  secret: string,
): boolean {
  if (secret === "") return false;
  switch (forge) {
    case "github": {
      const sent = header(headers, "x-hub-signature-256") ?? "";
      return hmacMatches(secret, body, sent.startsWith("sha256=") ? sent.slice(7) : "");
    }
    case "gitea": {
      const native = firstHeader(headers, ["x-forgejo-signature", "x-gitea-signature"]);
      if (native !== undefined) return hmacMatches(secret, body, native);
      const hub = header(headers, "x-hub-signature-256") ?? "";
      return hmacMatches(secret, body, hub.startsWith("sha256=") ? hub.slice(7) : "");
    }
    case "gitlab":
      return tokenMatches(secret, header(headers, "x-gitlab-token") ?? "");
    default:
      return unreachable(forge);
  }
}

function unreachable(value: never): never {
  throw new Error(`unexpected value ${String(value)}`);
}

/** The event header's value, whichever name the forge sends it under. */
export function eventName(forge: ForgeKind, headers: HeaderBag): string | undefined {
  const names: Record<ForgeKind, readonly string[]> = {
    github: ["x-github-event"],
    gitea: ["x-forgejo-event", "x-gitea-event"],
    gitlab: ["x-gitlab-event"],
  };
  return firstHeader(headers, names[forge]);
}

export interface Delivery {
  forge: ForgeKind;
  headers: HeaderBag;
  /** The raw body, exactly as received. */
  body: Uint8Array | string;
  secret: string;
}

/** Verifies a delivery, then reads it; ForgeError unauthorized or invalid when it cannot be used. */
export function readDelivery(delivery: Delivery): ForgeEvent {
  const { forge, headers, body, secret } = delivery;
  if (!verifySignature(forge, headers, body, secret))
    throw new ForgeError(
      "unauthorized",
      `${forge} webhook signature does not match the body under the configured secret; set the same secret on both sides`,
    );
  const name = eventName(forge, headers);
  if (name === undefined) throw new ForgeError("invalid", `${forge} webhook has no event header`);
  let payload: unknown;
  try {
    payload = JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body));
  } catch {
    throw new ForgeError("invalid", `${forge} webhook body is not JSON; set the hook's content type to JSON`);
  }
  return parseEvent(forge, name, payload);
}

/** Reads a verified payload whose event header is `name`. */
export function parseEvent(forge: ForgeKind, name: string, payload: unknown): ForgeEvent {
  const json = obj(payload, "payload", forge);
  if (forge === "gitlab") {
    if (name === "Merge Request Hook") return gitlabMergeRequest(json);
    if (name === "Note Hook") return gitlabNote(json);
    return ignored(forge, `event ${JSON.stringify(name)} is not a merge request or note`);
  }
  if (name === "pull_request") return githubLikePullRequestEvent(forge, json);
  if (name === "issue_comment") return githubLikeComment(forge, json);
  return ignored(forge, `event ${JSON.stringify(name)} is not a pull request or comment`);
}

function ignored(forge: ForgeKind, reason: string): IgnoredEvent {
  return { kind: "ignored", forge, reason };
}

type Json = Record<string, unknown>;

function fail(forge: ForgeKind, field: string, problem: string): never {
  throw new ForgeError("invalid", `${forge} payload: ${field} ${problem}`);
}

function obj(value: unknown, field: string, forge: ForgeKind): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    fail(forge, field, "must be an object");
  return value as Json;
}

function str(value: unknown, field: string, forge: ForgeKind): string {
  if (typeof value !== "string" || value === "") fail(forge, field, "must be a non-empty string");
  return value;
}

function num(value: unknown, field: string, forge: ForgeKind): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0)
    fail(forge, field, "must be a positive integer");
  return value;
}

function optionalObj(value: unknown): Json | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

const GITHUB_LIKE_ACTIONS: Readonly<Record<string, PullRequestAction>> = {
  opened: "opened",
  reopened: "reopened",
  synchronize: "synchronized", // GitHub
  synchronized: "synchronized", // Gitea, Forgejo
  closed: "closed",
};

/**
 * A GitHub- or Gitea-shaped pull request object (webhook `pull_request` and the REST answer are
 * the same shape). A head whose repository is null is a deleted fork, so it counts as one.
 */
export function readGithubLikePullRequest(
  forge: ForgeKind,
  value: unknown,
  field = "pull_request",
): PullRequest {
  const pr = obj(value, field, forge);
  const base = obj(pr.base, `${field}.base`, forge);
  const head = obj(pr.head, `${field}.head`, forge);
  const baseRepo = obj(base.repo, `${field}.base.repo`, forge);
  const headRepo = optionalObj(head.repo);
  const merged = pr.merged === true || (typeof pr.merged_at === "string" && pr.merged_at !== "");
  const state = merged ? "merged" : pr.state === "open" ? "open" : "closed";
  const baseRepoURL = str(baseRepo.clone_url, `${field}.base.repo.clone_url`, forge);
  const headRepoURL =
    headRepo === undefined ? "" : str(headRepo.clone_url, `${field}.head.repo.clone_url`, forge);
  const sameRepo =
    headRepo !== undefined &&
    (headRepo.id !== undefined && baseRepo.id !== undefined
      ? headRepo.id === baseRepo.id
      : headRepoURL === baseRepoURL);
  const user = obj(pr.user, `${field}.user`, forge);
  const mergeCommitSha = typeof pr.merge_commit_sha === "string" ? pr.merge_commit_sha : "";
  return {
    number: num(pr.number, `${field}.number`, forge),
    title: typeof pr.title === "string" ? pr.title : "",
    state,
    base: {
      ref: str(base.ref, `${field}.base.ref`, forge),
      sha: str(base.sha, `${field}.base.sha`, forge),
      repoURL: baseRepoURL,
    },
    head: {
      ref: str(head.ref, `${field}.head.ref`, forge),
      sha: str(head.sha, `${field}.head.sha`, forge),
      repoURL: headRepoURL,
    },
    fromFork: !sameRepo,
    author: str(user.login, `${field}.user.login`, forge),
    url: str(pr.html_url, `${field}.html_url`, forge),
    // GitHub fills merge_commit_sha with a test merge while the PR is open: only a merge counts.
    ...(merged && mergeCommitSha !== "" ? { mergeCommitSha } : {}),
  };
}

function githubLikePullRequestEvent(forge: ForgeKind, json: Json): ForgeEvent {
  const raw = typeof json.action === "string" ? json.action : "";
  const mapped = GITHUB_LIKE_ACTIONS[raw];
  if (mapped === undefined)
    return ignored(forge, `pull_request action ${JSON.stringify(raw)} changes no code`);
  const pr = readGithubLikePullRequest(forge, json.pull_request);
  const action = mapped === "closed" && pr.state === "merged" ? "merged" : mapped;
  const { number, base, head, fromFork, author, url } = pr;
  return { kind: "pull_request", forge, action, number, base, head, fromFork, author, url };
}

function githubLikeComment(forge: ForgeKind, json: Json): ForgeEvent {
  if (json.action !== "created") return ignored(forge, "only new comments are read");
  const issue = obj(json.issue, "issue", forge);
  // GitHub marks a pull request's issue with `pull_request`; Gitea also sends `is_pull`.
  const onPull = optionalObj(issue.pull_request) !== undefined || json.is_pull === true;
  if (!onPull) return ignored(forge, "the comment is on an issue, not a pull request");
  const comment = obj(json.comment, "comment", forge);
  const repository = obj(json.repository, "repository", forge);
  return {
    kind: "comment",
    forge,
    repoURL: str(repository.clone_url, "repository.clone_url", forge),
    number: num(issue.number, "issue.number", forge),
    commentId: num(comment.id, "comment.id", forge),
    commenter: str(obj(comment.user, "comment.user", forge).login, "comment.user.login", forge),
    body: typeof comment.body === "string" ? comment.body : "",
  };
}

const GITLAB_ACTIONS: Readonly<Record<string, PullRequestAction>> = {
  open: "opened",
  reopen: "reopened",
  close: "closed",
  merge: "merged",
  update: "synchronized",
};

function gitlabMergeRequest(json: Json): ForgeEvent {
  const attrs = obj(json.object_attributes, "object_attributes", "gitlab");
  const raw = typeof attrs.action === "string" ? attrs.action : "";
  const action = GITLAB_ACTIONS[raw];
  if (action === undefined)
    return ignored("gitlab", `merge request action ${JSON.stringify(raw)} changes no code`);
  // An update without `oldrev` changed the title, labels or assignees, not the commits.
  if (raw === "update" && typeof attrs.oldrev !== "string")
    return ignored("gitlab", "merge request update without new commits");
  const source = obj(attrs.source, "object_attributes.source", "gitlab");
  const target = obj(attrs.target, "object_attributes.target", "gitlab");
  const lastCommit = obj(attrs.last_commit, "object_attributes.last_commit", "gitlab");
  const user = obj(json.user, "user", "gitlab");
  return {
    kind: "pull_request",
    forge: "gitlab",
    action,
    number: num(attrs.iid, "object_attributes.iid", "gitlab"),
    base: {
      ref: str(attrs.target_branch, "object_attributes.target_branch", "gitlab"),
      sha: "",
      repoURL: str(target.git_http_url, "object_attributes.target.git_http_url", "gitlab"),
    },
    head: {
      ref: str(attrs.source_branch, "object_attributes.source_branch", "gitlab"),
      sha: str(lastCommit.id, "object_attributes.last_commit.id", "gitlab"),
      repoURL: str(source.git_http_url, "object_attributes.source.git_http_url", "gitlab"),
    },
    fromFork: attrs.source_project_id !== attrs.target_project_id,
    author: str(user.username, "user.username", "gitlab"),
    url: str(attrs.url, "object_attributes.url", "gitlab"),
  };
}

function gitlabNote(json: Json): ForgeEvent {
  const attrs = obj(json.object_attributes, "object_attributes", "gitlab");
  if (attrs.noteable_type !== "MergeRequest") return ignored("gitlab", "the note is not on a merge request");
  if (attrs.action !== undefined && attrs.action !== "create")
    return ignored("gitlab", "only new notes are read");
  const mr = obj(json.merge_request, "merge_request", "gitlab");
  const project = obj(json.project, "project", "gitlab");
  return {
    kind: "comment",
    forge: "gitlab",
    repoURL: str(project.git_http_url, "project.git_http_url", "gitlab"),
    number: num(mr.iid, "merge_request.iid", "gitlab"),
    commentId: num(attrs.id, "object_attributes.id", "gitlab"),
    commenter: str(obj(json.user, "user", "gitlab").username, "user.username", "gitlab"),
    body: typeof attrs.note === "string" ? attrs.note : "",
  };
}

/** Whether a comment asks for a Stack plan: a line that is exactly `/moor plan`. */
export function asksForPlan(body: string): boolean {
  return body.split(/\r?\n/).some((line) => line.trim() === "/moor plan");
}
