import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type StackSpec, stackSpecDefaults, validateStackSpec } from "./spec.ts";

const minimal: StackSpec = { source: { repoURL: "https://git.example/infra.git" } };

describe("stackSpecDefaults", () => {
  it("fills in every documented default", () => {
    const spec = stackSpecDefaults(minimal, "shop");
    assert.deepEqual(spec.source, {
      repoURL: "https://git.example/infra.git",
      targetRevision: "HEAD",
      path: "",
    });
    assert.equal(spec.workspace, "default");
    assert.equal(spec.approvePlan, "manual");
    assert.deepEqual(spec.driftDetection, { intervalMs: 3_600_000, mode: "report" });
    assert.equal(spec.destroyOnDelete, false);
    assert.equal(spec.timeoutMs, 1_200_000);
    assert.equal(spec.suspend, false);
    assert.deepEqual(spec.vars, {});
    assert.equal(spec.writeOutputsToSecret, undefined);
  });

  it("keeps what the user set and puts dependencies in the Stack's namespace by default", () => {
    const spec = stackSpecDefaults(
      {
        ...minimal,
        approvePlan: "auto",
        timeout: "5m",
        driftDetection: { interval: "0", mode: "remediate" },
        dependsOn: [{ name: "network" }, { name: "dns", namespace: "infra" }],
        varsFrom: [{ kind: "Secret", name: "db" }],
      },
      "shop",
    );
    assert.equal(spec.approvePlan, "auto");
    assert.equal(spec.timeoutMs, 300_000);
    assert.deepEqual(spec.driftDetection, { intervalMs: 0, mode: "remediate" });
    assert.deepEqual(spec.dependsOn, [
      { name: "network", namespace: "shop" },
      { name: "dns", namespace: "infra" },
    ]);
    assert.deepEqual(spec.varsFrom, [{ kind: "Secret", name: "db", format: "string", optional: false }]);
  });
});

describe("validateStackSpec", () => {
  it("accepts a minimal spec", () => {
    assert.deepEqual(validateStackSpec(minimal), []);
  });

  it("refuses a timeout above the controller's limit, naming the limit and its flag", () => {
    const limits = { maxTimeoutMs: 2 * 3_600_000 };
    assert.deepEqual(validateStackSpec({ ...minimal, timeout: "2h" }, limits), []);
    assert.deepEqual(validateStackSpec(minimal, limits), []);
    const problems = validateStackSpec({ ...minimal, timeout: "5h" }, limits);
    assert.equal(problems.length, 1);
    assert.match(
      problems[0] ?? "",
      /^spec\.timeout: "5h" is above this controller's limit of 2h \(--max-stack-timeout\)/,
    );
  });

  it("names the field of each problem", () => {
    const problems = validateStackSpec({
      source: { repoURL: "", path: "../outside" },
      workspace: "Prod_1",
      vars: { "bad.name": 1, good: { any: ["thing"] } },
      approvePlan: "yes",
      driftDetection: { interval: "often", mode: "fix" as "report" },
      timeout: "0s",
      env: [{ name: "PATH", value: "/tmp" }, { name: "A" }],
      envFrom: [{}],
      writeOutputsToSecret: { name: "out", renames: { x: "not ok!" } },
    });
    const fields = problems.map((p) => p.split(":")[0]);
    assert.deepEqual(fields, [
      "spec.source.repoURL",
      "spec.source.path",
      "spec.workspace",
      "spec.vars.bad.name",
      "spec.approvePlan",
      "spec.driftDetection.interval",
      "spec.driftDetection.mode",
      "spec.timeout",
      "spec.writeOutputsToSecret.renames.x",
      "spec.env[0].name",
      "spec.env[1]",
      "spec.envFrom[0]",
    ]);
  });

  it("accepts a plan id as approvePlan", () => {
    assert.deepEqual(validateStackSpec({ ...minimal, approvePlan: "p-0123456789abcdef" }), []);
  });
});
