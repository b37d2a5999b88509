// The two steps that run tofu for a Stack. A plan opens a run (its identity, inputs and folder:
// stack-run.ts), runs `tofu plan` under the state-lock rules (stack-lock.ts), reads the saved
// plan file for its summary and content-hashed id, stores the plan in Secrets as the Stack's
// account before the status names it, and records drift. An apply loads exactly the approved
// plan, applies it, writes the outputs Secret (stack-outputs.ts) and records the result; a plan
// the state has moved past is dropped and made again, so nothing is applied twice.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Standing } from "../core/conditions.ts";
import { driftLeftInPlace } from "../core/stack/approval.ts";
import type { StackServiceAccount } from "../core/stack/identity.ts";
import { formatCounts, limitResources, summarisePlan } from "../core/stack/plan.ts";
import { planId } from "../core/stack/plan-id.ts";
import type { PlanPurpose, ResolvedStackSpec, Stack, StackStatus } from "../core/stack/spec.ts";
import { restingStanding } from "../core/stack/step.ts";
import { undeclaredVariables } from "../core/stack/vars.ts";
import type { EventRecorder } from "../kube/events.ts";
import { sha256Hex } from "../terraform/hash.ts";
import { loadPlan, prunePlans, savePlan } from "../terraform/plan-store.ts";
import { TofuError } from "../terraform/runner.ts";
import { readSavedPlan } from "../terraform/saved-plan.ts";
import type { ControllerAudit } from "./audit.ts";
import { StackError } from "./stack-errors.ts";
import { forbiddenAs } from "./stack-identity.ts";
import type { StateLocks } from "./stack-lock.ts";
import { writeOutputs } from "./stack-outputs.ts";
import type { StackRuns } from "./stack-run.ts";
import type { StackStatusWriter } from "./stack-status.ts";

export interface StackStepsDeps {
  runs: StackRuns;
  locks: StateLocks;
  status: StackStatusWriter;
  events: EventRecorder;
  audit: ControllerAudit;
}

export class StackSteps {
  private readonly deps: StackStepsDeps;

  constructor(deps: StackStepsDeps) {
    this.deps = deps;
  }

  async plan(
    stack: Stack,
    spec: ResolvedStackSpec,
    account: StackServiceAccount,
    status: StackStatus,
    revision: string,
    purpose: PlanPurpose,
    confirm?: Promise<string>,
  ): Promise<"moved" | undefined> {
    const log: string[] = [];
    const run = await this.deps.runs.start(
      stack,
      spec,
      account,
      status,
      revision,
      `planning ${revision.slice(0, 10)}`,
      log,
    );
    const { work, runner, inputs, identity } = run;
    const subject = `${stack.metadata.namespace}/${stack.metadata.name}`;
    try {
      const planned = await this.deps.locks.unlockingStale(
        stack,
        identity.client,
        runner,
        work.moduleDir,
        () =>
          runner.plan(work.moduleDir, {
            out: "mooring.tfplan",
            varFile: work.varFile,
            allowUndeclaredVariables: true,
            ...(purpose === "destroy" ? { destroy: true } : {}),
          }),
      );
      if (confirm && (await confirm) !== revision) return "moved";
      const saved = await readSavedPlan(planned.planFile);
      const summary = summarisePlan(saved);
      const undeclared = undeclaredVariables(
        { values: inputs.vars, ...inputs.declaredCheck } as Parameters<typeof undeclaredVariables>[0],
        summary.declaredVariables,
      );
      if (undeclared.errors.length > 0) {
        throw new StackError("undeclared-variable", `${undeclared.errors.join("; ")}; nothing was applied`);
      }
      const id = planId(
        saved.identity,
        { revision, path: spec.source.path, workspace: spec.workspace, purpose },
        sha256Hex,
      );
      const { resources, omitted } = limitResources(summary.resources);
      status.lastPlan = {
        id,
        revision,
        createdAt: new Date().toISOString(),
        purpose,
        summary: summary.counts,
        resources,
        ...(omitted > 0 ? { resourcesOmitted: omitted } : {}),
        outputs: summary.outputs.map((o) => o.name),
        pending: summary.changes,
      };
      if (purpose === "drift" || summary.drifted.length > 0) {
        status.drift = {
          checkedAt: new Date().toISOString(),
          drifted: summary.drifted.length > 0,
          resources: summary.drifted,
        };
      } else {
        status.drift = { checkedAt: new Date().toISOString(), drifted: false, resources: [] };
      }
      delete status.lastError;
      // The plan is stored (as the Stack's account) before the status names it, so whoever reads
      // the id can load it.
      const storePlan = async () => {
        if (!summary.changes) return;
        await savePlan(
          identity.client,
          { namespace: stack.metadata.namespace, name: stack.metadata.name, uid: stack.metadata.uid ?? "" },
          { planId: id, planFile: await readFile(planned.planFile), text: planned.log },
        ).catch((err: unknown) => {
          throw forbiddenAs(err, subject, account, "store the plan in Secrets of its namespace");
        });
        await prunePlans(identity.client, stack.metadata, [id]);
        await this.deps.events.record(
          stack,
          "Normal",
          "PlanCreated",
          `plan ${id} for ${revision.slice(0, 10)}: ${formatCounts(summary.counts)}`,
        );
        this.deps.audit.record("stack-plan", stack, {
          planId: id,
          revision,
          purpose,
          changes: formatCounts(summary.counts),
          drifted: summary.drifted.map((r) => r.address),
        });
      };
      await Promise.all([storePlan(), this.deps.runs.saveLog(run, stack, log.join(""))]);
      status.observedGeneration = stack.metadata.generation;
      const leftInPlace = purpose === "drift" && summary.changes && spec.driftDetection.mode === "report";
      if (summary.drifted.length > 0) await this.recordDrift(stack, spec, summary.drifted, id, leftInPlace);
      const standing: Standing = leftInPlace
        ? { state: "failed", reason: "Drifted", message: driftLeftInPlace(subject, id) }
        : summary.changes
          ? {
              state: "progressing",
              reason: "AwaitingApproval",
              message: `plan ${id} (${formatCounts(summary.counts)}) waits for approval`,
            }
          : restingStanding(status);
      await this.deps.status.finish(stack, status, standing);
    } catch (err) {
      run.failed();
      await this.deps.runs.saveLog(run, stack, log.join(""));
      throw err;
    } finally {
      await run.end();
    }
  }

