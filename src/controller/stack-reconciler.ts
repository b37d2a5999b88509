// Reconciling one Stack: Source → `tofu plan` → stored plan with a content-hashed id → approval →
// `tofu apply` of exactly that plan file → outputs Secret → Record. A plan is made when the
// commit, the spec or the variables change, on request (refresh), and as a drift check on an
// interval; its id is a hash of what it would do and the inputs it was made from, so approving an
// id approves that content and nothing else — an approval of an older plan is refused. Plans live
// in Secrets, state in the cluster's Kubernetes backend, so a restart loses nothing; tofu itself
// refuses to apply a saved plan once the state has moved on, so nothing is applied twice.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { REFRESH_ANNOTATION } from "../core/application.ts";
import { applyStanding, type Condition, removeCondition, setCondition } from "../core/conditions.ts";
import { jsonEqual } from "../core/json.ts";
import { mergePatchFrom } from "../core/merge-patch.ts";
import type { KubeObject } from "../core/objects.ts";
import { cliApproval, decideApproval } from "../core/stack/approval.ts";
import { lockCreated } from "../core/stack/diagnostics.ts";
import { resolveEnv } from "../core/stack/env.ts";
import { formatCounts, limitResources, summarisePlan } from "../core/stack/plan.ts";
import { planId } from "../core/stack/plan-id.ts";
import {
  APPROVE_PLAN_ANNOTATION,
  APPROVED_BY_ANNOTATION,
  DRIFT_CHECK_ANNOTATION,
  type PlanPurpose,
  type ResolvedStackSpec,
  SENSITIVE_OUTPUTS_ANNOTATION,
  STACK_LOG_KEY,
  type Stack,
  type StackStatus,
  stackLogConfigMapName,
  stackSpecDefaults,
  UNLOCK_ANNOTATION,
  UNLOCK_REQUESTED_BY_ANNOTATION,
  validateStackSpec,
} from "../core/stack/spec.ts";
import {
  decideUnlock,
  describeStateLock,
  heldStateLock,
  isStaleLock,
  releaseLockPatch,
  runUnderWay,
  type StateLock,
} from "../core/stack/state-lock.ts";
import { resolveVars, tfvarsJson, undeclaredVariables } from "../core/stack/vars.ts";
import { GitError } from "../git/errors.ts";
import type { KubeClient } from "../kube/client.ts";
import type { EventRecorder } from "../kube/events.ts";
import { sha256Hex } from "../terraform/hash.ts";
import { loadPlan, prunePlans, savePlan } from "../terraform/plan-store.ts";
import { TofuError, TofuRunner } from "../terraform/runner.ts";
import { readSavedPlan } from "../terraform/saved-plan.ts";
import { type ClusterAccess, stackLockLease } from "../terraform/state-backend.ts";
import type { Logger } from "../util/log.ts";
import { processesWorkingUnder } from "../util/processes.ts";
import type { SourceResolver } from "./app-source.ts";
import type { ProcessResult } from "./queue.ts";
import { RunFolders, type Workdir, WorkdirError } from "./stack-workdir.ts";

export const DESTROY_FINALIZER = "mooring.dev/stack-destroy";
const LOG_LIMIT = 256 * 1024;

export interface StackReconcilerDeps {
  client: KubeClient;
  sources: SourceResolver;
  events: EventRecorder;
  log: Logger;
  /** tofu CLI configuration naming the provider mirrors. */
  cliConfigFile: string;
  /** How tofu's Kubernetes backend reaches the cluster that keeps state (Mooring's own). */
  stateAccess: ClusterAccess;
  /** Parent folder for run folders. */
  workRoot: string;
  /**
   * Aborted when this replica stops leading or shuts down: every tofu run is interrupted, so
   * it releases the state lock before another replica, leading now, touches the state.
   */
  signal?: AbortSignal;
}

class StackStall extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

interface RunContext {
  stack: Stack;
  spec: ResolvedStackSpec;
  revision: string;
  vars: Record<string, unknown>;
  declaredCheck: { wholesale: string[]; sources: Record<string, string> };
  env: Record<string, string>;
  secrets: string[];
}

