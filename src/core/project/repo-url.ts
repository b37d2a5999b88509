// Matching repository URLs against a project's `sourceRepos`.
//
// A string prefix is the classic mistake here: `https://git.example.com*` also admits
// `https://git.example.com.evil.io/x`, and `https://git.example.com:x@evil.io/r.git` is, to git
// and curl, a request to evil.io with user name `git.example.com`. So both sides are parsed the
// way git parses them (WHATWG URL for scheme URLs, scp-like `user@host:path` for ssh) and
// compared part by part: scheme, host, port, path. Spelling differences that name one repository
// are folded away: upper-case host, the scheme's default port, a trailing `/` or `.git`, ssh's
// three spellings. User names and passwords never take part in the match.
import { globMatch } from "./glob.ts";

export interface RepoParts {
  /** `https`, `http`, `ssh`, `git` or `file`. */
  scheme: string;
  /** Lower-cased; empty for file URLs and local paths. */
  host: string;
  /** Explicit port, "" when it is the scheme's default. */
  port: string;
  /** Starts with `/` (or is empty); no trailing `/`, no `.git` suffix; query kept. */
  path: string;
}

const DEFAULT_PORTS: Record<string, string> = {
  http: "80",
  https: "443",
  ssh: "22",
  git: "9418",
  oci: "443",
};
const SCHEMES: Record<string, string> = {
  http: "http",
  https: "https",
  // Chart sources from OCI registries (core/chart-source.ts), so sourceRepos can name them.
  oci: "oci",
  ssh: "ssh",
  "git+ssh": "ssh",
  "ssh+git": "ssh",
  git: "git",
  file: "file",
};
const ENCODED_SEPARATOR = /%(2f|5c|2e)/i;
const SCHEME_URL = /^([a-z][a-z0-9+.-]*):\/\//i;
// scp-like: [user@]host:path, where no slash comes before the first colon.
const SCP_LIKE = /^(?:[^@/]+@)?(\[[^\]/]+\]|[^:/[]+):(.*)$/;

/** The parts of a repository address as git would contact it; undefined when git could not. */
export function repoParts(repoURL: string): RepoParts | undefined {
  const text = repoURL.trim();
  if (text === "" || /[\0\n\r\t ]/.test(text)) return undefined;
  const schemeMatch = SCHEME_URL.exec(text);
  if (schemeMatch) {
    const scheme = SCHEMES[schemeMatch[1]?.toLowerCase() ?? ""];
    if (scheme === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return undefined;
    }
    if (scheme === "file")
      return { scheme, host: "", port: "", path: cleanPath(decodeURIComponent(url.pathname)) };
    const host = url.hostname.toLowerCase();
    if (host === "") return undefined;
    // An encoded `/`, `\` or `.` would let a server see other segments than the ones matched.
    if (ENCODED_SEPARATOR.test(url.pathname)) return undefined;
    const port = url.port === DEFAULT_PORTS[scheme] ? "" : url.port;
    return { scheme, host, port, path: cleanPath(url.pathname) + url.search };
  }
  if (text.includes("::")) return undefined;
  const scp = SCP_LIKE.exec(text);
  if (scp && !text.startsWith("/")) {
    const path = scp[2] ?? "";
    return {
      scheme: "ssh",
      host: (scp[1] ?? "").toLowerCase(),
      port: "",
      path: cleanPath(path.startsWith("/") ? path : `/${path}`),
    };
  }
  if (text.startsWith("/")) return { scheme: "file", host: "", port: "", path: cleanPath(text) };
  return undefined;
}

function cleanPath(path: string): string {
  let p = path.replace(/\/+$/, "");
  if (p.endsWith(".git")) p = p.slice(0, -4).replace(/\/+$/, "");
  return p;
}

/** A `sourceRepos` entry split into glob parts; undefined when it is not a URL pattern. */
export interface RepoPattern {
  /** True for the bare `*`: every repository. */
  any: boolean;
  scheme: string;
  host: string;
  port: string;
  path: string;
}

// Patterns carry `*` and `?`, which a URL parser would read as part of a host or as a query, so
// they are split by hand: scheme://host[:port][/path]. Userinfo is not allowed in a pattern.
const PATTERN = /^([a-z][a-z0-9+.-]*):\/\/(?:([^/@:]+)@)?([^/@:]*)(?::([0-9*?]+))?(\/.*)?$/i;
const SCP_PATTERN = /^(?:[^@/:]+@)?([^:/@[]+):(.*)$/;

export function parseRepoPattern(pattern: string): RepoPattern | undefined {
  const text = pattern.trim();
  if (text === "*") return { any: true, scheme: "*", host: "*", port: "*", path: "*" };
  const m = PATTERN.exec(text);
  if (m) {
    const scheme = SCHEMES[m[1]?.toLowerCase() ?? ""];
    if (scheme === undefined) return undefined;
    // An ssh login name (git@) is no secret and is ignored; any other userinfo is refused.
    if (m[2] !== undefined && scheme !== "ssh") return undefined;
    const host = (m[3] ?? "").toLowerCase();
    if (scheme !== "file" && host === "") return undefined;
    const port = m[4] === undefined || m[4] === DEFAULT_PORTS[scheme] ? "" : m[4];
    return { any: false, scheme, host, port, path: cleanPath(m[5] ?? "") };
  }
  if (text.includes("://")) return undefined;
  if (text.startsWith("/")) return { any: false, scheme: "file", host: "", port: "", path: cleanPath(text) };
  const scp = SCP_PATTERN.exec(text);
  if (scp) {
    const path = scp[2] ?? "";
    return {
      any: false,
      scheme: "ssh",
      host: (scp[1] ?? "").toLowerCase(),
      port: "",
      path: cleanPath(path.startsWith("/") ? path : `/${path}`),
    };
  }
  return undefined;
}

/**
 * True when the repository address falls under the pattern (both parsed; see the header). Facing
 * an OCI registry (oci://), a pattern without a scheme is read in Argo CD's bare-host form for
 * registries: `registry.example.com/charts/*` means oci://registry.example.com/charts/*.
 */
export function repoMatches(pattern: string, repoURL: string): boolean {
  const r = repoParts(repoURL);
  const bareRegistry = r?.scheme === "oci" && !pattern.includes("://") && pattern.trim() !== "*";
  const p = parseRepoPattern(bareRegistry ? `oci://${pattern.trim()}` : pattern);
  if (p === undefined) return false;
  if (p.any) return true;
  if (r === undefined) return false;
  return (
    p.scheme === r.scheme &&
    globMatch(p.host, r.host) &&
    (p.port === r.port || (p.port !== "" && globMatch(p.port, r.port))) &&
    globMatch(p.path, r.path)
  );
}

/** The address as messages may show it: any user name and password taken out. */
export function redactRepoURL(repoURL: string): string {
  return repoURL.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, "$1");
}
