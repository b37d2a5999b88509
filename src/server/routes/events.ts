// The Kubernetes Events about one Application or Stack (what `kubectl describe` shows: synced,
// drift healed, plan pending...), from the server's cache, newest last. Readable by whoever may
// read the object; 404 otherwise.
import { z } from "zod";
import { cacheOf, readNamespaced } from "../cache-reads.ts";
import { defineRoute, type Route } from "../route.ts";
import { namespacedParams } from "../schemas.ts";

const str = z.string();

export const eventSchema = z.object({
  type: str.describe("Normal or Warning"),
  reason: str,
  message: str,
  count: z.number().int(),
  firstTimestamp: str.optional(),
  lastTimestamp: str.optional(),
  involved: z.object({ kind: str, namespace: str, name: str }),
  source: str.optional(),
});

export function eventRoutes(): Route[] {
  const route = (resource: "application" | "stack") =>
    defineRoute({
      method: "get",
      path: `/${resource}s/{namespace}/{name}/events`,
      summary: `the Kubernetes Events about one ${resource === "application" ? "Application" : "Stack"}, newest last`,
      tag: `${resource}s`,
      params: namespacedParams,
      response: z.object({ items: z.array(eventSchema) }),
      handle: async (ctx) => {
        readNamespaced(ctx, resource);
        const kind = resource === "application" ? "Application" : "Stack";
        return { items: cacheOf(ctx.deps, "Event").eventsFor(kind, ctx.params.namespace, ctx.params.name) };
      },
    });
  return [route("application"), route("stack")];
}
