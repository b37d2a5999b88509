import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { folderBytes } from "../util/disk.ts";
import { collectDiskGarbage, type DiskArea, gitCacheAreas } from "./disk-gc.ts";

const HOUR = 3_600_000;

describe("disk budget garbage collection", () => {
  let root = "";
  const now = Date.now();

  before(async () => {
    root = await mkdtemp(join(tmpdir(), "mooring-disk-gc-"));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** A folder holding `kib` KiB, last modified `hoursAgo` hours ago. */
  async function folder(path: string, kib: number, hoursAgo: number): Promise<void> {
    await mkdir(path, { recursive: true });
    await writeFile(join(path, "blob"), Buffer.alloc(kib * 1024));
    const at = (now - hoursAgo * HOUR) / 1000;
    await utimes(path, at, at);
  }

  it("removes the least recently used commit trees and mirrors until the cache fits, never a busy repository's", async () => {
    const cache = join(root, "git");
    await mkdir(join(cache, "tmp"), { recursive: true });
    await folder(join(cache, "repos", "busy"), 100, 50);
    await folder(join(cache, "repos", "idle"), 100, 40);
    await folder(join(cache, "trees", "busy", "sha-old"), 100, 30);
    await folder(join(cache, "trees", "idle", "sha-old"), 100, 20);
    await folder(join(cache, "trees", "idle", "sha-new"), 100, 1);
    const git = { cacheDir: cache, isBusy: (key: string) => key === "busy" };

    const result = await collectDiskGarbage(gitCacheAreas(git), 330 * 1024, { nowMs: now });

    assert.deepEqual(
      result.removed.map((p) => p.slice(cache.length + 1)),
      ["repos/idle", "trees/idle/sha-old"],
    );
    assert.deepEqual(await readdir(join(cache, "repos")), ["busy"]);
    assert.deepEqual((await readdir(join(cache, "trees", "idle"))).sort(), ["sha-new"]);
    assert.deepEqual(await readdir(join(cache, "trees", "busy")), ["sha-old"]);
    assert.deepEqual(await readdir(join(cache, "tmp")), [], "trees moved aside are deleted too");
    assert.ok(result.remainingBytes <= 330 * 1024);
  });

  it("keeps what was used in the last minutes even past the budget, and uses an area's own removal", async () => {
    const dir = join(root, "runs");
    await folder(join(dir, "fresh"), 50, 0);
    await folder(join(dir, "old"), 50, 5);
    const removedByArea: string[] = [];
    const area: DiskArea = {
      name: "stack run folders",
      entries: async () =>
        ["fresh", "old"].map((name) => ({
          path: join(dir, name),
          lastUsedMs: name === "fresh" ? now : now - 5 * HOUR,
          inUse: false,
          remove: async () => {
            removedByArea.push(name);
            await rm(join(dir, name), { recursive: true });
          },
        })),
    };
    const result = await collectDiskGarbage([area], 1024, { nowMs: now });
    assert.deepEqual(removedByArea, ["old"]);
    assert.ok(result.remainingBytes > 1024, "the fresh folder alone passes the budget and stays");
    assert.deepEqual(await readdir(dir), ["fresh"]);
  });

  it("measures folders without following symbolic links out of them", async () => {
    await folder(join(root, "measured"), 8, 0);
    assert.ok((await folderBytes(join(root, "measured"))) >= 8 * 1024);
    assert.equal(await folderBytes(join(root, "missing")), 0);
  });
});
