// Sync operations: a sync is carried out step by step across many reconciles, never in one call
// that sleeps. Argo CD keeps a running sync in the Application's operation state and moves it on
// each time it looks again; Mooring does the same. Each look runs `decideNext` on three things —
// the plan (recomputed from the pinned revision each time), the persisted operation state and what
// the cluster shows now — and gets one thing to do: apply, prune or create the hooks of a step,
// record hooks that finished, release them, move to the next step, wait (saying for what), or end
// the operation. The controller does it, records it in the state with the helpers below, and asks
// again, until the answer is to wait; then it yields its worker and comes back on a watch event.
//
// Steps are named by (phase, wave, action), not by position: the plan recomputed after a restart
// (or after objects were applied or pruned and dropped out of it) still finds where the operation
// stood, and every step up to the last completed one is never run again. Objects already recorded
// as handled are not applied again, and hooks are found again by the uid recorded when they were
// created, so a restart never runs a finished hook a second time.
import type { HookState, OperationState, OperationStep, ResourceOutcome, StepId } from "./app-status.ts";
import type { HealthStatus } from "./health/status.ts";
import { formatRef, groupOf, type KubeObject, type ObjectRef, refKey, refOf } from "./objects.ts";
import { compareSteps, type SyncPlan, type SyncStep } from "./sync-plan.ts";

export { compareSteps };

/** The finalizer each hook carries until its outcome is recorded in the operation state. */
export const HOOK_FINALIZER = "mooring.dev/hook";

/** A hook's live object as read now; absent from the observation when it is gone. */
export interface ObservedHook {
  health: HealthStatus;
  message?: string;
  /** Someone deleted it (it stays only because of the finalizer). */
  deleting: boolean;
}

export interface Observation {
  /** Live hooks by the uid recorded in the state; a recorded hook missing here is gone. */
  hooks: ReadonlyMap<string, ObservedHook>;
  /** Health of the current apply step's objects, by refKey (read once all of them are applied). */
  health: ReadonlyMap<string, { status: HealthStatus; message?: string }>;
  /** CustomResourceDefinitions of the current step already applied: established or not, by name. */
  established: ReadonlyMap<string, boolean>;
  /** Someone asked to stop the operation (terminate-op, or the app can no longer be synced). */
  stop?: { message: string };
}

export interface DecideInput {
  plan: SyncPlan;
  state: OperationState;
  observed: Observation;
  /** Now and the deadline, in ms since the epoch. */
  now: number;
  deadline: number;
  /** The configured timeout, for the message ("5m"). */
  timeout: string;
}

export interface StepAt {
  step: SyncStep;
  /** 1-based place in the phase list of steps (the sync steps, or the SyncFail ones). */
  index: number;
  of: number;
}

export type Decision =
  | { type: "apply"; at: StepAt; objects: KubeObject[] }
  | { type: "prune"; at: StepAt; objects: KubeObject[] }
  | { type: "create-hooks"; at: StepAt; hooks: KubeObject[] }
  | { type: "record-hooks"; updates: HookUpdate[] }
  | { type: "release-hooks"; hooks: HookState[] }
  | { type: "complete-step"; at: StepAt }
  | { type: "wait"; at: StepAt; message: string }
  | { type: "fail"; message: string }
  | { type: "terminate"; message: string }
  | { type: "finish"; phase: "Succeeded" | "Failed"; message: string };

export interface HookUpdate {
  uid: string;
  state: "Succeeded" | "Failed";
  message: string;
}

export function stepId(step: StepId): StepId {
  return { phase: step.phase, wave: step.wave, action: step.action };
}

function sameStep(a: StepId | undefined, b: StepId): boolean {
  return a !== undefined && compareSteps(a, b) === 0;
}

/** A recorded hook as an object reference. */
export function hookRef(hook: HookState): ObjectRef {
  return { group: groupOf(hook.apiVersion), kind: hook.kind, namespace: hook.namespace, name: hook.name };
}