  /**
   * An Event for drift a plan found: in report mode it is left in place and the Event names the
   * plan that would put it back; otherwise that plan is on its way (remediation or approval).
   */
  private async recordDrift(
    stack: Stack,
    spec: ResolvedStackSpec,
    drifted: readonly { address: string }[],
    id: string,
    leftInPlace: boolean,
  ): Promise<void> {
    const subject = `${stack.metadata.namespace}/${stack.metadata.name}`;
    const what = `changed outside OpenTofu: ${drifted.map((r) => r.address).join(", ")}`;
    const message = leftInPlace
      ? `${what}; ${driftLeftInPlace(subject, id)}`
      : `${what}; plan ${id} puts it back (driftDetection.mode: ${spec.driftDetection.mode})`;
    await this.deps.events.record(stack, "Warning", "DriftDetected", message);
    this.deps.audit.record("drift-detected", stack, {
      resources: drifted.map((r) => r.address),
      planId: id,
      mode: spec.driftDetection.mode,
      leftInPlace,
    });
  }

  async apply(
    stack: Stack,
    spec: ResolvedStackSpec,
    account: StackServiceAccount,
    status: StackStatus,
    revision: string,
    id: string,
    approvedBy: string,
  ): Promise<void> {
    const log: string[] = [];
    const run = await this.deps.runs.start(
      stack,
      spec,
      account,
      status,
      revision,
      `applying plan ${id} (approved by ${approvedBy})`,
      log,
    );
    const { work, runner, identity } = run;
    const subject = `${stack.metadata.namespace}/${stack.metadata.name}`;
    try {
      const stored = await loadPlan(identity.client, stack.metadata, id).catch((err: unknown) => {
        throw forbiddenAs(err, subject, account, "read the plan's Secrets in its namespace");
      });
      if (!stored)
        throw new StackError(
          "plan-missing",
          `plan ${id} is no longer stored; run \`moor stack plan ${stack.metadata.name} --refresh\``,
        );
      const planFile = join(work.moduleDir, "approved.tfplan");
      await writeFile(planFile, stored.planFile, { mode: 0o600 });
      let result: "succeeded" | "failed" = "succeeded";
      let message = `applied plan ${id}`;
      try {
        await this.deps.locks.unlockingStale(stack, identity.client, runner, work.moduleDir, () =>
          runner.apply(work.moduleDir, planFile),
        );
      } catch (err) {
        // Interrupted because this replica stopped leading: the new leader owns the Stack now and
        // records what happened; writing a failed apply from here would only race it.
        if (err instanceof TofuError && err.code === "interrupted") throw err;
        message = err instanceof Error ? err.message : String(err);
        if (/saved plan is stale/i.test(message)) {
          // The state moved on since the plan was made — typically the plan was applied by a
          // run whose controller died before recording it. Nothing is applied twice: plan again.
          await this.deps.events.record(
            stack,
            "Normal",
            "PlanStale",
            `plan ${id} no longer matches the state; planning again`,
          );
          if (status.lastPlan?.id === id) {
            status.lastPlan.pending = false;
            status.lastPlan.revision = "";
          }
          await this.deps.runs.saveLog(run, stack, log.join(""));
          await this.deps.status.write(stack, status);
          return;
        }
        result = "failed";
      }
      status.lastApply = { planId: id, approvedBy, appliedAt: new Date().toISOString(), result, message };
      this.deps.audit.record("stack-apply", stack, { planId: id, revision, approvedBy, result, message });
      if (status.lastPlan?.id === id) status.lastPlan.pending = false;
      if (result === "succeeded") {
        const outputs = await runner.output(work.moduleDir);
        if (spec.writeOutputsToSecret) {
          const target = spec.writeOutputsToSecret;
          await writeOutputs(identity.client, stack, target, outputs).catch((err: unknown) => {
            throw forbiddenAs(err, subject, account, `write its outputs to Secret ${target.name}`);
          });
          status.outputsSecret = target.name;
        }
        status.drift = { checkedAt: new Date().toISOString(), drifted: false, resources: [] };
        await this.deps.events.record(stack, "Normal", "Applied", `${message} (approved by ${approvedBy})`);
        await prunePlans(identity.client, stack.metadata, []);
      } else {
        status.lastError = message;
        await this.deps.events.record(stack, "Warning", "ApplyFailed", message);
      }
      await this.deps.runs.saveLog(run, stack, log.join(""));
      await this.deps.status.finish(
        stack,
        status,
        result === "succeeded"
          ? restingStanding(status)
          : { state: "failed", reason: "ApplyFailed", message },
      );
    } catch (err) {
      run.failed();
      throw err;
    } finally {
      await run.end();
    }
  }
}
