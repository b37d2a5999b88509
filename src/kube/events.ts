// Kubernetes Events on the objects Mooring owns (Applications, Stacks): what `kubectl describe`
// and `kubectl get events` show. Repeats of the same reason and message within a short window
// bump the count of one Event instead of creating a new one, as kubelet's recorder does, so a
// flapping app cannot flood etcd.
import { randomBytes } from "node:crypto";
import type { KubeObject } from "../core/objects.ts";
import type { KubeClient } from "./client.ts";

export type EventType = "Normal" | "Warning";

export interface EventRecorderOptions {
  component: string;
  instance: string;
  /** Repeats within this window update one Event; default 10 min. */
  aggregateWindowMs?: number;
}

interface Recent {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  at: number;
}

export class EventRecorder {
  private readonly client: KubeClient;
  private readonly options: Required<EventRecorderOptions>;
  private readonly recent = new Map<string, Recent>();

  constructor(client: KubeClient, options: EventRecorderOptions) {
    this.client = client;
    this.options = { aggregateWindowMs: 600_000, ...options };
  }

  /** Records an event; never throws (an event is worth less than the work it describes). */
  async record(involved: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = involved.metadata.namespace ?? "default";
    const key = `${involved.metadata.uid}|${type}|${reason}|${message}`;
    const now = new Date();
    const stamp = now.toISOString().replace(/\.\d{3}Z$/, "Z");
    const previous = this.recent.get(key);
    try {
      if (previous && now.getTime() - previous.at < this.options.aggregateWindowMs) {
        previous.count++;
        previous.at = now.getTime();
        await this.client.mergePatch(
          { group: "", kind: "Event", namespace, name: previous.name, apiVersion: "v1" },
          { count: previous.count, lastTimestamp: stamp },
        );
        return;
      }
      const name = `${involved.metadata.name}.${randomBytes(8).toString("hex")}`;
      await this.client.create({
        apiVersion: "v1",
        kind: "Event",
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: involved.apiVersion,
          kind: involved.kind,
          name: involved.metadata.name,
          namespace: involved.metadata.namespace,
          uid: involved.metadata.uid,
          resourceVersion: involved.metadata.resourceVersion,
        },
        type,
        reason,
        message: message.length > 1024 ? `${message.slice(0, 1021)}...` : message,
        source: { component: this.options.component },
        reportingComponent: this.options.component,
        reportingInstance: this.options.instance,
        firstTimestamp: stamp,
        lastTimestamp: stamp,
        count: 1,
      });
      this.recent.set(key, { name, namespace, count: 1, firstTimestamp: stamp, at: now.getTime() });
      if (this.recent.size > 5000) this.recent.delete(this.recent.keys().next().value as string);
    } catch {
      // Events are best effort.
    }
  }
}
