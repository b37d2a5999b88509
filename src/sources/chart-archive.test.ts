import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { ChartArchiveError, unpackChart } from "./chart-archive.ts";

/** A ustar archive of [path, content, type] entries, as `helm package` writes them. */
function tgz(entries: [string, string, string?][]): Buffer {
  const blocks: Buffer[] = [];
  for (const [path, content, type = "0"] of entries) {
    const header = Buffer.alloc(512);
    header.write(path, 0, 100);
    header.write("0000644\0", 100);
    header.write(`${Buffer.byteLength(content).toString(8).padStart(11, "0")}\0`, 124);
    header.write(type, 156);
    header.write("ustar\0", 257);
    blocks.push(header);
    const data = Buffer.from(content);
    blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

describe("unpackChart", () => {
  let dest: string;
  beforeEach(async () => {
    dest = await mkdtemp(join(tmpdir(), "chart-archive-"));
  });
  afterEach(async () => {
    await rm(dest, { recursive: true, force: true });
  });

  it("writes the chart's files under its folder", async () => {
    await unpackChart(
      tgz([
        ["web/Chart.yaml", "name: web\nversion: 1.0.0\n"],
        ["web/templates/cm.yaml", "kind: ConfigMap\n"],
      ]),
      "web",
      dest,
    );
    assert.deepEqual(await readdir(join(dest, "web")), ["Chart.yaml", "templates"]);
    assert.equal(await readFile(join(dest, "web/templates/cm.yaml"), "utf8"), "kind: ConfigMap\n");
  });

  const hostile: [string, [string, string, string?][], RegExp][] = [
    [
      "a path climbing out",
      [
        ["web/Chart.yaml", "x"],
        ["web/../../evil", "x"],
      ],
      /outside the chart/,
    ],
    [
      "an absolute path",
      [
        ["web/Chart.yaml", "x"],
        ["/etc/evil", "x"],
      ],
      /outside the chart/,
    ],
    [
      "another chart's folder",
      [
        ["web/Chart.yaml", "x"],
        ["other/x", "x"],
      ],
      /outside the folder web\//,
    ],
    ["no Chart.yaml", [["web/values.yaml", "x"]], /not the chart web/],
    [
      "a file listed twice",
      [
        ["web/Chart.yaml", "x"],
        ["web/Chart.yaml", "y"],
      ],
      /twice/,
    ],
  ];
  for (const [what, entries, message] of hostile) {
    it(`refuses ${what}`, async () => {
      await assert.rejects(unpackChart(tgz(entries), "web", dest), (err: unknown) => {
        assert.ok(err instanceof ChartArchiveError);
        assert.match(err.message, message);
        return true;
      });
    });
  }

  it("writes no link, so nothing later reads through one", async () => {
    await unpackChart(
      tgz([
        ["web/Chart.yaml", "x"],
        ["web/passwd", "", "2"],
      ]),
      "web",
      dest,
    );
    assert.deepEqual(await readdir(join(dest, "web")), ["Chart.yaml"]);
  });

  it("stops an archive that inflates past the budget", async () => {
    const big = tgz([
      ["web/Chart.yaml", "x"],
      ["web/big", "0".repeat(200_000)],
    ]);
    await assert.rejects(
      unpackChart(big, "web", dest, { maxBytes: 100_000, maxEntries: 10 }),
      /more than 100000 bytes/,
    );
    await assert.rejects(
      unpackChart(
        tgz([
          ["web/Chart.yaml", "x"],
          ["web/a", ""],
          ["web/b", ""],
        ]),
        "web",
        dest,
        { maxBytes: 1e6, maxEntries: 2 },
      ),
      /more than 2 files/,
    );
  });
});
