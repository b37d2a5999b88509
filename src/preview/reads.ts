// What rendering or planning a target reads from its repository outside its own path.
//
// A pull request affects an Application when it touches the app's folder or anything its
// render pulls in from elsewhere: a Kustomize overlay's `resources: [../../base]`, its
// components, patch files and generator inputs, a Helm value file `../values/prod.yaml`, a
// chart dependency `repository: file://../common`; and a Stack when it touches a local module
// (`source = "../modules/db"`). Those references are read here from the checked-out commit and
// followed transitively (a base's own bases, a module's own modules), each folder once, so a
// change to a shared base affects every app built on it (core/preview/affected.ts).
//
// This reads files a pull request wrote, so it is careful the way the renderers are: a path
// that climbs out of the repository or is absolute is never read nor returned; a symlink is
// followed only while it stays inside the checkout; at most MAX_FILES files of at most
// MAX_FILE_BYTES each are read, and past that the walk stops with what it found. A file that
// does not parse is skipped: reporting it is the renderer's job. Remote bases (URLs) are
// skipped too: nothing in the repository changes them. Reading too much costs only a render
// that finds nothing changed, so where in doubt (a value-file glob, a build variable) the
// enclosing folder is returned.
import { constants } from "node:fs";
import { type FileHandle, open, readdir, realpath, stat } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import { parse } from "yaml";
import { joinRepoPath, repoPathSegments } from "../core/preview/affected.ts";
import { valueFileFolder } from "../core/preview/sources.ts";
import { findKustomization, HELM_CHART_FILE } from "../render/detect.ts";
import { looksRemote } from "../render/kustomize-roots.ts";
import { isInside } from "../render/path-safety.ts";

export interface ReadsInput {
  kind: "Application" | "Stack";
  /** The target's path in the repository ("" for the root). */
  path: string;
  /** The source's helm.valueFiles as written (relative to `path`), without `$ref/` entries. */
  helmValueFiles?: readonly string[];
}

/** The walk reads at most this many files (and folder listings)... */
export const MAX_FILES = 2_000;
/** ...of at most this many bytes each; a larger file is not read. */
export const MAX_FILE_BYTES = 1024 * 1024;

/** How a folder reached by the walk is read. */
type FolderKind = "kustomization" | "chart" | "module" | "app";

/** A reference found in a file: a path relative to the file's folder, and how to read what it names. */
interface Reference {
  entry: string;
  follow?: FolderKind;
}

/**
 * Repository-relative paths (files or folders) outside `input.path` that rendering or planning
 * it reads, found by reading the checkout at `checkoutDir`: Kustomize resources, bases,
 * components and patch files, Helm value files and `file://` chart dependencies, local Terraform
 * module sources; followed transitively. Never a path outside the repository. Sorted, without
 * `./` or a trailing `/`, and without a path that another one returned already covers.
 */
export async function renderReads(checkoutDir: string, input: ReadsInput): Promise<string[]> {
  const own = repoPathSegments(input.path);
  if (own === undefined) return [];
  let root: string;
  try {
    root = await realpath(checkoutDir);
  } catch {
    return [];
  }
  const checkout = new Checkout(root);
  const found = new Set<string>();
  const queue: { dir: string; kind: FolderKind }[] = [];
  const visited = new Set<string>();

  /** Records what a reference names and queues it to be read when it is a folder. */
  const reach = async (folder: string, reference: Reference): Promise<void> => {
    const path = resolveFrom(folder, reference.entry);
    if (path === undefined) return;
    const place = await checkout.locate(path);
    if (place.state === "outside") return;
    if (place.state === "missing") {
      if (!looksRemote(reference.entry)) found.add(path);
      return;
    }
    found.add(path);
    found.add(place.path);
    if (reference.follow !== undefined && place.directory)
      queue.push({ dir: place.path, kind: reference.follow });
  };

  const start = own.join("/");
  const home = await checkout.locate(start);
  if (home.state !== "found" || !home.directory) return [];
  found.add(home.path);
  if (input.kind === "Stack") queue.push({ dir: home.path, kind: "module" });
  else {
    for (const entry of input.helmValueFiles ?? []) {
      const written = valueFileFolder(entry);
      if (written === undefined) continue;
      // A value file starting with "/" is relative to the repository root (Argo CD's convention).
      const fromRoot = written.startsWith("/");
      await reach(fromRoot ? "" : home.path, { entry: fromRoot ? written.replace(/^\/+/, "") : written });
    }
    queue.push({ dir: home.path, kind: "app" });
  }

  for (let next = queue.shift(); next !== undefined && !checkout.exhausted; next = queue.shift()) {
    const key = `${next.kind}:${next.dir}`;
    if (visited.has(key)) continue;
    visited.add(key);
    for (const reference of await referencesOf(checkout, next.dir, next.kind))
      await reach(next.dir, reference);
  }
  return outside(found, own);
}

