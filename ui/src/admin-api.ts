// The administration pages' view of the API: Projects with their rules and members, registered
// clusters with their connection state, and the audit trail with its chain verification. The
// shapes are the server's (src/server/routes/projects.ts, clusters.ts, audit.ts); every call goes
// through ./api.ts.
import { api } from "./api.ts";

export interface KindRef {
  group: string;
  kind: string;
}

export interface ProjectRole {
  name: string;
  description?: string;
  verbs: string[];
  users: string[];
  groups: string[];
}

export interface ProjectSummary {
  name: string;
  description?: string;
  sourceRepos: string[];
  destinations: { name?: string; server?: string; namespace?: string }[];
  clusterResourceWhitelist: KindRef[];
  clusterResourceBlacklist: KindRef[];
  namespaceResourceWhitelist: KindRef[];
  namespaceResourceBlacklist: KindRef[];
  sourceNamespaces: string[];
  signatureKeys: { type: "gpg" | "ssh"; description: string; fingerprint?: string; keyID?: string }[];
  roles: ProjectRole[];
  counts: { applications: number; stacks: number };
  createdAt?: string;
}

export interface ClusterConnection {
  state: "reachable" | "unreachable" | "unknown";
  version?: string;
  error?: string;
  checkedAt?: string;
}

export interface ClusterSummary {
  name: string;
  server: string;
  namespaces?: string[];
  project?: string;
  secretName: string;
  createdAt?: string;
  connection: ClusterConnection;
  applications: number;
}

export interface AuditRecord {
  seq: number;
  time: string;
  kind: string;
  actor: { type: string; name: string; address?: string };
  project: string;
  object?: { group: string; kind: string; namespace: string; name: string };
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface AuditPage {
  records: AuditRecord[];
  nextCursor?: string;
}

/** GET /audit/verify: the chain is whole up to `head`, or broken at `problem.seq`. */
export type ChainVerification =
  | {
      ok: true;
      count: number;
      head: { seq: number; hash: string };
      anchorsChecked: number;
      anchors: number;
    }
  | { ok: false; count: number; problem: { code: string; seq: number; message: string }; anchors: number };

export const listProjects = (signal?: AbortSignal) =>
  api<{ items: ProjectSummary[] }>("/projects", signal ? { signal } : {});

export const listClusters = (signal?: AbortSignal) =>
  api<{ items: ClusterSummary[] }>("/clusters", signal ? { signal } : {});

export const listAudit = (query: URLSearchParams, signal?: AbortSignal) =>
  api<AuditPage>(`/audit?${query}`, signal ? { signal } : {});

export const verifyAudit = () => api<ChainVerification>("/audit/verify");
