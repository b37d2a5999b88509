// The Stack resource (mooring.dev/v1alpha1): a Terraform/OpenTofu module at a Git path and
// revision, kept applied the way an Application keeps manifests applied. Where the concept
// already has a name, the field takes it: `source.repoURL/targetRevision/path` from Argo CD,
// `vars`/`varsFrom`/`approvePlan`/`writeOutputsToSecret`/`destroyOnDelete` from Flux's
// tofu-controller, `env`/`envFrom` from a Pod's container, so existing manifests port over.
//
// A run is: resolve variables and environment → `tofu init` → `tofu plan` → a plan whose id is
// the hash of its content (plan-id.ts) → approval (approval.ts) → `tofu apply` of exactly that
// plan file → outputs written to a Secret → periodic drift checks. Status records each step.
import { API_GROUP, API_VERSION } from "../application.ts";
import type { Condition } from "../conditions.ts";
import { parseDuration } from "../duration.ts";
import type { KubeObject, ObjectMeta } from "../objects.ts";
import { reservedEnvReason } from "./env.ts";
import { isPlanId } from "./plan-id.ts";

export const STACK_KIND = "Stack";
export const STACK_API_VERSION = `${API_GROUP}/${API_VERSION}`;

/** Annotation `moor stack approve NAME PLAN_ID` sets: the id of the plan being approved. */
export const APPROVE_PLAN_ANNOTATION = "mooring.dev/approve-plan";
/**
 * Run a drift check now: the value is the time of the request (ISO 8601); the controller runs a
 * check when it sees a value newer than status.drift.checkedAt.
 */
export const DRIFT_CHECK_ANNOTATION = "mooring.dev/drift-check";
/** On the outputs Secret: the comma-separated keys whose outputs tofu marks sensitive. */
export const SENSITIVE_OUTPUTS_ANNOTATION = "mooring.dev/sensitive-outputs";
/** Key of the run log in the log ConfigMap. */
export const STACK_LOG_KEY = "log";

/** The ConfigMap in the Stack's namespace where the controller keeps the last run's log (scrubbed). */
export function stackLogConfigMapName(stack: string): string {
  return `stack-log-${stack}`.slice(0, 253);
}

/** Annotation set together with APPROVE_PLAN_ANNOTATION: who approved (the CLI user). */
export const APPROVED_BY_ANNOTATION = "mooring.dev/approved-by";
/**
 * Annotation `moor stack unlock NAME LOCK_ID` sets: release this state lock, held by a tofu run
 * that is known to be gone (or by hand). The controller releases it only while that very lock
 * is held, records who asked, and clears the request.
 */
export const UNLOCK_ANNOTATION = "mooring.dev/unlock";
/** Set together with UNLOCK_ANNOTATION: who asked (the CLI user). */
export const UNLOCK_REQUESTED_BY_ANNOTATION = "mooring.dev/unlock-requested-by";

/** Condition types a Stack reports besides the kstatus trio Ready/Reconciling/Stalled. */
export const STACK_CONDITIONS = {
  ready: "Ready",
  reconciling: "Reconciling",
  stalled: "Stalled",
  /** True while live infrastructure differs from the last applied state. */
  drifted: "Drifted",
  /** True while a plan with changes waits for approval. */
  planPending: "PlanPending",
} as const;

export const APPROVE_MODES = ["auto", "manual"] as const;
export type ApproveMode = (typeof APPROVE_MODES)[number];
export const DRIFT_MODES = ["report", "remediate"] as const;
export type DriftMode = (typeof DRIFT_MODES)[number];
export const VARS_SOURCE_KINDS = ["ConfigMap", "Secret"] as const;
export type VarsSourceKind = (typeof VARS_SOURCE_KINDS)[number];

export interface StackSource {
  repoURL: string;
  /** Branch, tag, commit SHA or HEAD; default HEAD. */
  targetRevision?: string;
  /** Directory of the root module inside the repository; default the root. */
  path?: string;
}

export interface VarsFrom {
  kind: VarsSourceKind;
  /** ConfigMap or Secret in the Stack's namespace. */
  name: string;
  /** Keys to take; default every key. Each key is the variable's name. */
  varsKeys?: string[];
  /**
   * How each value is read: "string" (default) passes it as a string, which OpenTofu converts
   * to a number or bool where the variable asks for one; "json" parses it as JSON, for lists,
   * maps and objects.
   */
  format?: "string" | "json";
  /** A missing object is skipped instead of failing the run; default false. */
  optional?: boolean;
}

export interface KeySelector {
  name: string;
  key: string;
  /** A missing object or key is skipped instead of failing the run; default false. */
  optional?: boolean;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: KeySelector; configMapKeyRef?: KeySelector };
}