/** Which rendered hook a live hook came from: its name, or its generateName followed by `*`. */
export function hookTemplate(hook: KubeObject): string {
  const ref = refOf(hook);
  const name = hook.metadata.name || `${hook.metadata.generateName ?? ""}*`;
  return formatRef({ ...ref, name });
}

/** The steps still to run: the sync's, or the SyncFail hooks' once the sync failed. */
function stepsOf(plan: SyncPlan, state: OperationState): SyncStep[] {
  return state.failure ? plan.onFail : plan.steps;
}

/** The first step after the last completed one, with its place; null when none is left. */
export function currentStep(plan: SyncPlan, state: OperationState): StepAt | null {
  const steps = stepsOf(plan, state);
  const done = state.completed;
  const i = steps.findIndex((step) => !done || compareSteps(step, done) > 0);
  if (i < 0) return null;
  return { step: steps[i] as SyncStep, index: i + 1, of: steps.length };
}

/** How a recorded hook stands given its live object (undefined: gone). */
export function hookOutcome(
  hook: HookState,
  live: ObservedHook | undefined,
): { state: HookState["state"]; message: string } {
  const subject = `${hook.phase} hook ${formatRef(hookRef(hook))}`;
  if (live?.health === "Healthy") return { state: "Succeeded", message: `${subject} succeeded` };
  if (live?.health === "Degraded") {
    return { state: "Failed", message: `${subject} failed${live.message ? `: ${live.message}` : ""}` };
  }
  if (!live || live.deleting) {
    return {
      state: "Failed",
      message: `${subject} was deleted while running; sync it again to run the hook anew`,
    };
  }
  return { state: "Running", message: live.message ?? "" };
}

function handledKeys(state: OperationState, step: StepId): Set<string> {
  const keys = new Set<string>();
  for (const r of state.resources) if (r.phase === step.phase && r.wave === step.wave) keys.add(refKey(r));
  return keys;
}

function hooksOf(state: OperationState, step: StepId): HookState[] {
  return (state.hooks ?? []).filter((h) => h.phase === step.phase && h.wave === step.wave);
}

function list(items: string[], max = 3): string {
  return items.length > max
    ? `${items.slice(0, max).join(", ")} and ${items.length - max} more`
    : items.join(", ");
}

/** The next thing to do for this operation. Pure: what was observed and the clock are given. */
export function decideNext(input: DecideInput): Decision {
  const decision = decide(input);
  // A failure while SyncFail hooks run ends the operation with the sync's own failure.
  const failure = input.state.failure;
  if (decision.type === "fail" && failure)
    return { type: "finish", phase: "Failed", message: failure.message };
  return decision;
}

