// Installing Mooring into a cluster: server-side apply of every install manifest (field manager
// "mooring"), waiting for each CRD to be Established before anything may use its kinds. Applying
// is idempotent: the apiserver does not write an object whose applied fields are unchanged, so
// its resourceVersion stays the same, and that is how each object is reported as created,
// configured or unchanged. The report is one typed list that the CLI prints as a table, JSON or
// YAML.
import { setTimeout as sleep } from "node:timers/promises";
import { FIELD_MANAGER } from "../core/application.ts";
import { formatRef, type KubeObject, refOf } from "../core/objects.ts";
import { KubeApiError, type KubeClient } from "../kube/client.ts";
import { type InstallManifest, readInstallManifests, SINGLE_TEAM_ONLY_OBJECTS } from "./manifests.ts";

export const INSTALL_ACTIONS = ["created", "configured", "unchanged", "skipped", "deleted"] as const;
export type InstallAction = (typeof INSTALL_ACTIONS)[number];

export interface InstalledObject {
  /** `Kind/namespace/name` or `Kind/name`. */
  object: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  action: InstallAction;
  /** Why an object was skipped. */
  reason?: string;
}

export interface InstallResult {
  objects: InstalledObject[];
  /** False when every object was unchanged or skipped. */
  changed: boolean;
}

export interface InstallOptions {
  /** The objects to apply, in order; default: readInstallManifests(). */
  manifests?: InstallManifest[];
  /** How long to wait for each CRD to be Established; default 60 s. */
  crdTimeoutMs?: number;
  /** Called after each object, for progress output; default none. */
  onObject?: (object: InstalledObject) => void;
  /** Install the locked-down default Project (default-project.ts); default false. */
  multiTenant?: boolean;
}

export type InstallErrorCode = "apply-failed" | "crd-not-established";

export class InstallError extends Error {
  readonly code: InstallErrorCode;
  constructor(code: InstallErrorCode, message: string) {
    super(message);
    this.name = "InstallError";
    this.code = code;
  }
}

const CRD_KIND = "CustomResourceDefinition";

export function installDefaults(options: InstallOptions): Required<Omit<InstallOptions, "manifests">> {
  return { crdTimeoutMs: 60_000, onObject: () => {}, multiTenant: false, ...options };
}

/** Applies the install manifests and reports what happened to each object. */
export async function install(client: KubeClient, options: InstallOptions = {}): Promise<InstallResult> {
  const { crdTimeoutMs, onObject, multiTenant } = installDefaults(options);
  const manifests = options.manifests ?? (await readInstallManifests(undefined, { multiTenant }));
  const objects: InstalledObject[] = [];
  const pendingCrds: string[] = [];
  for (const manifest of manifests) {
    if (manifest.object.kind !== CRD_KIND && pendingCrds.length > 0) {
      for (const name of pendingCrds.splice(0)) await waitEstablished(client, name, crdTimeoutMs);
      // The kinds the CRDs define are served from now on.
      await client.discovery.refresh();
    }
    const installed = await applyOne(client, manifest);
    if (manifest.object.kind === CRD_KIND) pendingCrds.push(installed.name);
    objects.push(installed);
    onObject(installed);
  }
  for (const name of pendingCrds) await waitEstablished(client, name, crdTimeoutMs);
  if (pendingCrds.length > 0) await client.discovery.refresh();
  if (multiTenant) {
    for (const removed of await removeSingleTeamObjects(client)) {
      objects.push(removed);
      onObject(removed);
    }
  }
  return {
    objects,
    changed: objects.some(
      (o) => o.action === "created" || o.action === "configured" || o.action === "deleted",
    ),
  };
}

/** Deletes what only single-team installs have (the mooring-manager role), if present. */
async function removeSingleTeamObjects(client: KubeClient): Promise<InstalledObject[]> {
  const removed: InstalledObject[] = [];
  for (const { apiVersion, kind, name } of SINGLE_TEAM_ONLY_OBJECTS) {
    const ref = { group: "rbac.authorization.k8s.io", kind, namespace: "", name };
    try {
      if (!(await client.delete({ ...ref, apiVersion }))) continue;
    } catch (err) {
      throw new InstallError(
        "apply-failed",
        applyFailure(formatRef(ref), err).replace(/^cannot apply/, "cannot delete"),
      );
    }
    removed.push({
      object: formatRef(ref),
      apiVersion,
      kind,
      name,
      action: "deleted",
      reason: "multi-tenant installs have no mooring-manager role: syncs act as ServiceAccounts",
    });
  }
  return removed;
}

async function applyOne(client: KubeClient, manifest: InstallManifest): Promise<InstalledObject> {
  const { object } = manifest;
  const ref = refOf(object);
  const base = {
    object: formatRef(ref),
    apiVersion: object.apiVersion,
    kind: object.kind,
    ...(ref.namespace ? { namespace: ref.namespace } : {}),
    name: ref.name,
  };
  try {
    const previous = await client.get(object.apiVersion, object.kind, ref.namespace, ref.name);
    const force = !(manifest.keepOthersChanges && previous !== null);
    let applied: KubeObject;
    try {
      applied = await client.apply(object, { fieldManager: FIELD_MANAGER, force });
    } catch (err) {
      if (!force && err instanceof KubeApiError && err.status === 409) {
        return { ...base, action: "skipped", reason: keptReason(err.message) };
      }
      throw err;
    }
    const action: InstallAction =
      previous === null
        ? "created"
        : previous.metadata.resourceVersion === applied.metadata.resourceVersion
          ? "unchanged"
          : "configured";
    return { ...base, action };
  } catch (err) {
    throw new InstallError("apply-failed", applyFailure(base.object, err));
  }
}

/** The managers named in a server-side apply conflict, for the skip reason. */
export function keptReason(conflictMessage: string): string {
  const managers = [...new Set([...conflictMessage.matchAll(/conflict with "([^"]+)"/g)].map((m) => m[1]))];
  const who = managers.length > 0 ? managers.join(", ") : "another field manager";
  return `changed by ${who}; those changes are kept (delete the object and install again to reset it)`;
}

function applyFailure(object: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof KubeApiError && (err.status === 401 || err.status === 403)) {
    return `cannot apply ${object}: ${message}; moor install creates CRDs and ClusterRoles, so it needs cluster-admin rights`;
  }
  return `cannot apply ${object}: ${message}`;
}

interface CrdCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** Waits until the CRD's Established condition is True; fails early when its names are refused. */
async function waitEstablished(client: KubeClient, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no status yet";
  for (;;) {
    const crd = await client.get("apiextensions.k8s.io/v1", CRD_KIND, "", name);
    const conditions = ((crd?.status as { conditions?: CrdCondition[] } | undefined)?.conditions ??
      []) as CrdCondition[];
    const established = conditions.find((c) => c.type === "Established");
    if (established?.status === "True") return;
    const names = conditions.find((c) => c.type === "NamesAccepted");
    if (names?.status === "False") {
      throw new InstallError(
        "crd-not-established",
        `${CRD_KIND}/${name} was refused: ${names.message ?? names.reason ?? "names not accepted"}; another CRD probably claims the same names`,
      );
    }
    if (established)
      last = `Established=${established.status}: ${established.message ?? established.reason ?? ""}`;
    if (Date.now() >= deadline) {
      throw new InstallError(
        "crd-not-established",
        `${CRD_KIND}/${name} did not become Established within ${Math.round(timeoutMs / 1000)}s (${last}); check the apiserver's logs`,
      );
    }
    await sleep(200);
  }
}
