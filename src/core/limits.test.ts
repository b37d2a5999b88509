import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultLimits, formatBytes, parseByteSize } from "./limits.ts";

describe("byte sizes", () => {
  const cases: [string, number | null][] = [
    ["512", 512],
    ["10Mi", 10 * 1024 * 1024],
    ["10MiB", 10 * 1024 * 1024],
    ["1.5Gi", 1.5 * 1024 ** 3],
    ["500MB", 500_000_000],
    ["2k", 2000],
    ["ten", null],
    ["10 parsecs", null],
    ["-1", null],
    ["", null],
  ];
  for (const [text, bytes] of cases) {
    it(`reads ${JSON.stringify(text)} as ${bytes}`, () => assert.equal(parseByteSize(text), bytes));
  }

  it("prints sizes in binary units", () => {
    assert.equal(formatBytes(10 * 1024 * 1024), "10 MiB");
    assert.equal(formatBytes(1536), "1.5 KiB");
    assert.equal(formatBytes(12), "12 bytes");
  });
});

describe("defaultLimits", () => {
  it("fills what is not given and keeps what is", () => {
    const limits = defaultLimits({ maxRenderObjects: 5 });
    assert.equal(limits.maxRenderObjects, 5);
    assert.equal(limits.maxManifestFileBytes, 10 * 1024 * 1024);
    assert.equal(limits.maxStackTimeoutMs, 7_200_000);
  });
});
