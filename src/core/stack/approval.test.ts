import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ApprovalInput, cliApproval, decideApproval } from "./approval.ts";

const PENDING = "p-00000000000000aa";
const OLDER = "p-00000000000000bb";

const base: ApprovalInput = {
  stack: "shop/db",
  approvePlan: "manual",
  driftMode: "report",
  pending: { id: PENDING, purpose: "apply", changes: true },
  cli: undefined,
};

describe("decideApproval", () => {
  const cases: {
    name: string;
    input: Partial<ApprovalInput>;
    decision: string;
    reason: string;
    by?: string;
  }[] = [
    { name: "no plan: nothing to do", input: { pending: undefined }, decision: "nothing", reason: "NoPlan" },
    {
      name: "a plan that changes nothing needs no approval",
      input: { pending: { id: PENDING, purpose: "apply", changes: false }, approvePlan: "auto" },
      decision: "nothing",
      reason: "NoChanges",
    },
    {
      name: "auto applies at once",
      input: { approvePlan: "auto" },
      decision: "apply",
      reason: "AutoApproved",
      by: "auto",
    },
    { name: "manual without approval waits", input: {}, decision: "wait", reason: "AwaitingApproval" },
    {
      name: "manual with the CLI approving the pending id applies",
      input: { cli: { planId: PENDING, by: "alice" } },
      decision: "apply",
      reason: "Approved",
      by: "alice",
    },
    {
      name: "a CLI approval of an older plan is refused",
      input: { cli: { planId: OLDER, by: "alice" } },
      decision: "refuse",
      reason: "StalePlanApproval",
    },
    {
      name: "the pending id committed to Git applies",
      input: { approvePlan: PENDING },
      decision: "apply",
      reason: "Approved",
      by: "git",
    },
    {
      name: "an older id committed to Git is refused",
      input: { approvePlan: OLDER },
      decision: "refuse",
      reason: "StalePlanApproval",
    },
    {
      name: "a CLI approval of the pending id wins over an older id in Git",
      input: { approvePlan: OLDER, cli: { planId: PENDING, by: "bob" } },
      decision: "apply",
      reason: "Approved",
      by: "bob",
    },
    {
      name: "a drift plan is applied when drift remediation is on",
      input: { pending: { id: PENDING, purpose: "drift", changes: true }, driftMode: "remediate" },
      decision: "apply",
      reason: "DriftRemediation",
      by: "drift-remediation",
    },
    {
      name: "a drift plan is reported and left in place when drift is only reported",
      input: { pending: { id: PENDING, purpose: "drift", changes: true }, driftMode: "report" },
      decision: "wait",
      reason: "DriftReported",
    },
    {
      name: "auto approval does not apply a drift plan in report mode",
      input: {
        pending: { id: PENDING, purpose: "drift", changes: true },
        driftMode: "report",
        approvePlan: "auto",
      },
      decision: "wait",
      reason: "DriftReported",
    },
    {
      name: "an older id in Git does not hide reported drift behind a stale approval",
      input: {
        pending: { id: PENDING, purpose: "drift", changes: true },
        driftMode: "report",
        approvePlan: OLDER,
      },
      decision: "wait",
      reason: "DriftReported",
    },
    {
      name: "auto approval still applies a drift plan when drift is remediated",
      input: {
        pending: { id: PENDING, purpose: "drift", changes: true },
        driftMode: "remediate",
        approvePlan: "auto",
      },
      decision: "apply",
      reason: "AutoApproved",
    },
    {
      name: "in report mode an approval of the drift plan's id puts the drift back",
      input: {
        pending: { id: PENDING, purpose: "drift", changes: true },
        driftMode: "report",
        approvePlan: "auto",
        cli: { planId: PENDING, by: "carol" },
      },
      decision: "apply",
      reason: "Approved",
      by: "carol",
    },
    {
      name: "in report mode the drift plan's id committed to Git puts the drift back",
      input: { pending: { id: PENDING, purpose: "drift", changes: true }, approvePlan: PENDING },
      decision: "apply",
      reason: "Approved",
      by: "git",
    },
    {
      name: "remediation does not approve a plan of new changes from Git",
      input: { driftMode: "remediate" },
      decision: "wait",
      reason: "AwaitingApproval",
    },
    {
      name: "a destroy plan needs approval too",
      input: { pending: { id: PENDING, purpose: "destroy", changes: true } },
      decision: "wait",
      reason: "AwaitingApproval",
    },
    {
      name: "an approvePlan that is no mode and no id is refused",
      input: { approvePlan: "yes" },
      decision: "refuse",
      reason: "InvalidApprovePlan",
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = decideApproval({ ...base, ...c.input });
      assert.equal(result.decision, c.decision);
      assert.equal(result.reason, c.reason);
      if (c.by !== undefined) assert.equal(result.decision === "apply" ? result.approvedBy : undefined, c.by);
    });
  }

  it("names both ids in a refusal and says how to get the new one", () => {
    const result = decideApproval({ ...base, cli: { planId: OLDER, by: "alice" } });
    assert.equal(result.decision, "refuse");
    assert.match(result.message, new RegExp(`${OLDER}.*${PENDING}`));
    assert.match(result.message, /moor stack plan db/);
  });

  it("says reported drift was left in place, naming the plan id that puts it back", () => {
    const result = decideApproval({
      ...base,
      approvePlan: "auto",
      pending: { id: PENDING, purpose: "drift", changes: true },
    });
    assert.match(result.message, /left in place \(driftDetection\.mode: report\)/);
    assert.match(result.message, new RegExp(`moor stack approve db ${PENDING}`));
  });

  it("tells a waiting user the command that approves the plan", () => {
    const result = decideApproval(base);
    assert.match(result.message, new RegExp(`moor stack approve db ${PENDING}`));
  });
});

describe("cliApproval", () => {
  it("reads the plan id and the approver from the annotations", () => {
    assert.deepEqual(
      cliApproval({ "mooring.dev/approve-plan": ` ${PENDING} `, "mooring.dev/approved-by": "alice" }),
      {
        planId: PENDING,
        by: "alice",
      },
    );
  });

  it("says unknown when the approver is missing and nothing when there is no approval", () => {
    assert.equal(cliApproval({ "mooring.dev/approve-plan": PENDING })?.by, "unknown");
    assert.equal(cliApproval({}), undefined);
    assert.equal(cliApproval(undefined), undefined);
  });
});
