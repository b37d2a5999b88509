// ApplicationSet: one template, many Applications, one per set of parameters its generators
// produce (Argo CD's ApplicationSet, with Argo CD's field names, so an existing ApplicationSet
// ports by changing its apiVersion to mooring.dev/v1alpha1 and nothing else).
//
// This file holds the shapes only; generators, templates, policies and rollouts live beside it.
// Generation is pure: the controller first asks which facts the generators need (registered
// clusters, the folders and files of a Git revision), fetches them, and hands them in.
import type { ApplicationSpec } from "../application.ts";
import type { KubeObject, ObjectMeta } from "../objects.ts";

export const APPLICATIONSET_API_VERSION = "mooring.dev/v1alpha1";
export const APPLICATIONSET_KIND = "ApplicationSet";

/** Kubernetes' label selector. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: {
    key: string;
    operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
    values?: string[];
  }[];
}

/** The Application a set stamps out, before parameters are put in. */
export interface ApplicationTemplate {
  metadata: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
  };
  spec: ApplicationSpec;
}

export interface ListGenerator {
  elements: Record<string, unknown>[];
  template?: Partial<ApplicationTemplate>;
}

export interface ClustersGenerator {
  selector?: LabelSelector;
  values?: Record<string, string>;
  template?: Partial<ApplicationTemplate>;
}

export interface GitGenerator {
  repoURL: string;
  revision: string;
  directories?: { path: string; exclude?: boolean }[];
  files?: { path: string; exclude?: boolean }[];
  pathParamPrefix?: string;
  values?: Record<string, string>;
  template?: Partial<ApplicationTemplate>;
}

export interface MatrixGenerator {
  generators: Generator[];
  template?: Partial<ApplicationTemplate>;
}

export interface MergeGenerator {
  generators: Generator[];
  mergeKeys: string[];
  template?: Partial<ApplicationTemplate>;
}

/** One generator: exactly one of its fields is set. Matrix and merge nest without a depth limit. */
export interface Generator {
  list?: ListGenerator;
  clusters?: ClustersGenerator;
  git?: GitGenerator;
  matrix?: MatrixGenerator;
  merge?: MergeGenerator;
  selector?: LabelSelector;
}

export const APPLICATIONS_SYNC_POLICIES = ["create-only", "create-update", "create-delete", "sync"] as const;
export type ApplicationsSyncPolicy = (typeof APPLICATIONS_SYNC_POLICIES)[number];

export interface RollingSyncStep {
  matchExpressions: { key: string; operator: "In" | "NotIn"; values: string[] }[];
  /** How many (or what percentage, "50%") of the step's apps are synced at once; default all. */
  maxUpdate?: number | string;
}

export interface ApplicationSetSpec {
  generators: Generator[];
  template: ApplicationTemplate;
  goTemplate?: boolean;
  /** e.g. ["missingkey=error"] */
  goTemplateOptions?: string[];
  syncPolicy?: {
    applicationsSync?: ApplicationsSyncPolicy;
    preserveResourcesOnDeletion?: boolean;
  };
  strategy?: { type: "AllAtOnce" | "RollingSync"; rollingSync?: { steps: RollingSyncStep[] } };
}

export interface ApplicationSetStatus {
  observedGeneration?: number;
  conditions?: {
    type: string;
    status: "True" | "False" | "Unknown";
    reason: string;
    message: string;
    lastTransitionTime: string;
  }[];
  /** Per generated Application: its rollout step and standing (Argo CD's applicationStatus). */
  applicationStatus?: {
    application: string;
    step: string;
    status: "Waiting" | "Pending" | "Progressing" | "Healthy";
    message: string;
    lastTransitionTime?: string;
  }[];
  /** The Applications the set owns, by name. */
  resources?: { name: string; namespace: string; health?: string; sync?: string }[];
}

export interface ApplicationSet extends KubeObject {
  metadata: ObjectMeta & { name: string; namespace: string };
  spec: ApplicationSetSpec;
  status?: ApplicationSetStatus;
}

/** A registered cluster as the clusters generator sees it (from its Secret). */
export interface ClusterFact {
  name: string;
  server: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** What a Git generator found at a revision: folders, and the files matching its globs with their text. */
export interface GitFact {
  repoURL: string;
  revision: string;
  /** The commit the revision resolved to. */
  sha: string;
  /** Every folder of the tree, repository-relative, no trailing slash. */
  directories: string[];
  /** Files matched by the generator's `files` globs, with their contents. */
  files: { path: string; text: string }[];
}

/** The facts generation needs, fetched by the controller (see `factsNeeded`). */
export interface GenerationFacts {
  clusters: ClusterFact[];
  /** By `${repoURL}#${revision}`. */
  git: Record<string, GitFact>;
}
