// The Applications of one namespace as `moor app` and the API server's app actions read and write
// them. Every write is a small request for the controller (a JSON merge patch of `operation` or of
// an annotation) except create, which is a server-side apply owned by the field manager
// `moor-cli`. Errors name the application and say what to do.
import { FINALIZER, type Operation } from "../controller/app-reconciler.ts";
import { APPLICATION_API_VERSION, type Application } from "../core/application.ts";
import { KubeApiError, type KubeClient } from "../kube/client.ts";
import { ResourceApi } from "./resource-client.ts";

/** Set on an Application whose managed objects must be kept when it is deleted. */
export const CASCADE_ANNOTATION = "mooring.dev/cascade";

export type AppWithOperation = Application & { operation?: Operation };

/** A command failed for a reason the user can act on; exit code 1. */
export class AppError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AppError";
  }
}

export class AppApi extends ResourceApi<AppWithOperation> {
  constructor(client: KubeClient, namespace: string) {
    super(client, namespace, {
      apiVersion: APPLICATION_API_VERSION,
      kind: "Application",
      noun: "application",
      command: "app",
      error: AppError,
    });
  }

  /**
   * Replaces any pending operation with this one (merge patch keeps keys it does not name, so
   * the other kinds of request are cleared explicitly).
   */
  async requestOperation(name: string, operation: Operation): Promise<AppWithOperation> {
    const cleared = { sync: null, rollback: null, unpin: null, terminate: null, initiatedBy: null };
    return this.patch(name, { operation: { ...cleared, ...operation } });
  }

  /** Asks the controller to stop the running operation; a sync or rollback already asked for stays. */
  async requestTerminate(name: string, username: string): Promise<AppWithOperation> {
    return this.patch(name, { operation: { terminate: true, initiatedBy: { username } } });
  }

  async requestRefresh(name: string, hard: boolean, annotation: string): Promise<AppWithOperation> {
    return this.patch(name, { metadata: { annotations: { [annotation]: hard ? "hard" : "normal" } } });
  }

  /**
   * Lets go of the managed objects: removes the finalizer and marks the app so the controller does
   * not add it back before the deletion. The resourceVersion makes the finalizer list a
   * compare-and-swap; a conflict is retried on a fresh read.
   */
  async orphan(name: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const app = await this.get(name);
      const finalizers = app.metadata.finalizers ?? [];
      try {
        await this.client.mergePatch(this.ref(name), {
          metadata: {
            resourceVersion: app.metadata.resourceVersion,
            annotations: { [CASCADE_ANNOTATION]: "false" },
            finalizers: finalizers.filter((f) => f !== FINALIZER),
          },
        });
        return;
      } catch (err) {
        if (!(err instanceof KubeApiError && err.status === 409) || attempt >= 4) throw err;
      }
    }
  }
}
