// The OpenAPI 3.1 document, written from the routes' own zod schemas (JSON Schema 2020-12 is
// OpenAPI 3.1's schema dialect), so what the document promises is what the server validates.
import { z } from "zod";
import type { Route } from "./route.ts";
import { errorBody } from "./schemas.ts";

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
  return rest;
}

/** One OpenAPI parameter per property of a path or query object schema. */
function parameters(schema: z.ZodType | undefined, where: "path" | "query"): JsonSchema[] {
  if (schema === undefined) return [];
  const object = schemaOf(schema, "input");
  const properties = (object.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((object.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === "path" || required.has(name),
    schema: property,
    ...(typeof property.description === "string" ? { description: property.description } : {}),
  }));
}

export function openApiDocument(routes: readonly Route[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const error = {
    description: "refused; see error.code",
    content: { "application/json": { schema: schemaOf(errorBody, "output") } },
  };
  for (const route of routes) {
    const status = String(route.status ?? 200);
    const operation: JsonSchema = {
      summary: route.summary,
      tags: [route.tag],
      operationId: `${route.method}${route.path.replace(/[{}]/g, "").replace(/[/-](\w)/g, (_, c: string) => c.toUpperCase())}`,
      parameters: [...parameters(route.params, "path"), ...parameters(route.query, "query")],
      responses: {
        [status]:
          status === "204"
            ? { description: "done" }
            : {
                description: "success",
                content: { "application/json": { schema: schemaOf(route.response, "output") } },
              },
        default: error,
      },
      ...(route.public ? { security: [] } : {}),
    };
    if (route.body !== undefined) {
      operation.requestBody = {
        required: true,
        content: { "application/json": { schema: schemaOf(route.body, "input") } },
      };
    }
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, JsonSchema>)[route.method] = operation;
  }
  return {
    openapi: "3.1.0",
    info: { title: "Mooring API", version },
    servers: [{ url: "/api/v1" }],
    components: {
      securitySchemes: {
        token: { type: "http", scheme: "bearer", description: "an API token from `moor token create`" },
        session: { type: "apiKey", in: "cookie", name: "mooring_session" },
      },
    },
    security: [{ token: [] }, { session: [] }],
    paths,
  };
}