export interface EnvFromSource {
  /** Prepended to every key; default none. */
  prefix?: string;
  secretRef?: { name: string; optional?: boolean };
  configMapRef?: { name: string; optional?: boolean };
}

export interface DriftDetection {
  /** How often to check, e.g. "30m"; "0" turns drift checks off. Default 1h. */
  interval?: string;
  /** "report" (default) marks the Stack Drifted and waits for the drift plan to be approved; "remediate" applies it. */
  mode?: DriftMode;
}

export interface WriteOutputsToSecret {
  /** Secret in the Stack's namespace, created and owned by Mooring. */
  name: string;
  /** Outputs to write; default all. */
  outputs?: string[];
  /** Secret key per output name, e.g. { db_endpoint: "DATABASE_HOST" }; default the output's name. */
  renames?: Record<string, string>;
}

export interface StackDependency {
  name: string;
  /** Default: the Stack's own namespace. */
  namespace?: string;
}

export interface StackSpec {
  source: StackSource;
  /** OpenTofu workspace; default "default". Part of the state Secret's name, so a DNS label. */
  workspace?: string;
  /** Input variables, any JSON value (string, number, bool, list, map, object). Win over varsFrom. */
  vars?: Record<string, unknown>;
  /** ConfigMaps and Secrets whose keys become variables; a later entry wins over an earlier one. */
  varsFrom?: VarsFrom[];
  /**
   * "manual" (default): every plan with changes waits for `moor stack approve NAME PLAN_ID`;
   * "auto": plans are applied as soon as they are made; a plan id (`p-…`) committed to Git
   * approves that exact plan and no other.
   */
  approvePlan?: string;
  driftDetection?: DriftDetection;
  writeOutputsToSecret?: WriteOutputsToSecret;
  /** Destroy the infrastructure when the Stack is deleted; default false (state and infrastructure are kept). */
  destroyOnDelete?: boolean;
  /** Environment for tofu and its providers (credentials). Values are never logged. */
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  /** Limit of one run (init + plan, or apply), e.g. "20m"; default 20m. */
  timeout?: string;
  /** Stop planning, applying and drift checks while true; default false. */
  suspend?: boolean;
  /** Stacks that must be Ready before this one runs. */
  dependsOn?: StackDependency[];
  /**
   * The ServiceAccount (in the Stack's namespace) every plan and apply acts as: tofu's state,
   * the kubernetes provider, varsFrom/envFrom and the outputs Secret all go through its RBAC.
   * Default: the project's destinationServiceAccounts entry for the namespace, else `default`.
   */
  serviceAccountName?: string;
}

export interface PlanCounts {
  /** Objects created, replacements included (as `tofu plan` counts them). */
  add: number;
  /** Objects updated in place. */
  change: number;
  /** Objects destroyed, replacements included (as `tofu plan` counts them). */
  destroy: number;
  /** Objects destroyed and re-created (each is also counted in add and destroy). */
  replace: number;
  /** Objects removed from state without being destroyed. */
  forget: number;
  /** Objects imported into state. */
  import: number;
  /** Data sources read during apply. */
  read: number;
}

/** One word per resource change; "no-op" changes are left out of summaries. */
export const RESOURCE_ACTIONS = ["create", "update", "replace", "delete", "forget", "read", "no-op"] as const;
export type ResourceAction = (typeof RESOURCE_ACTIONS)[number];

export interface PlannedResource {
  address: string;
  /** The summary word, e.g. "replace" for ["delete","create"]. */
  action: ResourceAction;
  /** The actions exactly as tofu lists them, e.g. ["delete","create"]. */
  actions: string[];
  type: string;
  name: string;
  /** Set when the object moved from another address. */
  previousAddress?: string;
  /** Why tofu chose the action (tofu's action_reason), e.g. replace_because_cannot_update. */
  reason?: string;
}

export type PlanPurpose = "apply" | "destroy" | "drift";

export interface StackPlanStatus {
  id: string;
  /** Commit the plan was made from. */
  revision: string;
  createdAt: string;
  purpose: PlanPurpose;
  summary: PlanCounts;
  /** Changed resources (no-ops left out), at most a few hundred; see resourcesOmitted. */
  resources: PlannedResource[];
  /** Changed resources not listed in `resources` to keep status small. */
  resourcesOmitted?: number;
  /** Output names whose value changes. */
  outputs?: string[];
  /** True while the plan waits to be approved and applied. */
  pending: boolean;
}

export interface StackApplyStatus {
  planId: string;
  /** Who approved: a user (moor stack approve), "git" (spec.approvePlan), "auto" or "drift-remediation". */
  approvedBy: string;
  appliedAt: string;
  result: "succeeded" | "failed";
  message: string;
}

