// Helpers for end-to-end tests of Applications: create one from a spec, read its status, and
// wait for what a user would wait for (kubectl get app, moor app wait).
import type { ApplicationStatus } from "../../src/core/app-status.ts";
import type { ApplicationSpec } from "../../src/core/application.ts";
import { eventually, kubectl, kubectlOk, moor } from "./cluster.ts";
import { runSandboxKubeconfig } from "./env.ts";

export interface AppView {
  metadata: { name: string; namespace: string; generation: number; annotations?: Record<string, string> };
  spec: ApplicationSpec;
  status?: ApplicationStatus;
}

export async function applyApp(name: string, spec: ApplicationSpec): Promise<void> {
  const manifest = {
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Application",
    metadata: { name, namespace: "mooring" },
    spec,
  };
  await kubectlOk(["apply", "--server-side", "--field-manager=test", "-f", "-"], {
    input: JSON.stringify(manifest),
  });
}

export async function getApp(name: string): Promise<AppView> {
  return JSON.parse(await kubectlOk(["get", "application", name, "-n", "mooring", "-o", "json"])) as AppView;
}

export async function deleteApp(name: string, cascade = true): Promise<void> {
  if (!cascade) {
    // What users run to keep the objects: drops the finalizer, then deletes.
    const res = await moor([
      "app",
      "delete",
      name,
      "--cascade=false",
      "--wait",
      "--timeout",
      "60s",
      "--kubeconfig",
      runSandboxKubeconfig(),
    ]);
    if (res.code !== 0 && !/not found/i.test(res.stderr)) throw new Error(`moor app delete: ${res.stderr}`);
    return;
  }
  await kubectl([
    "delete",
    "application",
    name,
    "-n",
    "mooring",
    "--ignore-not-found",
    "--wait=true",
    "--timeout=60s",
  ]);
}

/**
 * Removes an Application at the end of a test without waiting for the controller: its finalizer
 * is dropped first, since the controller that would honour it may be stopped already.
 */
export async function discardApp(name: string): Promise<void> {
  await kubectl([
    "patch",
    "application",
    name,
    "-n",
    "mooring",
    "--type=merge",
    "-p",
    '{"metadata":{"finalizers":null}}',
  ]);
  await kubectl(["delete", "application", name, "-n", "mooring", "--ignore-not-found", "--wait=false"]);
}

/** Asks the controller to look at Git now (what `moor app refresh` does). */
export async function refreshApp(name: string): Promise<void> {
  await kubectlOk([
    "annotate",
    "application",
    name,
    "-n",
    "mooring",
    "mooring.dev/refresh=normal",
    "--overwrite",
  ]);
}

/** Waits until the app's status satisfies the predicate, and returns it. */
export function waitForApp(
  name: string,
  what: string,
  predicate: (app: AppView) => boolean,
  timeoutMs = 60_000,
): Promise<AppView> {
  let last: AppView | undefined;
  return eventually(
    `application ${name} ${what}`,
    async () => {
      last = await getApp(name);
      return predicate(last) ? last : undefined;
    },
    timeoutMs,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last status: ${JSON.stringify(last?.status ?? null)}`);
  });
}

export function syncedAndHealthy(revision?: string) {
  return (app: AppView) =>
    app.status?.sync.status === "Synced" &&
    app.status.health.status === "Healthy" &&
    (revision === undefined || app.status.sync.revision === revision);
}

export function condition(app: AppView, type: string) {
  return app.status?.conditions?.find((c) => c.type === type);
}

/**
 * The Applications a test file deploys, each into a namespace of its own (created by the sync),
 * and their removal afterwards: `const fleet = appFleet(); ... fleet.deploy(...)`, then
 * `after(() => fleet.remove())`.
 */
export function appFleet(suffix = Date.now().toString(36)) {
  const apps: string[] = [];
  const namespaces: string[] = [];
  return {
    /** Creates an app syncing `source` (automated, with pruning); returns its namespace. */
    async deploy(name: string, source: ApplicationSpec["source"]): Promise<string> {
      const ns = `${name}-${suffix}`;
      apps.push(name);
      namespaces.push(ns);
      await applyApp(name, {
        source,
        destination: { namespace: ns },
        syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] },
      });
      return ns;
    },
    async remove(): Promise<void> {
      for (const app of apps) await deleteApp(app);
      for (const ns of namespaces)
        await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
    },
  };
}
