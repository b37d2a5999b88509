import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Condition } from "../core/conditions.ts";
import type { Stack, StackStatus } from "../core/stack/spec.ts";
import type { Progress } from "./progress.ts";
import {
  applyVerdict,
  driftCheckVerdict,
  pollStack,
  replanVerdict,
  stackBefore,
  stackDeletedVerdict,
} from "./stack-wait.ts";

const PLAN = "p-0123456789abcdef";
const NEW_PLAN = "p-1111111111111111";
const T0 = "2026-03-01T11:00:00Z";
const T1 = "2026-03-01T11:05:00Z";

function plan(
  id: string,
  createdAt: string,
  pending: boolean,
  purpose: "apply" | "destroy" | "drift" = "apply",
) {
  return {
    id,
    revision: "abc",
    createdAt,
    purpose,
    summary: { add: 1, change: 0, destroy: 0, replace: 0, forget: 0, import: 0, read: 0 },
    resources: [],
    pending,
  };
}

function condition(type: string, status: "True" | "False", reason: string, message: string): Condition {
  return { type, status, reason, message, lastTransitionTime: T0 };
}

function stack(
  status: StackStatus,
  annotations: Record<string, string> = {},
  spec: Partial<Stack["spec"]> = {},
): Stack {
  return {
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Stack",
    metadata: { name: "net", namespace: "mooring", annotations },
    spec: { source: { repoURL: "r" }, ...spec },
    status,
  };
}

const REFRESH = { "mooring.dev/refresh": "normal" };
const APPROVAL = { "mooring.dev/approve-plan": PLAN, "mooring.dev/approved-by": "ada" };

describe("re-plan wait", () => {
  const before = stackBefore(stack({ lastPlan: plan(PLAN, T0, true) }));

  it("waits while the old plan is all there is", () => {
    assert.equal(
      replanVerdict("net", stack({ lastPlan: plan(PLAN, T0, true) }, REFRESH), before).state,
      "waiting",
    );
  });

  it("is done once a newer plan is recorded, even with the same id", () => {
    const v = replanVerdict("net", stack({ lastPlan: plan(PLAN, T1, true) }), before);
    assert.deepEqual(v, {
      state: "done",
      label: `stack net planned ${PLAN}: 1 to add, 0 to change, 0 to destroy`,
    });
  });

  it("fails with the condition's reason when the controller took the request but made no plan", () => {
    const status = {
      lastPlan: plan(PLAN, T0, true),
      conditions: [condition("Stalled", "True", "InvalidModule", 'Unsupported argument "x"')],
    };
    const v = replanVerdict("net", stack(status), before);
    assert.equal(v.state, "failed");
    assert.match(v.label, /made no new plan \(InvalidModule: Unsupported argument "x"\)/);
  });

  it("keeps waiting while the controller is still working, showing what it does", () => {
    const status = {
      lastPlan: plan(PLAN, T0, true),
      conditions: [condition("Reconciling", "True", "Planning", "running tofu plan")],
    };
    assert.deepEqual(replanVerdict("net", stack(status), before), {
      state: "waiting",
      label: "stack net: running tofu plan",
    });
  });

  it("fails at once for a suspended or deleted stack", () => {
    assert.equal(replanVerdict("net", stack({}, REFRESH, { suspend: true }), before).state, "failed");
    assert.equal(replanVerdict("net", null, before).state, "failed");
  });
});

