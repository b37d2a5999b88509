// Kubernetes objects as plain data, and the one identity every layer uses for them.
//
// An object is identified by group, kind, namespace and name (the version is not part of the
// identity: apps/v1 and apps/v1beta2 Deployments named "web" are the same object). Logs, CLI,
// API, UI, events and audit all print an object through `formatRef`, as Flux does:
// `Deployment/shop/web`, or `Namespace/shop` for cluster-scoped objects.

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  managedFields?: ManagedFieldsEntry[];
  [key: string]: unknown;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: "Apply" | "Update";
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface ObjectRef {
  /** API group; "" for the core group (Pods, Services, ConfigMaps...). */
  group: string;
  kind: string;
  /** "" for cluster-scoped objects. */
  namespace: string;
  name: string;
}

/** The group of an apiVersion: "apps/v1" → "apps", "v1" → "". */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** The version of an apiVersion: "apps/v1" → "v1", "v1" → "v1". */
export function versionOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
}

export function refOf(obj: KubeObject): ObjectRef {
  return {
    group: groupOf(obj.apiVersion),
    kind: obj.kind,
    namespace: obj.metadata.namespace ?? "",
    name: obj.metadata.name ?? "",
  };
}

/** `Kind/namespace/name`, or `Kind/name` when cluster-scoped. */
export function formatRef(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

/** A map key that is unique per object identity (group included, unlike formatRef). */
/** Kubernetes object names: lower-case RFC 1123 subdomains (at most 253 characters). */
export const OBJECT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function refKey(ref: ObjectRef): string {
  return `${ref.group}/${ref.kind}/${ref.namespace}/${ref.name}`;
}

export function sameRef(a: ObjectRef, b: ObjectRef): boolean {
  return a.group === b.group && a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;
}

/**
 * The tracking annotation Mooring writes on every object it manages:
 * `<app-namespace>/<app-name>:<group>/<kind>:<namespace>/<name>`. It ties a live object back to
 * the Application that owns it, which is how prune finds what Git no longer declares, and it
 * survives copies between clusters (unlike owner references).
 */
export const TRACKING_ANNOTATION = "mooring.dev/tracking-id";

export interface AppRef {
  namespace: string;
  name: string;
}

export function trackingId(app: AppRef, ref: ObjectRef): string {
  return `${app.namespace}/${app.name}:${ref.group}/${ref.kind}:${ref.namespace}/${ref.name}`;
}

export interface ParsedTrackingId {
  app: AppRef;
  ref: ObjectRef;
}

export function parseTrackingId(id: string): ParsedTrackingId | null {
  const match = /^([^/:]+)\/([^/:]+):([^/:]*)\/([^/:]+):([^/:]*)\/([^/:]+)$/.exec(id);
  if (!match) return null;
  const [, appNs = "", appName = "", group = "", kind = "", namespace = "", name = ""] = match;
  return { app: { namespace: appNs, name: appName }, ref: { group, kind, namespace, name } };
}

/** Deep copy of JSON data. Objects from the API are JSON, so this is exact. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}
