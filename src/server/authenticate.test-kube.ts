// An in-memory stand-in for the few KubeClient calls the identity stores make (get, create,
// replace, mergePatch, list by label), for unit tests of sessions, accounts, tokens and routes.
// It keeps resourceVersions and answers 409 on a stale replace or a second create, as the
// apiserver does, so compare-and-swap paths are exercised.
import type { KubeObject } from "../core/objects.ts";
import { KubeApiError, type KubeClient } from "../kube/client.ts";

export interface FakeKube {
  client: KubeClient;
  objects: Map<string, KubeObject>;
  /** Calls made, as `verb kind/name`. */
  calls: string[];
}

export function fakeKube(): FakeKube {
  const objects = new Map<string, KubeObject>();
  const calls: string[] = [];
  let version = 1;
  const key = (kind: string, namespace: string | undefined, name: string) =>
    `${kind}/${namespace ?? ""}/${name}`;
  const stamp = (obj: KubeObject): KubeObject => {
    const copy = structuredClone(obj);
    copy.metadata.resourceVersion = String(version++);
    return copy;
  };
  const client = {
    get: async (_apiVersion: string, kind: string, namespace: string, name: string) => {
      calls.push(`get ${kind}/${name}`);
      const found = objects.get(key(kind, namespace, name));
      return found === undefined ? null : structuredClone(found);
    },
    create: async (obj: KubeObject) => {
      calls.push(`create ${obj.kind}/${obj.metadata.name}`);
      const k = key(obj.kind, obj.metadata.namespace, obj.metadata.name ?? "");
      if (objects.has(k)) throw new KubeApiError(409, "AlreadyExists", `${k} already exists`);
      const stored = stamp(obj);
      objects.set(k, stored);
      return structuredClone(stored);
    },
    replace: async (obj: KubeObject) => {
      calls.push(`replace ${obj.kind}/${obj.metadata.name}`);
      const k = key(obj.kind, obj.metadata.namespace, obj.metadata.name ?? "");
      const current = objects.get(k);
      if (current === undefined) throw new KubeApiError(404, "NotFound", `${k} not found`);
      if (current.metadata.resourceVersion !== obj.metadata.resourceVersion) {
        throw new KubeApiError(409, "Conflict", `${k} was modified`);
      }
      const stored = stamp(obj);
      objects.set(k, stored);
      return structuredClone(stored);
    },
    mergePatch: async (
      ref: { kind: string; namespace: string; name: string },
      patch: { data?: Record<string, string> },
    ) => {
      calls.push(`patch ${ref.kind}/${ref.name}`);
      const k = key(ref.kind, ref.namespace, ref.name);
      const current = objects.get(k) as (KubeObject & { data?: Record<string, string> }) | undefined;
      if (current === undefined) throw new KubeApiError(404, "NotFound", `${k} not found`);
      const stored = stamp({
        ...current,
        data: { ...(current.data ?? {}), ...(patch.data ?? {}) },
      } as KubeObject);
      objects.set(k, stored);
      return structuredClone(stored);
    },
    apply: async (obj: KubeObject) => {
      calls.push(`apply ${obj.kind}/${obj.metadata.name}`);
      const stored = stamp(obj);
      objects.set(key(obj.kind, obj.metadata.namespace, obj.metadata.name ?? ""), stored);
      return structuredClone(stored);
    },
    list: async (
      _apiVersion: string,
      kind: string,
      options: { namespace?: string; labelSelector?: string } = {},
    ) => {
      calls.push(`list ${kind}`);
      const wanted = (options.labelSelector ?? "")
        .split(",")
        .filter(Boolean)
        .map((pair) => pair.split("=") as [string, string]);
      const items = [...objects.values()].filter(
        (o) =>
          o.kind === kind &&
          (options.namespace === undefined || o.metadata.namespace === options.namespace) &&
          wanted.every(([k, v]) => o.metadata.labels?.[k] === v),
      );
      return { items: structuredClone(items), resourceVersion: String(version) };
    },
  };
  return { client: client as unknown as KubeClient, objects, calls };
}
