// Sync: carry out a plan (core/sync-plan.ts) against a cluster. Steps run strictly in order —
// PreSync hooks, then each wave's applies, hooks and prunes, then PostSync hooks — and a wave
// starts only once the previous wave's objects are healthy, which is what makes waves useful
// (a database before the app that migrates it). A CRD is waited for until Established before any
// custom resource of its kind is applied. Any failure stops the sync and runs SyncFail hooks.
import { setTimeout as sleep } from "node:timers/promises";
import type { ResourceOutcome, ResourceResult } from "../core/app-status.ts";
import type { Application } from "../core/application.ts";
import { assessHealth } from "../core/health/index.ts";
import { formatRef, type KubeObject, type ObjectRef, refKey, refOf } from "../core/objects.ts";
import {
  type AppSyncOptions,
  hookDeletePolicies,
  objectSyncOptions,
  planSync,
  type SyncPlan,
  type SyncStep,
} from "../core/sync-plan.ts";
import { KubeApiError, type KubeClient } from "../kube/client.ts";
import type { Comparison } from "./compare.ts";

export interface SyncRequest {
  client: KubeClient;
  app: Application;
  comparison: Comparison;
  options: AppSyncOptions;
  /** Delete what Git no longer declares. */
  prune: boolean;
  /** Give up (and fail the sync) at this time (ms since epoch). */
  deadline: number;
  /** Namespace to create first (CreateNamespace=true), if any. */
  createNamespace?: string;
  /** Told about each step as it starts, for progress and events. */
  onStep?: (step: SyncStep) => void;
}

export interface SyncOutcome {
  phase: "Succeeded" | "Failed";
  message: string;
  resources: ResourceOutcome[];
  /** What the API server answered to each apply, by refKey: the objects as they are now. */
  applied: Map<string, KubeObject>;
  /** The API server refused the identity the sync acts as (HTTP 403): retrying will not help. */
  forbidden?: boolean;
}

class SyncFailure extends Error {
  readonly forbidden: boolean;
  constructor(message: string, forbidden = false) {
    super(message);
    this.forbidden = forbidden;
  }
}

