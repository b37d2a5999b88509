// Git submodules: a repository may hold, at some path, a pointer to a commit of another
// repository (a "gitlink", tree entry mode 160000) instead of files. Which repository is named
// in the `.gitmodules` file of the same commit: `submodule.<name>.path` ties a name to the
// gitlink's path and `submodule.<name>.url` says where to fetch from. A URL starting with `./` or
// `../` is relative to the URL of the repository that holds the `.gitmodules` (git resolves it
// against its remote's URL, component by component). The commit a submodule is read at is the
// one its gitlink records, so the superproject's commit fixes every submodule's files.
//
// Everything here is hostile input: the `.gitmodules` comes from whoever may push, so a path must
// stay inside the checkout, and a relative URL may climb to another host only on paper (its
// resolution is checked by the caller). This module decides; source.ts fetches.

/** A submodule pointer in a commit's tree: the path it sits at and the commit it records. */
export interface Gitlink {
  path: string;
  commit: string;
}

/** One `[submodule "<name>"]` section of a `.gitmodules` file. */
export interface SubmoduleEntry {
  name: string;
  path?: string;
  url?: string;
  /** `update = none` asks `git submodule update` to leave the submodule alone. */
  update?: string;
}

/** A submodule to read: where it goes, from which URL (as written), at which commit. */
export interface Submodule {
  name: string;
  path: string;
  url: string;
  commit: string;
}

/** Why the submodules of a commit cannot be read; the caller names the repository and commit. */
export class SubmoduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SubmoduleError";
  }
}

/**
 * Reads the output of `git config --null --list` over a `.gitmodules` blob: entries are
 * `key\nvalue\0` (a key alone for a value-less boolean). Section and variable names are
 * lower-cased by git; the submodule's name (the subsection) keeps its case and may hold dots.
 */
export function parseGitmodules(output: string): SubmoduleEntry[] {
  const byName = new Map<string, SubmoduleEntry>();
  for (const record of output.split("\0")) {
    if (record === "") continue;
    const newline = record.indexOf("\n");
    const key = newline < 0 ? record : record.slice(0, newline);
    const value = newline < 0 ? "" : record.slice(newline + 1);
    if (!key.startsWith("submodule.")) continue;
    const lastDot = key.lastIndexOf(".");
    const name = key.slice("submodule.".length, lastDot);
    const variable = key.slice(lastDot + 1);
    if (name === "" || lastDot <= "submodule".length) continue;
    const entry = byName.get(name) ?? { name };
    if (variable === "path") entry.path = value;
    else if (variable === "url") entry.url = value;
    else if (variable === "update") entry.update = value;
    byName.set(name, entry);
  }
  return [...byName.values()];
}

/**
 * The submodules to read: every gitlink, with the URL `.gitmodules` gives its path. A gitlink
 * that `.gitmodules` does not name, or names without a URL, cannot be read (git says the same);
 * a submodule marked `update = none` is left empty, as `git submodule update` leaves it.
 */
export function submodulesOf(gitlinks: readonly Gitlink[], entries: readonly SubmoduleEntry[]): Submodule[] {
  const byPath = new Map<string, SubmoduleEntry>();
  for (const entry of entries) if (entry.path !== undefined) byPath.set(trimSlashes(entry.path), entry);
  const modules: Submodule[] = [];
  for (const link of gitlinks) {
    const problem = unsafePath(link.path);
    if (problem) throw new SubmoduleError(`submodule path "${link.path}" ${problem}`);
    const entry = byPath.get(link.path);
    if (entry?.update?.trim().toLowerCase() === "none") continue;
    if (!entry?.url?.trim()) {
      throw new SubmoduleError(
        `no url for submodule path "${link.path}" in .gitmodules: add its [submodule] section with path and url, or remove the submodule`,
      );
    }
    modules.push({ name: entry.name, path: link.path, url: entry.url.trim(), commit: link.commit });
  }
  return modules;
}

/** Why a path cannot be a submodule's place in the checkout, or undefined when it can. */
export function unsafePath(path: string): string | undefined {
  if (path === "" || path.startsWith("/")) return "is not a relative path";
  if (/[\0\n\r\\]/.test(path)) return "holds a control character or a backslash";
  for (const segment of path.split("/")) {
    if (segment === "" || segment === "." || segment === "..") return "leaves the checkout";
    if (segment.toLowerCase() === ".git") return "names a .git folder";
  }
  return undefined;
}

/** Whether a submodule URL is relative to its superproject's (git: it starts with ./ or ../). */
export function isRelativeURL(url: string): boolean {
  return url.startsWith("./") || url.startsWith("../");
}

/**
 * A submodule URL made absolute as git makes it: a relative URL is resolved against the
 * superproject's URL (each `../` drops one component, `/`-separated, or the `host:` of an
 * scp-like address); any other URL must already be absolute, since git would read a bare word
 * such as `lib` as a path on the controller's disk.
 */
export function resolveSubmoduleURL(superURL: string, url: string): string {
  if (!isRelativeURL(url)) {
    if (!/^[a-z][a-z0-9+.-]*:/i.test(url) && !url.startsWith("/") && !/^[^/:]+@[^/:]+:/.test(url)) {
      throw new SubmoduleError(
        `submodule URL "${url}" is neither absolute nor relative (./ or ../): write the repository's full URL`,
      );
    }
    return url;
  }
  let base = superURL.endsWith("/") ? superURL.slice(0, -1) : superURL;
  let rest = url;
  let colon = false;
  for (;;) {
    if (rest.startsWith("../")) {
      rest = rest.slice(3);
      const slash = base.lastIndexOf("/");
      if (slash >= 0) {
        base = base.slice(0, slash);
        continue;
      }
      const scp = base.lastIndexOf(":");
      if (scp < 0) throw new SubmoduleError(`submodule URL "${url}" climbs above ${superURL}`);
      base = base.slice(0, scp);
      colon = true;
    } else if (rest.startsWith("./")) {
      rest = rest.slice(2);
    } else {
      break;
    }
  }
  return `${base}${colon ? ":" : "/"}${rest}`;
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, "");
}
