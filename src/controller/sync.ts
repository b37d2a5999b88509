// Sync: carry out a plan (core/sync-plan.ts) against a cluster, as an operation that resumes.
// Steps run strictly in order — PreSync hooks, then each wave's applies, hooks and prunes, then
// PostSync hooks — and a wave starts only once the previous wave's objects are healthy, which is
// what makes waves useful (a database before the app that migrates it). A CRD is established
// before any custom resource of its kind is applied. Any failure stops the sync and runs SyncFail
// hooks.
//
// Nothing here sleeps: `advanceOperation` does what can be done now (core/sync-operation.ts says
// what), and as soon as the operation must wait — for a hook Job, a wave's health, a CRD — it
// records what it waits for and returns, freeing the worker. The watch on hook and wave objects
// brings the app back. Hooks carry the finalizer `mooring.dev/hook` until their outcome is in the
// operation state, so a Job removed by its TTL, or deleted by hand after it finished, is still
// known to have succeeded.
import { createHash } from "node:crypto";
import type { HookState, OperationState, ResourceOutcome, ResourceResult } from "../core/app-status.ts";
import type { Application } from "../core/application.ts";
import { assessHealth } from "../core/health/index.ts";
import { createdByMark } from "../core/namespace-lifecycle.ts";
import { formatRef, type KubeObject, type ObjectRef, refKey, refOf } from "../core/objects.ts";
import {
  atStep,
  completeStep,
  currentStep,
  type Decision,
  decideNext,
  failing,
  finishOperation,
  HOOK_FINALIZER,
  hookRef,
  hooksWaitMessage,
  hookTemplate,
  type Observation,
  type ObservedHook,
  recordHooks,
  recordResources,
  releaseHooks,
  type StepAt,
  terminating,
  updateHooks,
  waiting,
} from "../core/sync-operation.ts";
import {
  type AppSyncOptions,
  hookDeletePolicies,
  objectSyncOptions,
  planSync,
  type SyncPlan,
  type SyncStep,
} from "../core/sync-plan.ts";
import { KubeApiError, type KubeClient } from "../kube/client.ts";
import { applyObject, type Comparison, MANAGED_LABEL } from "./compare.ts";

/** operationState.reason of a sync stopped by `moor app terminate-op`: it is not retried. */
export const TERMINATED_REASON = "Terminated";

/** On every hook Mooring creates: the Application it belongs to (`namespace/name`), for the watch. */
export const HOOK_OF_ANNOTATION = "mooring.dev/hook-of";
/**
 * On every hook Mooring creates: which run of which hook it is (a hash of the app, operation,
 * phase, wave and rendered hook), so a hook created just before a restart is found again even
 * when the server chose its name (generateName).
 */
export const HOOK_RUN_LABEL = "mooring.dev/hook-run";
/** On every hook Mooring creates: the operation (its startedAt), phase and wave that created it. */
export const HOOK_OPERATION_ANNOTATION = "mooring.dev/hook-operation";

export interface OperationRequest {
  client: KubeClient;
  app: Application;
  comparison: Comparison;
  options: AppSyncOptions;
  /** Give up (and fail the sync) at this time (ms since epoch). */
  deadline: number;
  /** Namespace to create first (CreateNamespace=true), if any. */
  createNamespace?: string;
  /** Stop the operation now with this message (terminate-op, or the app can no longer sync). */
  stop?: { message: string };
  /** Writes the operation state to status: before the first apply, after creating hooks, on waiting. */
  persist: (state: OperationState) => Promise<void>;
  now?: () => Date;
}

export interface Advanced {
  /** Still Running (it waits: look again later), or finished. */
  state: OperationState;
  /** What the API server answered to each apply made in this call, by refKey. */
  applied: Map<string, KubeObject>;
}

export function buildPlan(request: {
  comparison: Comparison;
  options: AppSyncOptions;
  prune: boolean;
}): SyncPlan {
  const { comparison, options } = request;
  return planSync({
    desired: comparison.objects.filter((o) => !o.error).map((o) => o.desired),
    live: [...comparison.objects.flatMap((o) => (o.live ? [o.live] : [])), ...comparison.pruneCandidates],
    diffs: comparison.diffs,
    options: {
      prune: request.prune,
      pruneLast: options.pruneLast,
      applyOutOfSyncOnly: options.applyOutOfSyncOnly,
    },
  });
}