export function buildPlan(request: Pick<SyncRequest, "comparison" | "options" | "prune">): SyncPlan {
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

export async function runSync(request: SyncRequest, plan: SyncPlan): Promise<SyncOutcome> {
  const resources: ResourceOutcome[] = [];
  const applied = new Map<string, KubeObject>();
  const liveBefore = new Map<string, KubeObject>();
  for (const o of request.comparison.objects) if (o.live) liveBefore.set(refKey(o.ref), o.live);
  for (const s of plan.skipped)
    resources.push(outcome(s.ref, { phase: "Sync", wave: 0 }, "skipped", s.reason));

  try {
    if (request.createNamespace) await ensureNamespace(request.client, request.createNamespace);
    for (let i = 0; i < plan.steps.length; i++) {
      const step = plan.steps[i] as SyncStep;
      request.onStep?.(step);
      await runStep(request, step, liveBefore, resources, applied);
      const next = plan.steps[i + 1];
      // Waves are sequenced on health: the next wave waits for this one to be ready.
      if (next && step.action === "apply" && (next.wave !== step.wave || next.phase !== step.phase)) {
        await waitHealthy(request, step.objects);
      }
    }
    const changed = resources.filter((r) => r.result !== "unchanged" && r.result !== "skipped").length;
    return {
      phase: "Succeeded",
      message: `synced: ${changed} changed, ${resources.length} handled`,
      resources,
      applied,
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const forbidden =
      (err instanceof SyncFailure && err.forbidden) || (err instanceof KubeApiError && err.status === 403);
    for (const step of plan.onFail) {
      try {
        await runStep(request, step, liveBefore, resources, applied);
      } catch {
        // A failing SyncFail hook must not hide the original failure.
      }
    }
    return { phase: "Failed", message, resources, applied, ...(forbidden ? { forbidden } : {}) };
  }
}

async function runStep(
  request: SyncRequest,
  step: SyncStep,
  liveBefore: Map<string, KubeObject>,
  resources: ResourceOutcome[],
  applied: Map<string, KubeObject>,
): Promise<void> {
  for (const obj of step.objects) {
    const ref = refOf(obj);
    checkDeadline(request);
    try {
      if (step.action === "apply") {
        const { result, after } = await applyOne(request, obj, liveBefore.get(refKey(ref)) ?? null);
        applied.set(refKey(ref), after);
        resources.push(outcome(ref, step, result));
      } else if (step.action === "prune") {
        await pruneOne(request, obj);
        resources.push(outcome(ref, step, "deleted"));
      } else {
        const ok = await runHook(request, obj);
        resources.push(outcome(ref, step, ok ? "hook-succeeded" : "hook-failed"));
        if (!ok) throw new SyncFailure(`hook ${formatRef(ref)} failed`);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!(err instanceof SyncFailure)) resources.push(outcome(ref, step, "failed", message));
      throw err instanceof SyncFailure
        ? err
        : new SyncFailure(message, err instanceof KubeApiError && err.status === 403);
    }
  }
}

function checkDeadline(request: SyncRequest): void {
  if (Date.now() > request.deadline) {
    throw new SyncFailure(`sync timed out (spec.syncTimeout ${request.app.spec.syncTimeout ?? "5m"})`);
  }
}

async function applyOne(
  request: SyncRequest,
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
    after = await client.apply(obj);
  }
  if (obj.kind === "CustomResourceDefinition") await waitEstablished(request, obj);
  if (!before) return { result: "created", after };
  const result =
    after.metadata.resourceVersion === before.metadata.resourceVersion ? "unchanged" : "configured";
  return { result, after };
}

async function waitEstablished(request: SyncRequest, crd: KubeObject): Promise<void> {
  const name = crd.metadata.name ?? "";
  while (true) {
    checkDeadline(request);
    const live = await request.client.get(crd.apiVersion, crd.kind, "", name);
    const conditions = (live?.status as { conditions?: { type: string; status: string }[] } | undefined)
      ?.conditions;
    if (conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
    await sleep(100);
  }
  // The new kind is served now; let discovery see it.
  await request.client.discovery.refresh();
}

const POLICY = { foreground: "Foreground", background: "Background", orphan: "Orphan" } as const;

async function pruneOne(request: SyncRequest, obj: KubeObject): Promise<void> {
  await request.client.delete(
    { ...refOf(obj), apiVersion: obj.apiVersion },
    { propagationPolicy: POLICY[request.options.prunePropagationPolicy] },
  );
}

async function ensureNamespace(client: KubeClient, name: string): Promise<void> {
  const existing = await client.get("v1", "Namespace", "", name);
  if (existing) return;
  await client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
}

/** Runs a hook (usually a Job) to completion; returns whether it succeeded. */
async function runHook(request: SyncRequest, hook: KubeObject): Promise<boolean> {
  const { client } = request;
  const policies = hookDeletePolicies(hook);
  const deletePolicies = policies.ok ? policies.value : ["BeforeHookCreation"];
  const ref = refOf(hook);
  const target = { ...ref, apiVersion: hook.apiVersion };
  let created: KubeObject;
  if (hook.metadata.name) {
    if (deletePolicies.includes("BeforeHookCreation")) {
      await client.delete(target, { propagationPolicy: "Background" });
      await waitGone(request, hook);
    }
    created = await client.apply(hook);
  } else {
    created = await client.create(hook);
  }
  const createdRef = { ...refOf(created), apiVersion: created.apiVersion };
  let succeeded = false;
  while (true) {
    checkDeadline(request);
    const live = await client.get(created.apiVersion, created.kind, createdRef.namespace, createdRef.name);
    const health = assessHealth(live, request.app.spec.healthChecks ?? []);
    if (health.status === "Healthy") {
      succeeded = true;
      break;
    }
    if (health.status === "Degraded" || health.status === "Missing") break;
    await sleep(150);
  }
  if (
    (succeeded && deletePolicies.includes("HookSucceeded")) ||
    (!succeeded && deletePolicies.includes("HookFailed"))
  ) {
    await client.delete(createdRef, { propagationPolicy: "Background" });
  }
  return succeeded;
}

async function waitGone(request: SyncRequest, obj: KubeObject): Promise<void> {
  const { namespace = "", name = "" } = obj.metadata;
  while (await request.client.get(obj.apiVersion, obj.kind, namespace, name)) {
    checkDeadline(request);
    await sleep(100);
  }
}

/** Waits until every object of a wave is Healthy (or Suspended); Degraded fails the sync. */
async function waitHealthy(request: SyncRequest, objects: readonly KubeObject[]): Promise<void> {
  const checks = request.app.spec.healthChecks ?? [];
  let pending = [...objects];
  while (pending.length > 0) {
    checkDeadline(request);
    const still: KubeObject[] = [];
    for (const obj of pending) {
      const { namespace = "", name = "" } = obj.metadata;
      const live = await request.client.get(obj.apiVersion, obj.kind, namespace, name);
      const health = assessHealth(live, checks);
      if (health.status === "Degraded") {
        throw new SyncFailure(`${formatRef(refOf(obj))} is Degraded: ${health.message ?? "no detail"}`);
      }
      if (health.status !== "Healthy" && health.status !== "Suspended") still.push(obj);
    }
    pending = still;
    if (pending.length > 0) await sleep(200);
  }
}
