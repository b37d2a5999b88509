import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { matchesSelector, parseLabelSelector } from "./selector.ts";

const LABELS = { app: "web", env: "prod", "mooring.dev/team": "a" };

describe("label selectors in Kubernetes syntax", () => {
  const cases: [string, boolean][] = [
    ["", true],
    ["app=web", true],
    ["app==web", true],
    ["app=api", false],
    ["app!=api", true],
    ["app!=web", false],
    ["missing!=x", true],
    ["env in (dev, prod)", true],
    ["env in (dev,staging)", false],
    ["env notin (prod)", false],
    ["missing notin (prod)", true],
    ["mooring.dev/team", true],
    ["!mooring.dev/team", false],
    ["!legacy", true],
    ["app=web,env in (prod),!legacy", true],
    ["app=web, env=dev", false],
    ["app=", false],
  ];
  for (const [text, expected] of cases) {
    it(`"${text}" ${expected ? "matches" : "does not match"} ${JSON.stringify(LABELS)}`, () => {
      const parsed = parseLabelSelector(text);
      assert.ok(parsed.ok, parsed.ok ? "" : parsed.message);
      assert.equal(matchesSelector(parsed.selector, LABELS), expected);
    });
  }

  const refused: [string, RegExp][] = [
    ["app=web,", /is empty/],
    ["env in (dev", /unbalanced/],
    ["env in ()", /no values/],
    ["app=we b", /not key=value/],
    ["Bad Key=x", /not key=value/],
    ["app=web!", /not a label value/],
    ["env in (a,(b))", /unbalanced/],
  ];
  for (const [text, message] of refused) {
    it(`refuses "${text}" naming what is wrong`, () => {
      const parsed = parseLabelSelector(text);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.message, message);
    });
  }
});