/** The references a folder makes, read as the tool reading it would. */
async function referencesOf(checkout: Checkout, dir: string, kind: FolderKind): Promise<Reference[]> {
  if (kind === "module") return moduleReferences(checkout, dir);
  if (kind === "chart") return chartReferences(checkout, dir);
  const kustomization = await checkout.kustomization(dir);
  if (kustomization !== undefined) {
    const doc = parseYaml(await checkout.read(kustomization));
    return doc === undefined ? [] : kustomizationReferences(doc);
  }
  if (kind === "app" && (await checkout.fileIn(dir, HELM_CHART_FILE)) !== undefined) {
    return chartReferences(checkout, dir);
  }
  return [];
}

/** Fields of a kustomization whose entries may name another kustomization folder. */
const ROOT_FIELDS = ["resources", "bases", "components", "generators", "transformers", "validators"];
/** Fields listing files. */
const FILE_LIST_FIELDS = ["crds", "configurations"];
/** Fields listing objects whose `path` names a file. */
const PATH_LIST_FIELDS = ["patches", "patchesJson6902", "replacements"];
const GENERATOR_FIELDS = ["configMapGenerator", "secretGenerator"];
/** kustomize's default `helmGlobals.chartHome`, relative to the kustomization. */
const DEFAULT_CHART_HOME = "charts";

/** Every file or folder a kustomization names, as written (relative to its folder). */
function kustomizationReferences(doc: Record<string, unknown>): Reference[] {
  const out: Reference[] = [];
  // Inline YAML (a patch, a generator) spans lines; a path never does.
  const add = (entry: unknown, follow?: FolderKind) => {
    if (typeof entry === "string" && entry !== "" && !entry.includes("\n")) {
      out.push(follow === undefined ? { entry } : { entry, follow });
    }
  };
  const file = (entry: unknown) => add(entry);
  for (const field of ROOT_FIELDS) for (const entry of list(doc[field])) add(entry, "kustomization");
  for (const field of FILE_LIST_FIELDS) list(doc[field]).forEach(file);
  for (const field of PATH_LIST_FIELDS) for (const entry of list(doc[field])) file(record(entry).path);
  list(doc.patchesStrategicMerge).forEach(file);
  file(record(doc.openapi).path);
  for (const field of GENERATOR_FIELDS) {
    for (const generator of list(doc[field]).map(record)) {
      // `files` entries may be `key=path`; kustomize splits at the first `=`.
      for (const entry of list(generator.files)) {
        if (typeof entry === "string") file(entry.slice(entry.indexOf("=") + 1));
      }
      list(generator.envs).forEach(file);
      file(generator.env);
    }
  }
  const chartHome = record(doc.helmGlobals).chartHome;
  const home = typeof chartHome === "string" && chartHome !== "" ? chartHome : DEFAULT_CHART_HOME;
  for (const chart of list(doc.helmCharts).map(record)) {
    file(chart.valuesFile);
    list(chart.additionalValuesFiles).forEach(file);
    const { name, version, repo } = chart;
    if (typeof name !== "string" || name === "" || name.includes("/")) continue;
    const versioned =
      typeof version === "string" && version !== "" && typeof repo === "string" && repo !== "";
    const folder = versioned ? `${home}/${name}-${version}/${name}` : `${home}/${name}`;
    add(folder, "chart");
  }
  return out;
}

/** A chart's local dependencies: `repository: file://../common` in Chart.yaml (or a v1 chart's requirements.yaml). */
async function chartReferences(checkout: Checkout, dir: string): Promise<Reference[]> {
  const out: Reference[] = [];
  for (const name of [HELM_CHART_FILE, "requirements.yaml"]) {
    const file = await checkout.fileIn(dir, name);
    if (file === undefined) continue;
    const doc = parseYaml(await checkout.read(file));
    for (const dependency of list(doc?.dependencies).map(record)) {
      const { repository } = dependency;
      if (typeof repository === "string" && repository.startsWith("file://")) {
        out.push({ entry: repository.slice("file://".length), follow: "chart" });
      }
    }
  }
  return out;
}

/** `source = "./x"` or `"../x"` in a module's .tf files, `"source": "../x"` in its .tf.json files. */
const HCL_SOURCE = /\bsource\s*=\s*"(\.\.?\/[^"]*)"/g;
const JSON_SOURCE = /"source"\s*:\s*"(\.\.?\/[^"]*)"/g;

/** The local module sources of the Terraform files in a folder (not its subfolders: tofu reads none). */
async function moduleReferences(checkout: Checkout, dir: string): Promise<Reference[]> {
  const out: Reference[] = [];
  for (const name of await checkout.list(dir)) {
    const pattern = name.endsWith(".tf") ? HCL_SOURCE : name.endsWith(".tf.json") ? JSON_SOURCE : undefined;
    const file = pattern === undefined ? undefined : await checkout.fileIn(dir, name);
    if (pattern === undefined || file === undefined) continue;
    const text = await checkout.read(file);
    for (const match of text?.matchAll(pattern) ?? []) {
      if (match[1] !== undefined) out.push({ entry: match[1], follow: "module" });
    }
  }
  return out;
}

