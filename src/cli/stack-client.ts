// The Stacks of one namespace as `moor stack` reads and writes them. Like `moor app`, the CLI
// never runs tofu: every write is a small request the Stack controller answers — an annotation
// set by JSON merge patch (approve, refresh, drift check) — except create, a server-side apply
// owned by the field manager `moor-cli`, and delete. The plan text, the outputs and the last
// run's log are read from the Secrets and ConfigMap the controller writes beside the Stack.
import { REFRESH_ANNOTATION } from "../controller/app-reconciler.ts";
import type { KubeObject } from "../core/objects.ts";
import { STACK_API_VERSION, STACK_KIND, type Stack } from "../core/stack/spec.ts";
import { KubeApiError, type KubeClient } from "../kube/client.ts";
import { loadPlan, type StoredPlan } from "../terraform/plan-store.ts";
import { CLI_FIELD_MANAGER } from "./app-spec.ts";

/** Re-plan now: the same annotation Applications use; the controller clears it once it acted. */
export const STACK_REFRESH_ANNOTATION = REFRESH_ANNOTATION;

/**
 * Run a drift check now: the value is the time of the request (ISO 8601); the controller runs a
 * check when it sees a value newer than status.drift.checkedAt.
 */
export const DRIFT_CHECK_ANNOTATION = "mooring.dev/drift-check";

/**
 * On the outputs Secret: the comma-separated keys whose outputs tofu marks sensitive. When the
 * annotation is absent the CLI cannot tell, so it treats every value as sensitive.
 */
export const SENSITIVE_OUTPUTS_ANNOTATION = "mooring.dev/sensitive-outputs";

/** Key of the run log in the log ConfigMap. */
export const STACK_LOG_KEY = "log";

/** The ConfigMap in the Stack's namespace where the controller keeps the last run's log (scrubbed). */
export function stackLogConfigMapName(stack: string): string {
  return `stack-log-${stack}`.slice(0, 253);
}

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

export class StackApi {
  readonly client: KubeClient;
  readonly namespace: string;

  constructor(client: KubeClient, namespace: string) {
    this.client = client;
    this.namespace = namespace;
  }

  private ref(name: string) {
    return {
      group: "mooring.dev",
      kind: STACK_KIND,
      namespace: this.namespace,
      name,
      apiVersion: STACK_API_VERSION,
    };
  }

  /** A missing CRD becomes "install Mooring", the rest passes through. */
  private explain(err: unknown): never {
    if (err instanceof KubeApiError && err.reason === "UnknownKind") {
      throw new StackError(
        "this cluster does not serve mooring.dev Stacks: run `moor install` first (it installs the Stack CRD)",
      );
    }
    throw err;
  }

  async find(name: string): Promise<Stack | null> {
    try {
      return (await this.client.get(STACK_API_VERSION, STACK_KIND, this.namespace, name)) as Stack | null;
    } catch (err) {
      this.explain(err);
    }
  }

  async get(name: string): Promise<Stack> {
    const stack = await this.find(name);
    if (!stack) {
      throw new StackError(
        `stack ${name} not found in namespace ${this.namespace}; \`moor stack list -n ${this.namespace}\` lists the stacks there`,
      );
    }
    return stack;
  }

  async list(allNamespaces = false): Promise<Stack[]> {
    try {
      const { items } = await this.client.list(
        STACK_API_VERSION,
        STACK_KIND,
        allNamespaces ? {} : { namespace: this.namespace },
      );
      return (items as Stack[]).sort(
        (a, b) =>
          a.metadata.namespace.localeCompare(b.metadata.namespace) ||
          a.metadata.name.localeCompare(b.metadata.name),
      );
    } catch (err) {
      this.explain(err);
    }
  }

  /** Server-side apply as `moor-cli`; force takes over fields other managers set (--upsert). */
  async apply(stack: Stack, force: boolean): Promise<Stack> {
    try {
      return (await this.client.apply(stack, { fieldManager: CLI_FIELD_MANAGER, force })) as Stack;
    } catch (err) {
      this.explain(err);
    }
  }

  /** Sets (or, with null, removes) annotations by JSON merge patch. */
  async annotate(name: string, annotations: Record<string, string | null>): Promise<Stack> {
    try {
      return (await this.client.mergePatch(this.ref(name), { metadata: { annotations } })) as Stack;
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) await this.get(name);
      this.explain(err);
    }
  }

  /** Returns false when it was already gone. */
  async delete(name: string): Promise<boolean> {
    try {
      return await this.client.delete(this.ref(name), { propagationPolicy: "Background" });
    } catch (err) {
      this.explain(err);
    }
  }

  /** The stored plan (file and scrubbed `tofu show` text), or null when no complete copy is kept. */
  async plan(name: string, planId: string): Promise<StoredPlan | null> {
    return loadPlan(this.client, { namespace: this.namespace, name }, planId);
  }

  async secret(name: string): Promise<DataObject | null> {
    return (await this.client.get("v1", "Secret", this.namespace, name)) as DataObject | null;
  }

  async configMap(name: string): Promise<DataObject | null> {
    return (await this.client.get("v1", "ConfigMap", this.namespace, name)) as DataObject | null;
  }
}
