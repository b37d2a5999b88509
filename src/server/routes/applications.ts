// Reading Applications: the list (filtered, sorted, paged by cursor), one Application, its deploy
// history, the diff of what drifted or waits to be synced, and the objects it manages. Every answer
// comes from the server's informer cache. A caller sees only the Applications of projects where it
// holds `list` (the list) or `get` (one Application); any other answers 404 (../cache-reads.ts).
//
// Diffs come from the Application's status, where the controller already masked every value of a
// Secret (src/core/mask.ts); the route masks again anything under a Secret's data that is not a
// mask, so a status written by an older controller cannot leak a value either.
import { z } from "zod";
import { STATUS_DIFF_LIMIT } from "../../core/app-status.ts";
import { SECRET_MASK } from "../../core/mask.ts";
import { APP_SORTS, type AppSummary, appFilter, appSortKey } from "../../core/query/summaries.ts";
import {
  cacheOf,
  callerOf,
  filtersFrom,
  listQueryFields,
  presentable,
  type ReadContext,
  readNamespaced,
  visibleListPage,
} from "../cache-reads.ts";
import { ApiError } from "../errors.ts";
import { defineRoute, type Route } from "../route.ts";
import { namespacedParams } from "../schemas.ts";

const str = z.string();

const sourceSummary = z.object({
  repoURL: str,
  path: str,
  targetRevision: str,
  chart: str.optional(),
  ref: str.optional(),
});

export const appSummarySchema = z.object({
  namespace: str,
  name: str,
  project: str,
  labels: z.record(str, str),
  source: sourceSummary.describe("the first source that renders objects"),
  sources: z.array(sourceSummary).describe("every source in spec order (spec.sources, or spec.source alone)"),
  destination: z.object({ cluster: str, namespace: str }),
  sync: str.describe("Synced, OutOfSync or Unknown"),
  health: str.describe("Healthy, Progressing, Degraded, Suspended, Missing or Unknown"),
  revision: str.optional(),
  revisions: z.array(str).optional().describe("multi-source apps: each source's revision, in spec order"),
  operation: str.optional().describe("the last sync's phase: Running, Terminating, Succeeded, Failed"),
  lastSyncedAt: str.optional(),
  reconciledAt: str.optional(),
  autoSync: z.boolean(),
  suspended: z.boolean(),
  createdAt: str.optional(),
});

const listQuery = z.strictObject({
  ...listQueryFields,
  cluster: listQueryFields.namespace.describe("destination clusters, comma-separated"),
  health: listQueryFields.namespace.describe("health statuses, comma-separated (Healthy, Degraded...)"),
  sync: listQueryFields.namespace.describe("sync statuses, comma-separated (Synced, OutOfSync, Unknown)"),
  sort: z.enum(APP_SORTS).default("name"),
});

const kubeObject = z.looseObject({
  apiVersion: str,
  kind: str,
  metadata: z.looseObject({ name: str, namespace: str }),
});

const fieldChange = z.object({ path: str, live: z.unknown().optional(), desired: z.unknown().optional() });

const resourceRef = {
  group: str,
  version: str.optional(),
  kind: str,
  namespace: str,
  name: str,
};

type Loose = Record<string, unknown>;

function statusOf(app: object): Loose {
  const status = (app as Loose).status;
  return typeof status === "object" && status !== null ? (status as Loose) : {};
}

const SECRET_VALUE_PATH = /^(data|stringData)\b|last-applied-configuration/;

/** Masks a Secret's values in a diff again, whatever the status holds. */
function maskedDiff(resource: Loose, changes: unknown): z.infer<typeof fieldChange>[] {
  if (!Array.isArray(changes)) return [];
  const secret = resource.kind === "Secret" && (resource.group ?? "") === "";
  return changes.map((raw) => {
    const change = raw as { path?: unknown; live?: unknown; desired?: unknown };
    const path = String(change.path ?? "");
    const out: z.infer<typeof fieldChange> = { path };
    const mask = (value: unknown) =>
      secret && SECRET_VALUE_PATH.test(path) && !(typeof value === "string" && value.startsWith(SECRET_MASK))
        ? SECRET_MASK
        : value;
    if ("live" in change) out.live = mask(change.live);
    if ("desired" in change) out.desired = mask(change.desired);
    return out;
  });
}

