// Repository addresses. Users write them every way git accepts: https://host/org/repo.git,
// ssh://git@host:2222/org/repo.git, the scp-like git@host:org/repo.git, file:///srv/repo.git or
// a plain path. From one address Mooring needs three things:
// - the address handed to git, never carrying a password: credentials travel in the
//   environment of the git process (see credentials.ts), so userinfo of an http(s) URL is taken
//   out and returned separately;
// - a form safe to print in errors, logs and status (the same address);
// - a canonical form whose hash names the repository's mirror, so that spellings of one
//   repository (upper-case host, default port, trailing slash) share one cache entry.
// An ssh user name (the `git` of git@host) is a login name, not a secret, and stays.
import { createHash } from "node:crypto";
import { isAbsolute, resolve } from "node:path";

export type Transport = "http" | "ssh" | "git" | "file";

export interface RepoAddress {
  transport: Transport;
  /** Given to git and safe to print: no password, no http(s) user name. */
  url: string;
  /** Canonical spelling, the basis of the cache key; never holds credentials. */
  canonical: string;
  /** User name found in an http(s) URL, to be used as a credential. */
  username?: string;
  /** Password found in an http(s) URL, to be used as a credential. */
  password?: string;
}

/** Why an address was refused; the caller turns it into a GitError naming the repository. */
export class RepoURLError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RepoURLError";
  }
}

const SCHEME_URL = /^([a-z][a-z0-9+.-]*):\/\//i;
// git's "<transport>::<address>" syntax runs helper programs (ext:: runs any command): refused.
const TRANSPORT_HELPER = /^[a-z][a-z0-9+.-]*::/i;
// scp-like: [user@]host:path, where no slash comes before the first colon (else it is a path).
const SCP_LIKE = /^(?:([^@/]+)@)?(\[[^\]/]+\]|[^:/[]+):(.*)$/;

const DEFAULT_PORTS: Record<string, string> = { http: "80", https: "443", ssh: "22", git: "9418" };

const TRANSPORTS: Record<string, Transport> = {
  http: "http",
  https: "http",
  ssh: "ssh",
  "git+ssh": "ssh",
  "ssh+git": "ssh",
  git: "git",
  file: "file",
};

/** Parses a repository address; relative paths are resolved against `cwd`. */
export function parseRepoURL(repoURL: string, cwd: string): RepoAddress {
  const text = repoURL.trim();
  if (text === "") throw new RepoURLError("the repository URL is empty");
  if (text.startsWith("-")) throw new RepoURLError("a repository URL cannot start with '-'");
  if (/[\0\n\r]/.test(text)) throw new RepoURLError("a repository URL cannot contain control characters");
  const scheme = SCHEME_URL.exec(text)?.[1]?.toLowerCase();
  if (scheme !== undefined) return parseSchemeURL(text, scheme);
  if (TRANSPORT_HELPER.test(text))
    throw new RepoURLError("git transport helpers (<name>::<address>) are not supported");
  const scp = SCP_LIKE.exec(text);
  if (scp && !isAbsolute(text)) return parseScpLike(scp[1], scp[2] ?? "", scp[3] ?? "");
  const path = resolve(cwd, text);
  return { transport: "file", url: path, canonical: `file://${trimSlashes(path)}` };
}

function parseSchemeURL(text: string, scheme: string): RepoAddress {
  const transport = TRANSPORTS[scheme];
  if (transport === undefined) {
    throw new RepoURLError(`the ${scheme}:// scheme is not supported: use https, ssh, git or file`);
  }
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new RepoURLError("the repository URL is not a valid URL");
  }
  if (transport === "file") {
    const path = decodeURIComponent(parsed.pathname);
    return { transport, url: `file://${parsed.pathname}`, canonical: `file://${trimSlashes(path)}` };
  }
  const host = parsed.hostname.toLowerCase();
  if (host === "") throw new RepoURLError("the repository URL has no host");
  const port = parsed.port && parsed.port !== DEFAULT_PORTS[scheme] ? `:${parsed.port}` : "";
  const path = parsed.pathname + parsed.search;
  const canonicalScheme = transport === "ssh" ? "ssh" : scheme;
  const canonicalPath = trimSlashes(parsed.pathname) + parsed.search;
  if (transport === "ssh") {
    // Only the login name stays; a password has no place in an ssh URL and is dropped.
    const user = parsed.username ? `${parsed.username}@` : "";
    return {
      transport,
      url: `${scheme}://${user}${host}${port}${path}`,
      canonical: `${canonicalScheme}://${user}${host}${port}${canonicalPath}`,
    };
  }
  const address: RepoAddress = {
    transport,
    url: `${scheme}://${host}${port}${path}`,
    canonical: `${canonicalScheme}://${host}${port}${canonicalPath}`,
  };
  if (transport === "http") {
    if (parsed.username) address.username = decodeURIComponent(parsed.username);
    if (parsed.password) address.password = decodeURIComponent(parsed.password);
  }
  return address;
}

function parseScpLike(user: string | undefined, host: string, path: string): RepoAddress {
  const login = user ? `${user}@` : "";
  const lowerHost = host.toLowerCase();
  const absolute = path.startsWith("/") ? path : `/${path}`;
  return {
    transport: "ssh",
    url: `${login}${lowerHost}:${path}`,
    // git@host:org/repo and ssh://git@host/org/repo name the same repository on hosting services.
    canonical: `ssh://${login}${lowerHost}${trimSlashes(absolute)}`,
  };
}

function trimSlashes(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  return trimmed === "" ? "/" : trimmed;
}

/** Hex sha256 of the canonical address: the name of the repository's cache entries. */
export function repoCacheKey(address: RepoAddress): string {
  return createHash("sha256").update(address.canonical).digest("hex");
}

/** Removes userinfo from every URL in free text (git's own messages, for instance). */
export function redactURLs(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@'"]*@/gi, "$1");
}

/**
 * Scheme, login and host (with port) of an address: what a URL relative to another must keep.
 * Every local path shares one origin, `file://`.
 */
export function originOf(address: RepoAddress): string {
  const start = address.canonical.indexOf("://") + 3;
  const slash = address.canonical.indexOf("/", start);
  return slash < 0 ? address.canonical : address.canonical.slice(0, slash);
}
