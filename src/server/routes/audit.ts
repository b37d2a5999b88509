// The audit trail over the API: list with the same filters as `moor audit list`, one record, and
// verification of the whole chain against the anchors published as Events.
//
// Two filters are the route's own, for the web UI's search box: `object` (text in the object's
// `Kind/namespace/name`) and `search` (text anywhere in the record: kind, actor, project, object,
// details). The store cannot index free text, so the route reads the store's pages (with the
// store's own filters applied) and keeps the matching records, reading at most SCAN_BUDGET
// records per request; when it stops early it answers the cursor where it stopped, so the next
// page goes on from there.
//
// Who may read what: a record belongs to the project it names. A caller holding `list` on the
// audit of a project reads that project's records; records outside any project (logins, webhook
// deliveries, refusals before a project was known) and the whole-chain verification are for the
// global admin, since they name other tenants' users and addresses.
import { z } from "zod";
import { chainId, fetchAnchorEvents } from "../../audit/anchors.ts";
import { type AuditQuery, AuditStoreError, encodeCursor } from "../../audit/store.ts";
import { verifyStore } from "../../audit/verify.ts";
import { AUDIT_KINDS, type AuditRecord } from "../../core/audit/record.ts";
import { formatRef } from "../../core/objects.ts";
import type { ServerDeps } from "../context.ts";
import { ApiError } from "../errors.ts";
import { defineRoute, type Route } from "../route.ts";

const record = z.object({
  seq: z.number(),
  time: z.string(),
  kind: z.enum(AUDIT_KINDS),
  actor: z.object({ type: z.string(), name: z.string(), address: z.string().optional() }),
  project: z.string(),
  object: z
    .object({ group: z.string(), kind: z.string(), namespace: z.string(), name: z.string() })
    .optional()
    .describe("the object acted on: an Application, a Stack, a Project, or one managed object"),
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
  object: z.string().max(600).optional().describe("text in the object's Kind/namespace/name, any case"),
  search: z.string().max(200).optional().describe("text anywhere in the record, any case"),
});

/** How many records one request reads at most to find the ones `object` or `search` match. */
export const SCAN_BUDGET = 5000;
const SCAN_PAGE = 500;

/** Whether a record holds the text (lower-case) in its object, or anywhere for `search`. */
export function recordMatcher(object: string | undefined, search: string | undefined) {
  const objectText = object?.trim().toLowerCase() ?? "";
  const searchText = search?.trim().toLowerCase() ?? "";
  return (record: AuditRecord): boolean => {
    const ref = record.object ? formatRef(record.object).toLowerCase() : "";
    if (objectText !== "" && !ref.includes(objectText)) return false;
    if (searchText === "") return true;
    const text = [
      record.kind,
      record.actor.type,
      record.actor.name,
      record.actor.address ?? "",
      record.project,
      ref,
      JSON.stringify(record.details),
    ]
      .join("\n")
      .toLowerCase();
    return text.includes(searchText);
  };
}

/** A page of the records `matches` keeps, read from the store's pages within SCAN_BUDGET. */
export async function scan(
  store: NonNullable<ServerDeps["auditStore"]>,
  query: AuditQuery,
  matches: (record: AuditRecord) => boolean,
  sizes: { page: number; budget: number } = { page: SCAN_PAGE, budget: SCAN_BUDGET },
): Promise<{ records: AuditRecord[]; nextCursor?: string }> {
  const limit = query.limit ?? 100;
  const records: AuditRecord[] = [];
  let cursor = query.cursor;
  let scanned = 0;
  for (;;) {
    const page = await store.list({
      ...query,
      limit: SCAN_PAGE,
      ...(cursor === undefined ? {} : { cursor }),
    });
    for (const [index, record] of page.records.entries()) {
      scanned += 1;
      if (matches(record)) records.push(record);
      const more = index < page.records.length - 1 || page.nextCursor !== undefined;
      if (!more) return { records };
      if (records.length === limit || scanned >= sizes.budget)
        return { records, nextCursor: encodeCursor(record.seq) };
    }
    if (page.nextCursor === undefined) return { records };
    cursor = page.nextCursor;
  }
}

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
      summary:
        "audit records, newest first, filtered by project, actor, kind, time, object and text, paged by cursor",
      tag: "audit",
      query: listQuery,
      response: z.object({ records: z.array(record), nextCursor: z.string().optional() }),
      handle: async (ctx) => {
        const { project, object, search, ...rest } = ctx.query;
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
          const store = storeOf(ctx.deps);
          const page =
            (object?.trim() ?? "") === "" && (search?.trim() ?? "") === ""
              ? await store.list(query)
              : await scan(store, query, recordMatcher(object, search));
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
