// Plan: the order in which a sync applies, runs and prunes objects, computed as data.
//
// A sync runs in phases. PreSync hooks run first (a schema migration before the new code rolls
// out), then the Sync phase applies the objects wave by wave, then PostSync hooks run once
// everything is healthy (smoke tests, notifications). SyncFail hooks run only if the sync fails.
//
// Within a wave, kinds go in dependency order: a Namespace before what lives in it, a
// ServiceAccount and ConfigMap before the Deployment that mounts them, a CRD before custom
// resources (unknown kinds come after every known one). Pruning — deleting live objects that Git
// no longer declares — goes in the reverse kind order, so dependants disappear before what they
// depend on. Each step finishes (and its objects become healthy) before the next begins.
import type { ObjectDiff } from "./diff.ts";
import { formatRef, type KubeObject, type ObjectRef, refKey, refOf } from "./objects.ts";
import {
  deleteHookPhases,
  hookPhases,
  isHook,
  objectSyncOptions,
  type PlanError,
  SYNC_PHASES,
  type SyncPhase,
  syncWave,
  unknownHookTypes,
} from "./sync-annotations.ts";

export {
  type AppSyncOptions,
  type DeletePhase,
  defaultAppSyncOptions,
  deleteHookPhases,
  type HookDeletePolicy,
  hookDeletePolicies,
  hookPhases,
  isHook,
  type ObjectSyncOptions,
  objectSyncOptions,
  type PlanError,
  parseSyncOptions,
  type SyncPhase,
  syncWave,
} from "./sync-annotations.ts";

export const KIND_ORDER = [
  "Namespace",
  "NetworkPolicy",
  "ResourceQuota",
  "LimitRange",
  "PodDisruptionBudget",
  "ServiceAccount",
  "Secret",
  "ConfigMap",
  "StorageClass",
  "PersistentVolume",
  "PersistentVolumeClaim",
  "CustomResourceDefinition",
  "ClusterRole",
  "ClusterRoleBinding",
  "Role",
  "RoleBinding",
  "Service",
  "DaemonSet",
  "Pod",
  "ReplicationController",
  "ReplicaSet",
  "Deployment",
  "HorizontalPodAutoscaler",
  "StatefulSet",
  "Job",
  "CronJob",
  "IngressClass",
  "Ingress",
  "APIService",
] as const;

const KIND_RANK = new Map<string, number>(KIND_ORDER.map((kind, i) => [kind, i]));

/** A kind's place in KIND_ORDER; every unknown kind (custom resources) shares the place after it. */
export function kindRank(kind: string): number {
  return KIND_RANK.get(kind) ?? KIND_ORDER.length;
}

/** Apply order: kind rank, then kind, namespace and name so that the order is stable. */
export function compareForApply(a: ObjectRef, b: ObjectRef): number {
  return kindRank(a.kind) - kindRank(b.kind) || compareNames(a, b);
}

/** Prune order: the reverse kind rank, names still ascending. */
export function compareForPrune(a: ObjectRef, b: ObjectRef): number {
  return kindRank(b.kind) - kindRank(a.kind) || compareNames(a, b);
}

function compareNames(a: ObjectRef, b: ObjectRef): number {
  return compareText(a.kind, b.kind) || compareText(a.namespace, b.namespace) || compareText(a.name, b.name);
}

// Plain code-unit order, the same on every machine whatever its locale.
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const STEP_ACTIONS = ["apply", "hook", "prune"] as const;
export type StepAction = (typeof STEP_ACTIONS)[number];

export interface SyncStep {
  phase: SyncPhase;
  wave: number;
  action: StepAction;
  /** In the order to handle them: apply order, or prune order for a prune step. */
  objects: KubeObject[];
}

export interface SkippedObject {
  ref: ObjectRef;
  reason: string;
}

