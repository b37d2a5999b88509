import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HookState, OperationState, ResourceOutcome } from "./app-status.ts";
import type { KubeObject } from "./objects.ts";
import {
  atStep,
  completeStep,
  currentStep,
  type Decision,
  decideNext,
  describeStep,
  failing,
  finishOperation,
  hookOutcome,
  hookTemplate,
  isRunning,
  type Observation,
  recordHooks,
  recordResources,
  startOperation,
  updateHooks,
  waiting,
} from "./sync-operation.ts";
import { planSync, type SyncPlan } from "./sync-plan.ts";

function object(apiVersion: string, kind: string, name: string, annotations: Record<string, string> = {}) {
  const obj: KubeObject = { apiVersion, kind, metadata: { name, namespace: "shop", annotations } };
  return obj;
}

const migrate = object("batch/v1", "Job", "migrate", { "mooring.dev/hook": "PreSync" });
const seed = object("batch/v1", "Job", "seed", { "mooring.dev/hook": "PreSync" });
const fixup: KubeObject = {
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { generateName: "fixup-", namespace: "shop", annotations: { "mooring.dev/hook": "SyncFail" } },
};
const settings = object("v1", "ConfigMap", "settings");
const web = object("apps/v1", "Deployment", "web");
const worker = object("apps/v1", "Deployment", "worker", { "mooring.dev/sync-wave": "1" });
const crd: KubeObject = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.com" },
};
const widget = object("example.com/v1", "Widget", "w");

function plan(...desired: KubeObject[]): SyncPlan {
  return planSync({ desired, live: [], diffs: [] });
}

const createdSettings: ResourceOutcome = {
  group: "",
  kind: "ConfigMap",
  namespace: "shop",
  name: "settings",
  result: "created",
  phase: "Sync",
  wave: 0,
};

const T0 = Date.parse("2026-01-01T00:00:00Z");
const start = startOperation({
  revision: "abc",
  trigger: "manual",
  prune: false,
  attempt: 1,
  now: new Date(T0).toISOString(),
});

function observed(extra: Partial<Observation> = {}): Observation {
  return { hooks: new Map(), health: new Map(), established: new Map(), ...extra };
}

function decide(p: SyncPlan, state: OperationState, o: Observation = observed(), now = T0): Decision {
  return decideNext({ plan: p, state, observed: o, now, deadline: T0 + 300_000, timeout: "5m" });
}

function hook(name: string, state: HookState["state"], extra: Partial<HookState> = {}): HookState {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    namespace: "shop",
    name,
    uid: `uid-${name}`,
    phase: "PreSync",
    wave: 0,
    template: `Job/shop/${name}`,
    state,
    ...extra,
  };
}

