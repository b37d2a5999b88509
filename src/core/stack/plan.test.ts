import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  actionOf,
  formatCounts,
  limitResources,
  PlanFormatError,
  resourceTypeAndName,
  summarisePlan,
} from "./plan.ts";
import { type DecodedPlan, decodePlan } from "./plan-file.ts";

/** A plan tofu wrote (see fixtures/generate.ts), decoded. */
const fixture = (name: string): DecodedPlan =>
  decodePlan(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));

function plan(fields: Partial<DecodedPlan>): DecodedPlan {
  return {
    formatVersion: 3,
    mode: "normal",
    errored: false,
    tofuVersion: "1.12.6",
    variables: [],
    changes: [],
    drift: [],
    outputs: [],
    identity: [],
    ...fields,
  };
}

describe("summarisePlan", () => {
  it("counts a first plan as creates and lists each resource and output", () => {
    const summary = summarisePlan(fixture("plan-create.pb"));
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
    const summary = summarisePlan(fixture("plan-update.pb"));
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
    assert.equal(byAddress["terraform_data.c"]?.reason, "replace_because_cannot_update");
    assert.equal(byAddress["terraform_data.old"]?.action, "delete");
    assert.equal(byAddress["terraform_data.old"]?.reason, "delete_because_no_resource_config");
    assert.equal(byAddress["terraform_data.secret"]?.action, "update");
    assert.equal(formatCounts(summary.counts), "2 to add, 2 to change, 3 to destroy, 2 replaced");
    assert.deepEqual(
      summary.resources.map((r) => r.address),
      [...summary.resources.map((r) => r.address)].sort(),
      "listed by address, whatever order tofu's walk finished in",
    );
  });

  it("reports a plan of only no-op changes as no changes", () => {
    const summary = summarisePlan(fixture("plan-no-changes.pb"));
    assert.equal(summary.changes, false);
    assert.deepEqual(summary.resources, []);
    assert.deepEqual(summary.outputs, []);
    assert.equal(formatCounts(summary.counts), "0 to add, 0 to change, 0 to destroy");
  });

  it("counts a destroy plan as destroys", () => {
    const summary = summarisePlan(fixture("plan-destroy.pb"));
    assert.equal(summary.counts.destroy, 5);
    assert.equal(summary.counts.add, 0);
    assert.ok(summary.resources.every((r) => r.action === "delete"));
  });

  it("counts a forget and treats a moved resource as a change to record", () => {
    const summary = summarisePlan(fixture("plan-moved-forget.pb"));
    assert.equal(summary.counts.forget, 1);
    assert.deepEqual(
      summary.resources.map((r) => [r.address, r.action]),
      [["terraform_data.old", "forget"]],
    );
    assert.equal(summary.changes, true);
  });

  it("does not call a move seen by a refresh-only plan drift", () => {
    const summary = summarisePlan(fixture("plan-refresh-only-moved.pb"));
    assert.deepEqual(summary.drifted, []);
    assert.equal(summary.changes, false);
  });

  it("names a resource changed outside tofu, which the plan puts back, as drifted", () => {
    const summary = summarisePlan(fixture("plan-drift.pb"));
    assert.deepEqual(summary.drifted, [{ address: "local_file.drifting", actions: ["delete"] }]);
    assert.deepEqual(
      summary.resources.map((r) => [r.address, r.action]),
      [["local_file.drifting", "create"]],
    );
  });

  it("ignores drift the plan does not act on, such as a provider reading {} back as null", () => {
    const drift = [{ address: "kubernetes_config_map.c", actions: ["update"], importing: false }];
    const quiet = summarisePlan(
      plan({
        drift,
        changes: [{ address: "kubernetes_config_map.c", actions: ["no-op"], importing: false }],
      }),
    );
    assert.deepEqual(quiet.drifted, []);
    assert.equal(quiet.changes, false);
    const refreshOnly = summarisePlan(plan({ mode: "refresh-only", drift }));
    assert.deepEqual(refreshOnly.drifted, [{ address: "kubernetes_config_map.c", actions: ["update"] }]);
  });

  it("flags a plan tofu stopped with an error", () => {
    assert.equal(summarisePlan(fixture("plan-errored.pb")).errored, true);
  });

  it("never copies a value of the plan into the summary", () => {
    for (const name of ["plan-create.pb", "plan-update.pb", "plan-destroy.pb", "plan-drift.pb"]) {
      const text = JSON.stringify(summarisePlan(fixture(name)));
      for (const value of [
        "hunter2",
        "alpha",
        "beta",
        "changed-by-hand",
        "as committed",
        '"dev"',
        '"prod"',
      ]) {
        assert.ok(!text.includes(value), `${name}: summary contains ${value}`);
      }
    }
  });

  it("refuses an action list it does not know rather than miscounting it", () => {
    assert.throws(() => actionOf(["delete", "update"]), /unknown plan action \[delete, update\]/);
    const bad = plan({ changes: [{ address: "x.y", actions: ["teleport"], importing: false }] });
    assert.throws(() => summarisePlan(bad), PlanFormatError);
  });

  it("keeps status small by listing at most the limit and counting the rest", () => {
    const resources = summarisePlan(fixture("plan-create.pb")).resources;
    const limited = limitResources(resources, 2);
    assert.equal(limited.resources.length, 2);
    assert.equal(limited.omitted, 3);
  });
});

describe("resourceTypeAndName", () => {
  it("finds type and name after module paths, the data mode and instance keys", () => {
    assert.deepEqual(resourceTypeAndName("terraform_data.a"), { type: "terraform_data", name: "a" });
    assert.deepEqual(resourceTypeAndName("aws_instance.web[0]"), { type: "aws_instance", name: "web" });
    assert.deepEqual(resourceTypeAndName("data.aws_ami.base"), { type: "aws_ami", name: "base" });
    assert.deepEqual(
      resourceTypeAndName('module.db["eu.west"].module.inner[1].aws_db_instance.main["a.b]c"]'),
      { type: "aws_db_instance", name: "main" },
    );
    assert.deepEqual(resourceTypeAndName('module.m.data.x_y.z["k\\"."]'), { type: "x_y", name: "z" });
  });
});
