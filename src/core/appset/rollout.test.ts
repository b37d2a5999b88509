import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Application } from "../application.ts";
import {
  decideRollout,
  type LiveStanding,
  type RolloutRow,
  stepCapacity,
  stepOf,
  stepProgress,
  withoutAutomatedSync,
} from "./rollout.ts";
import type { RollingSyncStep } from "./types.ts";

const NOW = "2026-12-03T06:00:00Z";
const STEPS: RollingSyncStep[] = [
  { matchExpressions: [{ key: "env", operator: "In", values: ["dev"] }] },
  { matchExpressions: [{ key: "env", operator: "In", values: ["prod"] }], maxUpdate: "50%" },
];

function app(name: string, env: string): Application {
  return {
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Application",
    metadata: { name, namespace: "apps", labels: { env } },
    spec: { source: { repoURL: "r" }, destination: {} },
  };
}
const APPS = [
  app("dev-a", "dev"),
  app("prod-a", "prod"),
  app("prod-b", "prod"),
  app("prod-c", "prod"),
  app("prod-d", "prod"),
  app("other", "test"),
];
const OUT: LiveStanding = { sync: "OutOfSync", health: "Healthy" };
const DONE: LiveStanding = { sync: "Synced", health: "Healthy", operationPhase: "Succeeded" };
const RUNNING: LiveStanding = { sync: "OutOfSync", health: "Healthy", operationPhase: "Running" };

function decide(live: Record<string, LiveStanding>, previous: RolloutRow[] = []) {
  return decideRollout({ steps: STEPS, applications: APPS, live, previous, now: NOW });
}
const statuses = (rows: RolloutRow[]) =>
  Object.fromEntries(rows.map((r) => [r.application, `${r.step}:${r.status}`]));

describe("decideRollout", () => {
  const allOut = Object.fromEntries(APPS.map((a) => [a.metadata.name, OUT]));

  it("syncs the first step only, and the rest wait for it", () => {
    const decision = decide(allOut);
    assert.deepEqual(decision.syncNow, ["dev-a"]);
    assert.equal(decision.currentStep, 1);
    assert.deepEqual(statuses(decision.applicationStatus), {
      "dev-a": "1:Pending",
      "prod-a": "2:Waiting",
      "prod-b": "2:Waiting",
      "prod-c": "2:Waiting",
      "prod-d": "2:Waiting",
      other: "0:Waiting",
    });
    assert.match(
      decision.applicationStatus.find((r) => r.application === "prod-a")?.message ?? "",
      /waiting for step 1/,
    );
    assert.match(
      decision.applicationStatus.find((r) => r.application === "other")?.message ?? "",
      /no rollout step selects/,
    );
    assert.deepEqual(decision.condition, {
      type: "RolloutProgressing",
      status: "True",
      reason: "Progressing",
      message: "rolling out step 1 of 2",
    });
  });

  it("keeps an asked-for sync Pending until it starts, then Progressing, without asking again", () => {
    const first = decide(allOut);
    const second = decide(allOut, first.applicationStatus);
    assert.deepEqual(second.syncNow, []);
    assert.equal(statuses(second.applicationStatus)["dev-a"], "1:Pending");
    assert.equal(second.applicationStatus[0]?.lastTransitionTime, NOW);
    const third = decide({ ...allOut, "dev-a": RUNNING }, second.applicationStatus);
    assert.equal(statuses(third.applicationStatus)["dev-a"], "1:Progressing");
  });

  it("moves on to the next step once the step is Synced and Healthy, at most maxUpdate at once", () => {
    const decision = decide({ ...allOut, "dev-a": DONE });
    assert.equal(decision.currentStep, 2);
    assert.deepEqual(decision.syncNow, ["prod-a", "prod-b"]);
    assert.match(
      decision.applicationStatus.find((r) => r.application === "prod-c")?.message ?? "",
      /waiting for room in step 2/,
    );
    const later = decide(
      { ...allOut, "dev-a": DONE, "prod-a": DONE, "prod-b": RUNNING },
      decision.applicationStatus,
    );
    assert.deepEqual(later.syncNow, ["prod-c"]);
  });

  it("stops at a Degraded Application and says which and in which step", () => {
    const asked = decide({ ...allOut, "dev-a": DONE });
    const decision = decide(
      {
        ...allOut,
        "dev-a": DONE,
        "prod-a": { sync: "Synced", health: "Degraded", operationPhase: "Succeeded" },
        "prod-b": DONE,
      },
      asked.applicationStatus,
    );
    assert.deepEqual(decision.syncNow, []);
    assert.deepEqual(decision.stopped, {
      application: "prod-a",
      step: 2,
      message: "Application prod-a in step 2 is Degraded; the rollout stopped",
    });
    assert.equal(decision.condition.reason, "ApplicationDegraded");
    assert.match(
      decision.applicationStatus.find((r) => r.application === "prod-c")?.message ?? "",
      /stopped: prod-a in step 2 is Degraded/,
    );
  });

  it("stops when a sync it started failed, but not for a failure left by an older sync", () => {
    const failed: LiveStanding = { sync: "OutOfSync", health: "Healthy", operationPhase: "Failed" };
    const progressing: RolloutRow[] = [
      { application: "dev-a", step: "1", status: "Progressing", message: "", lastTransitionTime: NOW },
    ];
    assert.equal(decide({ ...allOut, "dev-a": failed }, progressing).stopped?.application, "dev-a");
    assert.deepEqual(decide({ ...allOut, "dev-a": failed }).syncNow, ["dev-a"]);
  });

  it("is Completed when every step is Synced and Healthy, leaving unselected Applications alone", () => {
    const decision = decide(
      Object.fromEntries(APPS.map((a) => [a.metadata.name, a.metadata.name === "other" ? OUT : DONE])),
    );
    assert.deepEqual(decision.syncNow, []);
    assert.equal(decision.currentStep, undefined);
    assert.equal(decision.condition.reason, "Completed");
  });

  it("keeps the transition time of a row whose status did not change", () => {
    const before: RolloutRow[] = [
      {
        application: "prod-a",
        step: "2",
        status: "Waiting",
        message: "",
        lastTransitionTime: "2026-01-01T00:00:00Z",
      },
    ];
    const row = decide(allOut, before).applicationStatus.find((r) => r.application === "prod-a");
    assert.equal(row?.lastTransitionTime, "2026-01-01T00:00:00Z");
  });
});

