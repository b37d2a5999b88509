// One API route, declared as data: its method and path, the zod schemas of its path parameters,
// query and body, and of what it answers. The same declaration validates every request (unknown
// fields refused, names checked before they reach the cluster) and writes the OpenAPI 3.1
// document (./openapi.ts), so the document cannot drift from what the server accepts.
//
// A handler receives the parsed input and a context that knows who is calling. Authorisation is
// asked by the handler (`ctx.authorize`) once it knows which project the target belongs to: the
// project of an Application is in its spec, so the check cannot happen before the lookup. A denial
// becomes a 403 and an audit record; an allowed change is audited by the handler with what it did.
import type { Context } from "hono";
import type { z } from "zod";
import { type AccessRequest, authorize, type Subject } from "../core/access/authorize.ts";
import type { AuditActor, AuditEntry } from "../core/audit/record.ts";
import type { ServerDeps } from "./context.ts";
import { ApiError } from "./errors.ts";

export const METHODS = ["get", "post", "put", "patch", "delete"] as const;
export type Method = (typeof METHODS)[number];

/** What a handler may do, besides reading its input. */
export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The caller; undefined only on public routes called without credentials. */
  subject: Subject | undefined;
  /** The caller as the audit trail names it, with its address. */
  actor: AuditActor;
  deps: ServerDeps;
  /** The Hono context, for what a plain JSON answer cannot do (cookies, redirects, streams). */
  hono: Context;
  /**
   * Checks that the caller may do this; throws a 403 ApiError after auditing the denial.
   * Returns the caller's subject, so a handler can rely on it being there.
   */
  authorize(request: AccessRequest): Subject;
  /** Appends an audit record by this caller, stamped with the server's clock. */
  audit(entry: Omit<AuditEntry, "time" | "actor">): void;
}

export interface Route<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> {
  method: Method;
  /** Under /api/v1, OpenAPI style: `/applications/{namespace}/{name}`. */
  path: string;
  /** One line for the OpenAPI document. */
  summary: string;
  /** The OpenAPI tag, grouping routes by resource. */
  tag: string;
  /** Public routes answer callers without credentials (health, login, webhooks with their own proof). */
  public?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  /** The answer's schema; a handler may also return a Response of its own (streams, redirects). */
  response: R;
  /** Status of a successful answer; default 200. */
  status?: 200 | 201 | 202 | 204;
  handle(ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<z.input<R> | Response>;
}

/** Declares a route with its types inferred from its schemas. */
export function defineRoute<
  P extends z.ZodType,
  Q extends z.ZodType,
  B extends z.ZodType,
  R extends z.ZodType,
>(route: Route<P, Q, B, R>): Route {
  return route as unknown as Route;
}

/** `/applications/{namespace}/{name}` → `/applications/:namespace/:name`, for Hono's router. */
export function honoPath(path: string): string {
  return path.replace(/\{([A-Za-z][A-Za-z0-9]*)\}/g, ":$1");
}

/**
 * The authorisation step every handler calls: decides with the pure core, and on a denial
 * records it and throws the 403 the caller sees, carrying the same reason.
 */
export function authorizeOrThrow(
  subject: Subject | undefined,
  request: AccessRequest,
  record: (entry: Omit<AuditEntry, "time" | "actor">) => void,
): Subject {
  if (subject === undefined)
    throw new ApiError("unauthenticated", "log in first: this needs a session or an API token");
  const decision = authorize(subject, request);
  if (decision.allowed) return subject;
  record({
    kind: "api-denied",
    project: request.project ?? "",
    details: {
      verb: request.verb,
      resource: request.resource,
      ...(request.name === undefined ? {} : { name: request.name }),
      code: decision.code,
      reason: decision.reason,
    },
  });
  throw new ApiError("forbidden", decision.reason, { reason: decision.code });
}
