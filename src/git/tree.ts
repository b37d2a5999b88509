// Materialising a commit: writing the files of its tree into a plain directory that renderers
// read. The mirror is bare (no working files), so git is pointed at an empty temporary work tree
// and a private index file, and `read-tree -u` writes every file of the commit there, exactly as
// a clone would (unlike `git archive`, which obeys export-ignore and export-subst attributes and
// could leave out or rewrite manifests). Submodules' files are added in the same work folder
// (source.ts), and the finished directory is then renamed into place.
import { lstat, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { moveIntoPlace } from "./cache.ts";
import { type GitRunOptions, runGit } from "./run.ts";
import { type Gitlink, SubmoduleError, unsafePath } from "./submodules.ts";

export interface MaterialiseOptions {
  mirror: string;
  /** Full sha of a commit present in the mirror. */
  commit: string;
  /** Final directory; must not exist yet. */
  target: string;
  /** Folder for work in progress, on the same file system as target. */
  tmpDir: string;
  run: GitRunOptions;
  /** Adds to the files before they are moved into place (the submodules' files). */
  fill?: (files: string) => Promise<void>;
}

/** What a commit's tree holds, listed from the mirror before any file is written. */
export interface TreeListing {
  /** Bytes of all its files. */
  bytes: number;
  /** Its submodule pointers. */
  gitlinks: Gitlink[];
  /** The mode of its top-level .gitmodules, when it has one ("100644" for a plain file). */
  gitmodulesMode?: string;
}

/** Lists a commit's tree: sizes, submodule pointers and whether it has a .gitmodules. */
export async function readTree(mirror: string, commit: string, run: GitRunOptions): Promise<TreeListing> {
  return parseTreeListing(await runGit([`--git-dir=${mirror}`, "ls-tree", "-r", "-l", "-z", commit], run));
}

/** Parses `git ls-tree -r -l -z`: entries "<mode> <type> <object> <size>\t<path>\0". */
export function parseTreeListing(listing: string): TreeListing {
  const result: TreeListing = { bytes: 0, gitlinks: [] };
  for (const entry of listing.split("\0")) {
    const tab = entry.indexOf("\t");
    if (tab < 0) continue;
    const [mode = "", type = "", object = "", size = ""] = entry.slice(0, tab).trim().split(/\s+/);
    const path = entry.slice(tab + 1);
    // Submodules (commits) show "-" for their size.
    const bytes = Number(size);
    if (Number.isFinite(bytes)) result.bytes += bytes;
    if (type === "commit") result.gitlinks.push({ path, commit: object });
    if (path === ".gitmodules") result.gitmodulesMode = mode;
  }
  return result;
}

/** Writes every file of a commit into `dir`, which must exist and be empty. */
export async function extractTree(
  mirror: string,
  commit: string,
  dir: string,
  tmpDir: string,
  run: GitRunOptions,
): Promise<void> {
  const work = await mkdtemp(join(tmpDir, "index-"));
  try {
    const env = { ...run.env, GIT_INDEX_FILE: join(work, "index") };
    await runGit([`--git-dir=${mirror}`, `--work-tree=${dir}`, "read-tree", "--reset", "-u", commit], {
      ...run,
      env,
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function materialiseTree(options: MaterialiseOptions): Promise<void> {
  const work = await mkdtemp(join(options.tmpDir, "tree-"));
  try {
    const files = join(work, "files");
    await mkdir(files);
    await extractTree(options.mirror, options.commit, files, options.tmpDir, options.run);
    await options.fill?.(files);
    await moveIntoPlace(files, options.target);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The folder a submodule's files go to, inside `root`: every component must be a real folder
 * (never a symbolic link, which could lead out of the checkout), and the last one empty;
 * missing ones are made.
 */
export async function submoduleFolder(root: string, path: string): Promise<string> {
  const problem = unsafePath(path);
  if (problem) throw new SubmoduleError(`submodule path "${path}" ${problem}`);
  let dir = root;
  for (const segment of path.split("/")) {
    dir = join(dir, segment);
    const info = await lstat(dir).catch(() => undefined);
    if (info === undefined) {
      await mkdir(dir);
    } else if (info.isSymbolicLink() || !info.isDirectory()) {
      throw new SubmoduleError(`submodule path "${path}" runs through a file or symbolic link, not a folder`);
    }
  }
  if ((await readdir(dir)).length > 0) {
    throw new SubmoduleError(`submodule path "${path}" already holds files of its superproject`);
  }
  return dir;
}
