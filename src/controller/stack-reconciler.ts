// Reconciling one Stack: Source → `tofu plan` → stored plan with a content-hashed id → approval →
// `tofu apply` of exactly that plan file → outputs Secret → Record. A plan is made when the
// commit, the spec or the variables change, on request (refresh), and as a drift check on an
// interval; its id is a hash of what it would do and the inputs it was made from, so approving an
// id approves that content and nothing else — an approval of an older plan is refused. Plans live
// in Secrets, state in the cluster's Kubernetes backend, so a restart loses nothing; tofu itself
// refuses to apply a saved plan once the state has moved on, so nothing is applied twice.
//
// The pieces: which step to take and how a failure is classified are pure
// (src/core/stack/step.ts, failure.ts); the project check (stack-project.ts) comes before any
// fetch; the plan and apply steps (stack-steps.ts), a run's identity, inputs and folder
// (stack-run.ts), state-lock handling (stack-lock.ts), status writing (stack-status.ts) and
// outputs (stack-outputs.ts) each have their own module. Everything a run touches in the cluster
// it touches as the Stack's ServiceAccount; the controller's own identity writes only the Stack
// object and its Events.
import { CONTROLLER_NAMESPACE, REFRESH_ANNOTATION } from "../core/application.ts";
import { crossNamespaceDependency } from "../core/dependencies.ts";
import { cliApproval, decideApproval } from "../core/stack/approval.ts";
import { classifyFailure } from "../core/stack/failure.ts";
import type { StackServiceAccount } from "../core/stack/identity.ts";
import { formatCounts } from "../core/stack/plan.ts";
import {
  APPROVE_PLAN_ANNOTATION,
  APPROVED_BY_ANNOTATION,
  DRIFT_CHECK_ANNOTATION,
  type ResolvedStackSpec,
  type Stack,
  type StackStatus,
  stackSpecDefaults,
  UNLOCK_ANNOTATION,
  validateStackSpec,
} from "../core/stack/spec.ts";
import { decideStep, nextDriftCheck, restingStanding } from "../core/stack/step.ts";
import type { KubeClient } from "../kube/client.ts";
import type { EventRecorder } from "../kube/events.ts";
import { TofuError } from "../terraform/runner.ts";
import type { ApiServer } from "../terraform/state-backend.ts";
import type { Logger } from "../util/log.ts";
import type { SourceResolver } from "./app-source.ts";
import type { ControllerAudit } from "./audit.ts";
import type { ProjectLookup } from "./projects.ts";
import type { ProcessResult } from "./queue.ts";
import { failureSource } from "./stack-errors.ts";
import { forbiddenAs, StackIdentities } from "./stack-identity.ts";
import { StateLocks } from "./stack-lock.ts";
import { enforceStackProject, enforceStackSignature } from "./stack-project.ts";
import { StackRuns } from "./stack-run.ts";
import type { StackSandboxOptions } from "./stack-sandbox.ts";
import { StackStatusWriter, stackRef } from "./stack-status.ts";
import { StackSteps } from "./stack-steps.ts";
import { RunFolders } from "./stack-workdir.ts";

export const DESTROY_FINALIZER = "mooring.dev/stack-destroy";

/** How soon a stalled Stack is looked at again: someone must change something first. */
const STALLED_REQUEUE_MS = 60_000;

export interface StackReconcilerDeps {
  client: KubeClient;
  sources: SourceResolver;
  events: EventRecorder;
  log: Logger;
  /** tofu CLI configuration naming the provider mirrors. */
  cliConfigFile: string;
  /**
   * The API server of the cluster Mooring runs in (where Stacks and their state live), as tofu
   * reaches it with the token of the Stack's ServiceAccount.
   */
  apiServer: ApiServer;
  /** Parent folder for run folders. */
  workRoot: string;
  /** How tofu is confined: in the host's sandbox, with the provider mirrors readable. */
  sandbox: StackSandboxOptions;
  /** Longest spec.timeout accepted (--max-stack-timeout); default: no limit. */
  maxTimeoutMs?: number;
  /** Projects, to check each Stack against before fetching; absent: no project checks. */
  projects?: ProjectLookup;
  /** Where Projects live, and whose Stacks may name any project; default mooring. */
  controllerNamespace?: string;
  /**
   * Aborted when this replica stops leading or shuts down: every tofu run is interrupted, so
   * it releases the state lock before another replica, leading now, touches the state.
   */
  signal?: AbortSignal;
  /** The audit trail: plans, approvals, applies and unlocks are recorded here (audit.ts). */
  audit: ControllerAudit;
}