function decide(input: DecideInput): Decision {
  const { plan, state, observed } = input;
  if (state.phase === "Terminating") return { type: "terminate", message: state.message };
  if (observed.stop) return { type: "terminate", message: observed.stop.message };

  // Hooks that finished since the last look: record their outcome before anything else.
  const updates: HookUpdate[] = [];
  for (const hook of state.hooks ?? []) {
    if (hook.state !== "Running") continue;
    const now = hookOutcome(hook, observed.hooks.get(hook.uid));
    if (now.state !== "Running") updates.push({ uid: hook.uid, state: now.state, message: now.message });
  }
  if (updates.length > 0) return { type: "record-hooks", updates };
  // Recorded outcomes free their objects: the finalizer comes off, the delete policy applies.
  const finished = (state.hooks ?? []).filter((h) => h.state !== "Running" && !h.released);
  if (finished.length > 0) return { type: "release-hooks", hooks: finished };

  if (input.now > input.deadline) {
    const message = `sync timed out (spec.syncTimeout ${input.timeout})`;
    if (state.failure) return { type: "finish", phase: "Failed", message: state.failure.message };
    return { type: "fail", message };
  }

  const at = currentStep(plan, state);
  if (!at) {
    if (state.failure) return { type: "finish", phase: "Failed", message: state.failure.message };
    const changed = state.resources.filter(
      (r) => r.result !== "unchanged" && r.result !== "skipped" && r.result !== "hook-succeeded",
    ).length;
    return {
      type: "finish",
      phase: "Succeeded",
      message: `synced: ${changed} changed, ${state.resources.length} handled`,
    };
  }
  const { step } = at;
  if (step.action === "hook") return decideHooks(input, at);

  const handled = handledKeys(state, step);
  const pending = step.objects.filter((obj) => !handled.has(refKey(refOf(obj))));
  if (step.action === "prune") {
    return pending.length > 0 ? { type: "prune", at, objects: pending } : { type: "complete-step", at };
  }

  // A CRD must be established before anything after it is applied (its custom resources).
  const unestablished = [...observed.established].filter(([, ok]) => !ok).map(([name]) => name);
  if (unestablished.length > 0) {
    return {
      type: "wait",
      at,
      message: `waiting for CustomResourceDefinition ${list(unestablished)} to be established`,
    };
  }
  if (pending.length > 0) return { type: "apply", at, objects: upToCrds(pending) };

  // Waves are sequenced on health: the next wave or phase starts once this one is ready.
  const next = stepsOf(plan, state)[at.index];
  if (!next || (next.wave === step.wave && next.phase === step.phase)) return { type: "complete-step", at };
  const notReady: string[] = [];
  for (const obj of step.objects) {
    const ref = refOf(obj);
    const health = observed.health.get(refKey(ref));
    if (health?.status === "Degraded") {
      return { type: "fail", message: `${formatRef(ref)} is Degraded: ${health.message ?? "no detail"}` };
    }
    if (health?.status !== "Healthy" && health?.status !== "Suspended") {
      notReady.push(
        `${formatRef(ref)} (${health?.status ?? "Unknown"}${health?.message ? `: ${health.message}` : ""})`,
      );
    }
  }
  if (notReady.length > 0) {
    return {
      type: "wait",
      at,
      message: `waiting for wave ${step.wave} to become healthy: ${list(notReady)}`,
    };
  }
  return { type: "complete-step", at };
}

/** Pending objects up to and including a run of CRDs: what follows waits for them to be established. */
function upToCrds(pending: KubeObject[]): KubeObject[] {
  const firstCrd = pending.findIndex((o) => o.kind === "CustomResourceDefinition");
  if (firstCrd < 0) return pending;
  let end = firstCrd;
  while (pending[end]?.kind === "CustomResourceDefinition") end++;
  return pending.slice(0, end);
}

/** "waiting for PreSync hooks Job/shop/migrate, Job/shop/seed to complete". */
export function hooksWaitMessage(phase: string, running: readonly HookState[]): string {
  const what = `${phase} hook${running.length > 1 ? "s" : ""}`;
  return `waiting for ${what} ${list(running.map((h) => formatRef(hookRef(h))))} to complete`;
}

function decideHooks(input: DecideInput, at: StepAt): Decision {
  const { state } = input;
  const { step } = at;
  const started = hooksOf(state, step);
  const templates = new Set(started.map((h) => h.template));
  // Hooks of one phase and wave start together: create every one not yet started, then wait for all.
  const toCreate = step.objects.filter((hook) => !templates.has(hookTemplate(hook)));
  if (toCreate.length > 0) return { type: "create-hooks", at, hooks: toCreate };
  const running = started.filter((h) => h.state === "Running");
  if (running.length > 0) return { type: "wait", at, message: hooksWaitMessage(step.phase, running) };
  const failed = started.filter((h) => h.state === "Failed");
  if (failed.length > 0) {
    return {
      type: "fail",
      message: failed.map((h) => h.message ?? `${formatRef(hookRef(h))} failed`).join("; "),
    };
  }
  return { type: "complete-step", at };
}

// State transitions: each returns a new state; the controller persists it.

export interface StartInput {
  revision: string;
  generation?: number;
  trigger: string;
  prune: boolean;
  attempt: number;
  initiatedBy?: { username?: string };
  now: string;
}

export function startOperation(input: StartInput): OperationState {
  return {
    phase: "Running",
    trigger: input.trigger,
    revision: input.revision,
    ...(input.generation !== undefined ? { generation: input.generation } : {}),
    prune: input.prune,
    message: "sync started",
    startedAt: input.now,
    attempt: input.attempt,
    resources: [],
    hooks: [],
    ...(input.initiatedBy ? { initiatedBy: input.initiatedBy } : {}),
  };
}