describe("apply wait", () => {
  const before = stackBefore(stack({ lastPlan: plan(PLAN, T0, true) }));

  it("waits while the approval is not yet acted on", () => {
    assert.equal(
      applyVerdict("net", stack({ lastPlan: plan(PLAN, T0, true) }, APPROVAL), PLAN, before).state,
      "waiting",
    );
  });

  it("reports the apply of the approved plan, succeeded or failed", () => {
    const ok = stack({
      lastPlan: plan(PLAN, T0, false),
      lastApply: {
        planId: PLAN,
        approvedBy: "ada",
        appliedAt: T1,
        result: "succeeded",
        message: "Apply complete!",
      },
    });
    assert.deepEqual(applyVerdict("net", ok, PLAN, before), {
      state: "done",
      label: `plan ${PLAN} of stack net applied: Apply complete!`,
    });
    const failed = stack({
      lastPlan: plan(PLAN, T0, true),
      lastApply: {
        planId: PLAN,
        approvedBy: "ada",
        appliedAt: T1,
        result: "failed",
        message: "Error: quota",
      },
    });
    assert.deepEqual(applyVerdict("net", failed, PLAN, before), {
      state: "failed",
      label: `plan ${PLAN} of stack net failed: Error: quota`,
    });
  });

  it("does not take an older apply of the same plan for the answer", () => {
    const apply = { planId: PLAN, approvedBy: "ada", appliedAt: T0, result: "failed" as const, message: "x" };
    const s = stack({ lastPlan: plan(PLAN, T0, true), lastApply: apply }, APPROVAL);
    assert.equal(applyVerdict("net", s, PLAN, stackBefore(s)).state, "waiting");
  });

  it("fails when the stack was planned again before the approved plan was applied", () => {
    const v = applyVerdict("net", stack({ lastPlan: plan(NEW_PLAN, T1, true) }), PLAN, before);
    assert.equal(v.state, "failed");
    assert.match(
      v.label,
      new RegExp(`before ${PLAN} was applied: its current plan is ${NEW_PLAN} \\(pending\\)`),
    );
  });

  it("fails with the reason when the controller dropped the approval", () => {
    const status = {
      lastPlan: plan(PLAN, T0, true),
      conditions: [condition("PlanPending", "True", "StalePlanApproval", "approval does not match")],
    };
    const v = applyVerdict("net", stack(status), PLAN, before);
    assert.equal(v.state, "failed");
    assert.match(v.label, /did not apply it \(StalePlanApproval: approval does not match\)/);
  });

  it("counts a stack gone after its destroy plan was approved as done", () => {
    assert.equal(applyVerdict("net", null, PLAN, { ...before, purpose: "destroy" }).state, "done");
    assert.equal(applyVerdict("net", null, PLAN, before).state, "failed");
  });
});

describe("drift check wait", () => {
  const before = { checkedAt: T0 };
  it("waits for a check newer than before, then reports it", () => {
    const old = stack(
      { drift: { checkedAt: T0, drifted: false, resources: [] } },
      { "mooring.dev/drift-check": T1 },
    );
    assert.equal(driftCheckVerdict("net", old, before).state, "waiting");
    const fresh = stack({
      drift: { checkedAt: T1, drifted: true, resources: [{ address: "a.b", actions: ["update"] }] },
    });
    assert.deepEqual(driftCheckVerdict("net", fresh, before), {
      state: "done",
      label: "stack net: 1 resource(s) drifted",
    });
  });
});

describe("drift check refused", () => {
  it("fails with the reason when the controller cleared the request without a newer check", () => {
    const s = stack({
      drift: { checkedAt: "2026-03-01T11:00:00Z", drifted: false, resources: [] },
      conditions: [condition("Stalled", "True", "SourceFailed", "repository not found")],
    });
    const v = driftCheckVerdict("net", s, { checkedAt: "2026-03-01T11:00:00Z" });
    assert.equal(v.state, "failed");
    assert.match(v.label, /recorded no check \(SourceFailed: repository not found\)/);
  });
});

describe("delete wait", () => {
  it("is done when the stack is gone", () => {
    assert.equal(stackDeletedVerdict("net", null).state, "done");
  });
  it("stops at once when a destroy plan waits for approval, saying how to approve it", () => {
    const v = stackDeletedVerdict("net", stack({ lastPlan: plan(PLAN, T0, true, "destroy") }));
    assert.equal(v.state, "failed");
    assert.match(v.label, new RegExp(`moor stack approve net ${PLAN}`));
  });
  it("keeps waiting for an auto-approved destroy", () => {
    const s = stack({ lastPlan: plan(PLAN, T0, true, "destroy") }, {}, { approvePlan: "auto" });
    assert.equal(stackDeletedVerdict("net", s).state, "waiting");
  });
});

describe("pollStack", () => {
  const quiet: Progress = { step() {}, done() {}, fail() {}, info() {} };

  it("needs a failed verdict to hold before it counts", async () => {
    const reads = [stack({}), stack({}, { x: "1" })];
    let n = 0;
    const result = await pollStack(
      async () => reads[Math.min(n++, reads.length - 1)] ?? null,
      (s) =>
        s?.metadata.annotations?.x
          ? { state: "done", label: "done" }
          : { state: "failed", label: "transient" },
      { timeoutMs: 5_000, intervalMs: 5, confirmMs: 50, progress: quiet },
    );
    assert.equal(result.verdict.state, "done");
  });

  it("gives up at the timeout with the last verdict", async () => {
    const result = await pollStack(
      async () => stack({}),
      () => ({ state: "waiting", label: "still" }),
      { timeoutMs: 30, intervalMs: 5, progress: quiet },
    );
    assert.equal(result.timedOut, true);
    assert.equal(result.verdict.label, "still");
  });
});