/** What decides whether a Stack may run, and as whom: the reconciler's settings of the same names. */
export interface StackRunChecks {
  projects?: ProjectLookup;
  controllerNamespace?: string;
  maxTimeoutMs?: number;
}

/**
 * A Stack's spec with defaults and the ServiceAccount its runs act as, checked as the reconciler
 * checks them before a plan: `problems` when the spec is invalid; a StackError when its project
 * refuses it (missing or malformed project, namespace, repository, destination). For runs outside
 * the reconcile loop — a pull request's preview — which must refuse exactly what it refuses.
 */
export async function resolveStackForRun(
  checks: StackRunChecks,
  stack: Stack,
): Promise<{ problems: string[] } | { spec: ResolvedStackSpec; account: StackServiceAccount }> {
  const problems = validateStackSpec(
    stack.spec,
    checks.maxTimeoutMs !== undefined ? { maxTimeoutMs: checks.maxTimeoutMs } : {},
  );
  if (problems.length > 0) return { problems };
  const spec = stackSpecDefaults(stack.spec, stack.metadata.namespace);
  const account = await enforceStackProject(
    checks.projects,
    stack,
    spec,
    checks.controllerNamespace ?? "mooring",
  );
  return { spec, account };
}

export class StackReconciler {
  private readonly deps: StackReconcilerDeps;
  private readonly locks: StateLocks;
  private readonly status: StackStatusWriter;
  private readonly runs: StackRuns;
  private readonly steps: StackSteps;
  /** Run folders, kept initialized between runs of a Stack at the same commit. */
  readonly folders: RunFolders;

