// Plain directories of manifests: every .yaml, .yml, .json and .jsonnet file at the source path
// (and below it with `recurse`), read in a fixed order so the same commit always yields the same
// object list. A .jsonnet file is evaluated (render/jsonnet.ts); its output is read as objects.
//
// Files are visited in byte order of their names, depth first — the order of Go's
// filepath.Walk, which Argo CD uses — so two objects with the same identity resolve the same way
// in both tools. A symlink is followed only when it stays inside the repository; one that points
// out is an error rather than a skipped file, because silently dropping a file would make its
// objects look deleted from Git, and pruning would delete them from the cluster.
//
// A file none of whose documents claims to be a Kubernetes object (no apiVersion, no kind) — a
// chart's values.yaml, a config file, a list of hosts — is left out and reported as skipped, as
// Argo CD leaves it out. The decision is per file, as in Argo CD: in a file that does hold
// objects, a document without apiVersion and kind is far more likely a manifest whose header was
// lost than a stray, so it is refused as before rather than dropped (and its object pruned).
//
// The files at the path that are not read at all (other extensions, subfolders without
// `recurse`) are reported when nothing was rendered, so the controller can tell an empty folder
// from a folder of files Mooring does not render (core/empty-render.ts). Dotfiles such as
// .gitkeep, which keep an emptied folder in Git, are not counted.

import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { type SkippedFile, STATUS_SKIPPED_LIMIT } from "../core/app-status.ts";
import type { DirectorySource } from "../core/application.ts";
import { defaultLimits } from "../core/limits.ts";
import type { KubeObject } from "../core/objects.ts";
import { parseYamlWithin, RenderBudget } from "./budget.ts";
import { compileGlob } from "./glob.ts";
import { renderJsonnetFile, resolveJsonnetLibs } from "./jsonnet.ts";
import { parseJsonManifest, toObjects } from "./manifests.ts";
import { followInRepo, repoRelative } from "./path-safety.ts";
import { defaultRenderOptions, type ResolvedRenderOptions } from "./tools.ts";

/** The files a directory source reads: the extensions Argo CD reads. */
const MANIFEST_FILE = /\.(ya?ml|json|jsonnet)$/;

export interface DirectoryRender {
  objects: KubeObject[];
  /** Files left out for holding no Kubernetes objects, at most STATUS_SKIPPED_LIMIT. */
  skipped: SkippedFile[];
  /** When no object was rendered: the files (and "folder/"s) at the path that were not read. */
  unrendered: string[];
}

export async function renderDirectory(
  repoRoot: string,
  dir: string,
  options: DirectorySource = {},
  budget: RenderBudget = new RenderBudget(defaultLimits()),
  tools: ResolvedRenderOptions = defaultRenderOptions(),
): Promise<DirectoryRender> {
  const include = options.include ? compileGlob(options.include) : () => true;
  const exclude = options.exclude ? compileGlob(options.exclude) : () => false;
  const wanted = (name: string, relPath: string) =>
    MANIFEST_FILE.test(name) && !exclude(relPath) && include(relPath);
  const passedOver: string[] = [];
  // Manifest files left out by include/exclude were left out on purpose: not counted.
  const notRead = (relPath: string) => {
    const folder = relPath.endsWith("/");
    const name = relPath.slice(relPath.lastIndexOf("/", relPath.length - 2) + 1);
    if (folder || (!name.startsWith(".") && !MANIFEST_FILE.test(name)))
      passedOver.push(`${repoRelative(repoRoot, join(dir, relPath))}${folder ? "/" : ""}`);
  };
  const files = await listFiles(repoRoot, dir, options.recurse ?? false, wanted, notRead);
  const jsonnet = options.jsonnet ?? {};
  const libDirs = files.some((f) => f.path.endsWith(".jsonnet"))
    ? await resolveJsonnetLibs(repoRoot, jsonnet.libs ?? [])
    : [];
  const objects: KubeObject[] = [];
  const skipped: string[] = [];
  for (const file of files) {
    const origin = repoRelative(repoRoot, file.path);
    // Sizes are checked before anything is read: a file may be larger than the memory we have.
    budget.checkFile(origin, (await stat(file.real)).size);
    const text = await readFile(file.real, "utf8");
    const strays: { value: unknown; label: string }[] = [];
    const notAnObject = (value: unknown, label: string) => strays.push({ value, label });
    let parsed: KubeObject[];
    if (file.path.endsWith(".jsonnet")) {
      objects.push(
        ...(await renderJsonnetFile({ repoRoot, file: file.real, jsonnet, libDirs, options: tools, budget })),
      );
      continue;
    }
    if (file.path.endsWith(".json")) {
      parsed = parseJsonManifest(text, origin, notAnObject);
      budget.addObjects(origin, parsed.length);
      await yieldToEventLoop();
    } else {
      parsed = await parseYamlWithin(text, { origin, notAnObject }, budget);
    }
    const stray = strays[0];
    if (stray && parsed.length > 0) toObjects(stray.value, stray.label); // refuses it, with the reason
    if (stray) skipped.push(origin);
    objects.push(...parsed);
  }
  // Nothing rendered: files passed over and files that held no object both explain why.
  const unrendered =
    objects.length === 0 ? [...passedOver, ...skipped.map((f) => `${f} (holds no Kubernetes object)`)] : [];
  return { objects, skipped: skippedList(skipped), unrendered };
}

const SKIP_REASON = "no document has apiVersion or kind: not Kubernetes objects";

/** The skipped files as status lists them: the first ones by name, then how many more. */
function skippedList(paths: string[]): SkippedFile[] {
  if (paths.length <= STATUS_SKIPPED_LIMIT) return paths.map((path) => ({ path, reason: SKIP_REASON }));
  const listed = paths.slice(0, STATUS_SKIPPED_LIMIT - 1).map((path) => ({ path, reason: SKIP_REASON }));
  const rest = paths.length - listed.length;
  return [
    ...listed,
    {
      path: paths[listed.length] as string,
      reason: `${SKIP_REASON} (${rest - 1} more skipped files are not listed)`,
    },
  ];
}

export interface FoundFile {
  /** Path as found in the tree (a symlink's own path, not its target's). */
  path: string;
  /** Where its content actually is, symlinks followed. */
  real: string;
}

/**
 * The wanted files below `root` in walk order. `wanted` sees the base name and the
 * "/"-separated path below `root`, which is what include/exclude globs match.
 */
export async function listFiles(
  repoRoot: string,
  root: string,
  recurse: boolean,
  wanted: (name: string, relPath: string) => boolean,
  /** Receives each file not wanted, and each subfolder ("relPath/") when not recursing. */
  notWanted: (relPath: string) => void = () => {},
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
        if (entry.name === ".git") continue;
        if (!recurse) {
          notWanted(`${relPath}/`);
          continue;
        }
        const real = entry.isSymbolicLink() ? await followInRepo(repoRoot, path) : path;
        if (!ancestors.has(real)) await walk(real, relPath);
      } else if (kind === "file" && wanted(entry.name, relPath)) {
        const real = entry.isSymbolicLink() ? await followInRepo(repoRoot, path) : path;
        found.push({ path, real });
      } else if (kind === "file") {
        notWanted(relPath);
      }
    }
    ancestors.delete(dir);
  };
  await walk(root, "");
  return found;
}
