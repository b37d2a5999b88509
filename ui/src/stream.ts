// The server's live stream (GET /api/v1/stream, server-sent events): a change to an Application
// or a Stack arrives as `event: application` / `event: stack` with its new list row (`summary`),
// or `type: "deleted"`; a Kubernetes Event about one arrives as `event: event`. The browser's
// EventSource sends the session cookie and reconnects by itself when the server drops a slow
// client; `onReconnect` tells the page to read again, since changes during the gap are lost.
// Every page subscribes for what it shows; one EventSource per subscription keeps pages
// independent (the server bounds each connection's queue).
import { API_ROOT, type AppRow } from "./api.ts";
import type { ObjectChange } from "./page-rows.ts";

export type { ObjectChange };

export type AppChange = ObjectChange<AppRow>;

/**
 * A Kubernetes Event about an object (src/server/cache.ts EventInfo), as GET .../events of an
 * Application or a Stack and the stream's `event` send it.
 */
export interface KubeEvent {
  type: string;
  reason: string;
  message: string;
  count: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  involved: { kind: string; namespace: string; name: string };
  source?: string;
}

/** A Kubernetes Event as the stream sends it. */
export interface StreamEvent {
  type: "added" | "modified" | "deleted";
  event: KubeEvent;
}

export interface StreamHandlers {
  application?: (change: AppChange) => void;
  // biome-ignore lint/suspicious/noExplicitAny: each page types the Stack rows it reads
  stack?: (change: ObjectChange<any>) => void;
  event?: (change: StreamEvent) => void;
  /** The stream reconnected after a gap: read again. */
  reconnect?: () => void;
}

export function subscribe(handlers: StreamHandlers): () => void {
  const source = new EventSource(`${API_ROOT}/stream`);
  let opened = false;
  source.addEventListener("open", () => {
    if (opened) handlers.reconnect?.();
    opened = true;
  });
  for (const kind of ["application", "stack", "event"] as const) {
    const handler = handlers[kind] as ((data: never) => void) | undefined;
    if (handler === undefined) continue;
    source.addEventListener(kind, (message) => {
      let data: unknown;
      try {
        data = JSON.parse(String((message as MessageEvent).data));
      } catch {
        return; // A message the UI cannot read is skipped; the next read shows the truth.
      }
      handler(data as never);
    });
  }
  return () => source.close();
}

export function subscribeApplications(
  onChange: (change: AppChange) => void,
  onReconnect: () => void,
): () => void {
  return subscribe({ application: onChange, reconnect: onReconnect });
}