function outcome(
  ref: ObjectRef,
  step: Pick<SyncStep, "phase" | "wave">,
  result: ResourceResult,
  message?: string,
): ResourceOutcome {
  return {
    group: ref.group,
    kind: ref.kind,
    namespace: ref.namespace,
    name: ref.name,
    result,
    phase: step.phase,
    wave: step.wave,
    ...(message ? { message } : {}),
  };
}

/** The state of a new operation once the plan's skipped objects are recorded. */
export function withSkipped(state: OperationState, plan: SyncPlan): OperationState {
  return recordResources(
    state,
    plan.skipped.map((s) => outcome(s.ref, { phase: "Sync", wave: 0 }, "skipped", s.reason)),
  );
}

// Enough for any plan; a guard against a decision that would not change the state.
const MAX_ACTIONS = 2000;

/**
 * Moves the operation on as far as it goes without waiting, then returns it: Running with
 * `waitingFor` set, or finished. Only single API round trips happen here.
 */
export async function advanceOperation(
  request: OperationRequest,
  plan: SyncPlan,
  start: OperationState,
): Promise<Advanced> {
  const now = request.now ?? (() => new Date());
  const applied = new Map<string, KubeObject>();
  const liveBefore = new Map<string, KubeObject>();
  for (const o of request.comparison.objects) if (o.live) liveBefore.set(refKey(o.ref), o.live);
  let state = start;
  let namespaceReady = !request.createNamespace;
  // CRDs whose kinds discovery has been refreshed for in this call.
  const discovery = new Set<string>();
  for (let n = 0; n < MAX_ACTIONS; n++) {
    const liveHooks = new Map<string, KubeObject>();
    const observed = await observe(request, plan, state, liveHooks, discovery);
    const decision: Decision = decideNext({
      plan,
      state,
      observed,
      now: now().getTime(),
      deadline: request.deadline,
      timeout: request.app.spec.syncTimeout ?? "5m",
    });
    switch (decision.type) {
      case "apply":
      case "prune":
      case "create-hooks": {
        state = atStep(state, decision.at);
        if (!namespaceReady && request.createNamespace) {
          await ensureNamespace(request.client, request.createNamespace, request.app);
          namespaceReady = true;
        }
        if (decision.type === "create-hooks") {
          const created = await createHooks(request, decision.at, decision.hooks, state);
          // Stored at once (a restart must know them), saying already what the step waits for.
          const { phase, wave } = decision.at.step;
          const running = (created.state.hooks ?? []).filter(
            (h) => h.phase === phase && h.wave === wave && h.state === "Running",
          );
          const message =
            created.waitingFor ??
            (running.length > 0 && !created.state.failure ? hooksWaitMessage(phase, running) : null);
          state = message ? waiting(created.state, message, now().toISOString()) : created.state;
          await request.persist(state);
          if (created.waitingFor) return { state, applied };
        } else {
          state = await runObjects(request, decision, state, liveBefore, applied);
        }
        break;
      }
      case "record-hooks":
        state = updateHooks(state, decision.updates);
        // The outcome is stored before any finalizer comes off: a restart cannot lose it.
        await request.persist(state);
        break;
      case "release-hooks":
        for (const hook of decision.hooks)
          await releaseHook(request.client, hook, liveHooks.get(hook.uid), false);
        state = releaseHooks(state, new Set(decision.hooks.map((h) => h.uid)));
        break;
      case "complete-step":
        state = completeStep(atStep(state, decision.at), decision.at);
        break;
      case "wait":
        state = waiting(atStep(state, decision.at), decision.message, now().toISOString());
        await request.persist(state);
        return { state, applied };
      case "fail":
        state = failing(state, decision.message);
        break;
      case "terminate":
        if (state.phase !== "Terminating") {
          state = terminating(state, decision.message);
          await request.persist(state);
        }
        state = await releaseAll(request.client, state, liveHooks, "deleted: the operation was terminated");
        state = finishOperation(state, "Failed", decision.message, now().toISOString());
        return { state, applied };
      case "finish":
        state = await releaseAll(request.client, state, liveHooks, "deleted: the operation ended");
        state = finishOperation(state, decision.phase, decision.message, now().toISOString());
        return { state, applied };
    }
  }
  state = waiting(state, "still working: more steps than one pass allows", now().toISOString());
  await request.persist(state);
  return { state, applied };
}

