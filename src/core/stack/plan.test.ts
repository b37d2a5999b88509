import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  actionOf,
  formatCounts,
  limitResources,
  PlanFormatError,
  summarisePlan,
  summarisePlanJson,
} from "./plan.ts";

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"));

describe("summarisePlan", () => {
  it("counts a first plan as creates and lists each resource and output", () => {
    const summary = summarisePlan(fixture("plan-create.json"));
    assert.deepEqual(summary.counts, {
      add: 5,
      change: 0,
      destroy: 0,
      replace: 0,
      forget: 0,
      import: 0,
      read: 0,
    });
    assert.deepEqual(
      summary.resources.map((r) => [r.address, r.action, r.type, r.name]),
      [
        ["terraform_data.a", "create", "terraform_data", "a"],
        ["terraform_data.b", "create", "terraform_data", "b"],
        ["terraform_data.c", "create", "terraform_data", "c"],
        ["terraform_data.old", "create", "terraform_data", "old"],
        ["terraform_data.secret", "create", "terraform_data", "secret"],
      ],
    );
    assert.deepEqual(summary.outputs, [
      { name: "name", action: "create", sensitive: false },
      { name: "password", action: "create", sensitive: true },
    ]);
    assert.equal(summary.changes, true);
    assert.equal(summary.errored, false);
    assert.equal(summary.tofuVersion, "1.12.6");
    assert.deepEqual(summary.declaredVariables, ["name", "password", "replicas", "tags"]);
  });

  it("counts both kinds of replacement as replace, and in add and destroy as tofu's Plan line does", () => {
    const summary = summarisePlan(fixture("plan-update.json"));
    assert.deepEqual(summary.counts, {
      add: 2,
      change: 2,
      destroy: 3,
      replace: 2,
      forget: 0,
      import: 0,
      read: 0,
    });
    const byAddress = Object.fromEntries(summary.resources.map((r) => [r.address, r]));
    assert.deepEqual(byAddress["terraform_data.b"]?.actions, ["delete", "create"]);
    assert.equal(byAddress["terraform_data.b"]?.action, "replace");
    assert.deepEqual(byAddress["terraform_data.c"]?.actions, ["create", "delete"]);
    assert.equal(byAddress["terraform_data.c"]?.action, "replace");
    assert.equal(byAddress["terraform_data.old"]?.action, "delete");
    assert.equal(byAddress["terraform_data.old"]?.reason, "delete_because_no_resource_config");
    assert.equal(byAddress["terraform_data.secret"]?.action, "update");
    assert.equal(formatCounts(summary.counts), "2 to add, 2 to change, 3 to destroy, 2 replaced");
  });

  it("reports a plan of only no-op changes as no changes", () => {
    const summary = summarisePlan(fixture("plan-no-changes.json"));
    assert.equal(summary.changes, false);
    assert.deepEqual(summary.resources, []);
    assert.deepEqual(summary.outputs, []);
    assert.equal(formatCounts(summary.counts), "0 to add, 0 to change, 0 to destroy");
  });

  it("counts a destroy plan as destroys", () => {
    const summary = summarisePlan(fixture("plan-destroy.json"));
    assert.equal(summary.counts.destroy, 5);
    assert.equal(summary.counts.add, 0);
    assert.ok(summary.resources.every((r) => r.action === "delete"));
  });

  it("counts a forget and treats a moved resource as a change to record", () => {
    const summary = summarisePlan(fixture("plan-moved-forget.json"));
    assert.equal(summary.counts.forget, 1);
    assert.deepEqual(
      summary.resources.map((r) => [r.address, r.action]),
      [["terraform_data.old", "forget"]],
    );
    assert.equal(summary.changes, true);
  });

  it("does not call a move seen by a refresh-only plan drift", () => {
    const summary = summarisePlan(fixture("plan-refresh-only-moved.json"));
    assert.deepEqual(summary.drifted, []);
    assert.equal(summary.changes, false);
  });

  it("names resources changed outside tofu as drifted", () => {
    const summary = summarisePlan(fixture("derived-drift.json"));
    assert.deepEqual(summary.drifted, [{ address: "terraform_data.a", actions: ["update"] }]);
    assert.deepEqual(
      summary.resources.map((r) => [r.address, r.action]),
      [["terraform_data.a", "update"]],
    );
  });

  it("flags a plan tofu stopped with an error", () => {
    assert.equal(summarisePlan(fixture("plan-errored.json")).errored, true);
  });

  it("never copies a value of the plan into the summary", () => {
    for (const name of ["plan-create.json", "plan-update.json", "plan-destroy.json", "derived-drift.json"]) {
      const text = JSON.stringify(summarisePlan(fixture(name)));
      for (const value of ["hunter2", "alpha", "beta", "changed-by-hand", '"dev"', '"prod"']) {
        assert.ok(!text.includes(value), `${name}: summary contains ${value}`);
      }
    }
  });

  it("refuses a plan of an unsupported format major version", () => {
    assert.throws(() => summarisePlan({ format_version: "2.0" }), /plan format 2\.0 is not supported/);
    assert.throws(() => summarisePlan({ resource_changes: [] }), PlanFormatError);
    assert.throws(() => summarisePlanJson("{not json"), /plan is not JSON/);
  });

  it("refuses an action list it does not know rather than miscounting it", () => {
    assert.throws(() => actionOf(["delete", "update"]), /unknown plan action \[delete, update\]/);
    const plan = {
      format_version: "1.2",
      resource_changes: [{ address: "x.y", type: "x", name: "y", change: { actions: ["teleport"] } }],
    };
    assert.throws(() => summarisePlan(plan), PlanFormatError);
  });

  it("keeps status small by listing at most the limit and counting the rest", () => {
    const resources = summarisePlan(fixture("plan-create.json")).resources;
    const limited = limitResources(resources, 2);
    assert.equal(limited.resources.length, 2);
    assert.equal(limited.omitted, 3);
  });
});
