// What a forge's webhook delivery says, read into one shape for every forge.
//
// A push webhook is a forge telling us "these refs of this repository now point at these
// commits". Each forge says it in its own JSON: GitHub and Gitea/Forgejo send one ref with
// `ref`/`after` and the repository's clone, ssh and web addresses; GitLab sends the same under
// `project` ("Push Hook" for branches, "Tag Push Hook" for tags); Bitbucket Cloud sends a list of
// `push.changes`, each with the `new` (or, for a deleted ref, only the `old`) branch or tag. A
// deletion shows as an `after` of all zeros (or `deleted: true`, or Bitbucket's `new: null`);
// Gitea and Forgejo announce a deleted branch with a separate `delete` event instead, not handled.
// A ping (GitHub's `ping`, Bitbucket's `diagnostics:ping`) only checks the hook is wired up.
//
// This module reads a payload whose signature the server has already verified (see
// src/server/webhooks/verify.ts); it never trusts the payload to say which forge or event it is:
// those come from the endpoint and the verified headers. The repository is reported in every
// form the payload offers, because an Application may name it by its https, ssh or web address.
// A payload missing a field we need is refused naming that field, so a forge's format change
// reads as "gitlab payload: project.git_http_url ..." instead of a silent no-op.

export const FORGES = ["github", "gitea", "gitlab", "bitbucket", "generic"] as const;
export type Forge = (typeof FORGES)[number];

export const EVENT_KINDS = ["push", "ping"] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** The event header's values we act on, per forge; anything else is an unsupported event. */
const EVENT_NAMES: Record<Forge, Readonly<Record<string, EventKind>>> = {
  // X-GitHub-Event
  github: { push: "push", ping: "ping" },
  // X-Gitea-Event / X-Forgejo-Event / X-Gogs-Event; a tag push is a `push` with refs/tags/.
  gitea: { push: "push" },
  // X-Gitlab-Event
  gitlab: { "Push Hook": "push", "Tag Push Hook": "push" },
  // X-Event-Key
  bitbucket: { "repo:push": "push", "diagnostics:ping": "ping" },
  // X-Mooring-Event
  generic: { push: "push", ping: "ping" },
};

export function isForge(name: string): name is Forge {
  return (FORGES as readonly string[]).includes(name);
}

/** The kind of event a forge's event header names, or undefined when Mooring ignores it. */
export function eventKindOf(forge: Forge, eventName: string): EventKind | undefined {
  const names = EVENT_NAMES[forge];
  return Object.hasOwn(names, eventName) ? names[eventName] : undefined;
}

/** One ref moved (or deleted) by a push. */
export interface RefUpdate {
  /** Full ref name: `refs/heads/main`, `refs/tags/v1.2.0`. */
  ref: string;
  /** The commit the ref now points at; all zeros when the ref was deleted. */
  after: string;
  deleted: boolean;
}

export interface PushEvent {
  kind: "push";
  forge: Forge;
  deliveryId: string;
  /** Every address of the repository the payload gives (clone, ssh, git, web), deduplicated. */
  repoURLs: string[];
  /** The repository's default branch (what HEAD means), when the payload says. */
  defaultBranch?: string;
  /** The refs this push moved: one for most forges, several for Bitbucket Cloud. */
  updates: RefUpdate[];
}

export interface PingEvent {
  kind: "ping";
  forge: Forge;
  deliveryId: string;
  /** Empty for an organisation-wide hook. */
  repoURLs: string[];
}

export type WebhookEvent = PushEvent | PingEvent;

/** A verified delivery: forge and kind come from the endpoint and headers, not the body. */
export interface Delivery {
  forge: Forge;
  kind: EventKind;
  deliveryId: string;
  /** The JSON body, already parsed. */
  payload: unknown;
}

export interface PayloadError {
  code: "malformed-payload";
  forge: Forge;
  /** Dotted path of the field that is missing or wrong, e.g. `project.git_http_url`. */
  field: string;
  message: string;
}

export type ParsedEvent = { ok: true; event: WebhookEvent } | { ok: false; error: PayloadError };

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const ZERO_SHA = /^0+$/;

