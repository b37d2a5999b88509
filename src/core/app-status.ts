// The status an Application reports: what Git holds (sync), how the running objects are
// doing (health), what the last sync did (operationState), what drifted and who changed it,
// and the history of deployed revisions. Field names follow Argo CD where they mean the same.
import type { Condition } from "./conditions.ts";
import type { FieldChange } from "./diff.ts";
import type { HealthStatus } from "./health/status.ts";

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

export interface OperationState {
  phase: "Running" | "Succeeded" | "Failed";
  /** automated, manual (moor app sync), self-heal, rollback. */
  trigger: string;
  revision: string;
  message: string;
  startedAt: string;
  finishedAt?: string;
  /** Attempts made so far for this revision (1 for the first). */
  attempt: number;
  resources: ResourceOutcome[];
}

export interface CommitMeta {
  revision: string;
  author: string;
  message: string;
  committedAt: string;
}

export interface HistoryEntry extends CommitMeta {
  id: number;
  deployedAt: string;
  /** What started this deploy. */
  trigger: string;
  /** Repository path and tool rendered, for `moor app history`. */
  source: { repoURL: string; path: string; targetRevision: string };
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
  sync: { status: SyncStatus; revision?: string; targetRevision?: string };
  health: { status: HealthStatus; message?: string };
  conditions: Condition[];
  resources: ResourceStatus[];
  commit?: CommitMeta;
  operationState?: OperationState;
  history: HistoryEntry[];
  drift?: DriftRecord[];
  pin?: PinStatus;
  /** When the source was last compared against the cluster. */
  reconciledAt?: string;
  sourceType?: string;
  /** Files of a plain-directory source that hold no Kubernetes objects and were left out. */
  skipped?: SkippedFile[];
}
