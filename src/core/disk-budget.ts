// Keeping the controller's disk within a budget. Git mirrors, checked-out commits and Stack run
// folders are caches: each can be made again (a fetch, a checkout, a copy and `tofu init`), so
// when together they pass the budget the least recently used go first, until the rest fits.
// Something in use (a repository being fetched, a run folder of a running Stack) or used very
// recently (a commit a render may still be reading) is never chosen, even if the budget then
// stays exceeded for a while.

export interface DiskEntry {
  /** What to remove, for the caller: a path. */
  id: string;
  bytes: number;
  /** When it was last used, in ms since the epoch. */
  lastUsedMs: number;
  /** In use now: never removed. */
  inUse: boolean;
}

export interface Evictions {
  /** Entries to remove, least recently used first. */
  remove: string[];
  totalBytes: number;
  /** Bytes left once they are removed; above the budget when too much is in use. */
  remainingBytes: number;
}

/**
 * Which entries to remove so that the rest fits in `budgetBytes`: least recently used first,
 * skipping what is in use or was used within `minIdleMs` of `nowMs`.
 */
export function chooseEvictions(
  entries: readonly DiskEntry[],
  budgetBytes: number,
  nowMs: number,
  minIdleMs: number,
): Evictions {
  const totalBytes = entries.reduce((sum, e) => sum + e.bytes, 0);
  let remainingBytes = totalBytes;
  const remove: string[] = [];
  const candidates = entries
    .filter((e) => !e.inUse && nowMs - e.lastUsedMs >= minIdleMs)
    .sort((a, b) => a.lastUsedMs - b.lastUsedMs || a.id.localeCompare(b.id));
  for (const entry of candidates) {
    if (remainingBytes <= budgetBytes) break;
    remove.push(entry.id);
    remainingBytes -= entry.bytes;
  }
  return { remove, totalBytes, remainingBytes };
}
