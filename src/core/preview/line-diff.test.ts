import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type DiffLine,
  diffLines,
  foldContext,
  isMultiline,
  LCS_CELL_LIMIT,
  splitLines,
} from "./line-diff.ts";

function show(lines: readonly (DiffLine | { skipped: number })[]): string[] {
  return lines.map((l) => ("skipped" in l ? `…${l.skipped}` : `${l.mark}${l.text}`));
}

describe("diffLines", () => {
  const cases: [string, string[], string[], string[]][] = [
    ["marks one changed line", ["a", "b", "c"], ["a", "B", "c"], [" a", "-b", "+B", " c"]],
    ["marks an inserted line", ["a", "c"], ["a", "b", "c"], [" a", "+b", " c"]],
    ["marks a removed line", ["a", "b", "c"], ["a", "c"], [" a", "-b", " c"]],
    ["shows a new value as all added", [], ["a", "b"], ["+a", "+b"]],
    ["shows a removed value as all removed", ["a", "b"], [], ["-a", "-b"]],
    ["keeps equal values as context only", ["a", "b"], ["a", "b"], [" a", " b"]],
    [
      "finds moved blocks as the longest common run",
      ["x", "a", "b", "y"],
      ["a", "b", "x", "y"],
      ["-x", " a", " b", "+x", " y"],
    ],
  ];
  for (const [name, before, after, expected] of cases) {
    it(name, () => assert.deepEqual(show(diffLines(before, after)), expected));
  }

  it("falls back to all removed, all added for values too large to compare line by line", () => {
    const n = Math.ceil(Math.sqrt(LCS_CELL_LIMIT)) + 1;
    const before = Array.from({ length: n }, (_, i) => `old ${i}`);
    const after = Array.from({ length: n }, (_, i) => `new ${i}`);
    const lines = diffLines(["same", ...before], ["same", ...after]);
    assert.equal(lines.length, 1 + 2 * n);
    assert.deepEqual(show(lines.slice(0, 2)), [" same", "-old 0"]);
  });
});

describe("foldContext", () => {
  it("folds unchanged runs away from changes, keeping three lines of context", () => {
    const before = Array.from({ length: 20 }, (_, i) => `l${i}`);
    const after = before.map((l) => (l === "l10" ? "L10" : l));
    assert.deepEqual(show(foldContext(diffLines(before, after))), [
      "…7",
      " l7",
      " l8",
      " l9",
      "-l10",
      "+L10",
      " l11",
      " l12",
      " l13",
      "…6",
    ]);
  });
});

describe("splitLines and isMultiline", () => {
  it("ends the last line at a final newline", () => {
    assert.deepEqual(splitLines("a\nb\n"), ["a", "b"]);
    assert.deepEqual(splitLines("a\r\nb"), ["a", "b"]);
  });
  it("treats a one-line value with a trailing newline as one line", () => {
    assert.equal(isMultiline("a\n"), false);
    assert.equal(isMultiline("a\nb"), true);
    assert.equal(isMultiline(3), false);
  });
});
