import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StackPlanStatus, StackStatus } from "./spec.ts";
import { decideStep, nextDriftCheck, restingStanding, type StepInputs } from "./step.ts";

const NOW = Date.parse("2026-01-01T12:00:00Z");
const HOUR = 3_600_000;

function plan(fields: Partial<StackPlanStatus> = {}): StackPlanStatus {
  return {
    id: "p-0123456789abcdef",
    revision: "c1",
    createdAt: "2026-01-01T11:00:00Z",
    purpose: "apply",
    summary: { add: 1, change: 0, destroy: 0, replace: 0, forget: 0, import: 0, read: 0 },
    resources: [],
    pending: false,
    ...fields,
  };
}

function inputs(status: StackStatus, fields: Partial<StepInputs> = {}): StepInputs {
  return {
    status,
    generation: 1,
    revision: "c1",
    refresh: false,
    driftCheck: "",
    driftIntervalMs: HOUR,
    nowMs: NOW,
    ...fields,
  };
}

const settled: StackStatus = {
  observedGeneration: 1,
  lastPlan: plan(),
  drift: { checkedAt: "2026-01-01T11:30:00Z", drifted: false, resources: [] },
};

describe("the step a Stack's reconcile takes", () => {
  it("plans a Stack never planned, for applying", () => {
    assert.deepEqual(decideStep(inputs({})), { step: "plan", purpose: "apply" });
  });

  it("applies (or keeps waiting on) a pending plan whose inputs still hold", () => {
    const pending = plan({ pending: true });
    const step = decideStep(inputs({ ...settled, lastPlan: pending }));
    assert.deepEqual(step, { step: "apply", pending });
  });

  it("plans again instead when the commit, the spec or a refresh says the pending plan is old", () => {
    const status = { ...settled, lastPlan: plan({ pending: true }) };
    assert.deepEqual(decideStep(inputs(status, { revision: "c2" })), { step: "plan", purpose: "apply" });
    assert.deepEqual(decideStep(inputs(status, { generation: 2 })), { step: "plan", purpose: "apply" });
    assert.deepEqual(decideStep(inputs(status, { refresh: true })), { step: "plan", purpose: "apply" });
  });

  it("rests until the next drift check when nothing changed", () => {
    assert.deepEqual(decideStep(inputs(settled)), { step: "idle", requeueAfterMs: 30 * 60_000 });
  });

  it("checks drift when the interval passed or a check was asked for after the last one", () => {
    assert.deepEqual(decideStep(inputs(settled, { nowMs: NOW + HOUR })), { step: "plan", purpose: "drift" });
    assert.deepEqual(decideStep(inputs(settled, { driftCheck: "2026-01-01T11:45:00Z" })), {
      step: "plan",
      purpose: "drift",
    });
    assert.equal(decideStep(inputs(settled, { driftCheck: "2026-01-01T11:00:00Z" })).step, "idle");
    assert.equal(decideStep(inputs(settled, { driftIntervalMs: 0, nowMs: NOW + 10 * HOUR })).step, "idle");
  });

  it("checks drift again when a check is due while a drift plan waits, but not an apply plan", () => {
    const drift = plan({ pending: true, purpose: "drift" });
    const asked = { driftCheck: "2026-01-01T11:45:00Z" };
    assert.deepEqual(decideStep(inputs({ ...settled, lastPlan: drift }, asked)), {
      step: "plan",
      purpose: "drift",
    });
    assert.deepEqual(decideStep(inputs({ ...settled, lastPlan: drift }, { nowMs: NOW + HOUR })), {
      step: "plan",
      purpose: "drift",
    });
    assert.equal(decideStep(inputs({ ...settled, lastPlan: drift })).step, "apply");
    assert.equal(decideStep(inputs({ ...settled, lastPlan: plan({ pending: true }) }, asked)).step, "apply");
  });

  it("plans again after the last plan's apply failed, to show what remains", () => {
    const status: StackStatus = {
      ...settled,
      lastApply: {
        planId: "p-0123456789abcdef",
        approvedBy: "auto",
        appliedAt: "x",
        result: "failed",
        message: "m",
      },
    };
    assert.deepEqual(decideStep(inputs(status)), { step: "plan", purpose: "apply" });
  });
});

describe("when the next drift check is due", () => {
  it("counts from the last check, at least a second away, every 10 minutes when checks are off", () => {
    assert.equal(nextDriftCheck(HOUR, settled, NOW), 30 * 60_000);
    assert.equal(nextDriftCheck(HOUR, settled, NOW + 2 * HOUR), 1000);
    assert.equal(nextDriftCheck(0, settled, NOW), 600_000);
    assert.equal(nextDriftCheck(HOUR, {}, NOW), HOUR);
  });
});

describe("how a Stack stands at rest", () => {
  it("is Ready with the last applied plan, or not Ready while drifted", () => {
    assert.equal(restingStanding({}).state, "ready");
    assert.match(
      restingStanding({
        lastApply: { planId: "p-1", approvedBy: "auto", appliedAt: "x", result: "succeeded", message: "" },
      }).message,
      /applied plan p-1/,
    );
    assert.deepEqual(
      restingStanding({ drift: { checkedAt: "x", drifted: true, resources: [] } }).reason,
      "Drifted",
    );
  });
});
