// The stored theme choice: only the three known values are honoured, so a stale or hand-edited
// localStorage entry falls back to following the system rather than breaking the colours.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseTheme } from "./theme.ts";

describe("the stored colour theme", () => {
  for (const [stored, theme] of [
    [null, "system"],
    ["light", "light"],
    ["dark", "dark"],
    ["system", "system"],
    ["sepia", "system"],
    ["", "system"],
  ] as const) {
    it(`reads ${JSON.stringify(stored)} as ${theme}`, () => assert.equal(parseTheme(stored), theme));
  }
});
