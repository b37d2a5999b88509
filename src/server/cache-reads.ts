// How read routes use the cache and decide what a caller may see.
//
// Existence is not leaked: an object in a project the caller holds no role in (or no role that
// grants `get`) answers 404 exactly as a missing object does, and lists leave it out before they
// count and page. The denial is still audited (`api-denied`, with the reason). A 403 is kept for
// what a caller who can see the object may not do (a viewer asking to sync), where hiding the
// object would only confuse. The same rule holds for clusters and repositories: those registered
// for the whole installation are for global admins; one scoped to a project (`project` key in
// its Secret, as in Argo CD) is visible to that project's readers.
import { z } from "zod";
import { authorize, bindingsFromProjects, type Subject } from "../core/access/authorize.ts";
import type { Resource, Verb } from "../core/access/roles.ts";
import type { KubeObject } from "../core/objects.ts";
import { projectNameOf } from "../core/project/project.ts";
import {
  DEFAULT_PAGE_SIZE,
  decodeCursor,
  encodeCursor,
  MAX_PAGE_SIZE,
  type Page,
  pageOf,
  type SortKey,
  type SortOrder,
} from "../core/query/page.ts";
import { parseLabelSelector } from "../core/query/selector.ts";
import { filtersKey, type ListFilters } from "../core/query/summaries.ts";
import type { ServerCache } from "./cache.ts";
import type { ServerDeps } from "./context.ts";
import { ApiError } from "./errors.ts";
import type { RouteContext } from "./route.ts";

/** The server's cache, or 503 while it is missing or has not listed `kind` yet. */
export function cacheOf(deps: ServerDeps, kind?: Parameters<ServerCache["hasSynced"]>[0]): ServerCache {
  const cache = deps.cache;
  if (cache === undefined)
    throw new ApiError("upstream-unavailable", "this server reads no cluster: start it with `moor server`");
  if (kind !== undefined && !cache.hasSynced(kind)) {
    throw new ApiError(
      "upstream-unavailable",
      `the server has not finished reading ${kind} objects from the cluster yet; try again in a few seconds`,
    );
  }
  return cache;
}

/** The caller, or 401 (read routes are never public). */
export function callerOf(ctx: { subject: Subject | undefined }): Subject {
  if (ctx.subject === undefined)
    throw new ApiError("unauthenticated", "log in first: this needs a session or an API token");
  return ctx.subject;
}

/**
 * The caller's bindings as the Projects say now: a user's roles are read again from the cache's
 * Projects (so a role removed while a stream is open stops its events); a token keeps the one
 * project and role it was made for.
 */
export function currentSubject(subject: Subject, cache: ServerCache): Subject {
  if (subject.globalAdmin || subject.kind === "token") return subject;
  return { ...subject, bindings: bindingsFromProjects(subject, cache.projectRoles()) };
}

/** Projects where the caller holds `verb`; "all" for a global admin. */
export function projectsWith(subject: Subject, verb: Verb): "all" | ReadonlySet<string> {
  if (subject.globalAdmin) return "all";
  return new Set(subject.bindings.filter((b) => b.verbs.includes(verb)).map((b) => b.project));
}

export function mayIn(projects: "all" | ReadonlySet<string>, project: string | undefined): boolean {
  if (projects === "all") return true;
  return project !== undefined && projects.has(project);
}

/**
 * Authorises reading one object of `project` (undefined: a global resource): a caller who may not
 * answers 404 with `notFound`, and the denial is audited with its real reason.
 */
export type ReadContext = Pick<RouteContext<unknown, unknown, unknown>, "subject" | "audit" | "deps">;

export function authorizeRead(
  ctx: Pick<ReadContext, "subject" | "audit">,
  request: { resource: Resource; project: string | undefined; name: string },
  notFound: string,
): Subject {
  const subject = callerOf(ctx);
  const { project } = request;
  const decision = authorize(subject, {
    verb: "get",
    resource: request.resource,
    name: request.name,
    ...(project === undefined ? {} : { project }),
  });
  if (decision.allowed) return subject;
  ctx.audit({
    kind: "api-denied",
    project: project ?? "",
    details: {
      verb: "get",
      resource: request.resource,
      name: request.name,
      code: decision.code,
      reason: decision.reason,
      answered: 404,
    },
  });
  throw new ApiError("not-found", notFound);
}

// ---- list queries ---------------------------------------------------------------------------

const commaList = z
  .string()
  .max(2000)
  .transform((text) =>
    text
      .split(",")
      .map((v) => v.trim())
      .filter((v) => v !== ""),
  );

