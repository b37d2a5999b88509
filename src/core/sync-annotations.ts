// The annotations and options that shape a sync, read and validated in one place.
//
// - Sync wave (`mooring.dev/sync-wave`, an integer, default 0): objects are applied wave by
//   wave, lowest first, each wave only once the previous one is healthy. A CRD in wave -1 exists
//   before the custom resources in wave 0 that need it.
// - Hook (`mooring.dev/hook`): an object that is run rather than kept in sync — typically a Job
//   doing a migration before the rollout (PreSync), a smoke test after it (PostSync), or a
//   notification when the sync fails (SyncFail). `Skip` marks an object never to be applied.
//   PreDelete and PostDelete hooks run only when the whole Application is deleted. A hook type
//   this version does not know is a warning on that object (it is left out), never an error.
// - Hook delete policy (`mooring.dev/hook-delete-policy`): when a finished hook object is deleted.
// - Sync options (`mooring.dev/sync-options`, `Key=value` pairs): per-object exceptions such as
//   `Prune=false` for an object that must outlive its removal from Git.
//
// Argo CD's `argocd.argoproj.io/...` annotations are honoured when ours are absent, so existing
// repositories work unchanged; Helm's hook annotations are mapped where a Helm hook has a sync
// equivalent. Malformed values are returned as errors naming the object, never thrown.
import { formatRef, type KubeObject, type ObjectRef, refOf } from "./objects.ts";

export const SYNC_PHASES = ["PreSync", "Sync", "PostSync", "SyncFail"] as const;
export type SyncPhase = (typeof SYNC_PHASES)[number];

/**
 * Phases of an Application's deletion (Argo CD 3.3): PreDelete hooks run before the managed
 * objects are deleted (a backup, draining a queue), PostDelete hooks after they are gone (cleaning
 * up outside the cluster). They never run during a sync.
 */
export const DELETE_PHASES = ["PreDelete", "PostDelete"] as const;
export type DeletePhase = (typeof DELETE_PHASES)[number];

/** Hook names users may write: a phase, or Skip (never applied, never pruned). */
export const HOOK_TYPES = [...SYNC_PHASES, ...DELETE_PHASES, "Skip"] as const;
export type HookType = (typeof HOOK_TYPES)[number];

export const HOOK_DELETE_POLICIES = ["HookSucceeded", "HookFailed", "BeforeHookCreation"] as const;
export type HookDeletePolicy = (typeof HOOK_DELETE_POLICIES)[number];

/** Each list in order of precedence: the first annotation present is the one read. */
export const SYNC_WAVE_ANNOTATIONS = ["mooring.dev/sync-wave", "argocd.argoproj.io/sync-wave"] as const;
export const HOOK_ANNOTATIONS = ["mooring.dev/hook", "argocd.argoproj.io/hook"] as const;
export const HOOK_DELETE_POLICY_ANNOTATIONS = [
  "mooring.dev/hook-delete-policy",
  "argocd.argoproj.io/hook-delete-policy",
] as const;
export const SYNC_OPTIONS_ANNOTATIONS = [
  "mooring.dev/sync-options",
  "argocd.argoproj.io/sync-options",
] as const;

const HELM_HOOK = "helm.sh/hook";
const HELM_HOOK_WEIGHT = "helm.sh/hook-weight";
const HELM_HOOK_DELETE_POLICY = "helm.sh/hook-delete-policy";

/** Helm hooks that have an equivalent; any other Helm hook (test, rollback...) is never run. */
const HELM_HOOK_PHASES: Readonly<Record<string, SyncPhase | DeletePhase>> = {
  "pre-install": "PreSync",
  "pre-upgrade": "PreSync",
  "post-install": "PostSync",
  "post-upgrade": "PostSync",
  "pre-delete": "PreDelete",
  "post-delete": "PostDelete",
};

const HELM_DELETE_POLICIES: Readonly<Record<string, HookDeletePolicy>> = {
  "hook-succeeded": "HookSucceeded",
  "hook-failed": "HookFailed",
  "before-hook-creation": "BeforeHookCreation",
};

export const PLAN_ERROR_CODES = [
  "InvalidSyncWave",
  "UnknownHook",
  "UnknownHookDeletePolicy",
  "InvalidSyncOption",
  "MissingLiveObject",
] as const;
export type PlanErrorCode = (typeof PLAN_ERROR_CODES)[number];

export interface PlanError {
  code: PlanErrorCode;
  /** The object at fault; absent for Application-level options. */
  ref?: ObjectRef;
  /** Names the object (via formatRef) and the bad value, e.g. for a status condition. */
  message: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: PlanError };

