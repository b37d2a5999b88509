import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ChartSources } from "../sources/chart-source.ts";
import { folderBytes } from "../util/disk.ts";
import { chartCacheArea, collectDiskGarbage, type DiskArea, gitCacheAreas } from "./disk-gc.ts";

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

  it("removes chart folders no render is reading, keeps the one just handed out, and pulls an evicted chart again", async () => {
    // A Helm repository whose index.yaml names two versions by digest; both are already unpacked
    // in the cache, so a fetch hands out the folder without pulling anything.
    const digests = { "1.0.0": "a".repeat(64), "1.1.0": "b".repeat(64) };
    const index = `apiVersion: v1\nentries:\n  web:\n${Object.entries(digests)
      .map(
        ([version, digest]) =>
          `  - version: ${version}\n    urls: [web-${version}.tgz]\n    digest: ${digest}\n`,
      )
      .join("")}`;
    const server = createServer((_req, res) => res.end(index));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const repoURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/charts`;
    try {
      const cache = join(root, "charts");
      for (const [version, digest] of Object.entries(digests)) {
        await folder(join(cache, `sha256-${digest}`, "web"), 100, version === "1.0.0" ? 5 : 4);
        await writeFile(
          join(cache, `sha256-${digest}`, "web", "Chart.yaml"),
          `name: web\nversion: ${version}\n`,
        );
        await utimes(join(cache, `sha256-${digest}`), (now - 5 * HOUR) / 1000, (now - 5 * HOUR) / 1000);
      }
      await folder(join(cache, `sha256-${"c".repeat(64)}`), 100, 3);
      await folder(join(cache, ".pull-left-by-a-crash"), 50, 6);
      const charts = new ChartSources({ helmBinary: "/bin/false", cacheDir: cache, readingMs: 1000 });
      const earlier = await charts.fetch(repoURL, "web", "web@1.1.0");
      await sleep(1100);

      const handed = await charts.fetch(repoURL, "web", "web@1.0.0");
      assert.equal(handed.dir, join(cache, `sha256-${digests["1.0.0"]}`, "web"));
      await assert.rejects(charts.evict(join(cache, `sha256-${digests["1.0.0"]}`)), /in use/);

      const result = await collectDiskGarbage([chartCacheArea(charts)], 10 * 1024, {
        nowMs: Date.now(),
        minIdleMs: 0,
      });
      assert.deepEqual(result.removed.map((p) => p.slice(cache.length + 1)).sort(), [
        ".pull-left-by-a-crash",
        `sha256-${"b".repeat(64)}`,
        `sha256-${"c".repeat(64)}`,
      ]);
      assert.deepEqual(
        await readdir(cache),
        [`sha256-${digests["1.0.0"]}`],
        "folders moved aside are gone too",
      );
      assert.ok(
        charts.inUse(handed.dir.replace(/\/web$/, "")),
        "a render may still read what was handed out",
      );
      assert.ok(!charts.inUse(handed.dir.replace(/\/web$/, ""), Date.now() + 1000), "once read, it may go");

      assert.equal((await charts.fetch(repoURL, "web", "web@1.0.0")).dir, handed.dir);
      assert.ok(!existsSync(earlier.dir));
      await assert.rejects(
        charts.fetch(repoURL, "web", "web@1.1.0"),
        /helm pull of chart .*web 1\.1\.0 failed/,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