export interface StackDriftStatus {
  checkedAt: string;
  drifted: boolean;
  resources: { address: string; actions: string[] }[];
}

export interface StackStatus {
  conditions?: Condition[];
  observedGeneration?: number;
  lastPlan?: StackPlanStatus;
  lastApply?: StackApplyStatus;
  /** Name of the Secret holding the outputs. */
  outputsSecret?: string;
  drift?: StackDriftStatus;
  /** The last run's error, secrets scrubbed. */
  lastError?: string;
}

export interface Stack extends KubeObject {
  metadata: ObjectMeta & { name: string; namespace: string };
  spec: StackSpec;
  status?: StackStatus;
}

/** The spec with every default filled in, as the controller works with it. */
export interface ResolvedStackSpec {
  source: Required<StackSource>;
  workspace: string;
  vars: Record<string, unknown>;
  varsFrom: (Required<Pick<VarsFrom, "kind" | "name" | "format" | "optional">> & { varsKeys?: string[] })[];
  approvePlan: string;
  driftDetection: { intervalMs: number; mode: DriftMode };
  writeOutputsToSecret?: WriteOutputsToSecret;
  destroyOnDelete: boolean;
  env: EnvVar[];
  envFrom: EnvFromSource[];
  timeoutMs: number;
  suspend: boolean;
  dependsOn: Required<StackDependency>[];
  /** As written; undefined: chosen by the project or the namespace (src/core/stack/identity.ts). */
  serviceAccountName?: string;
}

/** What the controller allows beyond the spec's own rules (its flags, core/limits.ts). */
export interface StackSpecLimits {
  /** Longest spec.timeout accepted. */
  maxTimeoutMs?: number;
}

/** "2h", "90m", "45s": the largest whole unit. */
function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}

/** Every default of a Stack spec, in one place. */
export const STACK_DEFAULTS = {
  targetRevision: "HEAD",
  path: "",
  workspace: "default",
  approvePlan: "manual",
  driftInterval: "1h",
  driftMode: "report",
  destroyOnDelete: false,
  timeout: "20m",
  suspend: false,
  varsFormat: "string",
} as const;

/**
 * Fills in the defaults. The namespace is the Stack's own (for dependsOn). Call after
 * validateStackSpec: an invalid duration falls back to its default here.
 */
export function stackSpecDefaults(spec: StackSpec, namespace: string): ResolvedStackSpec {
  const d = STACK_DEFAULTS;
  const resolved: ResolvedStackSpec = {
    source: {
      repoURL: spec.source.repoURL,
      targetRevision: spec.source.targetRevision || d.targetRevision,
      path: spec.source.path ?? d.path,
    },
    workspace: spec.workspace || d.workspace,
    vars: spec.vars ?? {},
    varsFrom: (spec.varsFrom ?? []).map((v) => ({
      kind: v.kind,
      name: v.name,
      format: v.format ?? d.varsFormat,
      optional: v.optional ?? false,
      ...(v.varsKeys ? { varsKeys: v.varsKeys } : {}),
    })),
    approvePlan: spec.approvePlan || d.approvePlan,
    driftDetection: {
      intervalMs: parseDuration(spec.driftDetection?.interval ?? d.driftInterval) ?? 3_600_000,
      mode: spec.driftDetection?.mode ?? d.driftMode,
    },
    destroyOnDelete: spec.destroyOnDelete ?? d.destroyOnDelete,
    env: spec.env ?? [],
    envFrom: spec.envFrom ?? [],
    timeoutMs: parseDuration(spec.timeout ?? d.timeout) ?? 1_200_000,
    suspend: spec.suspend ?? d.suspend,
    dependsOn: (spec.dependsOn ?? []).map((dep) => ({
      name: dep.name,
      namespace: dep.namespace || namespace,
    })),
  };
  if (spec.writeOutputsToSecret) resolved.writeOutputsToSecret = spec.writeOutputsToSecret;
  if (spec.serviceAccountName) resolved.serviceAccountName = spec.serviceAccountName;
  return resolved;
}

/** Variable names OpenTofu accepts: a letter or underscore, then letters, digits, `_` or `-`. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** Environment variable names: letters, digits and `_`, not starting with a digit. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A workspace is part of the state Secret's name: lower-case DNS label characters. */
const WORKSPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Object names such as a ServiceAccount's. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Secret keys Kubernetes accepts. */
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * Problems with a spec, each naming the field (`spec.vars.region: ...`); empty when valid.
 * Checks only what can be known without reading the module or the cluster.
 */
