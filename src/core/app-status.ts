// The status an Application reports: what Git holds (sync), how the running objects are
// doing (health), what the last sync did (operationState), what drifted and who changed it,
// and the history of deployed revisions. Field names follow Argo CD where they mean the same.
import type { Condition } from "./conditions.ts";
import type { DeletionState } from "./deletion-hooks.ts";
import type { FieldChange } from "./diff.ts";
import type { HealthStatus } from "./health/status.ts";
import type { Signer } from "./project/signature.ts";

export const SYNC_STATUSES = ["Synced", "OutOfSync", "Unknown"] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];

/** Field changes kept per object in status.resources[].diff; the CLI notes when it is cut. */
export const STATUS_DIFF_LIMIT = 20;

export interface ResourceStatus {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  status: SyncStatus;
  health?: { status: HealthStatus; message?: string };
  /** Present when this object cannot be compared or applied: the server's reason. */
  error?: string;
  /** The first field changes, when OutOfSync (values of Secrets are masked). */
  diff?: FieldChange[];
  /**
   * Git no longer declares this object, which the app still manages: a sync with prune deletes
   * it (Argo CD's `requiresPruning`). Listed so that it is not forgotten before it is pruned.
   */
  requiresPruning?: boolean;
}

/** What one sync did to one object. */
export const RESOURCE_RESULTS = [
  "created",
  "configured",
  "unchanged",
  "deleted",
  "skipped",
  "failed",
  "hook-succeeded",
  "hook-failed",
] as const;
export type ResourceResult = (typeof RESOURCE_RESULTS)[number];

export interface ResourceOutcome {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  result: ResourceResult;
  phase: string;
  wave: number;
  message?: string;
}

/**
 * A sync is an operation that runs across many reconciles (Argo CD's operation state): Running
 * while it applies, waits for hooks and waves, Terminating while a stop request is carried out,
 * then Succeeded or Failed. Everything needed to resume it after a restart is kept here.
 */
export const OPERATION_PHASES = ["Running", "Terminating", "Succeeded", "Failed"] as const;
export type OperationPhase = (typeof OPERATION_PHASES)[number];

/** A step of the plan, named by what it is rather than where it sits, so a recomputed plan finds it. */
export interface StepId {
  phase: string;
  wave: number;
  action: "apply" | "hook" | "prune";
}

/** The step an operation is on, with its place in the plan (index counts from 1). */
export interface OperationStep extends StepId {
  index: number;
  of: number;
}

/** A hook object the operation created, found again by uid after a restart. */
export interface HookState {
  apiVersion: string;
  kind: string;
  namespace: string;
  /** The object's actual name (generateName filled in). */
  name: string;
  uid: string;
  /** The sync phase and wave it ran in. */
  phase: string;
  wave: number;
  /** Which rendered hook it came from: `Kind/namespace/name`, or the generateName with a `*`. */
  template: string;
  state: "Running" | "Succeeded" | "Failed";
  message?: string;
  /** Mooring has removed its finalizer and applied the delete policy: it is done with the object. */
  released?: boolean;
}

export interface OperationState {
  phase: OperationPhase;
  /** automated, manual (moor app sync), self-heal, rollback. */
  trigger: string;
  revision: string;
  /** The Application generation the operation syncs. */
  generation?: number;
  /** Whether this operation prunes. */
  prune?: boolean;
  /** A dry run: planned and checked by the API server, nothing changed, no history entry. */
  dryRun?: boolean;
  /** Only these objects are synced (hooks do not run); absent: the whole app. */
  selection?: { group: string; kind: string; namespace?: string; name: string }[];
  message: string;
  startedAt: string;
  finishedAt?: string;
  /** Attempts made so far for this revision (1 for the first). */
  attempt: number;
  resources: ResourceOutcome[];
  /** The step being carried out while Running. */
  step?: OperationStep;
  /** The last step finished: steps up to it are never run again. */
  completed?: StepId;
  /** What a Running operation waits for, and since when. */
  waitingFor?: { message: string; since: string };
  hooks?: HookState[];
  /** Why the sync failed while its SyncFail hooks still run. */
  failure?: { message: string; forbidden?: boolean };
  initiatedBy?: { username?: string };
  /** Set when the API server refused the sync's identity (forbidden). */
  reason?: string;
}

