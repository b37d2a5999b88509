import assert from "node:assert/strict";
import { it } from "node:test";
import { parseDuration } from "./duration.ts";

it("reads durations the way Kubernetes tools write them", () => {
  const cases: [string, number | null][] = [
    ["90s", 90_000],
    ["5m", 300_000],
    ["1h30m", 5_400_000],
    ["250ms", 250],
    ["2", 2000],
    ["5 minutes", null],
    ["", null],
    ["m5", null],
  ];
  for (const [text, expected] of cases) assert.equal(parseDuration(text), expected, text);
});