/** Reads what the next decision depends on: the unreleased hooks, and the current apply step's objects. */
async function observe(
  request: OperationRequest,
  plan: SyncPlan,
  state: OperationState,
  liveHooks: Map<string, KubeObject>,
  discovered: Set<string>,
): Promise<Observation> {
  const { client } = request;
  const checks = request.app.spec.healthChecks ?? [];
  const hooks = new Map<string, ObservedHook>();
  for (const h of state.hooks ?? []) {
    if (h.released) continue;
    const live = await client.get(h.apiVersion, h.kind, h.namespace, h.name);
    // Another object under the same name is not the hook this operation started.
    if (!live || live.metadata.uid !== h.uid) continue;
    liveHooks.set(h.uid, live);
    const health = assessHealth(live, checks);
    hooks.set(h.uid, {
      health: health.status,
      ...(health.message ? { message: health.message } : {}),
      deleting: Boolean(live.metadata.deletionTimestamp),
    });
  }
  const established = new Map<string, boolean>();
  const health = new Map<string, { status: ReturnType<typeof assessHealth>["status"]; message?: string }>();
  const at = state.phase === "Running" ? currentStep(plan, state) : null;
  if (at?.step.action === "apply") {
    const handled = new Set(
      state.resources
        .filter((r) => r.phase === at.step.phase && r.wave === at.step.wave)
        .map((r) => refKey(r)),
    );
    const done = at.step.objects.filter((o) => handled.has(refKey(refOf(o))));
    for (const crd of done.filter((o) => o.kind === "CustomResourceDefinition")) {
      if (discovered.has(crd.metadata.name ?? "")) {
        established.set(crd.metadata.name ?? "", true);
        continue;
      }
      const live = await client.get(crd.apiVersion, crd.kind, "", crd.metadata.name ?? "");
      const conditions = (live?.status as { conditions?: { type: string; status: string }[] } | undefined)
        ?.conditions;
      const ok = Boolean(conditions?.some((c) => c.type === "Established" && c.status === "True"));
      established.set(crd.metadata.name ?? "", ok);
      // The new kind is served now; let discovery see it.
      if (ok) {
        await client.discovery.refresh();
        discovered.add(crd.metadata.name ?? "");
      }
    }
    if (done.length === at.step.objects.length) {
      for (const obj of at.step.objects) {
        const { namespace = "", name = "" } = obj.metadata;
        const live = await client.get(obj.apiVersion, obj.kind, namespace, name);
        const result = assessHealth(live, checks);
        health.set(refKey(refOf(obj)), {
          status: result.status,
          ...(result.message ? { message: result.message } : {}),
        });
      }
    }
  }
  return { hooks, health, established, ...(request.stop ? { stop: request.stop } : {}) };
}

async function runObjects(
  request: OperationRequest,
  decision: Extract<Decision, { type: "apply" | "prune" }>,
  start: OperationState,
  liveBefore: Map<string, KubeObject>,
  applied: Map<string, KubeObject>,
): Promise<OperationState> {
  let state = start;
  const { step } = decision.at;
  for (const obj of decision.objects) {
    const ref = refOf(obj);
    try {
      if (decision.type === "apply") {
        const { result, after } = await applyOne(request, obj, liveBefore.get(refKey(ref)) ?? null);
        applied.set(refKey(ref), after);
        state = recordResources(state, [outcome(ref, step, result)]);
      } else {
        await pruneOne(request, obj);
        state = recordResources(state, [outcome(ref, step, "deleted")]);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      state = recordResources(state, [outcome(ref, step, "failed", message)]);
      return failing(state, message, err instanceof KubeApiError && err.status === 403);
    }
  }
  return state;
}

async function applyOne(
  request: OperationRequest,
  obj: KubeObject,
  before: KubeObject | null,
): Promise<{ result: ResourceResult; after: KubeObject }> {
  const { client } = request;
  const own = objectSyncOptions(obj);
  const replace = (own.ok && own.value.replace) ?? request.options.replace;
  let after: KubeObject;
  if (replace && before) {
    after = await client.replace({
      ...obj,
      metadata: { ...obj.metadata, resourceVersion: before.metadata.resourceVersion },
    });
  } else {
    after = await applyObject(client, obj, request.options);
  }
  if (!before) return { result: "created", after };
  const result =
    after.metadata.resourceVersion === before.metadata.resourceVersion ? "unchanged" : "configured";
  return { result, after };
}

const POLICY = { foreground: "Foreground", background: "Background", orphan: "Orphan" } as const;

async function pruneOne(request: OperationRequest, obj: KubeObject): Promise<void> {
  await request.client.delete(
    { ...refOf(obj), apiVersion: obj.apiVersion },
    { propagationPolicy: POLICY[request.options.prunePropagationPolicy] },
  );
}

/**
 * CreateNamespace: creates the destination namespace when it is missing, marked with the app that
 * created it (core/namespace-lifecycle.ts). A create, not an apply: one that appeared meanwhile
 * (409) existed without Mooring and is neither changed nor marked.
 */
async function ensureNamespace(client: KubeClient, name: string, app: Application): Promise<void> {
  const existing = await client.get("v1", "Namespace", "", name);
  if (existing) return;
  const annotations = createdByMark({
    namespace: app.metadata.namespace ?? "",
    name: app.metadata.name ?? "",
    uid: app.metadata.uid ?? "",
  });
  try {
    await client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name, annotations } });
  } catch (err) {
    if (!(err instanceof KubeApiError && err.status === 409)) throw err;
  }
}