export class StackReconciler {
  private readonly deps: StackReconcilerDeps;
  /**
   * When this replica began leading: the reconciler is made at the start of each leadership
   * term. Only the leader runs tofu, so a state lock taken before this moment belongs to a run
   * of an earlier leader (or of this replica before a restart), never to a run of this term.
   */
  private readonly leadingSince = Date.now();

  /** Per Stack object read by a reconcile: whether its status showed a run under way then. */
  private readonly runUnderWayAtStart = new WeakMap<Stack, boolean>();
  /** Run folders, kept initialized between runs of a Stack at the same commit. */
  private readonly folders: RunFolders;

  constructor(deps: StackReconcilerDeps) {
    this.deps = deps;
    this.folders = new RunFolders(deps.workRoot, deps.stateAccess);
  }

  /**
   * Runs a tofu step, first releasing a state lock left by a run that died with an earlier
   * leader (the Lease says who took it and when), so a takeover does not sit out tofu's lock
   * timeout. Should the lock only show up as tofu's error (taken while we looked), the same rule
   * applies then, once. A lock taken during this term is a live run elsewhere, and a lock taken
   * while the Stack showed no run of Mooring's is someone's tofu by hand: both are left alone.
   */
  private async unlockingStale<T>(
    stack: Stack,
    runner: TofuRunner,
    dir: string,
    step: () => Promise<T>,
  ): Promise<T> {
    const held = await readStateLock(this.deps, stack);
    const runWasUnderWay = this.runUnderWayAtStart.get(stack) ?? false;
    if (
      held &&
      isStaleLock(held, this.leadingSince, runWasUnderWay) &&
      !tofuStillRunning(this.deps.workRoot, stack)
    ) {
      await releaseStaleLock(this.deps, stack, runner, dir, held, this.leadingSince);
    }
    try {
      return await step();
    } catch (err) {
      if (!(err instanceof TofuError) || err.code !== "state-locked" || !err.lockId) throw err;
      const lock = { id: err.lockId, who: "", operation: "", createdMs: lockCreated(err.diagnostics) };
      if (!isStaleLock(lock, this.leadingSince, runWasUnderWay)) throw err;
      // A run orphaned by a killed controller may still be finishing: never unlock under it.
      if (tofuStillRunning(this.deps.workRoot, stack)) throw err;
      await releaseStaleLock(this.deps, stack, runner, dir, lock, this.leadingSince);
      return step();
    }
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
    // Before this reconcile writes anything: did a run (perhaps of a dead leader) leave the
    // status saying it was under way? Only such a run's lock may be released as stale.
    this.runUnderWayAtStart.set(stack, runUnderWay(stack.status));
    await this.answerUnlockRequest(stack);
    const status: StackStatus = structuredClone(stack.status ?? {});
    if (stack.metadata.deletionTimestamp) return this.finalize(stack, status);
    await this.ensureFinalizer(stack);
    const generation = stack.metadata.generation;
    const problems = validateStackSpec(stack.spec);
    if (problems.length > 0) {
      await this.finish(stack, status, {
        state: "stalled",
        reason: "InvalidSpec",
        message: problems.join("; "),
      });
      return undefined;
    }
    const spec = stackSpecDefaults(stack.spec, namespace);
    if (spec.suspend) {
      await this.finish(stack, status, {
        state: "failed",
        reason: "Suspended",
        message: "spec.suspend is true",
      });
      return undefined;
    }
    for (const dep of spec.dependsOn) {
      const other = (await this.deps.client.get(
        "mooring.dev/v1alpha1",
        "Stack",
        dep.namespace,
        dep.name,
      )) as Stack | null;
      const ready = other?.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
      if (!ready) {
        await this.finish(stack, status, {
          state: "progressing",
          reason: "DependencyNotReady",
          message: `waiting for Stack ${dep.namespace}/${dep.name} to be Ready`,
        });
        return { requeueAfterMs: 2000 };
      }
    }

    const refresh = stack.metadata.annotations?.[REFRESH_ANNOTATION];
    const driftCheck = stack.metadata.annotations?.[DRIFT_CHECK_ANNOTATION];
    try {
      const { revision, confirm } = await this.resolveHead(stack, spec, status, Boolean(refresh));
      const pending = status.lastPlan?.pending ? status.lastPlan : undefined;
      const inputsChanged =
        !status.lastPlan || status.lastPlan.revision !== revision || status.observedGeneration !== generation;
      const lastCheck = Date.parse(status.drift?.checkedAt ?? status.lastApply?.appliedAt ?? "") || 0;
      const driftDue =
        Boolean(driftCheck && driftCheck > (status.drift?.checkedAt ?? "")) ||
        (spec.driftDetection.intervalMs > 0 && Date.now() - lastCheck >= spec.driftDetection.intervalMs);

      // 1. A pending plan whose inputs still hold: apply it if approved.
      if (pending && !inputsChanged && !refresh) {
        const decision = decideApproval({
          stack: key,
          approvePlan: spec.approvePlan,
          driftMode: spec.driftDetection.mode,
          pending: { id: pending.id, purpose: pending.purpose, changes: true },
          cli: cliApproval(stack.metadata.annotations),
        });
        if (decision.decision === "apply") {
          await this.apply(stack, spec, status, revision, pending.id, decision.approvedBy);
          await this.clearAnnotations(stack, [APPROVE_PLAN_ANNOTATION, APPROVED_BY_ANNOTATION]);
          // A failed apply goes through the queue's backoff before the next plan.
          if (status.lastApply?.planId === pending.id && status.lastApply.result === "failed") {
            throw new Error(status.lastApply.message);
          }
          return { requeueAfterMs: 500 };
        }
        if (decision.decision === "refuse") {
          await this.deps.events.record(stack, "Warning", decision.reason, decision.message);
          await this.clearAnnotations(stack, [APPROVE_PLAN_ANNOTATION, APPROVED_BY_ANNOTATION]);
          status.lastError = decision.message;
        }
        await this.finish(stack, status, {
          state: "progressing",
          reason: "AwaitingApproval",
          message: `plan ${pending.id} (${formatCounts(pending.summary)}) waits for approval: moor stack approve ${stack.metadata.name} ${pending.id}`,
        });
        return { requeueAfterMs: 30_000 };
      }

      // 2. Otherwise plan when something changed, on request, or when a drift check is due.
      // A failed apply is followed by a fresh plan (after the queue's backoff) showing what remains.
      const applyFailed =
        status.lastApply?.result === "failed" && status.lastApply.planId === status.lastPlan?.id;
      if (!inputsChanged && !refresh && !driftDue && !pending && !applyFailed) {
        await this.finish(stack, status, readyStanding(status));
        return { requeueAfterMs: nextDriftCheck(spec, status) };
      }
      const purpose: PlanPurpose = !inputsChanged && !refresh && driftDue ? "drift" : "apply";
      const moved = await this.plan(stack, spec, status, revision, purpose, confirm);
      if (refresh || driftCheck)
        await this.clearAnnotations(stack, [REFRESH_ANNOTATION, DRIFT_CHECK_ANNOTATION]);
      return { requeueAfterMs: moved ? 0 : 200 };
    } catch (err) {
      // Stopped because this replica no longer leads: the new leader records the Stack's state.
      if (err instanceof TofuError && err.code === "interrupted") throw err;
      const stall =
        err instanceof StackStall ||
        (err instanceof TofuError && err.code === "invalid-config") ||
        err instanceof WorkdirError ||
        (err instanceof GitError && err.code !== "unreachable" && err.code !== "timeout");
      const reason =
        err instanceof StackStall
          ? err.reason
          : err instanceof TofuError
            ? tofuReason(err.code)
            : "SourceFailed";
      const message =
        err instanceof TofuError && err.code === "state-locked" && err.lockId
          ? `${err.message}\nIf nobody runs tofu on this state any more, \`moor stack unlock ${stack.metadata.name} ${err.lockId} -n ${namespace}\` releases the lock.`
          : err instanceof Error
            ? err.message
            : String(err);
      status.lastError = message;
      await this.deps.events.record(stack, "Warning", reason, message);
      await this.finish(stack, status, { state: stall ? "stalled" : "failed", reason, message });
      if (refresh || driftCheck)
        await this.clearAnnotations(stack, [REFRESH_ANNOTATION, DRIFT_CHECK_ANNOTATION]);
      if (stall) return { requeueAfterMs: 60_000 };
      throw err;
    }
  }

