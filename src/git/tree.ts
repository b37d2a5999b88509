// Materialising a commit: writing the files of its tree into a plain directory that renderers
// read. The mirror is bare (no working files), so git is pointed at an empty temporary work tree
// and a private index file, and `read-tree -u` writes every file of the commit there, exactly as
// a clone would (unlike `git archive`, which obeys export-ignore and export-subst attributes and
// could leave out or rewrite manifests). The finished directory is then renamed into place.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { moveIntoPlace } from "./cache.ts";
import { type GitRunOptions, runGit } from "./run.ts";

export interface MaterialiseOptions {
  mirror: string;
  /** Full sha of a commit present in the mirror. */
  commit: string;
  /** Final directory; must not exist yet. */
  target: string;
  /** Folder for work in progress, on the same file system as target. */
  tmpDir: string;
  run: GitRunOptions;
}

/** Bytes of all files of a commit, from the mirror, before any is written. */
export async function treeBytes(mirror: string, commit: string, run: GitRunOptions): Promise<number> {
  const listing = await runGit([`--git-dir=${mirror}`, "ls-tree", "-r", "-l", "-z", commit], run);
  let total = 0;
  // Each entry: "<mode> <type> <object> <size>\t<path>\0"; submodules (commits) show "-".
  for (const entry of listing.split("\0")) {
    const size = Number(entry.slice(0, entry.indexOf("\t")).trim().split(/\s+/)[3]);
    if (Number.isFinite(size)) total += size;
  }
  return total;
}

export async function materialiseTree(options: MaterialiseOptions): Promise<void> {
  const work = await mkdtemp(join(options.tmpDir, "tree-"));
  try {
    const files = join(work, "files");
    await mkdir(files);
    const env = { ...options.run.env, GIT_INDEX_FILE: join(work, "index") };
    await runGit(
      [`--git-dir=${options.mirror}`, `--work-tree=${files}`, "read-tree", "--reset", "-u", options.commit],
      { ...options.run, env },
    );
    await moveIntoPlace(files, options.target);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