  constructor(deps: StackReconcilerDeps) {
    this.deps = deps;
    this.folders = new RunFolders(deps.workRoot, deps.apiServer);
    this.locks = new StateLocks({
      events: deps.events,
      log: deps.log,
      workRoot: deps.workRoot,
      audit: deps.audit,
    });
    this.status = new StackStatusWriter(deps.client);
    this.runs = new StackRuns({
      sources: deps.sources,
      identities: new StackIdentities(deps.client, deps.apiServer),
      folders: this.folders,
      status: this.status,
      cliConfigFile: deps.cliConfigFile,
      sandbox: deps.sandbox,
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    this.steps = new StackSteps({
      runs: this.runs,
      locks: this.locks,
      status: this.status,
      events: deps.events,
      audit: deps.audit,
    });
  }

  async reconcile(key: string): Promise<ProcessResult | undefined> {
    const [namespace = "", name = ""] = key.split("/");
    const stack = (await this.deps.client.get(
      "mooring.dev/v1alpha1",
      "Stack",
      namespace,
      name,
    )) as Stack | null;
    if (!stack) {
      await this.folders.forget({ namespace, name });
      return undefined;
    }
    this.locks.noteStart(stack);
    const status: StackStatus = structuredClone(stack.status ?? {});
    const refresh = stack.metadata.annotations?.[REFRESH_ANNOTATION];
    const driftCheck = stack.metadata.annotations?.[DRIFT_CHECK_ANNOTATION];
    try {
      if (stack.metadata.deletionTimestamp) return await this.finalize(stack, status);
      await this.ensureFinalizer(stack);
      const problems = validateStackSpec(
        stack.spec,
        this.deps.maxTimeoutMs !== undefined ? { maxTimeoutMs: this.deps.maxTimeoutMs } : {},
      );
      if (problems.length > 0) {
        await this.status.finish(stack, status, {
          state: "stalled",
          reason: "InvalidSpec",
          message: problems.join("; "),
        });
        return undefined;
      }
      const spec = stackSpecDefaults(stack.spec, namespace);
      const account = await enforceStackProject(
        this.deps.projects,
        stack,
        spec,
        this.deps.controllerNamespace ?? "mooring",
      );
      await this.answerUnlockRequest(stack, spec, account);
      if (spec.suspend) {
        await this.status.finish(stack, status, {
          state: "failed",
          reason: "Suspended",
          message: "spec.suspend is true",
        });
        return undefined;
      }
      const crossNamespace = crossNamespaceDependency(
        { kind: "Stack", namespace, name },
        spec.dependsOn.map((d) => ({ kind: "Stack", namespace: d.namespace, name: d.name })),
        this.deps.controllerNamespace ?? CONTROLLER_NAMESPACE,
      );
      if (crossNamespace) {
        await this.deps.events.record(stack, "Warning", "CrossNamespaceDependency", crossNamespace);
        await this.status.finish(stack, status, {
          state: "stalled",
          reason: "CrossNamespaceDependency",
          message: crossNamespace,
        });
        return undefined;
      }
      const waiting = await this.unreadyDependency(spec);
      if (waiting) {
        await this.status.finish(stack, status, {
          state: "progressing",
          reason: "DependencyNotReady",
          message: `waiting for Stack ${waiting} to be Ready`,
        });
        return { requeueAfterMs: 2000 };
      }
      return await this.step(stack, spec, account, status, key, Boolean(refresh), driftCheck ?? "");
    } catch (err) {
      // Stopped because this replica no longer leads: the new leader records the Stack's state.
      if (err instanceof TofuError && err.code === "interrupted") throw err;
      const { reason, stall } = classifyFailure(failureSource(err));
      const message =
        err instanceof TofuError && err.code === "state-locked" && err.lockId
          ? `${err.message}\nIf nobody runs tofu on this state any more, \`moor stack unlock ${name} ${err.lockId} -n ${namespace}\` releases the lock.`
          : err instanceof Error
            ? err.message
            : String(err);
      status.lastError = message;
      await this.deps.events.record(stack, "Warning", reason, message);
      const waitHint = stall ? "" : " (retrying)";
      await this.status.finish(stack, status, {
        state: stall ? "stalled" : "failed",
        reason,
        message: `${message}${waitHint}`,
      });
      if (refresh || driftCheck)
        await this.status.clearAnnotations(stack, [REFRESH_ANNOTATION, DRIFT_CHECK_ANNOTATION]);
      if (stall) return { requeueAfterMs: STALLED_REQUEUE_MS };
      throw err;
    }
  }

  /** The step decided by src/core/stack/step.ts: apply a pending plan, plan, or rest. */
  private async step(
    stack: Stack,
    spec: ResolvedStackSpec,
    account: StackServiceAccount,
    status: StackStatus,
    key: string,
    refresh: boolean,
    driftCheck: string,
  ): Promise<ProcessResult | undefined> {
    const { revision, confirm } = await this.resolveHead(stack, spec, status, refresh);
    // Signed commits: nothing is planned or applied from a commit the project refuses.
    await enforceStackSignature(this.deps.projects, this.deps.sources, stack, spec, revision, (details) =>
      this.deps.audit.record("commit-refused", stack, details),
    );
    const step = decideStep({
      status,
      generation: stack.metadata.generation,
      revision,
      refresh,
      driftCheck,
      driftIntervalMs: spec.driftDetection.intervalMs,
      nowMs: Date.now(),
    });
    if (step.step === "apply") {
      const pending = step.pending;
      const decision = decideApproval({
        stack: key,
        approvePlan: spec.approvePlan,
        driftMode: spec.driftDetection.mode,
        pending: { id: pending.id, purpose: pending.purpose, changes: true },
        cli: cliApproval(stack.metadata.annotations),
      });
      if (decision.decision === "apply") {
        this.deps.audit.record(
          "stack-approve",
          stack,
          {
            planId: pending.id,
            purpose: pending.purpose,
            revision,
            approvedBy: decision.approvedBy,
            how: decision.reason,
          },
          decision.reason === "Approved" ? this.deps.audit.actorFor(decision.approvedBy) : undefined,
        );
        await this.steps.apply(stack, spec, account, status, revision, pending.id, decision.approvedBy);
        await this.status.clearAnnotations(stack, [APPROVE_PLAN_ANNOTATION, APPROVED_BY_ANNOTATION]);
        // A failed apply goes through the queue's backoff before the next plan.
        if (status.lastApply?.planId === pending.id && status.lastApply.result === "failed") {
          throw new TofuError({
            code: "apply-failed",
            stackRef: key,
            command: "apply",
            message: status.lastApply.message,
          });
        }
        return { requeueAfterMs: 500 };
      }
      if (decision.decision === "wait" && decision.reason === "DriftReported") {
        // Report mode: the drift stays, whatever approvePlan says, until someone approves the id.
        await this.status.finish(stack, status, {
          state: "failed",
          reason: "Drifted",
          message: decision.message,
        });
        return { requeueAfterMs: nextDriftCheck(spec.driftDetection.intervalMs, status, Date.now()) };
      }
      if (decision.decision === "refuse") {
        await this.deps.events.record(stack, "Warning", decision.reason, decision.message);
        await this.status.clearAnnotations(stack, [APPROVE_PLAN_ANNOTATION, APPROVED_BY_ANNOTATION]);
        status.lastError = decision.message;
      }
      await this.status.finish(stack, status, {
        state: "progressing",
        reason: "AwaitingApproval",
        message: `plan ${pending.id} (${formatCounts(pending.summary)}) waits for approval: moor stack approve ${stack.metadata.name} ${pending.id}`,
      });
      return { requeueAfterMs: 30_000 };
    }
    if (step.step === "idle") {
      await this.status.finish(stack, status, restingStanding(status));
      return { requeueAfterMs: step.requeueAfterMs };
    }
    const moved = await this.steps.plan(stack, spec, account, status, revision, step.purpose, confirm);
    if (refresh || driftCheck)
      await this.status.clearAnnotations(stack, [REFRESH_ANNOTATION, DRIFT_CHECK_ANNOTATION]);
    return { requeueAfterMs: moved ? 0 : 200 };
  }

  /** The first Stack of dependsOn that is not Ready, as namespace/name; undefined when all are. */
  private async unreadyDependency(spec: ResolvedStackSpec): Promise<string | undefined> {
    for (const dep of spec.dependsOn) {
      const other = (await this.deps.client.get(
        "mooring.dev/v1alpha1",
        "Stack",
        dep.namespace,
        dep.name,
      )) as Stack | null;
      const ready = other?.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
      if (!ready) return `${dep.namespace}/${dep.name}`;
    }
    return undefined;
  }

  /** `moor stack unlock`: answered as the Stack's ServiceAccount, which holds the lock's Lease. */
  private async answerUnlockRequest(
    stack: Stack,
    spec: ResolvedStackSpec,
    account: StackServiceAccount,
  ): Promise<void> {
    if (!stack.metadata.annotations?.[UNLOCK_ANNOTATION]) return;
    const identity = await this.runs.identity(stack, spec, account);
    try {
      const answered = await this.locks.answerUnlockRequest(stack, identity.client).catch((err: unknown) => {
        throw forbiddenAs(
          err,
          `${stack.metadata.namespace}/${stack.metadata.name}`,
          account,
          "read and release the state lock's Lease",
        );
      });
      await this.status.clearAnnotations(stack, answered);
    } finally {
      identity.close();
    }
  }

  /**
   * The commit to work from. A refresh asks the remote for the branch head, which takes a
   * network round trip; while that look is under way the plan already runs at the commit the
   * last plan was made from, and `confirm` says whether it still is the head. When it is (the
   * usual case) the plan stands; when the branch moved, the plan is dropped unrecorded and made
   * again at the new head.
   */
  private async resolveHead(
    stack: Stack,
    spec: ResolvedStackSpec,
    status: StackStatus,
    refresh: boolean,
  ): Promise<{ revision: string; confirm?: Promise<string> }> {
    const { repoURL, targetRevision } = spec.source;
    const specChanged = status.observedGeneration !== stack.metadata.generation;
    const last = status.lastPlan?.revision;
    if (refresh && !specChanged && last) {
      const confirm = this.deps.sources.head(repoURL, targetRevision, true);
      confirm.catch(() => {}); // awaited by the plan; a failure surfaces there
      return { revision: last, confirm };
    }
    return { revision: await this.deps.sources.head(repoURL, targetRevision, refresh || specChanged) };
  }

  /**
   * Only a Stack that destroys its infrastructure on delete carries a finalizer; any other goes
   * away at once, keeping state and infrastructure (no stuck finalizers). Turning destroyOnDelete
   * off, even on a Stack being deleted, removes it.
   */
  private async ensureFinalizer(stack: Stack): Promise<void> {
    const has = stack.metadata.finalizers?.includes(DESTROY_FINALIZER) ?? false;
    const wants = stack.spec.destroyOnDelete === true;
    if (has === wants) return;
    const finalizers = wants
      ? [...(stack.metadata.finalizers ?? []), DESTROY_FINALIZER]
      : (stack.metadata.finalizers ?? []).filter((f) => f !== DESTROY_FINALIZER);
    await this.deps.client.mergePatch(stackRef(stack), { metadata: { finalizers } });
    stack.metadata.finalizers = finalizers;
  }

  /** Deleting with destroyOnDelete: a destroy plan, approved like any other unless auto, then apply. */
  private async finalize(stack: Stack, status: StackStatus): Promise<ProcessResult | undefined> {
    if (!stack.metadata.finalizers?.includes(DESTROY_FINALIZER)) return undefined;
    if (stack.spec.destroyOnDelete !== true) {
      await this.ensureFinalizer(stack);
      return undefined;
    }
    const key = `${stack.metadata.namespace}/${stack.metadata.name}`;
    const spec = stackSpecDefaults(stack.spec, stack.metadata.namespace);
    const account = await enforceStackProject(
      this.deps.projects,
      stack,
      spec,
      this.deps.controllerNamespace ?? "mooring",
    );
    const revision = await this.deps.sources.head(spec.source.repoURL, spec.source.targetRevision);
    const pending =
      status.lastPlan?.pending && status.lastPlan.purpose === "destroy" ? status.lastPlan : undefined;
    if (!pending) {
      await this.steps.plan(stack, spec, account, status, revision, "destroy");
      if (!status.lastPlan?.pending) {
        await this.removeFinalizer(stack);
        return undefined;
      }
      return { requeueAfterMs: 200 };
    }
    const decision = decideApproval({
      stack: key,
      approvePlan: spec.approvePlan,
      driftMode: spec.driftDetection.mode,
      pending: { id: pending.id, purpose: "destroy", changes: true },
      cli: cliApproval(stack.metadata.annotations),
    });
    if (decision.decision !== "apply") {
      await this.status.finish(stack, status, {
        state: "progressing",
        reason: "AwaitingApproval",
        message: `destroy plan ${pending.id} (${formatCounts(pending.summary)}) waits for approval: moor stack approve ${stack.metadata.name} ${pending.id}`,
      });
      return { requeueAfterMs: 5000 };
    }
    await this.steps.apply(stack, spec, account, status, pending.revision, pending.id, decision.approvedBy);
    if (status.lastApply?.planId === pending.id && status.lastApply.result === "succeeded") {
      await this.deps.events.record(stack, "Normal", "Destroyed", `destroyed with plan ${pending.id}`);
      await this.removeFinalizer(stack);
      return undefined;
    }
    return { requeueAfterMs: 10_000 };
  }

  private async removeFinalizer(stack: Stack): Promise<void> {
    await this.deps.client.mergePatch(stackRef(stack), {
      metadata: { finalizers: (stack.metadata.finalizers ?? []).filter((f) => f !== DESTROY_FINALIZER) },
    });
  }
}
