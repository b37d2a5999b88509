import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { decodePlan } from "./plan-file.ts";
import { canonicalJson, isPlanId, type PlanInputs, planId } from "./plan-id.ts";
import { readFields } from "./protobuf.ts";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
/** A `tfplan` message tofu wrote (see fixtures/generate.ts). */
const tfplan = (name: string): Uint8Array => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const identity = (bytes: Uint8Array) => decodePlan(bytes).identity;
const inputs: PlanInputs = {
  revision: "3f786850e387550fdab836ed7e6dc881de23001b",
  path: "infra/db",
  workspace: "default",
  purpose: "apply",
};

/** The same message with its fields in reverse order and another timestamp (field 21). */
function rewritten(bytes: Uint8Array): Uint8Array {
  const stamp = new TextEncoder().encode("2031-01-01T00:00:00Z");
  const parts = readFields(bytes)
    .map((f) => (f.field === 21 ? Uint8Array.from([0xaa, 0x01, stamp.length, ...stamp]) : f.raw))
    .reverse();
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

describe("planId", () => {
  it("gives two plans of the same content the same id", () => {
    const a = planId(identity(tfplan("plan-create.pb")), inputs, sha256);
    const b = planId(identity(tfplan("plan-create-again.pb")), inputs, sha256);
    assert.equal(a, b);
    assert.ok(isPlanId(a), a);
  });

  it("gives a new id when only a sensitive value changes", () => {
    const a = planId(identity(tfplan("plan-create.pb")), inputs, sha256);
    const b = planId(identity(tfplan("plan-create-other-secret.pb")), inputs, sha256);
    assert.notEqual(a, b);
  });

  it("ignores when the plan was made and the order tofu's parallel walk wrote changes in", () => {
    const original = tfplan("plan-update.pb");
    const moved = rewritten(original);
    assert.notDeepEqual(moved, original);
    assert.equal(planId(identity(moved), inputs, sha256), planId(identity(original), inputs, sha256));
  });

  it("gives a new id for each input that differs", () => {
    const plan = identity(tfplan("plan-create.pb"));
    const base = planId(plan, inputs, sha256);
    const variants: Partial<PlanInputs>[] = [
      { revision: "0000000000000000000000000000000000000000" },
      { path: "infra/other" },
      { workspace: "staging" },
      { purpose: "drift" },
    ];
    for (const v of variants) {
      assert.notEqual(planId(plan, { ...inputs, ...v }, sha256), base, JSON.stringify(v));
    }
  });

  it("tells a plan that puts drift back from one with nothing to do", () => {
    const drift = planId(identity(tfplan("plan-drift.pb")), inputs, sha256);
    const clean = planId(identity(tfplan("plan-no-changes.pb")), inputs, sha256);
    assert.notEqual(drift, clean);
  });

  it("refuses a digest that does not return hex", () => {
    assert.throws(() => planId([], inputs, () => "not-hex"), /hex digits/);
  });
});

describe("canonicalJson", () => {
  it("sorts keys at every level and keeps array order", () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, 1], c: null } }), '{"a":{"c":null,"d":[3,1]},"b":1}');
  });

  it("drops undefined members as JSON does", () => {
    assert.equal(canonicalJson({ a: undefined, b: [undefined] }), '{"b":[null]}');
  });
});
