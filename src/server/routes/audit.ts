// The audit trail over the API: list with the same filters as `moor audit list`, one record, and
// verification of the whole chain against the anchors published as Events.
//
// Who may read what: a record belongs to the project it names. A caller holding `list` on the
// audit of a project reads that project's records; records outside any project (logins, webhook
// deliveries, refusals before a project was known) and the whole-chain verification are for the
// global admin, since they name other tenants' users and addresses.
import { z } from "zod";
import { chainId, fetchAnchorEvents } from "../../audit/anchors.ts";
import { type AuditQuery, AuditStoreError } from "../../audit/store.ts";
import { verifyStore } from "../../audit/verify.ts";
import { AUDIT_KINDS } from "../../core/audit/record.ts";
import type { ServerDeps } from "../context.ts";
import { ApiError } from "../errors.ts";
import { defineRoute, type Route } from "../route.ts";

const record = z.object({
  seq: z.number(),
  time: z.string(),
  kind: z.enum(AUDIT_KINDS),
  actor: z.object({ type: z.string(), name: z.string(), address: z.string().optional() }),
  project: z.string(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});

const listQuery = z.strictObject({
  project: z.string().max(253).optional(),
  actor: z.string().max(256).optional(),
  /** One kind or several, comma-separated. */
  kind: z
    .string()
    .transform((text) => text.split(",").map((kind) => kind.trim()))
    .pipe(z.array(z.enum(AUDIT_KINDS)).min(1))
    .optional(),
  since: z.string().optional(),
  until: z.string().optional(),
  order: z.enum(["asc", "desc"]).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  cursor: z.string().max(200).optional(),
});

function storeOf(deps: ServerDeps) {
  if (deps.auditStore === undefined) {
    throw new ApiError(
      "upstream-unavailable",
      "this server has no audit store; start moor server with --database",
    );
  }
  return deps.auditStore;
}

export function auditRoutes(): Route[] {
  return [
    defineRoute({
      method: "get",
      path: "/audit",
      summary: "audit records, newest first, filtered by project, actor, kind and time, paged by cursor",
      tag: "audit",
      query: listQuery,
      response: z.object({ records: z.array(record), nextCursor: z.string().optional() }),
      handle: async (ctx) => {
        const { project, ...rest } = ctx.query;
        if (project === undefined) {
          if (!ctx.subject?.globalAdmin) {
            ctx.authorize({ verb: "list", resource: "audit" });
          }
        } else {
          ctx.authorize({ verb: "list", resource: "audit", project });
        }
        const query: AuditQuery = {};
        for (const [key, value] of Object.entries({ project, ...rest })) {
          if (value !== undefined) (query as Record<string, unknown>)[key] = value;
        }
        try {
          const page = await storeOf(ctx.deps).list(query);
          return page.nextCursor === undefined ? { records: page.records } : page;
        } catch (err) {
          if (err instanceof AuditStoreError) throw new ApiError("invalid-query", err.message);
          throw err;
        }
      },
    }),
    defineRoute({
      method: "get",
      path: "/audit/records/{seq}",
      summary: "one audit record by its place in the chain",
      tag: "audit",
      params: z.strictObject({ seq: z.coerce.number().int().min(1) }),
      response: record,
      handle: async (ctx) => {
        const found = await storeOf(ctx.deps).get(ctx.params.seq);
        // Authorised against the record's own project. A seq that does not exist is treated like a
        // record outside any project (global admin only), so its absence tells others nothing.
        const project = found?.project || undefined;
        ctx.authorize({ verb: "get", resource: "audit", ...(project === undefined ? {} : { project }) });
        if (found === undefined)
          throw new ApiError("not-found", `audit record ${ctx.params.seq} does not exist`);
        return found;
      },
    }),
    defineRoute({
      method: "get",
      path: "/audit/verify",
      summary: "walk the whole hash chain and check it against the anchors in the cluster's Events",
      tag: "audit",
      response: z.looseObject({ ok: z.boolean(), anchors: z.number() }),
      handle: async (ctx) => {
        ctx.authorize({ verb: "get", resource: "audit" });
        const store = storeOf(ctx.deps);
        const first = await store.get(1);
        const found = await fetchAnchorEvents(ctx.deps.kube, ctx.deps.namespace);
        const anchors = found
          .filter((a) => first === undefined || !a.chain || a.chain === chainId(first.hash))
          .map(({ seq, hash }) => ({ seq, hash }));
        const result = await verifyStore(store, anchors);
        return { ...result, anchors: anchors.length };
      },
    }),
  ];
}