export function applicationRoutes(): Route[] {
  return [
    defineRoute({
      method: "get",
      path: "/applications",
      summary: "list the Applications you may see: filtered, sorted, one page at a time (cursor)",
      tag: "applications",
      query: listQuery,
      response: z.object({
        items: z.array(appSummarySchema),
        total: z.number().int().describe("rows matching the filters that you may see, over all pages"),
        next: str.optional().describe("pass as `cursor` for the next page; absent on the last page"),
      }),
      handle: async (ctx) => {
        const subject = callerOf(ctx);
        const cache = cacheOf(ctx.deps, "Application");
        const q = ctx.query;
        const filters = {
          ...filtersFrom(q),
          ...(q.cluster?.length ? { clusters: q.cluster } : {}),
          ...(q.health?.length ? { health: q.health } : {}),
          ...(q.sync?.length ? { sync: q.sync } : {}),
        };
        return visibleListPage<AppSummary, ReturnType<typeof cache.applicationRows>[number]>(
          subject,
          cache.applicationRows(q.sort, q.order),
          { sort: q.sort, order: q.order, filters, limit: q.limit, cursor: q.cursor },
          appSortKey(q.sort),
          appFilter(filters),
        );
      },
    }),
    defineRoute({
      method: "get",
      path: "/applications/{namespace}/{name}",
      summary: "one Application: its spec and status as the cluster holds them, and its list row",
      tag: "applications",
      params: namespacedParams,
      response: z.object({ application: kubeObject, summary: appSummarySchema }),
      handle: async (ctx) => {
        const { namespace, name } = ctx.params;
        const app = readNamespaced(ctx, "application").object;
        const summary = cacheOf(ctx.deps).applicationSummary(namespace, name);
        if (summary === undefined)
          throw new ApiError("not-found", `application ${namespace}/${name} not found`);
        const { status: _status, ...rest } = presentable(app);
        const status = statusOf(app);
        // Diffs are served by /diff, masked; the object answer leaves them out of resources.
        const resources = Array.isArray(status.resources)
          ? (status.resources as Loose[]).map(({ diff: _diff, ...r }) => r)
          : undefined;
        const application = {
          ...rest,
          ...(app.status === undefined ? {} : { status: { ...status, ...(resources ? { resources } : {}) } }),
        } as z.input<typeof kubeObject>;
        return { application, summary };
      },
    }),
    defineRoute({
      method: "get",
      path: "/applications/{namespace}/{name}/history",
      summary: "the revisions an Application deployed, newest last, and the sync running or last run",
      tag: "applications",
      params: namespacedParams,
      response: z.object({
        history: z.array(
          z.looseObject({
            id: z.number(),
            revision: str,
            deployedAt: str,
            trigger: str,
            author: str.optional(),
            message: str.optional(),
          }),
        ),
        operation: z.looseObject({ phase: str }).optional(),
        pin: z.looseObject({ revision: str }).optional(),
      }),
      handle: async (ctx) => {
        const { app } = readApp(ctx);
        const status = statusOf(app);
        const history = Array.isArray(status.history) ? (status.history as { id: number }[]) : [];
        const operation = status.operationState as { phase: string } | undefined;
        const pin = status.pin as { revision: string } | undefined;
        return {
          history: history as z.input<typeof historyEntry>[],
          ...(operation ? { operation } : {}),
          ...(pin ? { pin } : {}),
        };
      },
    }),
    defineRoute({
      method: "get",
      path: "/applications/{namespace}/{name}/diff",
      summary: "what differs between Git and the cluster, per object, Secret values masked",
      tag: "applications",
      params: namespacedParams,
      response: z.object({
        sync: str,
        revision: str.optional(),
        resources: z.array(
          z.object({
            ...resourceRef,
            status: str,
            changes: z.array(fieldChange),
            truncated: z.boolean().describe("the controller keeps the first changes of each object only"),
          }),
        ),
      }),
      handle: async (ctx) => {
        const { app } = readApp(ctx);
        const status = statusOf(app);
        const sync = (status.sync ?? {}) as { status?: string; revision?: string };
        const all = Array.isArray(status.resources) ? (status.resources as Loose[]) : [];
        const resources = all
          .filter((r) => r.status === "OutOfSync" || (Array.isArray(r.diff) && r.diff.length > 0))
          .map((r) => {
            const changes = maskedDiff(r, r.diff);
            return {
              group: String(r.group ?? ""),
              ...(typeof r.version === "string" ? { version: r.version } : {}),
              kind: String(r.kind ?? ""),
              namespace: String(r.namespace ?? ""),
              name: String(r.name ?? ""),
              status: String(r.status ?? "Unknown"),
              changes,
              truncated: changes.length >= STATUS_DIFF_LIMIT,
            };
          });
        return {
          sync: sync.status ?? "Unknown",
          ...(sync.revision ? { revision: sync.revision } : {}),
          resources,
        };
      },
    }),
    defineRoute({
      method: "get",
      path: "/applications/{namespace}/{name}/resources",
      summary: "the objects an Application manages, with their sync status and health",
      tag: "applications",
      params: namespacedParams,
      response: z.object({
        resources: z.array(
          z.object({
            ...resourceRef,
            status: str,
            health: z.object({ status: str, message: str.optional() }).optional(),
            error: str.optional(),
          }),
        ),
      }),
      handle: async (ctx) => {
        const { app } = readApp(ctx);
        const all = Array.isArray(statusOf(app).resources) ? (statusOf(app).resources as Loose[]) : [];
        return {
          resources: all.map((r) => {
            const health = r.health as { status: string; message?: string } | undefined;
            return {
              group: String(r.group ?? ""),
              ...(typeof r.version === "string" ? { version: r.version } : {}),
              kind: String(r.kind ?? ""),
              namespace: String(r.namespace ?? ""),
              name: String(r.name ?? ""),
              status: String(r.status ?? "Unknown"),
              ...(health ? { health } : {}),
              ...(typeof r.error === "string" ? { error: r.error } : {}),
            };
          }),
        };
      },
    }),
  ];
}

const historyEntry = z.looseObject({ id: z.number(), revision: str, deployedAt: str, trigger: str });

/** The Application a route reads, authorised for `get` (404 when the caller may not see it). */
function readApp(ctx: ReadContext & { params: { namespace: string; name: string } }): {
  app: Loose & { status?: unknown };
} {
  return { app: readNamespaced(ctx, "application").object as Loose };
}
