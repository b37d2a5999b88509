// Plain directories of manifests: every .yaml, .yml and .json file at the source path (and
// below it with `recurse`), read in a fixed order so the same commit always yields the same
// object list.
//
// Files are visited in byte order of their names, depth first — the order of Go's
// filepath.Walk, which Argo CD uses — so two objects with the same identity resolve the same way
// in both tools. A symlink is followed only when it stays inside the repository; one that points
// out is an error rather than a skipped file, because silently dropping a file would make its
// objects look deleted from Git, and pruning would delete them from the cluster.

import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { DirectorySource } from "../core/application.ts";
import { defaultLimits } from "../core/limits.ts";
import type { KubeObject } from "../core/objects.ts";
import { parseYamlWithin, RenderBudget } from "./budget.ts";
import { compileGlob } from "./glob.ts";
import { parseJsonManifest } from "./manifests.ts";
import { followInRepo, repoRelative } from "./path-safety.ts";

/** The files a directory source reads: the extensions Argo CD reads (minus jsonnet). */
const MANIFEST_FILE = /\.(ya?ml|json)$/;

export async function renderDirectory(
  repoRoot: string,
  dir: string,
  options: DirectorySource = {},
  budget: RenderBudget = new RenderBudget(defaultLimits()),
): Promise<KubeObject[]> {
  const include = options.include ? compileGlob(options.include) : () => true;
  const exclude = options.exclude ? compileGlob(options.exclude) : () => false;
  const wanted = (name: string, relPath: string) =>
    MANIFEST_FILE.test(name) && !exclude(relPath) && include(relPath);
  const files = await listFiles(repoRoot, dir, options.recurse ?? false, wanted);
  const objects: KubeObject[] = [];
  for (const file of files) {
    const origin = repoRelative(repoRoot, file.path);
    // Sizes are checked before anything is read: a file may be larger than the memory we have.
    budget.checkFile(origin, (await stat(file.real)).size);
    const text = await readFile(file.real, "utf8");
    if (file.path.endsWith(".json")) {
      const parsed = parseJsonManifest(text, origin);
      budget.addObjects(origin, parsed.length);
      objects.push(...parsed);
      await yieldToEventLoop();
    } else {
      objects.push(...(await parseYamlWithin(text, { origin }, budget)));
    }
  }
  return objects;
}

interface FoundFile {
  /** Path as found in the tree (a symlink's own path, not its target's). */
  path: string;
  /** Where its content actually is, symlinks followed. */
  real: string;
}

/**
 * The wanted files below `root` in walk order. `wanted` sees the base name and the
 * "/"-separated path below `root`, which is what include/exclude globs match.
 */
async function listFiles(
  repoRoot: string,
  root: string,
  recurse: boolean,
  wanted: (name: string, relPath: string) => boolean,
): Promise<FoundFile[]> {
  const found: FoundFile[] = [];
  // Real paths of the directories on the current descent, so a symlink back up cannot loop.
  const ancestors = new Set<string>();
  const walk = async (dir: string, relDir: string): Promise<void> => {
    ancestors.add(dir);
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const relPath = relDir ? `${relDir}/${entry.name}` : entry.name;
      let kind: "file" | "directory" | "other" = entry.isDirectory()
        ? "directory"
        : entry.isFile()
          ? "file"
          : "other";
      if (entry.isSymbolicLink()) {
        // Only a link we would read through must resolve inside the repository; a link to a
        // README elsewhere is none of our business. (A broken link counts as a file.)
        const target = await stat(path).catch(() => null);
        kind = target?.isDirectory() ? "directory" : "file";
      }
      if (kind === "directory") {
        // .git holds Git's own objects, never manifests.
        if (!recurse || entry.name === ".git") continue;
        const real = entry.isSymbolicLink() ? await followInRepo(repoRoot, path) : path;
        if (!ancestors.has(real)) await walk(real, relPath);
      } else if (kind === "file" && wanted(entry.name, relPath)) {
        const real = entry.isSymbolicLink() ? await followInRepo(repoRoot, path) : path;
        found.push({ path, real });
      }
    }
    ancestors.delete(dir);
  };
  await walk(root, "");
  return found;
}
