// The Stacks of one namespace as `moor stack` and the API server read and write them. Like `moor app`, the CLI
// never runs tofu: every write is a small request the Stack controller answers — an annotation
// set by JSON merge patch (approve, refresh, drift check, unlock) — except create, a server-side apply
// owned by the field manager `moor-cli`, and delete. The plan text, the outputs and the last
// run's log are read from the Secrets and ConfigMap the controller writes beside the Stack.
import { REFRESH_ANNOTATION } from "../core/application.ts";
import type { KubeObject } from "../core/objects.ts";
import { STACK_API_VERSION, STACK_KIND, type Stack } from "../core/stack/spec.ts";
import { heldStateLock, type StateLock } from "../core/stack/state-lock.ts";
import type { KubeClient } from "../kube/client.ts";
import { loadPlan, type StoredPlan } from "../terraform/plan-store.ts";
import { stackLockLease } from "../terraform/state-backend.ts";
import { ResourceApi } from "./resource-client.ts";

/** Re-plan now: the same annotation Applications use; the controller clears it once it acted. */
export const STACK_REFRESH_ANNOTATION = REFRESH_ANNOTATION;

export {
  DRIFT_CHECK_ANNOTATION,
  SENSITIVE_OUTPUTS_ANNOTATION,
  STACK_LOG_KEY,
  stackLogConfigMapName,
} from "../core/stack/spec.ts";

/** A command failed for a reason the user can act on; exit code 1. */
export class StackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackError";
  }
}

interface DataObject extends KubeObject {
  data?: Record<string, string>;
}

export class StackApi extends ResourceApi<Stack> {
  constructor(client: KubeClient, namespace: string) {
    super(client, namespace, {
      apiVersion: STACK_API_VERSION,
      kind: STACK_KIND,
      noun: "stack",
      command: "stack",
      installHint: " (it installs the Stack CRD)",
      error: StackError,
    });
  }

  /** Sets (or, with null, removes) annotations by JSON merge patch. */
  annotate(name: string, annotations: Record<string, string | null>): Promise<Stack> {
    return this.patch(name, { metadata: { annotations } });
  }

  /** The stored plan (file and scrubbed `tofu show` text), or null when no complete copy is kept. */
  async plan(name: string, planId: string): Promise<StoredPlan | null> {
    return loadPlan(this.client, { namespace: this.namespace, name }, planId);
  }

  /** The lock held on the Stack's state (its workspace's lock Lease), or undefined. */
  async stateLock(stack: Stack): Promise<StateLock | undefined> {
    const lease = stackLockLease(stack);
    return heldStateLock(
      await this.client.get("coordination.k8s.io/v1", "Lease", lease.namespace, lease.name),
    );
  }

  async secret(name: string): Promise<DataObject | null> {
    return (await this.client.get("v1", "Secret", this.namespace, name)) as DataObject | null;
  }

  async configMap(name: string): Promise<DataObject | null> {
    return (await this.client.get("v1", "ConfigMap", this.namespace, name)) as DataObject | null;
  }
}