/** Query parameters shared by the Application and Stack lists. */
export const listQueryFields = {
  project: commaList.optional().describe("projects, comma-separated; any of them"),
  namespace: commaList.optional().describe("namespaces the objects live in, comma-separated"),
  selector: z
    .string()
    .max(2000)
    .optional()
    .describe("label selector in Kubernetes syntax: app=web,env in (dev,prod),!legacy"),
  search: z
    .string()
    .max(200)
    .optional()
    .describe("case-insensitive text in the name, repository URL or path"),
  order: z.enum(["asc", "desc"]).default("asc"),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(DEFAULT_PAGE_SIZE)
    .describe(`rows per page, 1 to ${MAX_PAGE_SIZE}`),
  cursor: z.string().max(4000).optional().describe("the `next` of the previous page, unchanged"),
};

/** Reads the shared filters; a malformed selector is a 400 naming the part that is wrong. */
export function filtersFrom(query: {
  project?: string[] | undefined;
  namespace?: string[] | undefined;
  selector?: string | undefined;
  search?: string | undefined;
}): ListFilters {
  const filters: ListFilters = {};
  if (query.project?.length) filters.projects = query.project;
  if (query.namespace?.length) filters.namespaces = query.namespace;
  if (query.selector !== undefined) {
    const parsed = parseLabelSelector(query.selector);
    if (!parsed.ok) throw new ApiError("invalid-query", `invalid query: selector: ${parsed.message}`);
    if (parsed.selector.length > 0) filters.selector = parsed.selector;
  }
  if (query.search !== undefined && query.search.trim() !== "") filters.search = query.search;
  return filters;
}

export interface ListAnswer<S> {
  items: S[];
  total: number;
  next?: string;
}

/** The cursor's position, or 400 when it is malformed or made for another query. */
export function afterCursor(
  cursor: string | undefined,
  query: { sort: string; order: SortOrder; filters: ListFilters },
): SortKey | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  const decoded = decodeCursor(cursor, { ...query, filters: filtersKey(query.filters) });
  if (!decoded.ok) throw new ApiError("invalid-query", `invalid query: cursor: ${decoded.message}`);
  return decoded.after;
}

export function answerOf<S>(
  page: Page<{ summary: S }>,
  query: { sort: string; order: SortOrder; filters: ListFilters },
): ListAnswer<S> {
  const items = page.items.map((row) => row.summary);
  if (page.next === undefined) return { items, total: page.total };
  return {
    items,
    total: page.total,
    next: encodeCursor({ ...query, filters: filtersKey(query.filters) }, page.next),
  };
}

/** A Kubernetes object as answers show it: without managedFields, which only bloat. */
export function presentable<T extends { metadata?: unknown }>(obj: T): T {
  const metadata = { ...(obj.metadata as Record<string, unknown>) };
  delete metadata.managedFields;
  return { ...obj, metadata };
}

/**
 * The Application or Stack a route reads, authorised for `get`: 404 when it does not exist or the
 * caller may not see it (the two are answered alike).
 */
export function readNamespaced(
  ctx: ReadContext & { params: { namespace: string; name: string } },
  resource: "application" | "stack",
): { object: KubeObject; project: string } {
  const { namespace, name } = ctx.params;
  const cache = cacheOf(ctx.deps, resource === "application" ? "Application" : "Stack");
  const object =
    resource === "application" ? cache.application(namespace, name) : cache.stack(namespace, name);
  const message = `${resource} ${namespace}/${name} not found: \`GET /api/v1/${resource}s\` lists the ones you may see`;
  callerOf(ctx);
  if (object === undefined) throw new ApiError("not-found", message);
  const project = projectNameOf(object);
  authorizeRead(ctx, { resource, project, name: `${namespace}/${name}` }, message);
  return { object, project };
}

/**
 * One page of a list the caller may see: the cursor checked against this very query, rows of
 * projects the caller may not list dropped before counting and paging (so totals and cursors
 * reveal nothing), then the rows the filters match.
 */
export function visibleListPage<S, R extends { project?: string | undefined; summary: S }>(
  subject: Subject,
  sorted: readonly R[],
  query: { sort: string; order: SortOrder; filters: ListFilters; limit: number; cursor?: string | undefined },
  keyOf: (row: R) => SortKey,
  matches: (row: R) => boolean,
): ListAnswer<S> {
  const { sort, order, filters } = query;
  const after = afterCursor(query.cursor, { sort, order, filters });
  const visible = projectsWith(subject, "list");
  const page = pageOf(sorted, {
    keyOf,
    order,
    include: (row) => mayIn(visible, row.project) && matches(row),
    limit: query.limit,
    ...(after ? { after } : {}),
  });
  return answerOf<S>(page, { sort, order, filters });
}
