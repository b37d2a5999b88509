// The Application resource (mooring.dev/v1alpha1): which Git source to render, where to apply it
// and how to keep it in sync. Field names follow Argo CD wherever the concept is the same, so
// existing Application manifests port over by changing the apiVersion.
import type { KubeObject, ObjectMeta } from "./objects.ts";

export const API_GROUP = "mooring.dev";
export const API_VERSION = "v1alpha1";
export const APPLICATION_API_VERSION = `${API_GROUP}/${API_VERSION}`;
export const CONTROLLER_NAMESPACE = "mooring";
export const FIELD_MANAGER = "mooring";
/** On an Application or a Stack: look at Git again now (`normal`, or `hard` to skip caches). */
export const REFRESH_ANNOTATION = "mooring.dev/refresh";
/** The finalizer through which deleting an Application deletes what it deployed. */
export const RESOURCES_FINALIZER = "mooring.dev/resources-finalizer";

export interface HelmParameter {
  name: string;
  value: string;
  /** Pass the value with --set-string rather than --set. */
  forceString?: boolean;
}

export interface HelmSource {
  /**
   * Values files relative to the chart directory (or repo-absolute when they start with /); an
   * entry with `*`, `?` or `[` is a glob, expanded in lexical order (Argo CD 3.4).
   */
  valueFiles?: string[];
  /** Leave out values files (and globs) that match nothing instead of failing; default false. */
  ignoreMissingValueFiles?: boolean;
  /** Inline values as a YAML string (Argo CD's `values`). */
  values?: string;
  /** Inline values as an object (Argo CD's `valuesObject`); wins over `values`. */
  valuesObject?: Record<string, unknown>;
  parameters?: HelmParameter[];
  /** Default: the Application's name. */
  releaseName?: string;
  /** Namespace passed to helm template; default: destination.namespace. */
  namespace?: string;
}

export interface KustomizeSource {
  /** Prefix/suffix added to every object name. */
  namePrefix?: string;
  nameSuffix?: string;
  /** Image overrides in kustomize's `name=newName:tag` form. */
  images?: string[];
  commonLabels?: Record<string, string>;
  commonAnnotations?: Record<string, string>;
  /** Expand build variables ($ARGOCD_APP_NAME, ...) in commonAnnotations values; default false. */
  commonAnnotationsEnvsubst?: boolean;
  /** Namespace set on every namespaced object. */
  namespace?: string;
}

export interface DirectorySource {
  /** Descend into subdirectories; default false (as in Argo CD). */
  recurse?: boolean;
  /** Glob (or `{a,b}` list of globs) of files to read; default every *.yaml, *.yml and *.json. */
  include?: string;
  /** Glob (or `{a,b}` list) of files to skip; default none. */
  exclude?: string;
  /** How `*.jsonnet` files are evaluated (Argo CD's `directory.jsonnet`); default no variables. */
  jsonnet?: JsonnetSource;
}

/** A Jsonnet top-level argument or external variable. */
export interface JsonnetVar {
  name: string;
  value: string;
  /** The value is Jsonnet code (`--tla-code`/`--ext-code`); default false: a string. */
  code?: boolean;
}

export interface JsonnetSource {
  /** Top-level arguments, passed to a file that evaluates to a function. */
  tlas?: JsonnetVar[];
  /** External variables, read with `std.extVar(name)`. */
  extVars?: JsonnetVar[];
  /** Library folders searched by imports (`-J`), repository paths; default none. */
  libs?: string[];
}

export interface ApplicationSource {
  /** A Git repository; with `chart`, a Helm repository or OCI registry (core/chart-source.ts). */
  repoURL: string;
  /** Branch, tag, commit SHA or HEAD; default HEAD. With `chart`: a version or a semver range. */
  targetRevision?: string;
  /** A Helm chart taken from the chart repository at repoURL instead of a folder from Git. */
  chart?: string;
  /** Directory inside the repository; default the root. Must stay inside the repository. */
  path?: string;
  directory?: DirectorySource;
  kustomize?: KustomizeSource;
  helm?: HelmSource;
  /**
   * In `spec.sources`: a name other sources use as `$name/...` in helm.valueFiles to take values
   * files from this source's checkout (core/app-sources.ts). Without `path` or `chart` the source
   * renders nothing itself.
   */
  ref?: string;
}

export interface ApplicationDestination {
  /** Name of a registered cluster; default: the cluster Mooring runs in. */
  cluster?: string;
  /** Namespace for namespaced objects that do not set one. */
  namespace?: string;
}

export interface RetryStrategy {
  /** Attempts after the first; default 5. A negative limit retries forever. */
  limit?: number;
  backoff?: {
    /** First delay, e.g. "5s"; default 5s. */
    duration?: string;
    /** Multiplier per attempt; default 2. */
    factor?: number;
    /** Longest delay; default 3m. */
    maxDuration?: string;
  };
}

export interface SyncPolicy {
  automated?: {
    prune?: boolean;
    selfHeal?: boolean;
    /**
     * An empty render is accepted (and may prune everything) even while the source path holds
     * files Mooring does not render; default false: such a render stalls (core/empty-render.ts).
     */
    allowEmpty?: boolean;
  };
  /** Argo CD style `Key=value` options: CreateNamespace, PruneLast, PrunePropagationPolicy, ... */
  syncOptions?: string[];
  retry?: RetryStrategy;
}

export interface IgnoreDifference {
  group?: string;
  kind: string;
  name?: string;
  namespace?: string;
  /** RFC 6901 pointers into the object, e.g. /spec/replicas. */
  jsonPointers?: string[];
  /** Ignore every field owned by these field managers (e.g. an HPA controller on replicas). */
  managedFieldsManagers?: string[];
}

export interface HealthCheck {
  group?: string;
  kind: string;
  /** CEL expressions over `object`; the first that is true decides. */
  degraded?: string;
  progressing?: string;
  healthy?: string;
  /** Optional CEL expression giving the message shown with the status. */
  message?: string;
}

export interface Dependency {
  /** Stack (default) or Application. */
  kind?: "Stack" | "Application";
  name: string;
  /** Default: the Application's namespace. */
  namespace?: string;
}

export interface ApplicationSpec {
  /** The Project (in the controller namespace) whose rules apply; default `default`. */
  project?: string;
  /** The one source; ignored when `sources` is non-empty. One of the two is required. */
  source?: ApplicationSource;
  /**
   * Several sources (Argo CD's multi-source Applications): each renders on its own and the
   * objects are combined; read them through core/app-sources.ts, never directly.
   */
  sources?: ApplicationSource[];
  destination: ApplicationDestination;
  syncPolicy?: SyncPolicy;
  ignoreDifferences?: IgnoreDifference[];
  healthChecks?: HealthCheck[];
  /** Stop reconciling (no compare, no sync, no self-heal) while true. */
  suspend?: boolean;
  /** Give up a sync after this long, e.g. "5m"; default 5m. */
  syncTimeout?: string;
  /** History entries kept in status; default 10. */
  revisionHistoryLimit?: number;
  /**
   * Objects that must be Ready before this app syncs: typically a Stack that creates the
   * database the app connects to (its outputs Secret is then there too).
   */
  dependsOn?: Dependency[];
}

export interface Application extends KubeObject {
  metadata: ObjectMeta & { name: string; namespace: string };
  spec: ApplicationSpec;
  status?: Record<string, unknown>;
}
