// The part of the repository a kustomize build may read, checked before kustomize runs.
//
// kustomize's default load restrictor (LoadRestrictionsRootOnly) is narrower than it sounds: it
// keeps each *file* (patches, generator inputs) inside the kustomization that names it, and it
// does resolve symlinks for that check — but a kustomization may name any other kustomization
// as a base, anywhere on disk. `resources: [../../../../other-checkout/secrets]` builds fine and
// reads a folder outside the repository (tried with kustomize v5.8: a base two levels above the
// repo was inlined, and so was a base reached through a symlinked folder). So we walk the graph
// of kustomizations first and require every folder it reaches — followed through symlinks — to
// lie inside the repository. Inside each of those folders, the restrictor guards the files.
//
// Entries that do not exist locally are what kustomize would fetch as remote bases (git URLs,
// `github.com/org/repo//path?ref=v1`); rendering reads only the checked-out commit, so those are
// refused up front instead of letting kustomize try the network.
//
// The walk also collects each kustomization's `helmCharts` (kustomize's helm chart inflator),
// which kustomize-helm.ts checks: a chart must be vendored in the repository, never pulled.
import { readFile, realpath, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parse } from "yaml";
import { findKustomization } from "./detect.ts";
import { RenderError } from "./errors.ts";
import { followInRepo, isInside, repoRelative } from "./path-safety.ts";

/** Fields whose entries may name another kustomization (a new root) rather than a file. */
const ROOT_FIELDS = ["resources", "bases", "components", "generators", "transformers", "validators"] as const;

/** A kustomization the build reaches, as far as the checks before the build need it. */
export interface ReachedKustomization {
  /** The kustomization file. */
  file: string;
  /** Its folder, symlinks resolved. */
  dir: string;
  /** Its `helmCharts` entries as written (kustomize validates them). */
  helmCharts: unknown[];
  /** Its `helmGlobals.chartHome`, when set. */
  chartHome?: unknown;
}

/**
 * Fails when the kustomization at `dir` reaches a folder outside `repoRoot` or a remote base;
 * returns every kustomization it reaches.
 */
export async function assertKustomizeStaysInRepo(
  repoRoot: string,
  dir: string,
): Promise<ReachedKustomization[]> {
  const pending = [dir];
  const seen = new Set<string>();
  const reached: ReachedKustomization[] = [];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    if (seen.has(current)) continue;
    seen.add(current);
    const file = await findKustomization(current);
    if (!file) continue; // kustomize itself reports a folder that is not a kustomization
    // The kustomization file itself may be a link out of the repository; never read one.
    await followInRepo(repoRoot, file);
    const doc = await readKustomization(repoRoot, file);
    const helmGlobals = doc.helmGlobals as Record<string, unknown> | undefined;
    reached.push({
      file,
      dir: current,
      helmCharts: Array.isArray(doc.helmCharts) ? doc.helmCharts : [],
      ...(helmGlobals && typeof helmGlobals === "object" ? { chartHome: helmGlobals.chartHome } : {}),
    });
    for (const entry of rootEntries(doc)) {
      const next = await checkEntry(repoRoot, file, entry);
      if (next) pending.push(next);
    }
  }
  return reached;
}

/**
 * The kustomization as a mapping. A kustomization this check cannot read is refused rather than
 * handed to kustomize, whose YAML reader might see entries this one did not: the check fails
 * closed.
 */
async function readKustomization(repoRoot: string, file: string): Promise<Record<string, unknown>> {
  let doc: unknown;
  try {
    doc = parse(await readFile(file, "utf8"));
  } catch (err) {
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new RenderError(
      "invalid-manifest",
      `${repoRelative(repoRoot, file)} is not valid YAML (${why}); fix the kustomization in the repository`,
    );
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new RenderError(
      "invalid-manifest",
      `${repoRelative(repoRoot, file)} is not a kustomization (a YAML mapping); fix it in the repository`,
    );
  }
  return doc as Record<string, unknown>;
}

/** The string entries of the root-naming fields; inline YAML (generators can be) is skipped. */
function rootEntries(doc: Record<string, unknown>): string[] {
  const entries: string[] = [];
  for (const field of ROOT_FIELDS) {
    const value = doc[field];
    if (!Array.isArray(value)) continue;
    for (const entry of value) {
      if (typeof entry === "string" && !entry.includes("\n")) entries.push(entry);
    }
  }
  return entries;
}

/** Checks one entry; returns the real folder to follow when it names a local folder. */
async function checkEntry(repoRoot: string, file: string, entry: string): Promise<string | null> {
  const where = `${repoRelative(repoRoot, file)} lists "${entry}"`;
  const local = resolve(dirname(file), entry);
  if (!isInside(repoRoot, local)) {
    throw new RenderError("path-escapes-repo", `${where}, which is outside the repository`);
  }
  let real: string;
  try {
    real = await realpath(local);
  } catch {
    if (looksRemote(entry)) {
      throw new RenderError(
        "unsupported-source",
        `${where}, a remote base; rendering reads only the checked-out commit, so vendor it into the repository`,
      );
    }
    throw new RenderError("path-not-found", `${where}, which does not exist in the repository`);
  }
  if (!isInside(repoRoot, real)) {
    throw new RenderError(
      "path-escapes-repo",
      `${where}, which is a symlink (or lies under one) that points outside the repository`,
    );
  }
  return (await stat(real)).isDirectory() ? real : null;
}

/** kustomize's remote forms: a URL with a scheme, scp-style git@host:, or a host name first. */
export function looksRemote(entry: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || /^[^/@]+@[^/:]+:/.test(entry)) return true;
  const first = entry.split("/")[0] ?? "";
  return !first.startsWith(".") && first.includes(".") && entry.includes("/");
}