/** The hook as Mooring creates it: its finalizer, the watch's label, and whose operation it is. */
function markedHook(hook: KubeObject, app: Application, operation: string, run: string): KubeObject {
  return {
    ...hook,
    metadata: {
      ...hook.metadata,
      labels: { ...hook.metadata.labels, [MANAGED_LABEL]: "true", [HOOK_RUN_LABEL]: run },
      annotations: {
        ...hook.metadata.annotations,
        [HOOK_OF_ANNOTATION]: `${app.metadata.namespace}/${app.metadata.name}`,
        [HOOK_OPERATION_ANNOTATION]: operation,
      },
      finalizers: [...(hook.metadata.finalizers ?? []).filter((f) => f !== HOOK_FINALIZER), HOOK_FINALIZER],
    },
  };
}

/**
 * Creates every hook of a step (they run together). A named hook left by an earlier sync is
 * deleted first under BeforeHookCreation; until it is gone the step waits for it. A named hook
 * this same operation created before a restart is adopted, not created again.
 */
async function createHooks(
  request: OperationRequest,
  at: StepAt,
  hooks: KubeObject[],
  start: OperationState,
): Promise<{ state: OperationState; waitingFor?: string }> {
  const { client, app } = request;
  let state = start;
  const gone: string[] = [];
  const records: HookState[] = [];
  for (const hook of hooks) {
    const policies = hookDeletePolicies(hook);
    const deletePolicies = policies.ok ? policies.value : ["BeforeHookCreation"];
    const marker = `${start.startedAt}/${at.step.phase}/${at.step.wave}`;
    const appKey = `${app.metadata.namespace}/${app.metadata.name}`;
    const run = createHash("sha256")
      .update(`${appKey}|${marker}|${hookTemplate(hook)}`)
      .digest("hex")
      .slice(0, 40);
    const body = markedHook(hook, app, marker, run);
    let created: KubeObject | null = null;
    try {
      if (hook.metadata.name) {
        const { namespace = "", name } = hook.metadata;
        const existing = await client.get(hook.apiVersion, hook.kind, namespace, name);
        const ours = existing?.metadata.annotations?.[HOOK_OPERATION_ANNOTATION] === marker;
        if (existing && ours) created = existing;
        else if (existing && deletePolicies.includes("BeforeHookCreation")) {
          await releaseObject(client, existing, !existing.metadata.deletionTimestamp);
          gone.push(formatRef(refOf(existing)));
          continue;
        } else created = await client.apply(body);
      } else {
        // Created by this very run before a restart cut it short: the same hook, not a new one.
        // (An identity that may create hooks but not list them just creates.)
        const { items } = await client
          .list(hook.apiVersion, hook.kind, {
            namespace: hook.metadata.namespace ?? "",
            labelSelector: `${HOOK_RUN_LABEL}=${run}`,
          })
          .catch((err: unknown) => {
            if (err instanceof KubeApiError && err.status === 403) return { items: [] };
            throw err;
          });
        created = items[0] ?? (await client.create(body));
      }
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 409) {
        gone.push(formatRef(refOf(hook)));
        continue;
      }
      const message = err instanceof Error ? err.message : String(err);
      state = recordHooks(state, records);
      state = recordResources(state, [outcome(refOf(hook), at.step, "hook-failed", message)]);
      const forbidden = err instanceof KubeApiError && err.status === 403;
      return {
        state: failing(state, `${at.step.phase} hook ${formatRef(refOf(hook))}: ${message}`, forbidden),
      };
    }
    records.push({
      apiVersion: created.apiVersion,
      kind: created.kind,
      namespace: created.metadata.namespace ?? "",
      name: created.metadata.name ?? "",
      uid: created.metadata.uid ?? "",
      phase: at.step.phase,
      wave: at.step.wave,
      template: hookTemplate(hook),
      state: "Running",
    });
  }
  state = recordHooks(state, records);
  if (gone.length > 0) {
    return {
      state,
      waitingFor: `waiting for the previous ${gone.join(", ")} to be deleted before the ${at.step.phase} hook runs again (BeforeHookCreation)`,
    };
  }
  return { state };
}