describe("rollout steps", () => {
  it("puts an Application in the first step whose expressions all match", () => {
    const steps: RollingSyncStep[] = [
      {
        matchExpressions: [
          { key: "env", operator: "In", values: ["prod"] },
          { key: "region", operator: "NotIn", values: ["eu"] },
        ],
      },
      { matchExpressions: [{ key: "env", operator: "In", values: ["prod"] }] },
    ];
    assert.equal(stepOf(steps, { env: "prod", region: "us" }), 1);
    assert.equal(stepOf(steps, { env: "prod", region: "eu" }), 2);
    assert.equal(stepOf(steps, { env: "dev" }), 0);
  });

  const capacities: [number | string | undefined, number, number][] = [
    [undefined, 4, 4],
    [2, 4, 2],
    [0, 4, 4],
    ["50%", 4, 2],
    ["10%", 4, 1],
    ["0%", 4, 4],
    ["3", 4, 3],
  ];
  for (const [maxUpdate, size, expected] of capacities) {
    it(`lets ${expected} of ${size} sync at once with maxUpdate ${JSON.stringify(maxUpdate)}`, () => {
      assert.equal(stepCapacity(maxUpdate, size), expected);
    });
  }

  it("takes automated sync off a generated Application", () => {
    const auto = {
      ...app("a", "dev"),
      spec: {
        source: { repoURL: "r" },
        destination: {},
        syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] },
      },
    };
    assert.deepEqual(withoutAutomatedSync(auto).spec.syncPolicy, { syncOptions: ["CreateNamespace=true"] });
  });
});

describe("stepProgress", () => {
  const row = (application: string, step: string, status: RolloutRow["status"]): RolloutRow => ({
    application,
    step,
    status,
    message: "",
  });
  it("counts each step's Applications by status and marks the first step not wholly Healthy", () => {
    const progress = stepProgress(3, [
      row("a", "1", "Healthy"),
      row("b", "1", "Healthy"),
      row("c", "2", "Progressing"),
      row("d", "2", "Healthy"),
      row("e", "3", "Waiting"),
      row("f", "0", "Waiting"),
    ]);
    assert.deepEqual(
      progress.map((p) => [p.step, p.applications, p.byStatus.Healthy, p.current]),
      [
        [0, 1, 0, false],
        [1, 2, 2, false],
        [2, 2, 1, true],
        [3, 1, 0, false],
      ],
    );
    assert.equal(progress[2]?.byStatus.Progressing, 1);
  });
  it("marks no step once all are Healthy, and lists an empty step", () => {
    const progress = stepProgress(2, [row("a", "1", "Healthy")]);
    assert.deepEqual(
      progress.map((p) => [p.step, p.applications, p.current]),
      [
        [1, 1, false],
        [2, 0, false],
      ],
    );
  });
});
