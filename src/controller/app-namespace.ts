// DeleteNamespace at the edge (core/namespace-lifecycle.ts decides): once a deleted app's objects
// are gone, read its destination namespace and the other Applications deploying there, then delete
// the namespace or say in an Event why it stays. The delete acts as the app's sync identity, like
// the deletes of its objects; a refusal keeps the namespace and says so without holding the app's
// deletion back, since its objects are gone already.
import { APPLICATION_API_VERSION, type Application } from "../core/application.ts";
import { decideNamespaceDeletion } from "../core/namespace-lifecycle.ts";
import { parseSyncOptions } from "../core/sync-plan.ts";
import { KubeApiError, type KubeClient } from "../kube/client.ts";
import type { EventRecorder } from "../kube/events.ts";
import { IN_CLUSTER } from "./destinations.ts";

export interface NamespaceCleanup {
  /** The cluster where Applications live. */
  apps: KubeClient;
  /** The app's destination, as its sync identity. */
  destination: KubeClient;
  events: EventRecorder;
}

function clusterOf(app: Application): string {
  return app.spec.destination.cluster || IN_CLUSTER;
}

/** Applications other than `app` that deploy to the same cluster and namespace, `namespace/name`. */
async function sharingApps(apps: KubeClient, app: Application, namespace: string): Promise<string[]> {
  const all = (await apps.list(APPLICATION_API_VERSION, "Application")).items as Application[];
  return all
    .filter(
      (other) =>
        other.metadata.uid !== app.metadata.uid &&
        other.spec?.destination?.namespace === namespace &&
        clusterOf(other) === clusterOf(app),
    )
    .map((other) => `${other.metadata.namespace}/${other.metadata.name}`)
    .sort();
}

/** Deletes the app's destination namespace when DeleteNamespace allows it; records why not otherwise. */
export async function removeCreatedNamespace(io: NamespaceCleanup, app: Application): Promise<void> {
  const options = parseSyncOptions(app.spec.syncPolicy?.syncOptions).options;
  const namespace = app.spec.destination.namespace ?? "";
  if (!options.deleteNamespace || !options.createNamespace || namespace === "") return;
  const live = await io.destination.get("v1", "Namespace", "", namespace);
  const decision = decideNamespaceDeletion({
    app: {
      namespace: app.metadata.namespace ?? "",
      name: app.metadata.name ?? "",
      uid: app.metadata.uid ?? "",
    },
    deleteNamespace: true,
    namespace,
    live: live ? (live.metadata.annotations ?? {}) : null,
    sharedWith: live ? await sharingApps(io.apps, app, namespace) : [],
  });
  if (decision.action === "none") return;
  if (decision.action === "keep") {
    await io.events.record(app, "Normal", decision.reason, decision.message);
    return;
  }
  try {
    const deleted = await io.destination.delete({
      apiVersion: "v1",
      group: "",
      kind: "Namespace",
      namespace: "",
      name: namespace,
    });
    if (!deleted) return;
  } catch (err) {
    if (!(err instanceof KubeApiError && err.status === 403)) throw err;
    await io.events.record(
      app,
      "Warning",
      "NamespaceKept",
      `namespace ${namespace} kept: the API server refused to let the app's identity delete it: ${err.message}`,
    );
    return;
  }
  await io.events.record(app, "Normal", "NamespaceDeleted", decision.message);
}