/**
 * Takes Mooring's finalizer off an object and, when asked, deletes it. The finalizer list is
 * written with the resourceVersion it was read at, so no one else's finalizer is lost; a conflict
 * (the Job's controller updated it meanwhile) reads it again.
 */
async function releaseObject(client: KubeClient, start: KubeObject, remove: boolean): Promise<void> {
  const ref = { ...refOf(start), apiVersion: start.apiVersion };
  let live: KubeObject | null = start;
  for (let attempt = 0; live?.metadata.finalizers?.includes(HOOK_FINALIZER); attempt++) {
    try {
      await client.mergePatch(ref, {
        metadata: {
          finalizers: (live.metadata.finalizers ?? []).filter((f) => f !== HOOK_FINALIZER),
          resourceVersion: live.metadata.resourceVersion,
        },
      });
      break;
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return;
      if (!(err instanceof KubeApiError && err.status === 409) || attempt >= 4) throw err;
      live = await client.get(start.apiVersion, start.kind, ref.namespace, ref.name);
      if (live && live.metadata.uid !== start.metadata.uid) return;
    }
  }
  if (remove && live) await client.delete(ref, { propagationPolicy: "Background" });
}

/** A hook whose outcome is recorded: off comes the finalizer, and the delete policy applies. */
async function releaseHook(
  client: KubeClient,
  hook: HookState,
  live: KubeObject | undefined,
  deleteAnyway: boolean,
): Promise<void> {
  if (!live) return;
  const policies = hookDeletePolicies(live);
  const deletePolicies = policies.ok ? policies.value : [];
  const remove =
    deleteAnyway ||
    (hook.state === "Succeeded" && deletePolicies.includes("HookSucceeded")) ||
    (hook.state === "Failed" && deletePolicies.includes("HookFailed"));
  await releaseObject(client, live, remove && !live.metadata.deletionTimestamp);
}

/**
 * At the end of an operation no hook keeps Mooring's finalizer: finished ones are released as
 * usual, running ones (a terminate, a timeout) are deleted, as Argo CD's terminate does.
 */
async function releaseAll(
  client: KubeClient,
  start: OperationState,
  liveHooks: Map<string, KubeObject>,
  runningMessage: string,
): Promise<OperationState> {
  let state = start;
  const running = (state.hooks ?? []).filter((h) => h.state === "Running");
  if (running.length > 0) {
    state = updateHooks(
      state,
      running.map((h) => ({
        uid: h.uid,
        state: "Failed" as const,
        message: `${formatRef(hookRef(h))} ${runningMessage}`,
      })),
    );
  }
  const wasRunning = new Set(running.map((h) => h.uid));
  const open = (state.hooks ?? []).filter((h) => !h.released);
  for (const hook of open) {
    const live =
      liveHooks.get(hook.uid) ?? (await client.get(hook.apiVersion, hook.kind, hook.namespace, hook.name));
    if (!live || live.metadata.uid !== hook.uid) continue;
    await releaseHook(client, hook, live, wasRunning.has(hook.uid));
  }
  return releaseHooks(state, new Set(open.map((h) => h.uid)));
}

/** Stops an operation: running hooks deleted, finished ones released; it ends Failed with the message. */
export async function terminateOperation(
  client: KubeClient,
  state: OperationState,
  message: string,
  now: string,
): Promise<OperationState> {
  const released = await releaseAll(client, state, new Map(), "deleted: the operation was terminated");
  return { ...finishOperation(released, "Failed", message, now), reason: TERMINATED_REASON };
}

/** When an Application goes away mid-operation: its hooks lose Mooring's finalizer and running ones go. */
export async function releaseOperationHooks(
  client: KubeClient,
  state: OperationState | undefined,
): Promise<void> {
  if (!state?.hooks?.some((h) => !h.released)) return;
  await releaseAll(client, state, new Map(), "deleted: the Application was deleted");
}
