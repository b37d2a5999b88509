// Garbage collection of the controller's disk caches within a budget (core/disk-budget.ts
// decides what goes). Each cache says what it holds through a DiskArea: its entries, when each
// was last used, which are in use now, and how to remove one. Sizes are measured here by walking
// the folders (symbolic links are counted, never followed).
import { readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { chooseEvictions, type DiskEntry } from "../core/disk-budget.ts";
import { formatBytes, LIMIT_FLAGS } from "../core/limits.ts";
import { cacheLayout } from "../git/cache.ts";
import type { GitSource } from "../git/source.ts";
import type { ChartSources } from "../sources/chart-source.ts";
import { folderBytes } from "../util/disk.ts";
import type { Logger } from "../util/log.ts";
import type { RunFolders } from "./stack-workdir.ts";

export interface AreaEntry {
  path: string;
  lastUsedMs: number;
  inUse: boolean;
  /** Removes the entry; default: the folder is deleted. */
  remove?: () => Promise<void>;
}

export interface DiskArea {
  /** For logs: "git mirrors", "commit trees", "stack run folders". */
  name: string;
  entries(): Promise<AreaEntry[]>;
}

export interface DiskCollection {
  removed: string[];
  totalBytes: number;
  remainingBytes: number;
}

/** Entries used within this long are kept: a render or a run may still be reading them. */
export const MIN_IDLE_MS = 10 * 60_000;

/** Measures every area and removes the least recently used entries until the total fits. */
export async function collectDiskGarbage(
  areas: readonly DiskArea[],
  budgetBytes: number,
  options: { nowMs: number; log?: Logger; minIdleMs?: number },
): Promise<DiskCollection> {
  const byId = new Map<string, AreaEntry>();
  const entries: DiskEntry[] = [];
  for (const area of areas) {
    for (const found of await area.entries()) {
      byId.set(found.path, found);
      entries.push({
        id: found.path,
        bytes: await folderBytes(found.path),
        lastUsedMs: found.lastUsedMs,
        inUse: found.inUse,
      });
    }
  }
  const decision = chooseEvictions(entries, budgetBytes, options.nowMs, options.minIdleMs ?? MIN_IDLE_MS);
  const removed: string[] = [];
  for (const id of decision.remove) {
    const entry = byId.get(id);
    try {
      await (entry?.remove ? entry.remove() : rm(id, { recursive: true, force: true }));
      removed.push(id);
    } catch (err) {
      options.log?.warn("could not remove a cache folder", { path: id, error: String(err) });
    }
  }
  if (removed.length > 0 || decision.remainingBytes > budgetBytes) {
    options.log?.info("disk budget", {
      budget: formatBytes(budgetBytes),
      used: formatBytes(decision.totalBytes),
      removed: removed.length,
      remaining: formatBytes(decision.remainingBytes),
      ...(decision.remainingBytes > budgetBytes
        ? { note: `what is in use alone passes the budget; raise ${LIMIT_FLAGS.diskBudgetBytes}` }
        : {}),
    });
  }
  return { removed, totalBytes: decision.totalBytes, remainingBytes: decision.remainingBytes };
}

/** The sub-folders of a folder, `depth` levels down, with their modification time. */
export async function foldersAt(root: string, depth: number): Promise<{ path: string; mtimeMs: number }[]> {
  let level = [root];
  for (let i = 0; i < depth; i++) {
    const next: string[] = [];
    for (const dir of level) {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) if (entry.isDirectory()) next.push(join(dir, entry.name));
    }
    level = next;
  }
  const out: { path: string; mtimeMs: number }[] = [];
  for (const path of level) {
    const info = await stat(path).catch(() => null);
    if (info) out.push({ path, mtimeMs: info.mtimeMs });
  }
  return out;
}

/**
 * The git cache as two areas: bare mirrors (`repos/<key>`) and checked-out commits
 * (`trees/<key>/<sha>`). A repository with work under way keeps its mirror and trees; a tree is
 * moved aside before it is deleted, so a reader never finds half of one.
 */
export function gitCacheAreas(git: Pick<GitSource, "cacheDir" | "isBusy">): DiskArea[] {
  const layout = cacheLayout(git.cacheDir);
  const aside = (path: string) => async () => {
    const target = join(layout.tmp, `gc-${basename(path)}-${process.pid}-${Date.now()}`);
    await rename(path, target);
    await rm(target, { recursive: true, force: true });
  };
  return [
    {
      name: "git mirrors",
      entries: async () =>
        (await foldersAt(layout.repos, 1)).map((f) => ({
          path: f.path,
          lastUsedMs: f.mtimeMs,
          inUse: git.isBusy(basename(f.path)),
          remove: aside(f.path),
        })),
    },
    {
      name: "commit trees",
      entries: async () =>
        (await foldersAt(layout.trees, 2)).map((f) => ({
          path: f.path,
          lastUsedMs: f.mtimeMs,
          inUse: git.isBusy(basename(dirname(f.path))),
          remove: aside(f.path),
        })),
    },
  ];
}

/**
 * The chart cache (sources/chart-source.ts): one folder per chart digest, last used when it was
 * last handed to a render; a folder being pulled, or handed out so recently that a render may
 * still read it, is in use, and the chart sources remove it themselves (moved aside first).
 */
export function chartCacheArea(charts: Pick<ChartSources, "cacheDir" | "inUse" | "evict">): DiskArea {
  return {
    name: "chart cache",
    entries: async () =>
      (await foldersAt(charts.cacheDir, 1)).map((f) => ({
        path: f.path,
        lastUsedMs: f.mtimeMs,
        inUse: charts.inUse(f.path),
        remove: () => charts.evict(f.path),
      })),
  };
}

/** Stack run folders kept between runs (stack-workdir.ts); a folder a run uses is never chosen. */
export function runFolderArea(folders: Pick<RunFolders, "keptFolders">): DiskArea {
  return { name: "stack run folders", entries: async () => folders.keptFolders() };
}