export interface SyncPlan {
  /** The steps of a sync, in order. Empty whenever there are errors. */
  steps: SyncStep[];
  /** SyncFail hooks, by wave: run only when the sync fails. Empty whenever there are errors. */
  onFail: SyncStep[];
  /** Objects left alone on purpose, with why. */
  skipped: SkippedObject[];
  /** Malformed annotations; a plan with errors must not run, so it has no steps. */
  errors: PlanError[];
  /** Problems on one object that do not stop the sync (an unknown hook type): shown, not fatal. */
  warnings: PlanError[];
}

export interface SyncPlanOptions {
  /** Delete live objects Git no longer declares; default false, as with automated sync. */
  prune: boolean;
  /** Prune only after every wave has been applied; default false. */
  pruneLast: boolean;
  /** Apply only objects whose diff is not "none"; default false (apply every object). */
  applyOutOfSyncOnly: boolean;
}

export function defaultSyncPlanOptions(): SyncPlanOptions {
  return { prune: false, pruneLast: false, applyOutOfSyncOnly: false };
}

export interface SyncPlanInput {
  /** Every rendered object, hooks included, as rendered (not masked or normalised). */
  desired: readonly KubeObject[];
  /** Live objects; must include every object a "delete" diff names. */
  live: readonly KubeObject[];
  /** The comparison of desired and live objects (compareApp). */
  diffs: readonly ObjectDiff[];
  options?: Partial<SyncPlanOptions>;
}

const NEVER_RUN = "never applied: a Skip hook, or a Helm hook with no sync phase";

/** Why a hook with no sync phase is left out of the sync. */
function neverRun(obj: KubeObject): string {
  const deletion = deleteHookPhases(obj);
  if (deletion.length > 0) return `runs only when the Application is deleted (${deletion.join(", ")} hook)`;
  return unknownHookTypes(obj)?.message ?? NEVER_RUN;
}

const PHASE_ORDER: Readonly<Record<string, number>> = { PreSync: 0, Sync: 1, PostSync: 2, SyncFail: 3 };
// Within a wave of the Sync phase: apply the objects, run that wave's Sync hooks, then prune.
const ACTION_ORDER: Readonly<Record<StepAction, number>> = { apply: 0, hook: 1, prune: 2 };

export function planSync(input: SyncPlanInput): SyncPlan {
  const options = { ...defaultSyncPlanOptions(), ...input.options };
  const draft: Draft = { placed: [], pruneLast: [], skipped: [], errors: [], warnings: [] };
  placeDesired(input, options, draft);
  placePrunes(input, options, draft);
  const { skipped, errors, warnings } = draft;
  if (errors.length > 0) return { steps: [], onFail: [], skipped, errors, warnings };
  return {
    steps: withPruneLast(group(draft.placed.filter((step) => step.phase !== "SyncFail")), draft.pruneLast),
    onFail: group(draft.placed.filter((step) => step.phase === "SyncFail")),
    skipped,
    errors: [],
    warnings,
  };
}

/** What the plan collects before it is ordered: one single-object step per placement. */
interface Draft {
  placed: SyncStep[];
  pruneLast: KubeObject[];
  skipped: SkippedObject[];
  errors: PlanError[];
  warnings: PlanError[];
}

function placeDesired(input: SyncPlanInput, options: SyncPlanOptions, draft: Draft): void {
  const diffByKey = new Map(input.diffs.map((diff) => [refKey(diff.ref), diff]));
  for (const obj of input.desired) {
    const wave = waveOf(obj, draft);
    const syncOptions = objectSyncOptions(obj);
    if (!syncOptions.ok) draft.errors.push(syncOptions.error);
    if (isHook(obj)) {
      const unknown = unknownHookTypes(obj);
      if (unknown) draft.warnings.push(unknown);
      const phases = hookPhases(obj);
      if (!phases.ok) draft.errors.push(phases.error);
      else if (phases.value.length === 0) draft.skipped.push({ ref: refOf(obj), reason: neverRun(obj) });
      else if (wave !== undefined) for (const phase of phases.value) place(draft, phase, wave, "hook", obj);
      continue;
    }
    const diff = diffByKey.get(refKey(refOf(obj)));
    if (options.applyOutOfSyncOnly && diff?.action === "none") continue;
    if (wave !== undefined) place(draft, "Sync", wave, "apply", obj);
  }
}