/** A full commit id (SHA-1 or SHA-256 object format). */
export function isCommitSha(text: string): boolean {
  return SHA.test(text.toLowerCase());
}

class FieldError extends Error {
  readonly field: string;
  constructor(field: string, problem: string) {
    super(problem);
    this.field = field;
  }
}

type Json = Record<string, unknown>;

function object(value: unknown, field: string): Json {
  if (value === undefined || value === null) throw new FieldError(field, "is required");
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new FieldError(field, "must be an object");
  return value as Json;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw new FieldError(field, "must be a string");
  return value;
}

function string(value: unknown, field: string): string {
  const text = optionalString(value, field);
  if (text === undefined) throw new FieldError(field, "is required");
  return text;
}

function ref(value: unknown, field: string): string {
  const text = string(value, field);
  if (!text.startsWith("refs/") || text.length === "refs/".length || /[\s\0]/.test(text))
    throw new FieldError(field, `must be a full ref name like refs/heads/main, got ${JSON.stringify(text)}`);
  return text;
}

function sha(value: unknown, field: string): string {
  const text = string(value, field).toLowerCase();
  if (!SHA.test(text)) throw new FieldError(field, `must be a full commit id, got ${JSON.stringify(text)}`);
  return text;
}

function update(refName: string, after: string, deletedFlag: unknown): RefUpdate {
  return { ref: refName, after, deleted: deletedFlag === true || ZERO_SHA.test(after) };
}

/** The addresses found at the given fields, skipping absent ones; at least one is required. */
function urls(source: Json, prefix: string, fields: readonly string[]): string[] {
  const found: string[] = [];
  for (const name of fields) {
    const url = optionalString(source[name], `${prefix}.${name}`);
    if (url !== undefined && !found.includes(url)) found.push(url);
  }
  if (found.length === 0) throw new FieldError(`${prefix}.${fields[0]}`, "is required");
  return found;
}

const GITHUB_URL_FIELDS = ["clone_url", "ssh_url", "git_url", "html_url", "url"] as const;
const GITEA_URL_FIELDS = ["clone_url", "ssh_url", "html_url"] as const;

function githubLike(payload: Json, kind: EventKind, urlFields: readonly string[]) {
  if (kind === "ping") {
    const repository = payload.repository;
    const repoURLs =
      repository === undefined || repository === null
        ? []
        : urls(object(repository, "repository"), "repository", urlFields);
    return { kind: "ping" as const, repoURLs };
  }
  const repository = object(payload.repository, "repository");
  return {
    kind: "push" as const,
    repoURLs: urls(repository, "repository", urlFields),
    defaultBranch: optionalString(repository.default_branch, "repository.default_branch"),
    updates: [update(ref(payload.ref, "ref"), sha(payload.after, "after"), payload.deleted)],
  };
}

function gitlab(payload: Json) {
  const project = object(payload.project, "project");
  const repoURLs = urls(project, "project", ["git_http_url", "git_ssh_url", "web_url"]);
  return {
    kind: "push" as const,
    repoURLs,
    defaultBranch: optionalString(project.default_branch, "project.default_branch"),
    updates: [update(ref(payload.ref, "ref"), sha(payload.after, "after"), undefined)],
  };
}

const BITBUCKET_REF_PREFIX: Record<string, string> = { branch: "refs/heads/", tag: "refs/tags/" };

function bitbucketRef(side: Json, field: string): string {
  const type = string(side.type, `${field}.type`);
  const prefix = BITBUCKET_REF_PREFIX[type];
  if (prefix === undefined)
    throw new FieldError(`${field}.type`, `must be branch or tag, got ${JSON.stringify(type)}`);
  return ref(`${prefix}${string(side.name, `${field}.name`)}`, `${field}.name`);
}

// Bitbucket Cloud gives only the web address; git's https and ssh addresses follow from it the
// way Bitbucket builds them (https://bitbucket.org/team/repo.git, git@bitbucket.org:team/repo.git).
function bitbucketURLs(repository: Json): string[] {
  const links = object(repository.links, "repository.links");
  const html = string(object(links.html, "repository.links.html").href, "repository.links.html.href");
  const found = [html];
  const match = /^https?:\/\/([^/@]+)\/(.+?)\/?$/.exec(html);
  if (match) found.push(`${html.replace(/\/$/, "")}.git`, `git@${match[1]}:${match[2]}.git`);
  return found;
}

