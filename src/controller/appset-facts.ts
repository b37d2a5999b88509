// The facts an ApplicationSet's generators read, fetched from the world: the registered clusters
// (each a Secret labelled mooring.dev/secret-type: cluster, whose labels and annotations the
// clusters generator selects on) and, per Git generator, the folders and matching files of the
// commit its revision names now. Generation itself (src/core/appset) is pure and only sees these.
//
// A repository is hostile input: the walk is bounded in folders and in bytes read, never follows
// symbolic links, and skips .git.
import { lstat, readdir, readFile } from "node:fs/promises";
import { join, matchesGlob } from "node:path";
import type { FactsNeeded } from "../core/appset/generate.ts";
import type { ClusterFact, GenerationFacts, GitFact } from "../core/appset/types.ts";
import type { KubeObject } from "../core/objects.ts";
import type { KubeClient } from "../kube/client.ts";
import { ARGOCD_SECRET_TYPE_LABEL, SECRET_TYPE_LABEL, secretText } from "./destinations.ts";

/** What the Git side needs: a revision resolved to a commit, and that commit on disk. */
export interface GitReader {
  head(repoURL: string, revision: string, force?: boolean): Promise<string>;
  fetch(repoURL: string, sha: string): Promise<{ sha: string; dir: string }>;
}

export interface FactLimits {
  /** Most folders one repository may list; default 10,000. */
  maxDirectories: number;
  /** Most bytes of matching files read per repository; default 4 MiB. */
  maxFileBytes: number;
}

export const DEFAULT_FACT_LIMITS: FactLimits = { maxDirectories: 10_000, maxFileBytes: 4 * 1024 * 1024 };

export class FactError extends Error {
  readonly code: "git-too-large" | "git-unreachable";
  constructor(code: FactError["code"], message: string) {
    super(message);
    this.name = "FactError";
    this.code = code;
  }
}

/** A registered cluster's Secret as the clusters generator sees it; never its credentials. */
export function clusterFact(secret: KubeObject): ClusterFact {
  return {
    name: secretText(secret, "name") ?? secret.metadata.name ?? "",
    server: secretText(secret, "server") ?? "",
    labels: { ...(secret.metadata.labels ?? {}) },
    annotations: { ...(secret.metadata.annotations ?? {}) },
  };
}

/** Every registered cluster (Mooring's and Argo CD's Secrets), one per name, sorted by name. */
export async function listClusterFacts(client: KubeClient, namespace: string): Promise<ClusterFact[]> {
  const byName = new Map<string, ClusterFact>();
  for (const label of [SECRET_TYPE_LABEL, ARGOCD_SECRET_TYPE_LABEL]) {
    const { items } = await client.list("v1", "Secret", { namespace, labelSelector: `${label}=cluster` });
    for (const secret of items) {
      const fact = clusterFact(secret);
      if (!byName.has(fact.name)) byName.set(fact.name, fact);
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Folders (repository-relative) and the files matching any glob, read from a checkout. */
export async function readGitTree(
  root: string,
  fileGlobs: readonly string[],
  limits: FactLimits = DEFAULT_FACT_LIMITS,
): Promise<{ directories: string[]; files: { path: string; text: string }[] }> {
  const directories: string[] = [];
  const files: { path: string; text: string }[] = [];
  let bytes = 0;
  const pending = [""];
  while (pending.length > 0) {
    const rel = pending.shift() as string;
    const entries = await readdir(join(root, rel), { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name === ".git") continue;
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        directories.push(path);
        if (directories.length > limits.maxDirectories) {
          throw new FactError(
            "git-too-large",
            `the repository has more than ${limits.maxDirectories} folders; a git generator reads at most that many`,
          );
        }
        pending.push(path);
      } else if (entry.isFile() && fileGlobs.some((glob) => matchesGlob(path, glob))) {
        const size = (await lstat(join(root, path))).size;
        bytes += size;
        if (bytes > limits.maxFileBytes) {
          throw new FactError(
            "git-too-large",
            `the files matching ${fileGlobs.join(", ")} hold more than ${limits.maxFileBytes} bytes; narrow the globs`,
          );
        }
        files.push({ path, text: await readFile(join(root, path), "utf8") });
      }
    }
  }
  return { directories: directories.sort(), files };
}

/** Fetches what `factsNeeded` asked for; `force` looks up branch heads again (a refresh). */
export async function fetchFacts(
  needed: FactsNeeded,
  sources: { clusters: () => Promise<ClusterFact[]>; git: GitReader },
  options: { force?: boolean; limits?: FactLimits } = {},
): Promise<GenerationFacts> {
  const clusters = needed.clusters ? await sources.clusters() : [];
  const git: Record<string, GitFact> = {};
  for (const request of needed.git) {
    const key = `${request.repoURL}#${request.revision}`;
    const sha = await sources.git.head(request.repoURL, request.revision, options.force);
    const { dir } = await sources.git.fetch(request.repoURL, sha);
    const tree = await readGitTree(dir, request.fileGlobs, options.limits);
    // Two generators on one repository and revision share one fact, holding both's files once.
    const files = new Map((git[key]?.files ?? []).map((f) => [f.path, f]));
    for (const file of tree.files) files.set(file.path, file);
    git[key] = {
      repoURL: request.repoURL,
      revision: request.revision,
      sha,
      directories: tree.directories,
      files: [...files.values()],
    };
  }
  return { clusters, git };
}