function placePrunes(input: SyncPlanInput, options: SyncPlanOptions, draft: Draft): void {
  const liveByKey = new Map(input.live.map((obj) => [refKey(refOf(obj)), obj]));
  for (const diff of input.diffs) {
    if (diff.action !== "delete") continue;
    const live = liveByKey.get(refKey(diff.ref));
    if (!live) {
      const message = `${formatRef(diff.ref)}: to be pruned but missing from the live objects given to the plan`;
      draft.errors.push({ code: "MissingLiveObject", ref: diff.ref, message });
      continue;
    }
    if (isHook(live)) continue;
    const syncOptions = objectSyncOptions(live);
    if (!syncOptions.ok) {
      draft.errors.push(syncOptions.error);
      continue;
    }
    if (syncOptions.value.prune === false) {
      draft.skipped.push({ ref: diff.ref, reason: "not pruned: annotated Prune=false" });
      continue;
    }
    if (!options.prune) {
      draft.skipped.push({ ref: diff.ref, reason: "not pruned: pruning is disabled" });
      continue;
    }
    const wave = waveOf(live, draft);
    if (options.pruneLast || syncOptions.value.pruneLast) draft.pruneLast.push(live);
    else if (wave !== undefined) place(draft, "Sync", wave, "prune", live);
  }
}

function place(draft: Draft, phase: SyncPhase, wave: number, action: StepAction, obj: KubeObject): void {
  draft.placed.push({ phase, wave, action, objects: [obj] });
}

function waveOf(obj: KubeObject, draft: Draft): number | undefined {
  const wave = syncWave(obj);
  if (wave.ok) return wave.value;
  draft.errors.push(wave.error);
  return undefined;
}

/** Pruning last gets a wave of its own after the highest wave of the Sync phase, before PostSync. */
function withPruneLast(steps: SyncStep[], objects: KubeObject[]): SyncStep[] {
  if (objects.length === 0) return steps;
  const syncWaves = steps.filter((step) => step.phase === "Sync").map((step) => step.wave);
  const wave = syncWaves.length > 0 ? Math.max(...syncWaves) + 1 : 0;
  const ordered = [...objects].sort((a, b) => compareForPrune(refOf(a), refOf(b)));
  const postSync = steps.findIndex((step) => step.phase === "PostSync");
  const at = postSync < 0 ? steps.length : postSync;
  return [
    ...steps.slice(0, at),
    { phase: "Sync", wave, action: "prune", objects: ordered },
    ...steps.slice(at),
  ];
}

/** What orders steps: a step, or a running operation's record of one. */
export interface StepOrder {
  phase: string;
  wave: number;
  action: StepAction;
}

/**
 * Plan order of two steps: phase, then wave, then apply before hooks before prune. Deletion
 * phases have plans of their own (deletion-hooks.ts), so they only ever meet each other here.
 */
export function compareSteps(a: StepOrder, b: StepOrder): number {
  return (
    (PHASE_ORDER[a.phase] ?? SYNC_PHASES.length) - (PHASE_ORDER[b.phase] ?? SYNC_PHASES.length) ||
    a.wave - b.wave ||
    ACTION_ORDER[a.action] - ACTION_ORDER[b.action]
  );
}

/** Merges single-object placements into one step per (phase, wave, action), ordered. */
function group(placed: readonly SyncStep[]): SyncStep[] {
  const steps = new Map<string, SyncStep>();
  for (const { phase, wave, action, objects } of placed) {
    const key = `${phase}/${wave}/${action}`;
    const step = steps.get(key);
    if (step) step.objects.push(...objects);
    else steps.set(key, { phase, wave, action, objects: [...objects] });
  }
  const ordered = [...steps.values()].sort(compareSteps);
  for (const step of ordered) {
    const compare = step.action === "prune" ? compareForPrune : compareForApply;
    step.objects.sort((a, b) => compare(refOf(a), refOf(b)));
  }
  return ordered;
}