export interface CommitMeta {
  revision: string;
  author: string;
  message: string;
  committedAt: string;
  /** Who signed the commit, when its project requires signed commits (project/signature.ts). */
  signer?: Signer;
}

/** Where one source of a deploy came from (user names and passwords taken out of repoURL). */
export interface SourceSummary {
  repoURL: string;
  path: string;
  targetRevision: string;
  /** A chart from a Helm repository or OCI registry. */
  chart?: string;
  /** The name other sources use as `$ref/...` (multi-source apps). */
  ref?: string;
}

/**
 * A deploy. For a multi-source app (core/app-sources.ts) `revision` is the sources' revisions
 * joined in source order, `revisions` lists them one per source (Argo CD's field), `sources`
 * says where each came from and `commits` holds each source's commit (a chart's version);
 * the CommitMeta fields themselves are the first rendered source's.
 */
export interface HistoryEntry extends CommitMeta {
  id: number;
  deployedAt: string;
  /** What started this deploy. */
  trigger: string;
  /** Repository path and tool rendered, for `moor app history`; the first rendered source. */
  source: SourceSummary;
  /** Multi-source apps: one revision per source, in source order. */
  revisions?: string[];
  /** Multi-source apps: one entry per source, in source order. */
  sources?: SourceSummary[];
  /** Multi-source apps: each source's commit (or chart version), in source order. */
  commits?: CommitMeta[];
}

export interface DriftRecord {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  /** The field manager whose change drifted the object ("deleted" when it was removed). */
  manager: string;
  /** modified or deleted. */
  change: "modified" | "deleted";
  detectedAt: string;
  /** When self-heal put it back; absent while it is only reported. */
  correctedAt?: string;
  fields?: string[];
}

export interface PinStatus {
  /** The revision the app is held at after a rollback. */
  revision: string;
  historyId: number;
  /** The branch head when the pin was made: a newer head releases the pin. */
  headAtPin: string;
  pinnedAt: string;
}

/**
 * A file of a plain-directory source left out because none of its documents is a Kubernetes
 * object (no apiVersion, no kind: a values.yaml or a config file beside the manifests), as
 * Argo CD leaves such files out.
 */
export interface SkippedFile {
  /** Repository-relative path. */
  path: string;
  reason: string;
}

/** Skipped files listed in status.skipped; the rest are counted in the last entry's reason. */
export const STATUS_SKIPPED_LIMIT = 20;

export interface ApplicationStatus {
  observedGeneration?: number;
  /**
   * For a multi-source app `revision` is the revisions joined in source order
   * (core/app-sources.ts joinRevisions) and `revisions` lists them one per source (Argo CD's
   * field); `targetRevision` is the first rendered source's.
   */
  sync: { status: SyncStatus; revision?: string; targetRevision?: string; revisions?: string[] };
  health: { status: HealthStatus; message?: string };
  conditions: Condition[];
  resources: ResourceStatus[];
  /** The commit deployed (for a multi-source app: its first rendered source's). */
  commit?: CommitMeta;
  /** Multi-source apps: each source's commit (or chart version), in source order. */
  commits?: CommitMeta[];
  operationState?: OperationState;
  /** A deletion with PreDelete or PostDelete hooks, while it runs (core/deletion-hooks.ts). */
  deletion?: DeletionState;
  history: HistoryEntry[];
  drift?: DriftRecord[];
  pin?: PinStatus;
  /** When the source was last compared against the cluster. */
  reconciledAt?: string;
  sourceType?: string;
  /** Files of a plain-directory source that hold no Kubernetes objects and were left out. */
  skipped?: SkippedFile[];
}
