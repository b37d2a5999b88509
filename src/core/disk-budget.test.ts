import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chooseEvictions, type DiskEntry } from "./disk-budget.ts";

const entry = (id: string, bytes: number, lastUsedMs: number, inUse = false): DiskEntry => ({
  id,
  bytes,
  lastUsedMs,
  inUse,
});

describe("chooseEvictions", () => {
  const now = 1_000_000;

  it("removes nothing while everything fits", () => {
    assert.deepEqual(chooseEvictions([entry("a", 5, 0), entry("b", 5, 0)], 10, now, 0).remove, []);
  });

  it("removes the least recently used first, only until the rest fits", () => {
    const result = chooseEvictions(
      [entry("new", 4, 900), entry("old", 4, 100), entry("mid", 4, 500)],
      8,
      now,
      0,
    );
    assert.deepEqual(result.remove, ["old"]);
    assert.equal(result.remainingBytes, 8);
  });

  it("never removes what is in use or was used just now, even when the budget stays exceeded", () => {
    const result = chooseEvictions(
      [entry("busy", 10, 0, true), entry("fresh", 10, now - 1000), entry("idle", 10, 0)],
      5,
      now,
      60_000,
    );
    assert.deepEqual(result.remove, ["idle"]);
    assert.equal(result.totalBytes, 30);
    assert.equal(result.remainingBytes, 20);
  });
});
