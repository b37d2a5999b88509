// A Stack's state lock and apply history, for the Stack page.
//
// The state lock: while a tofu run works on a Stack's state, tofu's Kubernetes backend holds the
// workspace's lock Lease beside the state Secret (src/core/stack/state-lock.ts). A run that dies
// leaves it held, and every later plan waits on it; the page shows who holds it, since when and
// for what, so an approver can tell a live run from a dead one before asking for an unlock. The
// lock id and its holder's user@host are no secret: `moor stack unlock` prints them too.
//
// The apply history: each apply the controller makes is an audit record `stack-apply` (plan id,
// commit, approver, result). The Stack's status keeps only the last apply, so the history is read
// from the audit store when the server has one, newest first, with the status's last apply
// added should the store not hold it yet (the audit writer batches).
import { z } from "zod";
import { StackApi } from "../../actions/stack-client.ts";
import type { AuditRecord } from "../../core/audit/record.ts";
import type { Stack } from "../../core/stack/spec.ts";
import { KubeApiError } from "../../kube/client.ts";
import { readNamespaced } from "../cache-reads.ts";
import { defineRoute, type Route } from "../route.ts";
import { namespacedParams } from "../schemas.ts";

const str = z.string();

/** How many applies the history shows at most. */
export const APPLY_HISTORY_LIMIT = 20;
/** How many `stack-apply` records of the project are read to find this Stack's. */
const AUDIT_SCAN_LIMIT = 1000;

const applySchema = z.object({
  planId: str,
  revision: str.optional().describe("the commit the applied plan was made from, when known"),
  approvedBy: str.describe('a user, "git" (spec.approvePlan), "auto" or "drift-remediation"'),
  appliedAt: str,
  result: str.describe("succeeded or failed"),
  message: str,
});
export type ApplyEntry = z.infer<typeof applySchema>;

export function stackStateRoutes(): Route[] {
  return [
    defineRoute({
      method: "get",
      path: "/stacks/{namespace}/{name}/lock",
      summary: "who holds the Stack's state lock, since when and for what; null when nobody does",
      tag: "stacks",
      params: namespacedParams,
      response: z.object({
        lock: z
          .object({
            id: str.describe("the lock id that POST .../unlock takes"),
            who: str.describe("user@host of the process that took it; empty when unknown"),
            operation: str.describe("apply, plan, init...; empty when unknown"),
            createdAt: str.optional(),
          })
          .nullable(),
        withheld: str.optional().describe("why the lock is unknown when the server may not read it"),
      }),
      handle: async (ctx) => {
        const { namespace, name } = ctx.params;
        const { object } = readNamespaced(ctx, "stack");
        try {
          const held = await new StackApi(ctx.deps.kube, namespace).stateLock(object as Stack);
          if (held === undefined) return { lock: null };
          return {
            lock: {
              id: held.id,
              who: held.who,
              operation: held.operation,
              ...(held.createdMs === undefined ? {} : { createdAt: new Date(held.createdMs).toISOString() }),
            },
          };
        } catch (err) {
          // An installed server may not read Leases in the Stack's namespace (least privilege).
          if (!(err instanceof KubeApiError) || err.status !== 403) throw err;
          return {
            lock: null,
            withheld: `this server may not read the lock Lease in namespace ${namespace}; \`moor stack get ${name} -n ${namespace}\` with a kubeconfig shows the lock`,
          };
        }
      },
    }),
    defineRoute({
      method: "get",
      path: "/stacks/{namespace}/{name}/applies",
      summary: "the Stack's applies, newest first: plan id, commit, approver, time and result",
      tag: "stacks",
      params: namespacedParams,
      response: z.object({
        items: z.array(applySchema),
        source: z
          .enum(["audit", "status"])
          .describe("audit: read from the audit trail; status: only the last apply (no audit store)"),
      }),
      handle: async (ctx) => {
        const { object, project } = readNamespaced(ctx, "stack");
        const store = ctx.deps.auditStore;
        if (store === undefined) return applyHistory(object as Stack, undefined);
        const page = await store.list({ kind: "stack-apply", project, limit: AUDIT_SCAN_LIMIT });
        return applyHistory(object as Stack, page.records);
      },
    }),
  ];
}

/**
 * The Stack's applies, newest first: its `stack-apply` records among `records` (newest first, as
 * the store lists them), with the status's last apply put first when the store does not hold it
 * yet; without an audit store (`records` undefined), the status's last apply alone.
 */
export function applyHistory(
  stack: Stack,
  records: readonly AuditRecord[] | undefined,
): { items: ApplyEntry[]; source: "audit" | "status" } {
  const { namespace, name } = stack.metadata;
  const status = stack.status ?? {};
  const last = status.lastApply;
  const fromStatus: ApplyEntry[] =
    last === undefined
      ? []
      : [
          {
            planId: last.planId,
            ...(status.lastPlan?.id === last.planId && status.lastPlan.revision
              ? { revision: status.lastPlan.revision }
              : {}),
            approvedBy: last.approvedBy,
            appliedAt: last.appliedAt,
            result: last.result,
            message: last.message,
          },
        ];
  if (records === undefined) return { items: fromStatus, source: "status" };
  const items = records
    .filter(
      (r) =>
        r.kind === "stack-apply" &&
        r.object?.kind === "Stack" &&
        r.object.namespace === namespace &&
        r.object.name === name,
    )
    .map(applyOf);
  const newest = fromStatus[0];
  if (newest !== undefined && !items.some((i) => i.planId === newest.planId && i.result === newest.result))
    items.unshift(newest);
  return { items: items.slice(0, APPLY_HISTORY_LIMIT), source: "audit" };
}

function applyOf(record: AuditRecord): ApplyEntry {
  const d = record.details as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === "string" ? value : "");
  return {
    planId: text(d.planId),
    ...(text(d.revision) ? { revision: text(d.revision) } : {}),
    approvedBy: text(d.approvedBy) || record.actor.name,
    appliedAt: record.time,
    result: text(d.result),
    message: text(d.message),
  };
}
