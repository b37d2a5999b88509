// Where a repository URL points, as parts rather than as text, for repository credentials. Deciding whether stored
// credentials (or a project's allowed repositories) apply to a URL by comparing strings is how
// credentials leak: `https://git.example.com:x@attacker.example/r.git` starts with the text
// `https://git.example.com`, yet git sends it to attacker.example, `git.example.com:x` being
// only a user name and password. So a URL is parsed once, the way git will be told to reach it
// (the git adapter rebuilds the address it hands git from the same WHATWG parse), and compared
// part by part:
//   scheme   https, http, ssh (ssh://, git+ssh:// and the scp-like git@host:path), git, file
//   host     lower-case
//   port     the scheme's default filled in, so https://h and https://h:443 are one server and
//            https://h:8443 is another
//   segments path segments, compared case-insensitively as Argo CD does, with a trailing
//            slash and a final `.git` ignored; a prefix covers whole segments only, so
//            https://h/team does not cover https://h/teamster
// Userinfo never takes part in the comparison; it is reported so callers can refuse it.
import { repoParts } from "./project/repo-url.ts";

/** Userinfo taken out of a URL, for labels, logs and status: one helper for the whole product. */
export { redactRepoURL } from "./project/repo-url.ts";

export interface RepoLocation {
  /** https, http, ssh, git or file. */
  scheme: string;
  /** Lower-case host name or address; "" for a local repository. */
  host: string;
  /** Explicit port, or the scheme's default; "" for a local repository. */
  port: string;
  /** Lower-case path segments without empty ones; a final `.git` is dropped. */
  segments: string[];
  /** An http(s) URL carrying a user name or password (`https://user:pass@host/...`). */
  userinfo: boolean;
  /** A file:// URL or a plain path on the controller's disk. */
  local: boolean;
}

const DEFAULT_PORTS: Record<string, string> = { http: "80", https: "443", ssh: "22", git: "9418" };

/**
 * The parts of a repository URL, parsed as for project rules (project/repo-url.ts), or
 * undefined when it cannot be read unambiguously: an unknown scheme, no host, an encoded
 * separator, a blank or a backslash inside (URL parsers disagree about those, and a
 * disagreement between ours and git's is exactly where credentials go astray).
 */
export function parseRepoLocation(text: string): RepoLocation | undefined {
  const url = text.trim();
  if (/[\\\s]/.test(url)) return undefined;
  const relative =
    url !== "" && !/^[a-z][a-z0-9+.-]*:/i.test(url) && !url.startsWith("/") && !url.includes("@");
  const parts = relative ? { scheme: "file", host: "", port: "", path: `/${url}` } : repoParts(url);
  if (parts === undefined) return undefined;
  const local = parts.scheme === "file";
  const path = parts.path.replace(/\?.*$/, "");
  return {
    scheme: parts.scheme,
    host: parts.host,
    port: parts.port || (DEFAULT_PORTS[parts.scheme] ?? ""),
    segments: segmentsOf(path),
    userinfo: (parts.scheme === "https" || parts.scheme === "http") && hasUserinfo(url),
    local,
  };
}

/** Lower-case path segments; a final `.git` (in any case) names the same repository. */
function segmentsOf(path: string): string[] {
  const segments = path
    .toLowerCase()
    .split("/")
    .filter((segment) => segment !== "");
  const last = segments.at(-1);
  if (last?.endsWith(".git")) {
    const bare = last.slice(0, -".git".length);
    if (bare === "") segments.pop();
    else segments[segments.length - 1] = bare;
  }
  return segments;
}

function hasUserinfo(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== "" || parsed.password !== "";
  } catch {
    return false;
  }
}

function sameServer(a: RepoLocation, b: RepoLocation): boolean {
  return a.scheme === b.scheme && a.host === b.host && a.port === b.port && a.local === b.local;
}

/** Whether two URLs name the same repository: same server and the same path segments. */
export function sameRepository(a: RepoLocation, b: RepoLocation): boolean {
  return (
    sameServer(a, b) &&
    a.segments.length === b.segments.length &&
    a.segments.every((s, i) => s === b.segments[i])
  );
}

/**
 * Whether a URL prefix (a credential template, say `https://github.com/my-org`) covers a
 * repository: same server, and the prefix's segments begin the repository's path, whole.
 */
export function prefixCovers(prefix: RepoLocation, repo: RepoLocation): boolean {
  return (
    sameServer(prefix, repo) &&
    prefix.segments.length <= repo.segments.length &&
    prefix.segments.every((s, i) => s === repo.segments[i])
  );
}

/** How specific a prefix is: more segments win over fewer. */
export function prefixLength(prefix: RepoLocation): number {
  return prefix.segments.length;
}
