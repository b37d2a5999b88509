import assert from "node:assert/strict";
import { it } from "node:test";
import { appChangesDelayMs } from "./appset-runner.ts";

it("gathers a set's Application changes for a second, longer for a large set, never past 10 s", () => {
  assert.deepEqual([0, 50, 200, 1000, 5000].map(appChangesDelayMs), [1000, 1000, 1000, 5000, 10_000]);
});
