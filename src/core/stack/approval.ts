// Approval: may the pending plan be applied now? Mooring applies only a plan someone approved
// by its id, and the id is a digest of the plan's content (plan-id.ts), so an approval given
// for one plan can never carry over to a different one.
//
// Ways a plan gets approved, checked in this order:
// - approvePlan "auto": every plan is applied as soon as it is made, except a drift plan (the
//   changes that put drifted resources back) of a Stack with driftDetection.mode "report": report
//   means the drift is shown and left in place, whatever approvePlan says.
// - drift remediation: a drift plan of a Stack with driftDetection.mode "remediate".
// - the CLI: `moor stack approve NAME PLAN_ID` sets the annotation mooring.dev/approve-plan to
//   the id and mooring.dev/approved-by to the user; the controller removes both once it acts.
// - Git: approvePlan set to a plan id approves that plan (as in tofu-controller).
// An approval naming another id than the pending plan's is refused, with both ids named, since
// it was given for a plan that no longer exists. Nothing is approved otherwise: the plan waits.
//
// A controller that restarts after applying but before recording it could see the old plan
// and its approval again; applying that plan file a second time fails in tofu itself (a saved
// plan whose state has moved on is stale), so the controller re-plans rather than re-applies.
import { isPlanId } from "./plan-id.ts";
import { APPROVE_PLAN_ANNOTATION, APPROVED_BY_ANNOTATION, type DriftMode, type PlanPurpose } from "./spec.ts";

export interface PendingPlan {
  id: string;
  purpose: PlanPurpose;
  /** False for a plan that changes nothing: there is nothing to approve. */
  changes: boolean;
}

export interface CliApproval {
  planId: string;
  /** The user `moor stack approve` ran as; "unknown" when the annotation did not say. */
  by: string;
}

export interface ApprovalInput {
  /** The Stack as `namespace/name`, for messages. */
  stack: string;
  /** spec.approvePlan after defaults: "auto", "manual" or a plan id. */
  approvePlan: string;
  driftMode: DriftMode;
  pending: PendingPlan | undefined;
  cli: CliApproval | undefined;
}

export type ApprovalDecision =
  | { decision: "nothing"; reason: "NoPlan" | "NoChanges"; message: string }
  | {
      decision: "apply";
      planId: string;
      approvedBy: string;
      reason: "AutoApproved" | "DriftRemediation" | "Approved";
      message: string;
    }
  | { decision: "wait"; planId: string; reason: "AwaitingApproval" | "DriftReported"; message: string }
  | {
      decision: "refuse";
      planId: string;
      /** The id the refused approval named. */
      approvedId: string;
      reason: "StalePlanApproval" | "InvalidApprovePlan";
      message: string;
    };

/** Reads the CLI's approval from a Stack's annotations. */
export function cliApproval(
  annotations: Readonly<Record<string, string>> | undefined,
): CliApproval | undefined {
  const planId = annotations?.[APPROVE_PLAN_ANNOTATION]?.trim();
  if (!planId) return undefined;
  return { planId, by: annotations?.[APPROVED_BY_ANNOTATION]?.trim() || "unknown" };
}

export function decideApproval(input: ApprovalInput): ApprovalDecision {
  const { stack, pending, cli, approvePlan } = input;
  if (!pending) return { decision: "nothing", reason: "NoPlan", message: `stack ${stack} has no plan` };
  const id = pending.id;
  if (!pending.changes) {
    return {
      decision: "nothing",
      reason: "NoChanges",
      message: `plan ${id} of stack ${stack} changes nothing`,
    };
  }
  const apply = (approvedBy: string, reason: "AutoApproved" | "DriftRemediation" | "Approved", how: string) =>
    ({
      decision: "apply",
      planId: id,
      approvedBy,
      reason,
      message: `plan ${id} of stack ${stack} ${how}`,
    }) as const;
  const reportOnly = pending.purpose === "drift" && input.driftMode === "report";
  if (approvePlan === "auto" && !reportOnly)
    return apply("auto", "AutoApproved", "is applied automatically (approvePlan: auto)");
  if (pending.purpose === "drift" && input.driftMode === "remediate") {
    return apply(
      "drift-remediation",
      "DriftRemediation",
      "puts drifted resources back (driftDetection.mode: remediate)",
    );
  }
  if (cli?.planId === id) return apply(cli.by, "Approved", `was approved by ${cli.by}`);
  if (approvePlan === id) return apply("git", "Approved", "was approved in Git (spec.approvePlan)");
  if (cli) return stale(input, id, cli.planId, `moor stack approve (by ${cli.by})`);
  if (reportOnly) {
    return { decision: "wait", planId: id, reason: "DriftReported", message: driftLeftInPlace(stack, id) };
  }
  if (approvePlan !== "manual") {
    if (!isPlanId(approvePlan)) {
      return {
        decision: "refuse",
        planId: id,
        approvedId: approvePlan,
        reason: "InvalidApprovePlan",
        message: `spec.approvePlan "${approvePlan}" of stack ${stack} is neither auto, manual nor a plan id; plan ${id} waits for approval`,
      };
    }
    return stale(input, id, approvePlan, "spec.approvePlan in Git");
  }
  return {
    decision: "wait",
    planId: id,
    reason: "AwaitingApproval",
    message: `plan ${id} of stack ${stack} waits for approval: review it with \`moor stack plan ${nameOf(stack)}\`, then run \`moor stack approve ${nameOf(stack)} ${id}\``,
  };
}

/** What a Stack in report mode says about drift a check found: left in place, and how to put it back. */
export function driftLeftInPlace(stack: string, planId: string): string {
  const name = nameOf(stack);
  return (
    `drift found in stack ${stack} and left in place (driftDetection.mode: report): plan ${planId} puts it back; ` +
    `review it with \`moor stack plan ${name}\`, then run \`moor stack approve ${name} ${planId}\`, or set driftDetection.mode: remediate`
  );
}

function stale(input: ApprovalInput, id: string, approvedId: string, where: string): ApprovalDecision {
  const name = nameOf(input.stack);
  return {
    decision: "refuse",
    planId: id,
    approvedId,
    reason: "StalePlanApproval",
    message:
      `approval of plan ${approvedId} (${where}) does not match the pending plan ${id} of stack ${input.stack}: ` +
      `the plan changed since it was approved; run \`moor stack plan ${name}\` to review ${id} and approve that id`,
  };
}

function nameOf(stack: string): string {
  const slash = stack.indexOf("/");
  return slash < 0 ? stack : stack.slice(slash + 1);
}
