// One namespaced mooring.dev kind (Application, Stack) as the CLI and the API server read and write
// it: find/get, list, server-side apply as `moor-cli`, merge patch, delete. A missing CRD turns
// into "run `moor install`" and a missing object into a message that says how to list the others,
// so every `moor app` and `moor stack` command fails the same clear way.

import type { KubeObject, ObjectMeta } from "../core/objects.ts";
import { KubeApiError, type KubeClient } from "../kube/client.ts";

/** The field manager of objects the CLI creates; its changes are the user's. */
export const CLI_FIELD_MANAGER = "moor-cli";

export type NamespacedObject = KubeObject & { metadata: ObjectMeta & { name: string; namespace: string } };

export interface ResourceKind {
  apiVersion: string;
  kind: string;
  /** How users name it in messages: "application", "stack". */
  noun: string;
  /** The `moor` command group that manages it: "app", "stack". */
  command: string;
  /** Said after "run `moor install` first" when the CRD is missing, e.g. " (it installs the Stack CRD)". */
  installHint?: string;
  /** The error class the caller's commands use (exit code 1). */
  error: new (
    message: string,
  ) => Error;
}

export class ResourceApi<T extends NamespacedObject> {
  readonly client: KubeClient;
  readonly namespace: string;
  protected readonly kind: ResourceKind;

  constructor(client: KubeClient, namespace: string, kind: ResourceKind) {
    this.client = client;
    this.namespace = namespace;
    this.kind = kind;
  }

  protected ref(name: string) {
    return {
      group: "mooring.dev",
      kind: this.kind.kind,
      namespace: this.namespace,
      name,
      apiVersion: this.kind.apiVersion,
    };
  }

  /** A missing CRD becomes "install Mooring", the rest passes through. */
  protected explain(err: unknown): never {
    if (err instanceof KubeApiError && err.reason === "UnknownKind") {
      throw new this.kind.error(
        `this cluster does not serve mooring.dev ${this.kind.kind}s: run \`moor install\` first${this.kind.installHint ?? ""}`,
      );
    }
    throw err;
  }

  async find(name: string): Promise<T | null> {
    try {
      return (await this.client.get(this.kind.apiVersion, this.kind.kind, this.namespace, name)) as T | null;
    } catch (err) {
      this.explain(err);
    }
  }

  async get(name: string): Promise<T> {
    const found = await this.find(name);
    if (!found) {
      const { noun, command } = this.kind;
      throw new this.kind.error(
        `${noun} ${name} not found in namespace ${this.namespace}; \`moor ${command} list -n ${this.namespace}\` lists the ${noun}s there`,
      );
    }
    return found;
  }

  async list(allNamespaces = false): Promise<T[]> {
    try {
      const { items } = await this.client.list(
        this.kind.apiVersion,
        this.kind.kind,
        allNamespaces ? {} : { namespace: this.namespace },
      );
      return (items as T[]).sort(
        (a, b) =>
          a.metadata.namespace.localeCompare(b.metadata.namespace) ||
          a.metadata.name.localeCompare(b.metadata.name),
      );
    } catch (err) {
      this.explain(err);
    }
  }

  /** Server-side apply as `moor-cli`; force takes over fields other managers set (--upsert). */
  async apply(obj: T, force: boolean): Promise<T> {
    try {
      return (await this.client.apply(obj, { fieldManager: CLI_FIELD_MANAGER, force })) as T;
    } catch (err) {
      this.explain(err);
    }
  }

  /** JSON merge patch; a 404 is reported as "not found" with the usual hint. */
  async patch(name: string, patch: unknown): Promise<T> {
    try {
      return (await this.client.mergePatch(this.ref(name), patch)) as T;
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
}
