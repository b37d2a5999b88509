import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OperationState } from "./app-status.ts";
import { type DeletionInput, decideDeletion, deletionHookPlan } from "./deletion-hooks.ts";
import type { KubeObject } from "./objects.ts";

function job(name: string, annotations: Record<string, string>): KubeObject {
  return { apiVersion: "batch/v1", kind: "Job", metadata: { name, namespace: "shop", annotations } };
}

function op(phase: OperationState["phase"], message = ""): OperationState {
  return { phase, trigger: "deletion", revision: "abc", message, startedAt: "t", attempt: 1, resources: [] };
}

describe("deletionHookPlan", () => {
  it("groups the hooks of one phase by wave, lowest first, leaving every other object out", () => {
    const backup = job("backup", { "mooring.dev/hook": "PreDelete", "mooring.dev/sync-wave": "1" });
    const drain = job("drain", { "argocd.argoproj.io/hook": "PreDelete" });
    const cleanup = job("cleanup", { "helm.sh/hook": "post-delete" });
    const migrate = job("migrate", { "mooring.dev/hook": "PreSync" });
    const plan = deletionHookPlan([backup, drain, cleanup, migrate], "PreDelete");
    assert.deepEqual(
      plan.steps.map(
        (s) => `${s.phase} ${s.wave} ${s.action}: ${s.objects.map((o) => o.metadata.name).join(",")}`,
      ),
      ["PreDelete 0 hook: drain", "PreDelete 1 hook: backup"],
    );
    assert.deepEqual(
      deletionHookPlan([backup, drain, cleanup, migrate], "PostDelete").steps.map(
        (s) => s.objects[0]?.metadata.name,
      ),
      ["cleanup"],
    );
  });

  it("returns a malformed wave as an error and no steps", () => {
    const plan = deletionHookPlan(
      [job("backup", { "mooring.dev/hook": "PreDelete", "mooring.dev/sync-wave": "soon" })],
      "PreDelete",
    );
    assert.deepEqual(plan.steps, []);
    assert.equal(plan.errors[0]?.code, "InvalidSyncWave");
  });
});

describe("decideDeletion", () => {
  const both = { PreDelete: true, PostDelete: true };
  const none = { PreDelete: false, PostDelete: false };
  const cases: [string, DeletionInput, ReturnType<typeof decideDeletion>][] = [
    [
      "runs the PreDelete hooks first",
      { state: { stage: "PreDelete", revision: "abc", startedAt: "t" }, hooks: both, remaining: 3 },
      { type: "run-hooks", phase: "PreDelete" },
    ],
    [
      "keeps running them while their operation runs",
      {
        state: { stage: "PreDelete", revision: "abc", startedAt: "t", operation: op("Running") },
        hooks: both,
        remaining: 3,
      },
      { type: "run-hooks", phase: "PreDelete" },
    ],
    [
      "deletes the objects once the PreDelete hooks succeeded",
      {
        state: { stage: "PreDelete", revision: "abc", startedAt: "t", operation: op("Succeeded") },
        hooks: both,
        remaining: 3,
      },
      { type: "advance", to: "Deleting" },
    ],
    [
      "goes straight to deleting without PreDelete hooks",
      { state: { stage: "PreDelete", revision: "abc", startedAt: "t" }, hooks: none, remaining: 3 },
      { type: "advance", to: "Deleting" },
    ],
    [
      "waits for the managed objects to go",
      { state: { stage: "Deleting", revision: "abc", startedAt: "t" }, hooks: both, remaining: 2 },
      { type: "delete-objects" },
    ],
    [
      "runs the PostDelete hooks once the objects are gone",
      { state: { stage: "Deleting", revision: "abc", startedAt: "t" }, hooks: both, remaining: 0 },
      { type: "advance", to: "PostDelete" },
    ],
    [
      "lets the app go once the PostDelete hooks succeeded",
      {
        state: { stage: "PostDelete", revision: "abc", startedAt: "t", operation: op("Succeeded") },
        hooks: both,
        remaining: 0,
      },
      { type: "done" },
    ],
    [
      "lets the app go at once without PostDelete hooks",
      { state: { stage: "PostDelete", revision: "abc", startedAt: "t" }, hooks: none, remaining: 0 },
      { type: "done" },
    ],
  ];
  for (const [name, input, expected] of cases)
    it(name, () => assert.deepEqual(decideDeletion(input), expected));

  it("keeps the app when a PreDelete hook failed, deleting nothing, and says what to do", () => {
    const decision = decideDeletion({
      state: {
        stage: "PreDelete",
        revision: "abc",
        startedAt: "t",
        operation: op("Failed", "PreDelete hook Job/shop/backup failed: BackoffLimitExceeded"),
      },
      hooks: both,
      remaining: 3,
    });
    assert.deepEqual(decision, {
      type: "blocked",
      reason: "PreDeleteHookFailed",
      message:
        "PreDelete hook failed, so nothing was deleted: PreDelete hook Job/shop/backup failed: BackoffLimitExceeded; fix the hook and run `moor app refresh` to run it again, or delete with `--cascade=false`",
    });
  });

  it("keeps the app when a PostDelete hook failed", () => {
    const decision = decideDeletion({
      state: { stage: "PostDelete", revision: "abc", startedAt: "t", operation: op("Failed", "boom") },
      hooks: both,
      remaining: 0,
    });
    assert.equal(decision.type, "blocked");
    assert.equal(decision.type === "blocked" && decision.reason, "PostDeleteHookFailed");
  });
});
