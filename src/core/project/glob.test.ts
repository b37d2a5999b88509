import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { globMatch, negatableMatch } from "./glob.ts";

describe("globMatch", () => {
  const cases: [string, string, boolean][] = [
    ["*", "", true],
    ["*", "anything/at all", true],
    ["team-*", "team-a", true],
    ["team-*", "team-", true],
    ["team-*", "xteam-a", false],
    ["*-prod", "shop-prod", true],
    ["*-prod", "shop-prod-2", false],
    ["a?c", "abc", true],
    ["a?c", "ac", false],
    ["a*b*c", "aXXbYYc", true],
    ["a*b*c", "aXXbYY", false],
    ["", "", true],
    ["", "x", false],
    ["exact", "exact", true],
    ["exact", "Exact", false],
    ["**", "x", true],
    ["*a", "aaaa", true],
  ];
  for (const [pattern, text, expected] of cases) {
    it(`${JSON.stringify(pattern)} ${expected ? "matches" : "does not match"} ${JSON.stringify(text)}`, () => {
      assert.equal(globMatch(pattern, text), expected);
    });
  }

  it("answers a star bomb quickly instead of backtracking exponentially", () => {
    const pattern = `${"a*".repeat(30)}b`;
    const text = "a".repeat(5000);
    const started = performance.now();
    assert.equal(globMatch(pattern, text), false);
    assert.ok(performance.now() - started < 1000);
  });
});

describe("negatableMatch", () => {
  it("inverts a pattern that starts with !", () => {
    assert.equal(negatableMatch("!kube-*", "kube-system"), false);
    assert.equal(negatableMatch("!kube-*", "team-a"), true);
    assert.equal(negatableMatch("kube-*", "kube-system"), true);
  });
});
