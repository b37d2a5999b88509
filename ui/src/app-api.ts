// What the application page reads and asks of the server, through the public API only
// (api.ts): one Application with its list row, its deploy history, the diff of what waits to be
// synced, its Kubernetes Events, the preview of a rollback, and the actions (sync, refresh,
// rollback, unpin, terminate, suspend, resume). Actions answer 202 "accepted": the controller
// carries them out on its own time and the page learns the outcome from the live stream.
import { type AppRow, api, type SourceRow } from "./api.ts";
import type { KubeEvent } from "./stream.ts";

/** One status condition (kstatus: Ready, Reconciling, Stalled). */
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

/** Who signed a commit, when the app's project requires signed commits. */
export interface Signer {
  format: string;
  identity: string;
  key: string;
  primaryKey?: string;
}

export interface CommitMeta {
  revision: string;
  author?: string;
  message?: string;
  committedAt?: string;
  signer?: Signer;
}

export interface HistoryEntry extends CommitMeta {
  id: number;
  deployedAt: string;
  trigger: string;
  source?: SourceRow;
  /** Multi-source apps: one revision per source, in source order (`revision` joins them). */
  revisions?: string[];
  /** Multi-source apps: where each revision came from. */
  sources?: SourceRow[];
  /** Multi-source apps: each source's commit (a chart's version). */
  commits?: CommitMeta[];
}

/** What one sync did to one object. */
export interface ResourceOutcome {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  result: string;
  phase: string;
  wave: number;
  message?: string;
}

export interface OperationState {
  phase: "Running" | "Terminating" | "Succeeded" | "Failed";
  trigger: string;
  revision: string;
  prune?: boolean;
  dryRun?: boolean;
  selection?: { group: string; kind: string; namespace?: string; name: string }[];
  message: string;
  startedAt: string;
  finishedAt?: string;
  attempt?: number;
  resources?: ResourceOutcome[];
  waitingFor?: { message: string; since: string };
  initiatedBy?: { username?: string };
}

/** A change to a managed object by someone other than Mooring (status.drift). */
export interface DriftRecord {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  manager: string;
  change: "modified" | "deleted";
  detectedAt: string;
  correctedAt?: string;
  fields?: string[];
}

export interface PinStatus {
  revision: string;
  historyId: number;
  headAtPin?: string;
  pinnedAt?: string;
}

export interface ApplicationStatus {
  sync?: { status?: string; revision?: string; targetRevision?: string; revisions?: string[] };
  health?: { status?: string; message?: string };
  conditions?: Condition[];
  commit?: CommitMeta;
  operationState?: OperationState;
  history?: HistoryEntry[];
  drift?: DriftRecord[];
  pin?: PinStatus;
  reconciledAt?: string;
}

export interface Application {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
  };
  spec: {
    project?: string;
    source?: { repoURL: string; path?: string; targetRevision?: string; chart?: string };
    sources?: { repoURL: string; path?: string; targetRevision?: string; chart?: string; ref?: string }[];
    destination: { cluster?: string; name?: string; server?: string; namespace?: string };
    syncPolicy?: { automated?: { prune?: boolean; selfHeal?: boolean } | null };
    suspend?: boolean;
  };
  status?: ApplicationStatus;
}

export interface AppDetail {
  application: Application;
  summary: AppRow;
}

/** A field that differs between Git (desired) and the cluster (live); Secret values are masked. */
export interface FieldChange {
  path: string;
  live?: unknown;
  desired?: unknown;
}

export interface ObjectRef {
  group: string;
  version?: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface DiffResource extends ObjectRef {
  status: string;
  changes: FieldChange[];
  truncated: boolean;
}

export interface AppDiff {
  sync: string;
  revision?: string;
  resources: DiffResource[];
}

/** A Kubernetes Event about the app, as GET .../events and the stream's `event` send it. */
export type AppEvent = KubeEvent;

/** What a sync to a revision would change, per object (GET .../preview?revision=). */
export interface PreviewResource extends ObjectRef {
  /** Synced | OutOfSync | Missing (would be created) | Extra (would be pruned with prune). */
  status: string;
  changes: FieldChange[];
  /** Why the object could not be compared (the API server refused its dry run). */
  error?: string;
}

export interface Preview {
  revision: string;
  resources: PreviewResource[];
}

export interface ActionAccepted {
  accepted: true;
  action: string;
  object: string;
  message: string;
  request: Record<string, unknown>;
}

export interface SyncRequest {
  prune?: boolean;
  dryRun?: boolean;
  resources?: { group: string; kind: string; namespace?: string; name: string }[];
}

const base = (namespace: string, name: string) =>
  `/applications/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;

export const fetchApp = (namespace: string, name: string, signal?: AbortSignal) =>
  api<AppDetail>(base(namespace, name), signal ? { signal } : {});

export const fetchDiff = (namespace: string, name: string) => api<AppDiff>(`${base(namespace, name)}/diff`);

export const fetchEvents = (namespace: string, name: string, signal?: AbortSignal) =>
  api<{ items: AppEvent[] }>(`${base(namespace, name)}/events`, signal ? { signal } : {});

export const fetchPreview = (namespace: string, name: string, revision: string, signal?: AbortSignal) =>
  api<Preview>(
    `${base(namespace, name)}/preview?revision=${encodeURIComponent(revision)}`,
    signal ? { signal } : {},
  );

const act = (namespace: string, name: string, action: string, body: unknown = {}) =>
  api<ActionAccepted>(`${base(namespace, name)}/${action}`, { method: "POST", body });

export const syncApp = (namespace: string, name: string, request: SyncRequest) =>
  act(namespace, name, "sync", request);
export const refreshApp = (namespace: string, name: string, hard: boolean) =>
  act(namespace, name, "refresh", hard ? { hard: true } : {});
export const rollbackApp = (namespace: string, name: string, id: number) =>
  act(namespace, name, "rollback", { id });
export const unpinApp = (namespace: string, name: string) => act(namespace, name, "unpin");
export const terminateApp = (namespace: string, name: string) => act(namespace, name, "terminate");
export const suspendApp = (namespace: string, name: string) => act(namespace, name, "suspend");
export const resumeApp = (namespace: string, name: string) => act(namespace, name, "resume");