export function validateStackSpec(spec: StackSpec, limits: StackSpecLimits = {}): string[] {
  const problems: string[] = [];
  const add = (field: string, message: string) => problems.push(`spec.${field}: ${message}`);
  if (!spec.source?.repoURL) add("source.repoURL", "is required");
  const path = spec.source?.path ?? "";
  if (path.startsWith("/") || path.split("/").includes("..")) {
    add("source.path", `"${path}" must be a relative path inside the repository`);
  }
  if (spec.workspace !== undefined && (!WORKSPACE.test(spec.workspace) || spec.workspace.length > 63)) {
    add("workspace", `"${spec.workspace}" must be a lower-case DNS label (a-z, 0-9, "-")`);
  }
  for (const name of Object.keys(spec.vars ?? {})) {
    if (!VARIABLE_NAME.test(name)) add(`vars.${name}`, "is not a valid variable name");
  }
  (spec.varsFrom ?? []).forEach((source, i) => {
    if (!VARS_SOURCE_KINDS.includes(source.kind))
      add(`varsFrom[${i}].kind`, 'must be "ConfigMap" or "Secret"');
    if (!source.name) add(`varsFrom[${i}].name`, "is required");
    if (source.format !== undefined && source.format !== "string" && source.format !== "json") {
      add(`varsFrom[${i}].format`, 'must be "string" or "json"');
    }
    for (const key of source.varsKeys ?? []) {
      if (!VARIABLE_NAME.test(key)) add(`varsFrom[${i}].varsKeys`, `"${key}" is not a valid variable name`);
    }
  });
  const approve = spec.approvePlan;
  if (
    approve !== undefined &&
    approve !== "" &&
    approve !== "auto" &&
    approve !== "manual" &&
    !isPlanId(approve)
  ) {
    add("approvePlan", `"${approve}" must be "auto", "manual" or a plan id such as p-0123456789abcdef`);
  }
  const drift = spec.driftDetection;
  if (drift?.interval !== undefined && parseDuration(drift.interval) === null) {
    add("driftDetection.interval", `"${drift.interval}" is not a duration such as "30m"`);
  }
  if (drift?.mode !== undefined && !DRIFT_MODES.includes(drift.mode)) {
    add("driftDetection.mode", 'must be "report" or "remediate"');
  }
  if (spec.timeout !== undefined && !(parseDuration(spec.timeout) ?? 0)) {
    add("timeout", `"${spec.timeout}" is not a positive duration such as "20m"`);
  } else if (
    limits.maxTimeoutMs !== undefined &&
    (parseDuration(spec.timeout ?? STACK_DEFAULTS.timeout) ?? 0) > limits.maxTimeoutMs
  ) {
    // Refused rather than cut short: a run stopped at a limit its author never saw would look
    // like a hung provider.
    add(
      "timeout",
      `"${spec.timeout}" is above this controller's limit of ${formatMs(limits.maxTimeoutMs)} (--max-stack-timeout): ask for at most that, or have the limit raised`,
    );
  }
  const out = spec.writeOutputsToSecret;
  if (out) {
    if (!out.name) add("writeOutputsToSecret.name", "is required");
    for (const [output, key] of Object.entries(out.renames ?? {})) {
      if (!SECRET_KEY.test(key))
        add(`writeOutputsToSecret.renames.${output}`, `"${key}" is not a valid Secret key`);
    }
  }
  (spec.env ?? []).forEach((env, i) => {
    if (!ENV_NAME.test(env.name ?? "")) {
      add(`env[${i}].name`, `"${env.name}" is not a valid environment variable name`);
    }
    const reserved = reservedEnvReason(env.name ?? "");
    if (reserved) add(`env[${i}].name`, reserved);
    const from = env.valueFrom;
    const sources =
      (env.value !== undefined ? 1 : 0) + (from?.secretKeyRef ? 1 : 0) + (from?.configMapKeyRef ? 1 : 0);
    if (sources !== 1)
      add(`env[${i}]`, "needs exactly one of value, valueFrom.secretKeyRef, valueFrom.configMapKeyRef");
  });
  (spec.envFrom ?? []).forEach((env, i) => {
    if ((env.secretRef ? 1 : 0) + (env.configMapRef ? 1 : 0) !== 1) {
      add(`envFrom[${i}]`, "needs exactly one of secretRef, configMapRef");
    }
    if (env.prefix !== undefined && env.prefix !== "" && !ENV_NAME.test(env.prefix)) {
      add(`envFrom[${i}].prefix`, `"${env.prefix}" is not a valid environment variable prefix`);
    }
  });
  (spec.dependsOn ?? []).forEach((dep, i) => {
    if (!dep.name) add(`dependsOn[${i}].name`, "is required");
  });
  const account = spec.serviceAccountName;
  if (account !== undefined && account !== "" && !(DNS_SUBDOMAIN.test(account) && account.length <= 253)) {
    add("serviceAccountName", `"${account}" is not a valid ServiceAccount name (a lower-case DNS subdomain)`);
  }
  return problems;
}