interface Found {
  key: string;
  value: string;
}

function firstAnnotation(obj: KubeObject, keys: readonly string[]): Found | undefined {
  const annotations = obj.metadata.annotations ?? {};
  for (const key of keys) {
    const value = annotations[key];
    if (value !== undefined) return { key, value };
  }
  return undefined;
}

function fail<T>(obj: KubeObject, code: PlanErrorCode, problem: string): Parsed<T> {
  const ref = refOf(obj);
  return { ok: false, error: { code, ref, message: `${formatRef(ref)}: ${problem}` } };
}

function listOf(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** The object's sync wave: ours, else Argo CD's, else a Helm hook weight, else 0. */
export function syncWave(obj: KubeObject): Parsed<number> {
  const found = firstAnnotation(obj, [...SYNC_WAVE_ANNOTATIONS, HELM_HOOK_WEIGHT]);
  if (!found) return { ok: true, value: 0 };
  const text = found.value.trim();
  const wave = Number(text);
  if (!/^[+-]?\d+$/.test(text) || !Number.isSafeInteger(wave)) {
    return fail(obj, "InvalidSyncWave", `annotation ${found.key}: "${found.value}" is not an integer wave`);
  }
  return { ok: true, value: wave };
}

/** Whether the object is a hook (run during a sync, not kept in sync), malformed or not. */
export function isHook(obj: KubeObject): boolean {
  return firstAnnotation(obj, [...HOOK_ANNOTATIONS, HELM_HOOK]) !== undefined;
}

/**
 * The sync phases a hook runs in, in the order written; empty for objects that are not hooks and
 * for hooks that never run in a sync (`Skip`, a deletion hook, a Helm hook such as `test` with no
 * equivalent, or a name Mooring does not know — see unknownHookTypes).
 */
export function hookPhases(obj: KubeObject): Parsed<SyncPhase[]> {
  return { ok: true, value: hookTypes(obj).filter(isSyncPhase) };
}

/** The deletion phases a hook runs in (PreDelete, PostDelete), in the order written. */
export function deleteHookPhases(obj: KubeObject): DeletePhase[] {
  return hookTypes(obj).filter(isDeletePhase);
}

/**
 * A hook type this version does not know is a warning on that object, never an error that stops
 * the whole app (Argo CD ignores such names too): the object is not applied and runs nowhere.
 * Returns the warning, naming the object, the names and the ones accepted; undefined when none.
 */
export function unknownHookTypes(obj: KubeObject): PlanError | undefined {
  const found = firstAnnotation(obj, HOOK_ANNOTATIONS);
  if (!found) return undefined;
  const unknown = listOf(found.value).filter((name) => !(HOOK_TYPES as readonly string[]).includes(name));
  if (unknown.length === 0) return undefined;
  const names = unknown.map((name) => `"${name}"`).join(", ");
  const problem = `annotation ${found.key}: unknown hook ${names} ignored; use one of ${HOOK_TYPES.join(", ")}`;
  const error = fail<never>(obj, "UnknownHook", problem);
  return error.ok ? undefined : error.error;
}

/** Every known hook type the object names, ours or Argo CD's first, else Helm's, without repeats. */
function hookTypes(obj: KubeObject): (SyncPhase | DeletePhase)[] {
  const found = firstAnnotation(obj, HOOK_ANNOTATIONS);
  const names = found
    ? listOf(found.value)
    : listOf(obj.metadata.annotations?.[HELM_HOOK] ?? "").flatMap((name) => HELM_HOOK_PHASES[name] ?? []);
  const known = names.filter(
    (name): name is SyncPhase | DeletePhase => isSyncPhase(name) || isDeletePhase(name),
  );
  return [...new Set(known)];
}

function isSyncPhase(name: string): name is SyncPhase {
  return (SYNC_PHASES as readonly string[]).includes(name);
}

function isDeletePhase(name: string): name is DeletePhase {
  return (DELETE_PHASES as readonly string[]).includes(name);
}

/** When a hook object is deleted; BeforeHookCreation (delete the previous run's) by default. */
export function hookDeletePolicies(obj: KubeObject): Parsed<HookDeletePolicy[]> {
  const found = firstAnnotation(obj, HOOK_DELETE_POLICY_ANNOTATIONS);
  const helm = obj.metadata.annotations?.[HELM_HOOK_DELETE_POLICY];
  const policies: HookDeletePolicy[] = [];
  if (found) {
    for (const name of listOf(found.value)) {
      if (!(HOOK_DELETE_POLICIES as readonly string[]).includes(name)) {
        const known = HOOK_DELETE_POLICIES.join(", ");
        const problem = `annotation ${found.key}: unknown hook delete policy "${name}"; use one of ${known}`;
        return fail(obj, "UnknownHookDeletePolicy", problem);
      }
      policies.push(name as HookDeletePolicy);
    }
  } else if (helm !== undefined) {
    for (const name of listOf(helm)) {
      const policy = HELM_DELETE_POLICIES[name];
      if (!policy) {
        const known = Object.keys(HELM_DELETE_POLICIES).join(", ");
        const problem = `annotation ${HELM_HOOK_DELETE_POLICY}: unknown hook delete policy "${name}"; use one of ${known}`;
        return fail(obj, "UnknownHookDeletePolicy", problem);
      }
      policies.push(policy);
    }
  }
  const unique = [...new Set(policies)];
  return { ok: true, value: unique.length > 0 ? unique : ["BeforeHookCreation"] };
}

const BOOLEAN = ["true", "false"] as const;
const PROPAGATION_POLICIES = ["foreground", "background", "orphan"] as const;
export type PropagationPolicy = (typeof PROPAGATION_POLICIES)[number];

/**
 * Per-object sync options. A field is set only when the annotation sets it; an unset field means
 * the Application's option (or its default) applies.
 */
export interface ObjectSyncOptions {
  /** Prune=false: never delete this object, even when Git no longer declares it. */
  prune?: boolean;
  /** PruneLast=true: delete it only after every wave has been applied and is healthy. */
  pruneLast?: boolean;
  /** Replace=true: replace the object instead of applying, for fields that cannot be patched. */
  replace?: boolean;
  serverSideApply?: boolean;
  /** Force=true: with Replace, delete and recreate the object. */
  force?: boolean;
  validate?: boolean;
  /** Apply even when the dry-run fails because the object's kind (a CRD) does not exist yet. */
  skipDryRunOnMissingResource?: boolean;
  /** Delete=false: keep the object when the whole Application is deleted. */
  delete?: boolean;
}

const OBJECT_SYNC_OPTIONS = {
  Prune: BOOLEAN,
  PruneLast: BOOLEAN,
  Replace: BOOLEAN,
  ServerSideApply: BOOLEAN,
  Force: BOOLEAN,
  Validate: BOOLEAN,
  SkipDryRunOnMissingResource: BOOLEAN,
  Delete: BOOLEAN,
} as const satisfies Record<string, readonly string[]>;

/** The object's own sync options, from ours or else Argo CD's sync-options annotation. */
export function objectSyncOptions(obj: KubeObject): Parsed<ObjectSyncOptions> {
  const found = firstAnnotation(obj, SYNC_OPTIONS_ANNOTATIONS);
  if (!found) return { ok: true, value: {} };
  const { values, problems } = parseOptionList(listOf(found.value), OBJECT_SYNC_OPTIONS);
  if (problems.length > 0) {
    return fail(obj, "InvalidSyncOption", `annotation ${found.key}: ${problems.join("; ")}`);
  }
  const flag = (key: keyof typeof OBJECT_SYNC_OPTIONS): boolean | undefined =>
    values.has(key) ? values.get(key) === "true" : undefined;
  const options: ObjectSyncOptions = {
    prune: flag("Prune"),
    pruneLast: flag("PruneLast"),
    replace: flag("Replace"),
    serverSideApply: flag("ServerSideApply"),
    force: flag("Force"),
    validate: flag("Validate"),
    skipDryRunOnMissingResource: flag("SkipDryRunOnMissingResource"),
    delete: flag("Delete"),
  };
  for (const key of Object.keys(options) as (keyof ObjectSyncOptions)[]) {
    if (options[key] === undefined) delete options[key];
  }
  return { ok: true, value: options };
}

/** Application-level sync options (`spec.syncPolicy.syncOptions`), every field defaulted. */
export interface AppSyncOptions {
  /** CreateNamespace=true: create the destination namespace if it is missing. */
  createNamespace: boolean;
  /**
   * DeleteNamespace=true (with CreateNamespace=true): deleting the app deletes its destination
   * namespace, only when Mooring created it for this app and no other app deploys there
   * (namespace-lifecycle.ts).
   */
  deleteNamespace: boolean;
  /** PruneLast=true: all pruning happens after every wave has been applied. */
  pruneLast: boolean;
  /** How owned objects (a Deployment's ReplicaSets and Pods) go when an object is pruned. */
  prunePropagationPolicy: PropagationPolicy;
  /** ApplyOutOfSyncOnly=true: apply only objects that differ, not every object. */
  applyOutOfSyncOnly: boolean;
  replace: boolean;
  /** Mooring always applies server-side; accepted for Argo CD manifests. */
  serverSideApply: boolean;
  validate: boolean;
  skipDryRunOnMissingResource: boolean;
  /** FailOnSharedResource=true: fail when an object is already tracked by another Application. */
  failOnSharedResource: boolean;
  /** RespectIgnoreDifferences=true: keep ignored fields' live values when applying. */
  respectIgnoreDifferences: boolean;
}

export function defaultAppSyncOptions(): AppSyncOptions {
  return {
    createNamespace: false,
    deleteNamespace: false,
    pruneLast: false,
    prunePropagationPolicy: "foreground",
    applyOutOfSyncOnly: false,
    replace: false,
    serverSideApply: true,
    validate: true,
    skipDryRunOnMissingResource: false,
    failOnSharedResource: false,
    respectIgnoreDifferences: false,
  };
}

const APP_SYNC_OPTIONS = {
  CreateNamespace: BOOLEAN,
  DeleteNamespace: BOOLEAN,
  PruneLast: BOOLEAN,
  PrunePropagationPolicy: PROPAGATION_POLICIES,
  ApplyOutOfSyncOnly: BOOLEAN,
  Replace: BOOLEAN,
  ServerSideApply: BOOLEAN,
  Validate: BOOLEAN,
  SkipDryRunOnMissingResource: BOOLEAN,
  FailOnSharedResource: BOOLEAN,
  RespectIgnoreDifferences: BOOLEAN,
} as const satisfies Record<string, readonly string[]>;

export interface ParsedAppSyncOptions {
  options: AppSyncOptions;
  errors: PlanError[];
}

/** Parses `spec.syncPolicy.syncOptions`; a bad entry is reported and its default kept. */
export function parseSyncOptions(list: readonly string[] | undefined): ParsedAppSyncOptions {
  const { values, problems } = parseOptionList(list ?? [], APP_SYNC_OPTIONS);
  const defaults = defaultAppSyncOptions();
  const flag = (key: keyof typeof APP_SYNC_OPTIONS, fallback: boolean): boolean =>
    values.has(key) ? values.get(key) === "true" : fallback;
  const options: AppSyncOptions = {
    createNamespace: flag("CreateNamespace", defaults.createNamespace),
    deleteNamespace: flag("DeleteNamespace", defaults.deleteNamespace),
    pruneLast: flag("PruneLast", defaults.pruneLast),
    prunePropagationPolicy:
      (values.get("PrunePropagationPolicy") as PropagationPolicy | undefined) ??
      defaults.prunePropagationPolicy,
    applyOutOfSyncOnly: flag("ApplyOutOfSyncOnly", defaults.applyOutOfSyncOnly),
    replace: flag("Replace", defaults.replace),
    serverSideApply: flag("ServerSideApply", defaults.serverSideApply),
    validate: flag("Validate", defaults.validate),
    skipDryRunOnMissingResource: flag("SkipDryRunOnMissingResource", defaults.skipDryRunOnMissingResource),
    failOnSharedResource: flag("FailOnSharedResource", defaults.failOnSharedResource),
    respectIgnoreDifferences: flag("RespectIgnoreDifferences", defaults.respectIgnoreDifferences),
  };
  const errors = problems.map((problem): PlanError => ({ code: "InvalidSyncOption", message: problem }));
  // Only a namespace Mooring created may be deleted with the app, and only CreateNamespace creates one.
  if (options.deleteNamespace && !options.createNamespace) {
    errors.push({
      code: "InvalidSyncOption",
      message:
        "sync option DeleteNamespace=true needs CreateNamespace=true: only a namespace Mooring created is deleted with the app",
    });
  }
  return { options, errors };
}

/** Splits `Key=value` entries, keeping only known keys with allowed values; the rest are problems. */
function parseOptionList(
  entries: readonly string[],
  allowed: Readonly<Record<string, readonly string[]>>,
): { values: Map<string, string>; problems: string[] } {
  const values = new Map<string, string>();
  const problems: string[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === "") continue;
    const eq = entry.indexOf("=");
    if (eq < 0) {
      problems.push(`sync option "${entry}" is not of the form Key=value`);
      continue;
    }
    const key = entry.slice(0, eq).trim();
    const value = entry.slice(eq + 1).trim();
    const choices = Object.hasOwn(allowed, key) ? allowed[key] : undefined;
    if (!choices) {
      problems.push(`unknown sync option "${key}"; known options are ${Object.keys(allowed).join(", ")}`);
    } else if (!choices.includes(value)) {
      problems.push(`sync option "${entry}": value must be one of ${choices.join(", ")}`);
    } else {
      values.set(key, value);
    }
  }
  return { values, problems };
}
