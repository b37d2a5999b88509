// An informer: list once, then watch from the list's resourceVersion, keeping an in-memory copy
// of every object of one kind and telling listeners what changed. Watches end (server timeouts,
// connection drops); the informer resumes from the last resourceVersion it saw, and relists when
// the server says that version is too old (410 Gone). This is what lets self-heal react to a
// `kubectl scale` within milliseconds instead of polling.
import { setTimeout as sleep } from "node:timers/promises";
import type { KubeObject } from "../core/objects.ts";
import type { KubeClient, WatchEvent } from "../kube/client.ts";

export type InformerEvent = { type: "added" | "modified" | "deleted"; object: KubeObject; old?: KubeObject };
export type InformerListener = (event: InformerEvent) => void;

export interface InformerOptions {
  apiVersion: string;
  kind: string;
  namespace?: string;
  labelSelector?: string;
  /** A field selector, e.g. `involvedObject.apiVersion=mooring.dev/v1alpha1` for Events. */
  fieldSelector?: string;
  /**
   * What is kept of each object, applied before it is stored or told to listeners: a copy without
   * a Secret's values, say. Undefined leaves the object out (and removes an earlier copy).
   */
  transform?: (obj: KubeObject) => KubeObject | undefined;
  /** Told about each failed list or watch (the informer retries on its own); default none. */
  onError?: (err: unknown, failures: number) => void;
}

export function objectKey(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ""}/${obj.metadata.name ?? ""}`;
}

export class Informer {
  readonly options: InformerOptions;
  private readonly client: KubeClient;
  private readonly store = new Map<string, KubeObject>();
  private readonly listeners: InformerListener[] = [];
  private synced = false;
  private syncedWaiters: (() => void)[] = [];
  private readonly abort = new AbortController();
  private lastError: unknown;

  constructor(client: KubeClient, options: InformerOptions) {
    this.client = client;
    this.options = options;
  }

  on(listener: InformerListener): void {
    this.listeners.push(listener);
  }

  get(namespace: string, name: string): KubeObject | undefined {
    return this.store.get(`${namespace}/${name}`);
  }

  list(): KubeObject[] {
    return [...this.store.values()];
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  get error(): unknown {
    return this.lastError;
  }

  /** Resolves once the first list has filled the store. */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncedWaiters.push(resolve));
  }

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.abort.abort();
  }

  private emit(event: InformerEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure must not stop the informer.
      }
    }
  }

  private async relist(): Promise<string> {
    const { apiVersion, kind, namespace, labelSelector, fieldSelector, transform } = this.options;
    const result = await this.client.list(apiVersion, kind, {
      ...(namespace ? { namespace } : {}),
      ...(labelSelector ? { labelSelector } : {}),
      ...(fieldSelector ? { fieldSelector } : {}),
    });
    const seen = new Set<string>();
    for (const listed of result.items) {
      const item = transform ? transform(listed) : listed;
      if (item === undefined) continue;
      const key = objectKey(item);
      seen.add(key);
      const old = this.store.get(key);
      this.store.set(key, item);
      if (!old) this.emit({ type: "added", object: item });
      else if (old.metadata.resourceVersion !== item.metadata.resourceVersion) {
        this.emit({ type: "modified", object: item, old });
      }
    }
    for (const [key, old] of this.store) {
      if (!seen.has(key)) {
        this.store.delete(key);
        this.emit({ type: "deleted", object: old });
      }
    }
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncedWaiters) w();
      this.syncedWaiters = [];
    }
    return result.resourceVersion;
  }

  private handle(event: WatchEvent): void {
    const key = objectKey(event.object);
    const old = this.store.get(key);
    const { transform } = this.options;
    const object = transform ? transform(event.object) : event.object;
    if (event.type === "DELETED" || object === undefined) {
      this.store.delete(key);
      // Without a transform `object` is always there; with one, listeners never see what it dropped.
      const gone = object ?? old;
      if (gone !== undefined) this.emit({ type: "deleted", object: gone });
      return;
    }
    this.store.set(key, object);
    this.emit(old ? { type: "modified", object, old } : { type: "added", object });
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    let resourceVersion: string | null = null;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (resourceVersion === null) resourceVersion = await this.relist();
        const { apiVersion, kind, namespace, labelSelector, fieldSelector } = this.options;
        const result = await this.client.watch(
          apiVersion,
          kind,
          {
            resourceVersion,
            ...(namespace ? { namespace } : {}),
            ...(labelSelector ? { labelSelector } : {}),
            ...(fieldSelector ? { fieldSelector } : {}),
          },
          (event) => this.handle(event),
          signal,
        );
        resourceVersion = result.expired ? null : result.resourceVersion;
        failures = 0;
      } catch (err) {
        this.lastError = err;
        failures++;
        this.options.onError?.(err, failures);
        resourceVersion = null;
        await sleep(Math.min(30_000, 250 * 2 ** Math.min(failures, 7)), undefined, { signal }).catch(
          () => {},
        );
      }
    }
  }
}
