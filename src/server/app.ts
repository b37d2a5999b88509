// The API server's request pipeline, the same for every route under /api/v1:
//   1. size and type: a body over 1 MiB is 413 before it is read whole; a body that is not JSON
//      is 415; malformed JSON is 400 naming where it broke;
//   2. who: the authenticator turns credentials into a subject; no credentials on a non-public
//      route is 401, refused credentials are 401 (or 403 for a missing CSRF token) and audited;
//   3. what: path parameters, query and body are parsed by the route's zod schemas, unknown
//      fields refused; every problem is listed with its field path;
//   4. the handler, which asks for authorisation once it knows the target's project.
// Every failure answers `{ error: { code, message, retryable } }` (./errors.ts); an unexpected
// exception is logged with its stack and answered as a bare 500 that leaks nothing.
import { getConnInfo } from "@hono/node-server/conninfo";
import { type Context, Hono } from "hono";
import type { z } from "zod";
import type { AuditEntry } from "../core/audit/record.ts";
import { clientAddress } from "./authenticate.ts";
import type { ServerDeps } from "./context.ts";
import { ApiError, type ApiErrorCode } from "./errors.ts";
import { actorOf } from "./principal.ts";
import { authorizeOrThrow, honoPath, type Route } from "./route.ts";

export const API_PREFIX = "/api/v1";
/** Request bodies larger than this are refused with 413 (webhooks use the same bound). */
export const MAX_BODY_BYTES = 1024 * 1024;

function peerAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    // Requests handed to app.fetch directly (not through a socket) have no peer.
    return "local";
  }
}

function problems(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(root)",
    message: issue.message,
  }));
}

function parseWith<T extends z.ZodType>(
  schema: T | undefined,
  value: unknown,
  code: ApiErrorCode,
  where: string,
): z.output<T> | undefined {
  if (schema === undefined) return undefined;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const list = problems(parsed.error);
  const first = list[0];
  throw new ApiError(code, `invalid ${where}: ${first ? `${first.path}: ${first.message}` : "refused"}`, {
    problems: list,
  });
}

/** Reads a JSON body within MAX_BODY_BYTES; absent body reads as undefined. */
async function readJsonBody(c: Context): Promise<unknown> {
  const declared = Number(c.req.header("content-length") ?? "NaN");
  if (declared > MAX_BODY_BYTES) {
    throw new ApiError("body-too-large", `request body is ${declared} bytes; the limit is ${MAX_BODY_BYTES}`);
  }
  const raw = c.req.raw.body;
  if (raw === null) return undefined;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of raw as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) {
      throw new ApiError("body-too-large", `request body exceeds the limit of ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw new ApiError(
      "unsupported-media-type",
      `send the body as application/json (got ${type || "no content type"})`,
    );
  }
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiError("invalid-body", `malformed JSON: ${(err as Error).message}`);
  }
}

function errorResponse(c: Context, error: ApiError): Response {
  if (error.code === "unauthenticated") c.header("WWW-Authenticate", 'Bearer realm="mooring"');
  return c.json(error.body(), error.status as 400);
}

/** Builds the Hono app serving `routes` under /api/v1. `moor server` mounts the UI beside it. */
export function createApiApp(deps: ServerDeps, routes: readonly Route[]): Hono {
  const app = new Hono();
  const seen = new Set<string>();
  for (const route of routes) {
    const key = `${route.method} ${route.path}`;
    if (seen.has(key)) throw new Error(`route ${key} is declared twice`);
    seen.add(key);
    app.on(route.method.toUpperCase(), `${API_PREFIX}${honoPath(route.path)}`, (c) => serve(c, route, deps));
  }
  app.all(`${API_PREFIX}/*`, (c) =>
    errorResponse(
      c,
      new ApiError("not-found", `no API route ${c.req.method} ${c.req.path}: see ${API_PREFIX}/openapi.json`),
    ),
  );
  app.onError((err, c) => {
    if (err instanceof ApiError) return errorResponse(c, err);
    deps.log.error("api request failed", {
      method: c.req.method,
      path: c.req.path,
      error: String(err),
      stack: (err as Error).stack,
    });
    return errorResponse(c, new ApiError("internal", "internal error; the server log has the details"));
  });
  return app;
}

async function serve(c: Context, route: Route, deps: ServerDeps): Promise<Response> {
  // Behind reverse proxies (`--proxy-hops`), the client's address is the one they forwarded; the
  // audit trail and the login throttle both count under it.
  const address = clientAddress(
    peerAddress(c),
    c.req.header("x-forwarded-for"),
    deps.identity?.proxyHops ?? 0,
  );
  const authentication = await deps.authenticator.authenticate({
    method: c.req.method,
    path: c.req.path,
    headers: c.req.raw.headers,
    address,
  });
  const subject = authentication.ok ? authentication.subject : undefined;
  const actor = actorOf(subject, address);
  const audit = (entry: Omit<AuditEntry, "time" | "actor">) =>
    deps.audit.record({ ...entry, time: new Date(deps.clock()).toISOString(), actor });
  if (!authentication.ok && ("refused" in authentication || !route.public)) {
    if ("refused" in authentication) {
      audit({
        kind: "api-denied",
        project: "",
        details: {
          method: c.req.method,
          path: c.req.path,
          code: authentication.code,
          reason: authentication.message,
          ...(authentication.reason === undefined ? {} : { refusal: authentication.reason }),
          ...(authentication.credential === undefined ? {} : { credential: authentication.credential }),
        },
      });
      const { reason } = authentication;
      throw new ApiError(
        authentication.code,
        authentication.message,
        reason === undefined ? undefined : { reason },
      );
    }
    throw new ApiError(authentication.code, authentication.message);
  }
  const params = parseWith(route.params, c.req.param(), "invalid-params", "path parameters");
  const query = parseWith(route.query, c.req.query(), "invalid-query", "query");
  const rawBody = route.body === undefined ? undefined : await readJsonBody(c);
  const body = parseWith(route.body, rawBody ?? {}, "invalid-body", "body");
  const result = await route.handle({
    params,
    query,
    body,
    subject,
    actor,
    deps,
    hono: c,
    authorize: (request) => authorizeOrThrow(subject, request, audit),
    audit,
  });
  if (result instanceof Response) return result;
  if (route.status === 204) return c.body(null, 204);
  return c.json(result as object, (route.status ?? 200) as 200);
}
