import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { canonicalJson, isPlanId, type PlanInputs, planId } from "./plan-id.ts";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"));
const inputs: PlanInputs = {
  revision: "3f786850e387550fdab836ed7e6dc881de23001b",
  path: "infra/db",
  workspace: "default",
  purpose: "apply",
  variables: { name: "alpha", password: "hunter2-initial" },
};

describe("planId", () => {
  it("gives two plans of the same content the same id", () => {
    const a = planId(fixture("plan-create.json"), inputs, sha256);
    const b = planId(fixture("plan-create-again.json"), inputs, sha256);
    assert.equal(a, b);
    assert.ok(isPlanId(a), a);
  });

  it("gives a new id when only a sensitive value changes", () => {
    const a = planId(fixture("plan-create.json"), inputs, sha256);
    const b = planId(fixture("plan-create-other-secret.json"), inputs, sha256);
    assert.notEqual(a, b);
  });

  it("ignores when the plan was made and by which tofu", () => {
    const plan = fixture("plan-create.json");
    const later = { ...plan, timestamp: "2031-01-01T00:00:00Z", terraform_version: "1.13.0" };
    assert.equal(planId(plan, inputs, sha256), planId(later, inputs, sha256));
  });

  it("gives a new id for each input that differs", () => {
    const plan = fixture("plan-update.json");
    const base = planId(plan, inputs, sha256);
    const variants: Partial<PlanInputs>[] = [
      { revision: "0000000000000000000000000000000000000000" },
      { path: "infra/db2" },
      { workspace: "staging" },
      { purpose: "drift" },
      { variables: { name: "alpha", password: "hunter2-rotated" } },
    ];
    const ids = variants.map((v) => planId(plan, { ...inputs, ...v }, sha256));
    for (const id of ids) assert.notEqual(id, base);
    assert.equal(new Set(ids).size, ids.length);
  });

  it("does not depend on the order tofu lists resources or object keys in", () => {
    const plan = fixture("plan-update.json");
    const shuffled = {
      ...plan,
      resource_changes: [...(plan.resource_changes as unknown[])].reverse(),
      output_changes: Object.fromEntries(Object.entries(plan.output_changes as object).reverse()),
    };
    assert.equal(planId(plan, inputs, sha256), planId(shuffled, inputs, sha256));
  });

  it("tells a drift plan from a no-changes plan of the same resources", () => {
    const drift = planId(fixture("derived-drift.json"), inputs, sha256);
    const clean = planId(fixture("plan-no-changes.json"), inputs, sha256);
    assert.notEqual(drift, clean);
  });

  it("refuses a digest that does not return hex", () => {
    assert.throws(() => planId({}, inputs, () => "not-hex"), /hex digits/);
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
