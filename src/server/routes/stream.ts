// Live updates as server-sent events (GET /api/v1/stream, `text/event-stream`): every change to an
// Application or a Stack the caller may see, and every Event about one, as it reaches the
// server's cache. A UI lists once, then applies these to its rows instead of polling.
//
//   event: application            data: {"type":"modified","namespace":"team-a","name":"web","summary":{...}}
//   event: stack                  data: {"type":"deleted","namespace":"infra","name":"db"}
//   event: event                  data: {"type":"added","event":{"reason":"Synced",...}}
//   : heartbeat                   every 15 s, so proxies keep the connection open
//
// What the caller may see is checked again for every change, against the Projects as they are
// now (a role removed while the stream is open stops its events at once). Only list rows and
// Event texts are sent; Secrets are not a kind the stream knows. Each connection has a bounded
// queue: a client that does not read fast enough is disconnected (it reconnects and lists again),
// so one slow client never grows the server's memory.
import { z } from "zod";
import type { Subject } from "../../core/access/authorize.ts";
import type { CacheChange, ServerCache } from "../cache.ts";
import { cacheOf, callerOf, currentSubject, mayIn, projectsWith } from "../cache-reads.ts";
import { defineRoute, type Route } from "../route.ts";

export const HEARTBEAT_MS = 15_000;
/** Messages queued for one connection before it counts as too slow and is closed. */
export const STREAM_QUEUE_LIMIT = 1000;

const KIND_NAMES = { Application: "application", Stack: "stack", Event: "event" } as const;

/** The SSE message for a change, or undefined when the caller may not see it or it is not sent. */
export function messageFor(change: CacheChange, subject: Subject, cache: ServerCache): string | undefined {
  if (change.kind === "Project") return undefined;
  if (!mayIn(projectsWith(subject, "get"), change.project)) return undefined;
  if (change.kind === "Event") {
    if (change.event === undefined) return undefined;
    return `event: event\ndata: ${JSON.stringify({ type: change.type, event: change.event })}\n\n`;
  }
  const base = { type: change.type, namespace: change.namespace, name: change.name };
  let data: Record<string, unknown> = base;
  if (change.type !== "deleted") {
    const summary =
      change.kind === "Application"
        ? cache.applicationSummary(change.namespace, change.name)
        : cache.stackSummary(change.namespace, change.name);
    if (summary === undefined) return undefined;
    data = { ...base, summary };
  }
  return `event: ${KIND_NAMES[change.kind]}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function streamRoutes(): Route[] {
  return [
    defineRoute({
      method: "get",
      path: "/stream",
      summary:
        "server-sent events (text/event-stream): application, stack and event changes you may see; heartbeat every 15 s",
      tag: "stream",
      response: z.string().describe("text/event-stream"),
      handle: async (ctx) => {
        const caller = callerOf(ctx);
        const cache = cacheOf(ctx.deps, "Application");
        const encoder = new TextEncoder();
        let subject = currentSubject(caller, cache);
        let stop = () => {};
        const body = new ReadableStream<Uint8Array>(
          {
            start(controller) {
              let closed = false;
              const send = (text: string) => {
                if (closed) return;
                if ((controller.desiredSize ?? 0) <= 0) {
                  // The client reads slower than changes arrive: drop it rather than queue forever.
                  ctx.deps.log.info("stream: client too slow, disconnected", { subject: subject.name });
                  stop();
                  controller.close();
                  return;
                }
                controller.enqueue(encoder.encode(text));
              };
              const unsubscribe = cache.subscribe((change) => {
                if (change.kind === "Project") {
                  subject = currentSubject(caller, cache);
                  return;
                }
                const message = messageFor(change, subject, cache);
                if (message !== undefined) send(message);
              });
              const heartbeat = setInterval(() => send(": heartbeat\n\n"), HEARTBEAT_MS);
              stop = () => {
                closed = true;
                unsubscribe();
                clearInterval(heartbeat);
              };
              send("retry: 3000\n: connected\n\n");
            },
            cancel() {
              stop();
            },
          },
          new CountQueuingStrategy({ highWaterMark: STREAM_QUEUE_LIMIT }),
        );
        return new Response(body, {
          status: 200,
          headers: {
            "content-type": "text/event-stream; charset=utf-8",
            "cache-control": "no-cache, no-transform",
            "x-accel-buffering": "no",
          },
        });
      },
    }),
  ];
}