describe("sync operation: what to do next", () => {
  it("creates every hook of a phase and wave together before waiting for any", () => {
    const d = decide(plan(migrate, seed, settings), start);
    assert.equal(d.type, "create-hooks");
    assert.deepEqual(d.type === "create-hooks" ? d.hooks.map((h) => h.metadata.name) : [], [
      "migrate",
      "seed",
    ]);
  });

  it("waits for running hooks, naming them", () => {
    const state = recordHooks(start, [hook("migrate", "Running"), hook("seed", "Running")]);
    const o = observed({
      hooks: new Map([
        ["uid-migrate", { health: "Progressing", deleting: false }],
        ["uid-seed", { health: "Suspended", deleting: false }],
      ]),
    });
    const d = decide(plan(migrate, seed, settings), state, o);
    assert.equal(d.type, "wait");
    assert.equal(
      d.type === "wait" ? d.message : "",
      "waiting for PreSync hooks Job/shop/migrate, Job/shop/seed to complete",
    );
  });

  const outcomes: {
    name: string;
    live: Observation["hooks"] extends ReadonlyMap<string, infer V> ? V | undefined : never;
    state: string;
    message: RegExp;
  }[] = [
    {
      name: "a complete Job succeeded",
      live: { health: "Healthy", deleting: false },
      state: "Succeeded",
      message: /succeeded/,
    },
    {
      name: "a complete Job deleted afterwards (TTL) still succeeded",
      live: { health: "Healthy", deleting: true },
      state: "Succeeded",
      message: /succeeded/,
    },
    {
      name: "a failed Job failed",
      live: { health: "Degraded", message: "BackoffLimitExceeded", deleting: false },
      state: "Failed",
      message: /failed: BackoffLimitExceeded/,
    },
    {
      name: "a running Job being deleted failed",
      live: { health: "Progressing", deleting: true },
      state: "Failed",
      message: /deleted while running/,
    },
    { name: "a running Job gone failed", live: undefined, state: "Failed", message: /deleted while running/ },
    {
      name: "a running Job runs",
      live: { health: "Progressing", deleting: false },
      state: "Running",
      message: /^$/,
    },
  ];
  for (const c of outcomes) {
    it(`hook outcome: ${c.name}`, () => {
      const got = hookOutcome(hook("migrate", "Running"), c.live);
      assert.equal(got.state, c.state);
      assert.match(got.message, c.message);
    });
  }

  it("records finished hooks before releasing them, and releases before moving on", () => {
    const p = plan(migrate, settings);
    let state = recordHooks(start, [hook("migrate", "Running")]);
    const o = observed({ hooks: new Map([["uid-migrate", { health: "Healthy", deleting: false }]]) });
    const first = decide(p, state, o);
    assert.equal(first.type, "record-hooks");
    if (first.type !== "record-hooks") return;
    state = updateHooks(state, first.updates);
    assert.equal(state.resources.at(-1)?.result, "hook-succeeded");
    assert.equal(decide(p, state, o).type, "release-hooks");
  });

  it("fails once every hook of the wave finished and one of them failed", () => {
    const state = recordHooks(start, [
      hook("migrate", "Failed", { message: "PreSync hook Job/shop/migrate failed", released: true }),
      hook("seed", "Succeeded", { released: true }),
    ]);
    const d = decide(plan(migrate, seed, settings), state);
    assert.deepEqual(d, { type: "fail", message: "PreSync hook Job/shop/migrate failed" });
  });

  it("moves to the apply step once the hooks succeeded, and applies what is not yet handled", () => {
    const p = plan(migrate, settings, web);
    let state = recordHooks(start, [hook("migrate", "Succeeded", { released: true })]);
    const done = decide(p, state);
    assert.equal(done.type, "complete-step");
    if (done.type !== "complete-step") return;
    state = completeStep(state, done.at);
    state = recordResources(state, [createdSettings]);
    const next = decide(p, state);
    assert.equal(next.type, "apply");
    assert.deepEqual(next.type === "apply" ? next.objects.map((o) => o.metadata.name) : [], ["web"]);
  });

  it("waits for a wave to be healthy before the next wave, and fails on a Degraded object", () => {
    const p = plan(web, worker);
    const state = recordResources(start, [
      {
        group: "apps",
        kind: "Deployment",
        namespace: "shop",
        name: "web",
        result: "created",
        phase: "Sync",
        wave: 0,
      },
    ]);
    const progressing = decide(
      p,
      state,
      observed({
        health: new Map([["apps/Deployment/shop/web", { status: "Progressing", message: "0 of 1 ready" }]]),
      }),
    );
    assert.deepEqual(
      progressing.type === "wait" && progressing.message,
      "waiting for wave 0 to become healthy: Deployment/shop/web (Progressing: 0 of 1 ready)",
    );
    const degraded = decide(
      p,
      state,
      observed({ health: new Map([["apps/Deployment/shop/web", { status: "Degraded", message: "crash" }]]) }),
    );
    assert.deepEqual(degraded, { type: "fail", message: "Deployment/shop/web is Degraded: crash" });
    const healthy = decide(
      p,
      state,
      observed({ health: new Map([["apps/Deployment/shop/web", { status: "Healthy" }]]) }),
    );
    assert.equal(healthy.type, "complete-step");
  });

  it("applies a CRD alone, then waits for it to be established before its custom resources", () => {
    const p = plan(crd, widget);
    const first = decide(p, start);
    assert.deepEqual(first.type === "apply" && first.objects.map((o) => o.kind), [
      "CustomResourceDefinition",
    ]);
    const state = recordResources(start, [
      {
        group: "apiextensions.k8s.io",
        kind: "CustomResourceDefinition",
        namespace: "",
        name: "widgets.example.com",
        result: "created",
        phase: "Sync",
        wave: 0,
      },
    ]);
    const waitFor = decide(p, state, observed({ established: new Map([["widgets.example.com", false]]) }));
    assert.equal(
      waitFor.type === "wait" && waitFor.message,
      "waiting for CustomResourceDefinition widgets.example.com to be established",
    );
    const then = decide(p, state, observed({ established: new Map([["widgets.example.com", true]]) }));
    assert.deepEqual(then.type === "apply" && then.objects.map((o) => o.kind), ["Widget"]);
  });

  it("finds its step again in a recomputed plan whose earlier steps are gone", () => {
    // After the restart the PreSync step is complete; a plan without it still resumes at the apply.
    const state = completeStep(start, {
      step: { phase: "PreSync", wave: 0, action: "hook", objects: [] },
      index: 1,
      of: 2,
    });
    assert.equal(currentStep(plan(settings), state)?.step.action, "apply");
    assert.equal(currentStep(plan(migrate, settings), state)?.index, 2);
  });

  it("succeeds when no step is left, counting what changed", () => {
    const state = recordResources(
      completeStep(start, {
        step: { phase: "Sync", wave: 0, action: "apply", objects: [] },
        index: 1,
        of: 1,
      }),
      [createdSettings],
    );
    assert.deepEqual(decide(plan(settings), state), {
      type: "finish",
      phase: "Succeeded",
      message: "synced: 1 changed, 1 handled",
    });
  });

  it("runs SyncFail hooks after a failure, then ends Failed with the sync's own message", () => {
    const p = plan(settings, fixup);
    const failed = failing(start, "ConfigMap/shop/settings: refused");
    const d = decide(p, failed);
    assert.equal(d.type, "create-hooks");
    assert.equal(d.type === "create-hooks" && hookTemplate(d.hooks[0] as KubeObject), "Job/shop/fixup-*");
    const hookFailed = recordHooks(failed, [
      hook("fixup-x1", "Failed", { phase: "SyncFail", template: "Job/shop/fixup-*", released: true }),
    ]);
    assert.deepEqual(decide(p, hookFailed), {
      type: "finish",
      phase: "Failed",
      message: "ConfigMap/shop/settings: refused",
    });
  });

  it("times out past the deadline", () => {
    const d = decideNext({
      plan: plan(settings),
      state: start,
      observed: observed(),
      now: T0 + 301_000,
      deadline: T0 + 300_000,
      timeout: "5m",
    });
    assert.deepEqual(d, { type: "fail", message: "sync timed out (spec.syncTimeout 5m)" });
  });

  it("terminates on request, and keeps terminating after a restart", () => {
    assert.deepEqual(
      decide(plan(settings), start, observed({ stop: { message: "operation terminated by ann" } })),
      {
        type: "terminate",
        message: "operation terminated by ann",
      },
    );
    const state: OperationState = { ...start, phase: "Terminating", message: "operation terminated by ann" };
    assert.equal(decide(plan(settings), state).type, "terminate");
  });
});

