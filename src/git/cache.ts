// The git cache on disk:
//   <cacheDir>/repos/<key>/        bare mirror of one repository (key: sha256 of its canonical
//                                  address, so no URL, let alone a credential, shows in a name)
//   <cacheDir>/trees/<key>/<sha>/  the files of one commit of that repository, written once and
//                                  never changed afterwards
//   <cacheDir>/tmp/                work in progress, moved into place by rename
// A rename within one file system is atomic, so a reader sees a finished mirror or tree or none,
// never a half-written one, even when another process fills the same cache.
import { constants } from "node:fs";
import { access, mkdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";

export interface CacheLayout {
  root: string;
  repos: string;
  trees: string;
  tmp: string;
}

export function cacheLayout(root: string): CacheLayout {
  return { root, repos: join(root, "repos"), trees: join(root, "trees"), tmp: join(root, "tmp") };
}

export function mirrorPath(layout: CacheLayout, key: string): string {
  return join(layout.repos, key);
}

export function treePath(layout: CacheLayout, key: string, sha: string): string {
  return join(layout.trees, key, sha);
}

/** Creates the cache folders, private to this user: trees may hold whatever a repository holds. */
export async function prepareCache(layout: CacheLayout): Promise<void> {
  for (const dir of [layout.root, layout.repos, layout.trees, layout.tmp]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  }
}

export async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Renames a finished directory into place. When the target appeared meanwhile (another process
 * won the race) the new copy is dropped and false is returned.
 */
export async function moveIntoPlace(from: string, to: string): Promise<boolean> {
  await mkdir(dirname(to), { recursive: true, mode: 0o700 });
  try {
    await rename(from, to);
    return true;
  } catch (error) {
    if (!(await pathExists(to))) throw error;
    await rm(from, { recursive: true, force: true });
    return false;
  }
}