function bitbucket(payload: Json, kind: EventKind) {
  if (kind === "ping") {
    const repository = payload.repository;
    const repoURLs =
      repository === undefined || repository === null ? [] : bitbucketURLs(object(repository, "repository"));
    return { kind: "ping" as const, repoURLs };
  }
  const repository = object(payload.repository, "repository");
  const push = object(payload.push, "push");
  if (!Array.isArray(push.changes)) throw new FieldError("push.changes", "must be a list");
  const updates = push.changes.map((entry: unknown, i: number): RefUpdate => {
    const field = `push.changes[${i}]`;
    const change = object(entry, field);
    if (change.new !== null && change.new !== undefined) {
      const side = object(change.new, `${field}.new`);
      const target = object(side.target, `${field}.new.target`);
      return update(bitbucketRef(side, `${field}.new`), sha(target.hash, `${field}.new.target.hash`), false);
    }
    const old = object(change.old, `${field}.old`);
    return { ref: bitbucketRef(old, `${field}.old`), after: "0".repeat(40), deleted: true };
  });
  if (updates.length === 0) throw new FieldError("push.changes", "must list at least one change");
  const mainbranch = repository.mainbranch;
  const defaultBranch =
    mainbranch === undefined || mainbranch === null
      ? undefined
      : optionalString(object(mainbranch, "repository.mainbranch").name, "repository.mainbranch.name");
  return { kind: "push" as const, repoURLs: bitbucketURLs(repository), defaultBranch, updates };
}

// The generic hook, for any sender that can compute an HMAC (a CI job, a script):
//   { "repoURL": "https://git.example/team/app.git", "ref": "refs/heads/main",
//     "after": "<sha>", "deleted": false, "defaultBranch": "main" }
function generic(payload: Json, kind: EventKind) {
  const repoURLs: string[] = [];
  if (payload.repoURL !== undefined) repoURLs.push(string(payload.repoURL, "repoURL"));
  if (kind === "ping") return { kind: "ping" as const, repoURLs };
  if (repoURLs.length === 0) throw new FieldError("repoURL", "is required");
  return {
    kind: "push" as const,
    repoURLs,
    defaultBranch: optionalString(payload.defaultBranch, "defaultBranch"),
    updates: [update(ref(payload.ref, "ref"), sha(payload.after, "after"), payload.deleted)],
  };
}

function read(delivery: Delivery) {
  const payload = object(delivery.payload, "(body)");
  switch (delivery.forge) {
    case "github":
      return githubLike(payload, delivery.kind, GITHUB_URL_FIELDS);
    case "gitea":
      return githubLike(payload, delivery.kind, GITEA_URL_FIELDS);
    case "gitlab":
      return gitlab(payload);
    case "bitbucket":
      return bitbucket(payload, delivery.kind);
    case "generic":
      return generic(payload, delivery.kind);
  }
}

/** Read a verified delivery's payload into a push or ping event, or say which field is wrong. */
export function parseWebhookEvent(delivery: Delivery): ParsedEvent {
  const { forge, deliveryId } = delivery;
  try {
    const found = read(delivery);
    if (found.kind === "ping")
      return { ok: true, event: { kind: "ping", forge, deliveryId, repoURLs: found.repoURLs } };
    const event: PushEvent = {
      kind: "push",
      forge,
      deliveryId,
      repoURLs: found.repoURLs,
      updates: found.updates,
    };
    if (found.defaultBranch !== undefined) event.defaultBranch = found.defaultBranch;
    return { ok: true, event };
  } catch (error) {
    if (!(error instanceof FieldError)) throw error;
    return {
      ok: false,
      error: {
        code: "malformed-payload",
        forge,
        field: error.field,
        message: `${forge} ${delivery.kind} payload: ${error.field} ${error.message}; check the webhook sends JSON (content type application/json) for this forge`,
      },
    };
  }
}