/** Whether an operation is still in progress (to be resumed rather than started). */
export function isRunning(state: OperationState | undefined): boolean {
  return state?.phase === "Running" || state?.phase === "Terminating";
}

/** Notes the step the operation is on (a new step clears what the previous one waited for). */
export function atStep(state: OperationState, at: StepAt): OperationState {
  const step: OperationStep = { ...stepId(at.step), index: at.index, of: at.of };
  if (
    state.step &&
    sameStep(state.step, step) &&
    state.step.of === step.of &&
    state.step.index === step.index
  )
    return state;
  const { waitingFor: _waitingFor, ...rest } = state;
  return { ...rest, step };
}

export function recordResources(state: OperationState, outcomes: ResourceOutcome[]): OperationState {
  return { ...state, resources: [...state.resources, ...outcomes] };
}

export function recordHooks(state: OperationState, hooks: HookState[]): OperationState {
  return { ...state, hooks: [...(state.hooks ?? []), ...hooks] };
}

export function updateHooks(state: OperationState, updates: HookUpdate[]): OperationState {
  const byUid = new Map(updates.map((u) => [u.uid, u]));
  const hooks = (state.hooks ?? []).map((h) => {
    const u = byUid.get(h.uid);
    return u ? { ...h, state: u.state, message: u.message } : h;
  });
  const outcomes: ResourceOutcome[] = (state.hooks ?? []).flatMap((h) => {
    const u = byUid.get(h.uid);
    if (!u) return [];
    const ref = hookRef(h);
    return [
      {
        ...ref,
        result: u.state === "Succeeded" ? ("hook-succeeded" as const) : ("hook-failed" as const),
        phase: h.phase,
        wave: h.wave,
        ...(u.state === "Failed" ? { message: u.message } : {}),
      },
    ];
  });
  return { ...state, hooks, resources: [...state.resources, ...outcomes] };
}

export function releaseHooks(state: OperationState, uids: ReadonlySet<string>): OperationState {
  return {
    ...state,
    hooks: (state.hooks ?? []).map((h) => (uids.has(h.uid) ? { ...h, released: true } : h)),
  };
}

export function completeStep(state: OperationState, at: StepAt): OperationState {
  const { waitingFor: _waitingFor, ...rest } = state;
  return { ...rest, completed: stepId(at.step) };
}

/** Waiting: the message, and since when (kept while the message stays the same). */
export function waiting(state: OperationState, message: string, now: string): OperationState {
  const since = state.waitingFor?.message === message ? state.waitingFor.since : now;
  return { ...state, message, waitingFor: { message, since } };
}

/** The sync failed: its SyncFail hooks run next, then the operation ends Failed with this message. */
export function failing(state: OperationState, message: string, forbidden = false): OperationState {
  if (state.failure) return state;
  const { waitingFor: _waitingFor, ...rest } = state;
  return { ...rest, message, failure: { message, ...(forbidden ? { forbidden } : {}) } };
}

export function terminating(state: OperationState, message: string): OperationState {
  const { waitingFor: _waitingFor, ...rest } = state;
  return { ...rest, phase: "Terminating", message };
}

export function finishOperation(
  state: OperationState,
  phase: "Succeeded" | "Failed",
  message: string,
  now: string,
): OperationState {
  const { waitingFor: _w, step: _s, completed: _c, failure, ...rest } = state;
  return {
    ...rest,
    phase,
    message,
    finishedAt: now,
    ...(failure?.forbidden ? { reason: "Forbidden" } : {}),
  };
}

/** One line for people: "wave 0 PreSync hooks 1/3". */
export function describeStep(step: OperationStep): string {
  const what = step.action === "hook" ? `${step.phase} hooks` : step.action === "apply" ? "apply" : "prune";
  const phase = step.action === "hook" || step.phase === "Sync" ? "" : `${step.phase} `;
  return `wave ${step.wave} ${phase}${what} ${step.index}/${step.of}`;
}