/**
 * A path written relative to a folder, as a repository path (joinRepoPath), the root folder ""
 * included: joinRepoPath("", "x") gives undefined, as it joins the two into the absolute "/x".
 */
function resolveFrom(folder: string, relative: string): string | undefined {
  if (folder !== "") return joinRepoPath(folder, relative);
  return relative.startsWith("/") ? undefined : repoPathSegments(relative)?.join("/");
}

/** The found paths outside the target's own, sorted, without any another one covers. */
function outside(found: Set<string>, own: string[]): string[] {
  const paths = [...found]
    .map((path) => repoPathSegments(path))
    .filter((segments): segments is string[] => segments !== undefined && !covers(own, segments))
    .sort((a, b) => compare(a.join("/"), b.join("/")));
  const out: string[][] = [];
  for (const segments of paths) {
    if (!out.some((kept) => covers(kept, segments))) out.push(segments);
  }
  return [...new Set(out.map((segments) => segments.join("/")))];
}

function covers(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => segment === path[i]);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** A YAML mapping, or undefined for anything else (unreadable, broken, a list). */
function parseYaml(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const doc: unknown = parse(text, { version: "1.1" });
    return typeof doc === "object" && doc !== null && !Array.isArray(doc)
      ? (doc as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

type Place =
  | { state: "found"; path: string; directory: boolean }
  | { state: "missing" }
  | { state: "outside" };

/** Reads of one checkout: inside it only, symlinks resolved, within the walk's budget. */
class Checkout {
  readonly #root: string;
  #reads = 0;

  constructor(root: string) {
    this.#root = root;
  }

  /** True once the budget of reads is spent: the walk stops. */
  get exhausted(): boolean {
    return this.#reads >= MAX_FILES;
  }

  /**
   * Where a repository path really is: `found` (its real repository path, symlinks followed),
   * `missing`, or `outside` when a symlink leads out of the checkout or nowhere.
   */
  async locate(path: string): Promise<Place> {
    const absolute = join(this.#root, path);
    let real: string;
    try {
      real = await realpath(absolute);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return code === "ENOENT" || code === "ENOTDIR" ? { state: "missing" } : { state: "outside" };
    }
    if (!isInside(this.#root, real)) return { state: "outside" };
    try {
      return {
        state: "found",
        path: relative(this.#root, real),
        directory: (await stat(real)).isDirectory(),
      };
    } catch {
      return { state: "outside" };
    }
  }

  /** A found file's text; undefined past the budget, above the size limit or unreadable. */
  async read(path: string): Promise<string | undefined> {
    if (this.exhausted) return undefined;
    this.#reads++;
    let file: FileHandle | undefined;
    try {
      file = await open(join(this.#root, path), constants.O_RDONLY | constants.O_NONBLOCK);
      const info = await file.stat();
      if (!info.isFile() || info.size > MAX_FILE_BYTES) return undefined;
      return await file.readFile("utf8");
    } catch {
      return undefined;
    } finally {
      await file?.close().catch(() => {});
    }
  }

  /** The names in a found folder; empty past the budget or when unreadable. */
  async list(dir: string): Promise<string[]> {
    if (this.exhausted) return [];
    this.#reads++;
    try {
      return (await readdir(join(this.#root, dir))).sort();
    } catch {
      return [];
    }
  }

  /** The real repository path of the file `name` in a found folder, unless missing or leading out. */
  async fileIn(dir: string, name: string): Promise<string | undefined> {
    const path = resolveFrom(dir, name);
    const place = path === undefined ? undefined : await this.locate(path);
    return place?.state === "found" && !place.directory ? place.path : undefined;
  }

  /** The real repository path of a found folder's kustomization file, when it has one inside the checkout. */
  async kustomization(dir: string): Promise<string | undefined> {
    const file = await findKustomization(join(this.#root, dir));
    return file === null ? undefined : this.fileIn(dir, basename(file));
  }
}

/**
 * renderReads with its answers kept (up to `limit`, least recently used dropped first). A
 * checkout folder holds one commit and is never changed, so what a target reads at a base commit
 * is read once, however many pull requests into that base are previewed.
 */
export function cachedRenderReads(
  limit = 10_000,
): (checkoutDir: string, input: ReadsInput) => Promise<string[]> {
  const answers = new Map<string, Promise<string[]>>();
  return (checkoutDir, input) => {
    const key = JSON.stringify([checkoutDir, input.kind, input.path, input.helmValueFiles ?? []]);
    const known = answers.get(key);
    if (known) {
      answers.delete(key);
      answers.set(key, known);
      return known;
    }
    const reading = renderReads(checkoutDir, input);
    // A failed read is not kept: the next preview tries again.
    reading.catch(() => answers.delete(key));
    answers.set(key, reading);
    for (const oldest of answers.keys()) {
      if (answers.size <= limit) break;
      answers.delete(oldest);
    }
    return reading;
  };
}