  /**
   * `moor stack unlock NAME LOCK_ID`: someone who knows the lock's holder is gone asks for it to
   * be released. It is, while that very lock is held; either way an Event says what was done and
   * for whom, and the request is cleared.
   */
  private async answerUnlockRequest(stack: Stack): Promise<void> {
    const annotations = stack.metadata.annotations ?? {};
    const requested = annotations[UNLOCK_ANNOTATION];
    if (!requested) return;
    const { namespace, name } = stack.metadata;
    const leaseName = stackLockLease(stack).name;
    const lease = await this.deps.client.get("coordination.k8s.io/v1", "Lease", namespace, leaseName);
    const by = annotations[UNLOCK_REQUESTED_BY_ANNOTATION] || "someone";
    const decision = decideUnlock(`${namespace}/${name}`, requested, by, heldStateLock(lease));
    if (decision.release && lease) {
      const ref = {
        apiVersion: "coordination.k8s.io/v1",
        group: "coordination.k8s.io",
        kind: "Lease",
        namespace,
        name: leaseName,
      };
      await this.deps.client.mergePatch(ref, releaseLockPatch(lease));
    }
    this.deps.log.info(decision.message, { stack: `${namespace}/${name}`, requestedBy: by });
    await this.deps.events.record(
      stack,
      decision.release ? "Normal" : "Warning",
      decision.release ? "StateLockReleased" : "UnlockRefused",
      decision.message,
    );
    await this.clearAnnotations(stack, [UNLOCK_ANNOTATION, UNLOCK_REQUESTED_BY_ANNOTATION]);
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
    const revision = await this.deps.sources.head(spec.source.repoURL, spec.source.targetRevision);
    const pending =
      status.lastPlan?.pending && status.lastPlan.purpose === "destroy" ? status.lastPlan : undefined;
    if (!pending) {
      await this.plan(stack, spec, status, revision, "destroy");
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
      await this.finish(stack, status, {
        state: "progressing",
        reason: "AwaitingApproval",
        message: `destroy plan ${pending.id} (${formatCounts(pending.summary)}) waits for approval: moor stack approve ${stack.metadata.name} ${pending.id}`,
      });
      return { requeueAfterMs: 5000 };
    }
    await this.apply(stack, spec, status, pending.revision, pending.id, decision.approvedBy);
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

  /** Gathers variables and environment, prepares a run folder and starts a runner. */
  private async context(stack: Stack, spec: ResolvedStackSpec, revision: string): Promise<RunContext> {
    const data = new Map<string, Record<string, string>>();
    type Ref = ["ConfigMap" | "Secret", string];
    const wanted: Ref[] = spec.varsFrom.map((v): Ref => [v.kind, v.name]);
    for (const e of spec.envFrom) {
      if (e.secretRef) wanted.push(["Secret", e.secretRef.name]);
      else if (e.configMapRef) wanted.push(["ConfigMap", e.configMapRef.name]);
    }
    for (const e of spec.env) {
      if (e.valueFrom?.secretKeyRef) wanted.push(["Secret", e.valueFrom.secretKeyRef.name]);
      else if (e.valueFrom?.configMapKeyRef) wanted.push(["ConfigMap", e.valueFrom.configMapKeyRef.name]);
    }
    for (const [kind, name] of wanted) {
      const obj = await this.deps.client.get("v1", kind, stack.metadata.namespace, name);
      if (obj) data.set(`${kind}/${name}`, decodeData(obj, kind));
    }
    const lookup = (kind: string, name: string) => data.get(`${kind}/${name}`);
    const vars = resolveVars(spec, lookup);
    const env = resolveEnv(spec, lookup);
    const problems = [...vars.problems, ...env.problems];
    if (problems.length > 0) throw new StackStall("InvalidInputs", problems.join("; "));
    return {
      stack,
      spec,
      revision,
      vars: vars.values,
      declaredCheck: { wholesale: vars.wholesale, sources: vars.sources },
      env: env.env,
      secrets: [...vars.secretValues, ...Object.values(env.env)],
    };
  }

  /**
   * Inputs resolved and a run folder ready at the commit, initialized: what every plan and apply
   * starts from. `finish` hands the folder back, to be kept for the next run if all went well.
   */
  private async openRun(stack: Stack, spec: ResolvedStackSpec, revision: string, log: string[]) {
    const ctx = await this.context(stack, spec, revision);
    const fetched = await this.deps.sources.fetch(spec.source.repoURL, revision);
    const work: Workdir = await this.folders.open({
      stack: { namespace: stack.metadata.namespace, name: stack.metadata.name },
      // The environment can change what init does (credentials for module sources...).
      key: `${revision}\0${spec.source.path}\0${sha256Hex(JSON.stringify(Object.entries(ctx.env).sort()))}`,
      checkout: fetched.dir,
      path: spec.source.path,
      tfvars: tfvarsJson(ctx.vars),
    });
    const runner = this.runner(ctx, work.homeDir, log);
    let ok = false;
    const finish = () => this.folders.release(work, { ok });
    try {
      if (!work.initialized) await runner.init(work.moduleDir);
      ok = true;
    } catch (err) {
      await finish();
      throw err;
    }
    return {
      ctx,
      work,
      runner,
      /** Marks the run failed: its folder is thrown away at `finish`. */
      failed: () => {
        ok = false;
      },
      finish,
    };
  }

  /** Opens a run while the status says what it does: the write overlaps fetch, copy and init. */
  private async startRun(
    stack: Stack,
    spec: ResolvedStackSpec,
    status: StackStatus,
    revision: string,
    doing: string,
    log: string[],
  ) {
    const reconciling = this.setReconciling(stack, status, doing).then(
      () => undefined,
      (err: unknown) => err,
    );
    const opened = await this.openRun(stack, spec, revision, log).then(
      (run) => ({ run, err: undefined }),
      (err: unknown) => ({ run: undefined, err }),
    );
    // Never leave the status write running into the caller's own writes.
    const writeErr = await reconciling;
    if (!opened.run) throw opened.err;
    if (writeErr) {
      opened.run.failed();
      await opened.run.finish();
      throw writeErr;
    }
    return opened.run;
  }

  private runner(ctx: RunContext, homeDir: string, log: string[]): TofuRunner {
    return new TofuRunner({
      stack: `${ctx.stack.metadata.namespace}/${ctx.stack.metadata.name}`,
      cliConfigFile: this.deps.cliConfigFile,
      homeDir,
      env: ctx.env,
      secrets: ctx.secrets,
      timeoutMs: ctx.spec.timeoutMs,
      lockTimeout: "60s",
      workspace: ctx.spec.workspace,
      onOutput: (text) => log.push(text),
      signal: this.deps.signal,
    });
  }

  private async plan(
    stack: Stack,
    spec: ResolvedStackSpec,
    status: StackStatus,
    revision: string,
    purpose: PlanPurpose,
    confirm?: Promise<string>,
  ): Promise<"moved" | undefined> {
    const log: string[] = [];
    const { ctx, work, runner, failed, finish } = await this.startRun(
      stack,
      spec,
      status,
      revision,
      `planning ${revision.slice(0, 10)}`,
      log,
    );
    try {
      const planned = await this.unlockingStale(stack, runner, work.moduleDir, () =>
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
        { values: ctx.vars, ...ctx.declaredCheck } as Parameters<typeof undeclaredVariables>[0],
        summary.declaredVariables,
      );
      if (undeclared.errors.length > 0) {
        throw new StackStall("UndeclaredVariable", `${undeclared.errors.join("; ")}; nothing was applied`);
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
      // The plan is stored before the status names it, so whoever reads the id can load it.
      const storePlan = async () => {
        if (!summary.changes) return;
        await savePlan(
          this.deps.client,
          { namespace: stack.metadata.namespace, name: stack.metadata.name, uid: stack.metadata.uid ?? "" },
          { planId: id, planFile: await readFile(planned.planFile), text: planned.log },
        );
        await prunePlans(this.deps.client, stack.metadata, [id]);
        await this.deps.events.record(
          stack,
          "Normal",
          "PlanCreated",
          `plan ${id} for ${revision.slice(0, 10)}: ${formatCounts(summary.counts)}`,
        );
      };
      await Promise.all([storePlan(), this.saveLog(stack, log.join(""))]);
      status.observedGeneration = stack.metadata.generation;
      await this.finish(
        stack,
        status,
        summary.changes
          ? {
              state: "progressing",
              reason: "AwaitingApproval",
              message: `plan ${id} (${formatCounts(summary.counts)}) waits for approval`,
            }
          : readyStanding(status),
      );
    } catch (err) {
      failed();
      await this.saveLog(stack, log.join(""));
      throw err;
    } finally {
      await finish();
    }
  }

  private async apply(
    stack: Stack,
    spec: ResolvedStackSpec,
    status: StackStatus,
    revision: string,
    id: string,
    approvedBy: string,
  ): Promise<void> {
    const stored = await loadPlan(this.deps.client, stack.metadata, id);
    if (!stored)
      throw new StackStall(
        "PlanMissing",
        `plan ${id} is no longer stored; run \`moor stack plan ${stack.metadata.name} --refresh\``,
      );
    const log: string[] = [];
    const { work, runner, failed, finish } = await this.startRun(
      stack,
      spec,
      status,
      revision,
      `applying plan ${id} (approved by ${approvedBy})`,
      log,
    );
    try {
      const planFile = join(work.moduleDir, "approved.tfplan");
      await writeFile(planFile, stored.planFile, { mode: 0o600 });
      let result: "succeeded" | "failed" = "succeeded";
      let message = `applied plan ${id}`;
      try {
        await this.unlockingStale(stack, runner, work.moduleDir, () =>
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
          await this.saveLog(stack, log.join(""));
          await this.writeStatus(stack, status);
          return;
        }
        result = "failed";
      }
      status.lastApply = { planId: id, approvedBy, appliedAt: new Date().toISOString(), result, message };
      if (status.lastPlan?.id === id) status.lastPlan.pending = false;
      if (result === "succeeded") {
        const outputs = await runner.output(work.moduleDir);
        if (spec.writeOutputsToSecret) {
          await this.writeOutputs(stack, spec.writeOutputsToSecret, outputs);
          status.outputsSecret = spec.writeOutputsToSecret.name;
        }
        status.drift = { checkedAt: new Date().toISOString(), drifted: false, resources: [] };
        await this.deps.events.record(stack, "Normal", "Applied", `${message} (approved by ${approvedBy})`);
        await prunePlans(this.deps.client, stack.metadata, []);
      } else {
        status.lastError = message;
        await this.deps.events.record(stack, "Warning", "ApplyFailed", message);
      }
      await this.saveLog(stack, log.join(""));
      await this.finish(
        stack,
        status,
        result === "succeeded" ? readyStanding(status) : { state: "failed", reason: "ApplyFailed", message },
      );
    } catch (err) {
      failed();
      throw err;
    } finally {
      await finish();
    }
  }

  private async writeOutputs(
    stack: Stack,
    target: NonNullable<ResolvedStackSpec["writeOutputsToSecret"]>,
    outputs: Record<string, { value: unknown; sensitive: boolean }>,
  ): Promise<void> {
    const data: Record<string, string> = {};
    const sensitive: string[] = [];
    for (const [name, output] of Object.entries(outputs)) {
      if (target.outputs && !target.outputs.includes(name)) continue;
      const key = target.renames?.[name] ?? name;
      if (output.sensitive) sensitive.push(key);
      const text = typeof output.value === "string" ? output.value : JSON.stringify(output.value);
      data[key] = Buffer.from(text, "utf8").toString("base64");
    }
    await this.deps.client.apply({
      apiVersion: "v1",
      kind: "Secret",
      type: "Opaque",
      metadata: {
        name: target.name,
        namespace: stack.metadata.namespace,
        labels: { "mooring.dev/outputs-of": stack.metadata.name },
        // `moor stack outputs` hides these unless asked to show them.
        annotations: { [SENSITIVE_OUTPUTS_ANNOTATION]: sensitive.sort().join(",") },
        ownerReferences: [
          {
            apiVersion: "mooring.dev/v1alpha1",
            kind: "Stack",
            name: stack.metadata.name,
            uid: stack.metadata.uid ?? "",
          },
        ],
      },
      data,
    });
  }

  /** The last run's output, scrubbed by the runner, for `moor stack logs`. */
  private async saveLog(stack: Stack, text: string): Promise<void> {
    const trimmed = text.length > LOG_LIMIT ? `...(truncated)\n${text.slice(-LOG_LIMIT)}` : text;
    await this.deps.client
      .apply({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: stackLogConfigMapName(stack.metadata.name),
          namespace: stack.metadata.namespace,
          ownerReferences: [
            {
              apiVersion: "mooring.dev/v1alpha1",
              kind: "Stack",
              name: stack.metadata.name,
              uid: stack.metadata.uid ?? "",
            },
          ],
        },
        data: { [STACK_LOG_KEY]: trimmed },
      })
      .catch(() => {});
  }

  private async setReconciling(stack: Stack, status: StackStatus, message: string): Promise<void> {
    const next = structuredClone(status);
    next.conditions = setCondition(
      next.conditions ?? [],
      { type: "Reconciling", status: "True", reason: "Progressing", message },
      new Date().toISOString(),
      stack.metadata.generation,
    );
    await this.writeStatus(stack, next);
  }

  private async finish(
    stack: Stack,
    status: StackStatus,
    standing: Parameters<typeof applyStanding>[1],
  ): Promise<void> {
    const now = new Date().toISOString();
    let conditions: Condition[] = applyStanding(
      status.conditions ?? [],
      standing,
      now,
      stack.metadata.generation,
    );
    const pending = status.lastPlan?.pending;
    conditions = setCondition(
      conditions,
      pending
        ? {
            type: "PlanPending",
            status: "True",
            reason: "AwaitingApproval",
            message: `plan ${status.lastPlan?.id}: ${formatCounts(status.lastPlan?.summary ?? { add: 0, change: 0, destroy: 0, replace: 0, forget: 0, import: 0, read: 0 })}`,
          }
        : {
            type: "PlanPending",
            status: "False",
            reason: "NoPendingPlan",
            message: "no plan waits for approval",
          },
      now,
    );
    if (status.drift?.drifted) {
      conditions = setCondition(
        conditions,
        {
          type: "Drifted",
          status: "True",
          reason: "DriftDetected",
          message: `changed outside OpenTofu: ${status.drift.resources.map((r) => r.address).join(", ")}`,
        },
        now,
      );
    } else {
      conditions = removeCondition(conditions, "Drifted");
    }
    await this.writeStatus(stack, { ...status, conditions, observedGeneration: stack.metadata.generation });
  }

  private async writeStatus(stack: Stack, status: StackStatus): Promise<void> {
    const previous = stack.status ?? {};
    if (jsonEqual(JSON.parse(JSON.stringify(previous)), JSON.parse(JSON.stringify(status)))) return;
    const updated = await this.deps.client.mergePatch(
      stackRef(stack),
      { status: mergePatchFrom(previous, status) },
      "status",
    );
    stack.status = (updated as Stack).status ?? status;
  }

  private async clearAnnotations(stack: Stack, keys: string[]): Promise<void> {
    const annotations: Record<string, null> = {};
    for (const k of keys) if (stack.metadata.annotations?.[k] !== undefined) annotations[k] = null;
    if (Object.keys(annotations).length === 0) return;
    await this.deps.client.mergePatch(stackRef(stack), { metadata: { annotations } });
  }
}

/** True when a process on this machine still works in one of the Stack's run folders. */
function tofuStillRunning(workRoot: string, stack: Stack): boolean {
  const prefix = join(workRoot, `${stack.metadata.namespace}.${stack.metadata.name}-`);
  return processesWorkingUnder(workRoot).some((cwd) => cwd.startsWith(prefix));
}

function stackRef(stack: Stack) {
  return {
    group: "mooring.dev",
    kind: "Stack",
    namespace: stack.metadata.namespace,
    name: stack.metadata.name,
    apiVersion: stack.apiVersion,
  };
}

function readyStanding(status: StackStatus): Parameters<typeof applyStanding>[1] {
  if (status.drift?.drifted) {
    return {
      state: "failed",
      reason: "Drifted",
      message: "infrastructure drifted; approve the drift plan to put it back",
    };
  }
  const applied = status.lastApply;
  return {
    state: "ready",
    reason: "Applied",
    message: applied ? `applied plan ${applied.planId}; no changes pending` : "no changes pending",
  };
}

function nextDriftCheck(spec: ResolvedStackSpec, status: StackStatus): number {
  if (spec.driftDetection.intervalMs <= 0) return 600_000;
  const last = Date.parse(status.drift?.checkedAt ?? "") || Date.now();
  return Math.max(1000, last + spec.driftDetection.intervalMs - Date.now());
}

function tofuReason(code: string): string {
  switch (code) {
    case "invalid-config":
      return "InvalidConfiguration";
    case "state-locked":
      return "StateLocked";
    case "timeout":
      return "Timeout";
    case "interrupted":
      return "Interrupted";
    case "apply-failed":
      return "ApplyFailed";
    default:
      return "PlanFailed";
  }
}

function decodeData(obj: KubeObject, kind: string): Record<string, string> {
  const data = (obj as KubeObject & { data?: Record<string, string> }).data ?? {};
  if (kind !== "Secret") return data;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) out[k] = Buffer.from(v, "base64").toString("utf8");
  return out;
}

