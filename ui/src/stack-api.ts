// The Stack pages' calls to the public API (/api/v1/stacks...), and the shapes they answer, as
// the server's OpenAPI document describes them. Nothing here ever carries a secret: the server
// serves sensitive outputs as "(sensitive)", plan text with secret values scrubbed, and never the
// binary plan file.
import { api, type Page } from "./api.ts";
import type { KubeEvent } from "./stream.ts";

export interface StackPlanRow {
  id: string;
  revision: string;
  add: number;
  change: number;
  destroy: number;
  pending: boolean;
}

/** One row of GET /stacks (and the `summary` of a stream `stack` change). */
export interface StackRow {
  namespace: string;
  name: string;
  project: string;
  labels: Record<string, string>;
  source: { repoURL: string; path: string; targetRevision: string };
  /** The Ready condition: True, False or Unknown. */
  ready: string;
  /** The Ready condition's reason: Applied, AwaitingApproval, Drifted... */
  reason: string;
  drifted: boolean;
  /** The id of the plan waiting for approval. */
  pendingPlan?: string;
  lastAppliedAt?: string;
  lastApplyResult?: string;
  lastPlan?: StackPlanRow;
  suspended: boolean;
  createdAt?: string;
}

export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

export interface PlanCounts {
  add: number;
  change: number;
  destroy: number;
  replace: number;
  forget: number;
  import: number;
  read: number;
}

export interface PlannedResource {
  address: string;
  /** create, update, replace, delete, forget, read */
  action: string;
  actions?: string[];
  type?: string;
  name?: string;
  previousAddress?: string;
  reason?: string;
}

export interface StackPlan {
  id: string;
  revision: string;
  createdAt: string;
  purpose: string;
  summary: PlanCounts;
  resources: PlannedResource[];
  resourcesOmitted?: number;
  outputs?: string[];
  pending: boolean;
}

export interface StackObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; annotations?: Record<string, string>; generation?: number };
  spec: {
    project?: string;
    source: { repoURL: string; targetRevision?: string; path?: string };
    workspace?: string;
    approvePlan?: string;
    driftDetection?: { interval?: string; mode?: string };
    suspend?: boolean;
    [field: string]: unknown;
  };
  status?: {
    conditions?: Condition[];
    lastPlan?: StackPlan;
    lastApply?: { planId: string; approvedBy: string; appliedAt: string; result: string; message: string };
    outputsSecret?: string;
    drift?: { checkedAt: string; drifted: boolean; resources: { address: string; actions: string[] }[] };
    lastError?: string;
  };
}

export interface StackPlanAnswer {
  plan: StackPlan | null;
  text?: string;
  textWithheld?: string;
}

export interface StackOutputs {
  secret: string | null;
  found: boolean;
  outputs: Record<string, string>;
  sensitiveListed: boolean;
  withheld?: string;
}

export interface StackLock {
  lock: { id: string; who: string; operation: string; createdAt?: string } | null;
  withheld?: string;
}

export interface ApplyEntry {
  planId: string;
  revision?: string;
  approvedBy: string;
  appliedAt: string;
  result: string;
  message: string;
}

/** A Kubernetes Event about the Stack, as GET .../events sends it. */
export type StackEvent = KubeEvent;

export interface ActionAnswer {
  message: string;
}

/** The value the server writes in place of a sensitive output (src/actions/stack-outputs.ts). */
export const SENSITIVE = "(sensitive)";

const one = (namespace: string, name: string) =>
  `/stacks/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;

export const listStacks = (query: URLSearchParams, signal?: AbortSignal) =>
  api<Page<StackRow>>(`/stacks?${query}`, signal === undefined ? {} : { signal });

export const getStack = (namespace: string, name: string, signal?: AbortSignal) =>
  api<{ stack: StackObject; summary: StackRow }>(
    one(namespace, name),
    signal === undefined ? {} : { signal },
  );

export const getStackPlan = (namespace: string, name: string) =>
  api<StackPlanAnswer>(`${one(namespace, name)}/plan`);
export const getStackOutputs = (namespace: string, name: string) =>
  api<StackOutputs>(`${one(namespace, name)}/outputs`);
export const getStackLock = (namespace: string, name: string) =>
  api<StackLock>(`${one(namespace, name)}/lock`);
export const getStackApplies = (namespace: string, name: string) =>
  api<{ items: ApplyEntry[]; source: "audit" | "status" }>(`${one(namespace, name)}/applies`);
export const getStackEvents = (namespace: string, name: string) =>
  api<{ items: StackEvent[] }>(`${one(namespace, name)}/events`);

export const approveStackPlan = (namespace: string, name: string, planId: string) =>
  api<ActionAnswer>(`${one(namespace, name)}/approve`, { method: "POST", body: { planId } });
export const planStack = (namespace: string, name: string) =>
  api<ActionAnswer>(`${one(namespace, name)}/plan`, { method: "POST", body: {} });
export const unlockStack = (namespace: string, name: string, lockId: string) =>
  api<ActionAnswer>(`${one(namespace, name)}/unlock`, { method: "POST", body: { lockId } });
