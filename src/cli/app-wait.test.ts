import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ApplicationStatus, OperationState } from "../core/app-status.ts";
import type { Application } from "../core/application.ts";
import { deletedVerdict, operationVerdict, pollApp, readyVerdict, refreshVerdict } from "./app-wait.ts";
import type { Progress } from "./progress.ts";

function app(
  status: Partial<ApplicationStatus>,
  extra: Partial<Application> & { operation?: unknown } = {},
): Application {
  return {
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Application",
    metadata: { name: "shop", namespace: "mooring", generation: 2 },
    spec: { source: { repoURL: "https://git.example.com/shop.git" }, destination: {} },
    status: status as Record<string, unknown>,
    ...extra,
  };
}

function op(phase: OperationState["phase"], startedAt: string, message = "done"): OperationState {
  return {
    phase,
    trigger: "manual",
    revision: "abcdef1234567890",
    message,
    startedAt,
    attempt: 1,
    resources: [],
  };
}

const T0 = "2026-03-01T10:00:00Z";
const T1 = "2026-03-01T10:05:00Z";

describe("refreshVerdict", () => {
  it("is done once the controller cleared the annotation", () => {
    const pending = app(
      {},
      { metadata: { name: "shop", namespace: "mooring", annotations: { "mooring.dev/refresh": "normal" } } },
    );
    assert.equal(refreshVerdict("shop", pending).state, "waiting");
    assert.equal(refreshVerdict("shop", app({})).state, "done");
  });

  it("fails at once for a suspended app, which the controller does not compare", () => {
    const suspended = app({});
    suspended.spec.suspend = true;
    assert.match(refreshVerdict("shop", suspended).label, /suspended/);
    assert.equal(refreshVerdict("shop", null).state, "failed");
  });
});

describe("operationVerdict", () => {
  const before = { startedAt: T0 };

  it("waits while only the previous sync is in status and the request is pending", () => {
    const v = operationVerdict(
      "shop",
      "sync",
      app({ operationState: op("Succeeded", T0) }, { operation: { sync: {} } }),
      before,
    );
    assert.equal(v.state, "waiting");
  });

  it("reports a newer sync's outcome", () => {
    const ok = operationVerdict(
      "shop",
      "sync",
      app({ operationState: op("Succeeded", T1, "3 applied") }),
      before,
    );
    assert.deepEqual(ok, {
      state: "done",
      label: "sync of application shop succeeded at abcdef1234: 3 applied",
    });
    const failed = operationVerdict(
      "shop",
      "sync",
      app({ operationState: op("Failed", T1, "apply refused") }),
      before,
    );
    assert.deepEqual(failed, { state: "failed", label: "sync of application shop failed: apply refused" });
  });

  it("fails with the Stalled reason when the controller cleared the request without syncing", () => {
    const v = operationVerdict(
      "shop",
      "rollback",
      app({
        operationState: op("Succeeded", T0),
        conditions: [
          {
            type: "Ready",
            status: "False",
            reason: "RollbackFailed",
            message: "no history entry with id 9",
            lastTransitionTime: T1,
          },
          {
            type: "Stalled",
            status: "True",
            reason: "RollbackFailed",
            message: "no history entry with id 9",
            lastTransitionTime: T1,
          },
        ],
      }),
      before,
    );
    assert.equal(v.state, "failed");
    assert.match(v.label, /did not sync \(RollbackFailed: no history entry with id 9\)/);
  });
});

describe("readyVerdict", () => {
  const both = { sync: true, health: true };
  const synced = {
    sync: { status: "Synced" as const },
    health: { status: "Healthy" as const },
    observedGeneration: 2,
  };

  it("is done when Synced and Healthy for the current generation", () => {
    assert.equal(readyVerdict("shop", app(synced), both).state, "done");
    assert.equal(readyVerdict("shop", app({ ...synced, observedGeneration: 1 }), both).state, "waiting");
  });

  it("waits only for what was asked", () => {
    const progressing = app({
      ...synced,
      health: { status: "Progressing", message: "1 of 3 replicas ready" },
    });
    assert.equal(readyVerdict("shop", progressing, { sync: true, health: false }).state, "done");
    assert.deepEqual(readyVerdict("shop", progressing, both), {
      state: "waiting",
      label: "application shop: sync Synced, health Progressing: 1 of 3 replicas ready",
    });
  });

  it("gives up at once when the app is stalled", () => {
    const stalled = app({
      ...synced,
      conditions: [
        {
          type: "Stalled",
          status: "True",
          reason: "RenderFailed",
          message: "bad yaml",
          lastTransitionTime: T1,
        },
      ],
    });
    assert.deepEqual(readyVerdict("shop", stalled, both), {
      state: "failed",
      label: "application shop is stalled (RenderFailed): bad yaml",
    });
  });
});

describe("pollApp", () => {
  function recorder(): Progress & { steps: string[] } {
    const steps: string[] = [];
    return { steps, step: (l) => steps.push(l), done: () => {}, fail: () => {}, info: () => {} };
  }

  it("reads until the verdict settles, showing each new label once", async () => {
    const reads = [
      app({}, { metadata: { name: "shop", namespace: "mooring", finalizers: ["f"] } }),
      app({}, { metadata: { name: "shop", namespace: "mooring", finalizers: ["f"] } }),
      null,
    ];
    const progress = recorder();
    const result = await pollApp(
      async () => reads.shift() ?? null,
      (a) => deletedVerdict("shop", a),
      {
        timeoutMs: 5000,
        intervalMs: 1,
        progress,
      },
    );
    assert.equal(result.verdict.state, "done");
    assert.equal(result.timedOut, false);
    assert.deepEqual(progress.steps, ["waiting for finalizers of application shop (f)"]);
  });

  it("stops at the timeout with the last verdict", async () => {
    const result = await pollApp(
      async () => app({}),
      () => ({ state: "waiting", label: "still" }),
      {
        timeoutMs: 30,
        intervalMs: 5,
        progress: recorder(),
      },
    );
    assert.equal(result.timedOut, true);
    assert.equal(result.verdict.label, "still");
  });
});

describe("progress of a running sync", () => {
  const running: OperationState = {
    ...op("Running", T1, "sync started"),
    step: { phase: "PreSync", wave: 0, action: "hook", index: 1, of: 3 },
    waitingFor: { message: "waiting for PreSync hook Job/shop/migrate to complete", since: T1 },
  };

  it("says the step and what the sync waits for while it runs", () => {
    const v = operationVerdict("shop", "sync", app({ operationState: running }), { startedAt: T0 });
    assert.equal(v.state, "waiting");
    assert.match(
      v.label,
      /^sync of application shop: Running, wave 0 PreSync hooks 1\/3: waiting for PreSync hook Job\/shop\/migrate to complete \(for \S+\)$/,
    );
  });

  it("moor app wait shows the running sync instead of the health message", () => {
    const v = readyVerdict(
      "shop",
      app({
        operationState: running,
        sync: { status: "OutOfSync" },
        health: { status: "Missing", message: "not created yet" },
      }),
      { sync: true, health: true },
    );
    assert.equal(v.state, "waiting");
    assert.match(v.label, /sync Running, wave 0 PreSync hooks 1\/3: waiting for PreSync hook/);
    assert.doesNotMatch(v.label, /not created yet/);
  });
});