/**
 * The lock held on the Stack's state, read from the backend's Lease (in the Stack's namespace,
 * where the backend override puts the state). Undefined when unlocked — or unreadable: tofu then
 * meets the lock itself and the after-failure path decides.
 */
async function readStateLock(deps: StackReconcilerDeps, stack: Stack): Promise<StateLock | undefined> {
  const { namespace, name } = stack.metadata;
  const lease = stackLockLease(stack).name;
  try {
    return heldStateLock(await deps.client.get("coordination.k8s.io/v1", "Lease", namespace, lease));
  } catch (err) {
    deps.log.debug("could not read the state lock; tofu will report it if held", {
      stack: `${namespace}/${name}`,
      lease,
      error: String(err),
    });
    return undefined;
  }
}

/** Force-unlocks a lock known to be stale, saying so on the Stack first. */
async function releaseStaleLock(
  deps: StackReconcilerDeps,
  stack: Stack,
  runner: TofuRunner,
  dir: string,
  lock: StateLock,
  leadingSince: number,
): Promise<void> {
  const message =
    `released state ${describeStateLock(lock)} of stack ${stack.metadata.namespace}/${stack.metadata.name}: ` +
    `it was taken before this controller began leading at ${new Date(leadingSince).toISOString()} ` +
    "and no tofu run of this controller holds it, so the run that took it is gone";
  deps.log.warn("releasing a stale state lock", {
    stack: `${stack.metadata.namespace}/${stack.metadata.name}`,
    lock: lock.id,
    heldBy: lock.who,
    createdAt: lock.createdMs === undefined ? undefined : new Date(lock.createdMs).toISOString(),
  });
  await deps.events.record(stack, "Warning", "StaleLockReleased", message);
  await runner.forceUnlock(dir, lock.id);
}