describe("sync operation: state", () => {
  it("keeps since while it waits for the same thing", () => {
    const a = waiting(start, "waiting for x", "2026-01-01T00:00:01Z");
    const b = waiting(a, "waiting for x", "2026-01-01T00:00:09Z");
    const c = waiting(b, "waiting for y", "2026-01-01T00:00:10Z");
    assert.equal(b.waitingFor?.since, "2026-01-01T00:00:01Z");
    assert.equal(c.waitingFor?.since, "2026-01-01T00:00:10Z");
  });

  it("forgets the step and what it waited for once finished, and says Forbidden when refused", () => {
    const at = {
      step: { phase: "Sync" as const, wave: 0, action: "apply" as const, objects: [] },
      index: 1,
      of: 1,
    };
    const busy = waiting(atStep(start, at), "waiting", "2026-01-01T00:00:01Z");
    const done = finishOperation(
      failing(busy, "forbidden", true),
      "Failed",
      "forbidden",
      "2026-01-01T00:01:00Z",
    );
    assert.equal(done.step, undefined);
    assert.equal(done.waitingFor, undefined);
    assert.equal(done.reason, "Forbidden");
    assert.equal(isRunning(done), false);
    assert.equal(isRunning(busy), true);
  });

  it("describes a step the way people read it", () => {
    assert.equal(
      describeStep({ phase: "PreSync", wave: 0, action: "hook", index: 1, of: 3 }),
      "wave 0 PreSync hooks 1/3",
    );
    assert.equal(
      describeStep({ phase: "Sync", wave: 2, action: "apply", index: 2, of: 3 }),
      "wave 2 apply 2/3",
    );
  });
});
