import assert from "node:assert/strict";
import { it } from "node:test";
import { mergePatchFrom } from "./merge-patch.ts";

it("nulls keys that disappeared at any depth, and replaces arrays whole", () => {
  const previous = {
    health: { status: "Progressing", message: "waiting" },
    pin: { revision: "a" },
    list: [1, 2],
  };
  const next = { health: { status: "Healthy" }, list: [3] };
  assert.deepEqual(mergePatchFrom(previous, next), {
    health: { status: "Healthy", message: null },
    pin: null,
    list: [3],
  });
});

it("applied as RFC 7396 says, the patch yields exactly the new document", () => {
  const apply = (target: unknown, patch: unknown): unknown => {
    if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
    const out: Record<string, unknown> =
      typeof target === "object" && target && !Array.isArray(target) ? { ...(target as object) } : {};
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete out[k];
      else out[k] = apply(out[k], v);
    }
    return out;
  };
  const previous = { a: { b: 1, c: { d: 2 } }, e: "x" };
  const next = { a: { c: { f: 3 } }, g: [1] };
  assert.deepEqual(apply(previous, mergePatchFrom(previous, next)), next);
});
