// Routes about the server itself: liveness and the OpenAPI document. Both public.
import { z } from "zod";
import { defineRoute, type Route } from "../route.ts";

export const SERVER_VERSION = "0.1.0";

export function metaRoutes(document: () => unknown): Route[] {
  return [
    defineRoute({
      method: "get",
      path: "/healthz",
      summary: "whether the server answers",
      tag: "server",
      public: true,
      response: z.object({ ok: z.literal(true), version: z.string() }),
      handle: async () => ({ ok: true as const, version: SERVER_VERSION }),
    }),
    defineRoute({
      method: "get",
      path: "/openapi.json",
      summary: "this API's OpenAPI 3.1 document, written from the schemas that validate requests",
      tag: "server",
      public: true,
      response: z.record(z.string(), z.unknown()),
      handle: async () => document() as Record<string, unknown>,
    }),
  ];
}
