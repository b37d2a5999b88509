// Reading Stacks: the list (filtered, sorted, paged like Applications), one Stack, and its current
// plan. The list and the Stack come from the informer cache; the plan's text is read from the
// plan store (Secrets beside the Stack, src/terraform/plan-store.ts) when asked for, since it is
// large and rarely read. That text is `tofu show` of the plan, scrubbed of the Stack's secret
// values when it was made, with tofu's own `(sensitive value)` for attributes marked sensitive;
// the binary plan file, which holds variable values in clear, never leaves the server. The outputs
// come from the Secret the Stack writes them to, sensitive ones always hidden (`moor stack outputs
// --show-sensitive` needs a kubeconfig that may read that Secret).
import { z } from "zod";
import { outputValues, parseSensitiveKeys } from "../../actions/stack-outputs.ts";
import { STACK_SORTS, type StackSummary, stackFilter, stackSortKey } from "../../core/query/summaries.ts";
import { SENSITIVE_OUTPUTS_ANNOTATION } from "../../core/stack/spec.ts";
import { KubeApiError } from "../../kube/client.ts";
import { loadPlan } from "../../terraform/plan-store.ts";
import {
  cacheOf,
  callerOf,
  filtersFrom,
  listQueryFields,
  presentable,
  readNamespaced,
  visibleListPage,
} from "../cache-reads.ts";
import { defineRoute, type Route } from "../route.ts";
import { namespacedParams } from "../schemas.ts";
import { stackStateRoutes } from "./stack-state.ts";

const str = z.string();

export const stackSummarySchema = z.object({
  namespace: str,
  name: str,
  project: str,
  labels: z.record(str, str),
  source: z.object({ repoURL: str, path: str, targetRevision: str }),
  ready: str.describe("the Ready condition: True, False or Unknown"),
  reason: str.describe("the Ready condition's reason, e.g. Applied, PlanPending"),
  drifted: z.boolean(),
  pendingPlan: str.optional().describe("id of the plan waiting for approval"),
  lastAppliedAt: str.optional(),
  lastApplyResult: str.optional().describe("the last apply's result: succeeded or failed"),
  lastPlan: z
    .object({
      id: str,
      revision: str,
      add: z.number(),
      change: z.number(),
      destroy: z.number(),
      pending: z.boolean(),
    })
    .optional()
    .describe("the last plan, pending or not: its id, commit and counts"),
  suspended: z.boolean(),
  createdAt: str.optional(),
});

/**
 * The states a Stack list can be narrowed to, as a person triages them: plans waiting for their
 * approval, infrastructure that drifted, Stacks not Ready (failed or stalled), Ready ones, and
 * suspended ones.
 */
export const STACK_STATES = ["pending", "drifted", "failed", "ready", "suspended"] as const;
type StackState = (typeof STACK_STATES)[number];

const STATE_MATCHES: Record<StackState, (s: StackSummary) => boolean> = {
  pending: (s) => s.pendingPlan !== undefined,
  drifted: (s) => s.drifted,
  failed: (s) => s.ready === "False" && s.pendingPlan === undefined,
  ready: (s) => s.ready === "True",
  suspended: (s) => s.suspended,
};

const listQuery = z.strictObject({
  ...listQueryFields,
  sort: z.enum(STACK_SORTS).default("name"),
  state: z
    .enum(STACK_STATES)
    .optional()
    .describe("pending (a plan awaits approval), drifted, failed (not Ready), ready, suspended"),
});

const kubeObject = z.looseObject({
  apiVersion: str,
  kind: str,
  metadata: z.looseObject({ name: str, namespace: str }),
});

const planCounts = z.object({
  add: z.number(),
  change: z.number(),
  destroy: z.number(),
  replace: z.number(),
  forget: z.number(),
  import: z.number(),
  read: z.number(),
});

const planSchema = z.looseObject({
  id: str,
  revision: str,
  createdAt: str,
  purpose: str,
  summary: planCounts,
  resources: z.array(z.looseObject({ address: str, action: str })),
  pending: z.boolean(),
});

export function stackRoutes(): Route[] {
  return [
    defineRoute({
      method: "get",
      path: "/stacks",
      summary: "list the Stacks you may see: filtered, sorted, one page at a time (cursor)",
      tag: "stacks",
      query: listQuery,
      response: z.object({
        items: z.array(stackSummarySchema),
        total: z.number().int(),
        next: str.optional(),
      }),
      handle: async (ctx) => {
        const subject = callerOf(ctx);
        const cache = cacheOf(ctx.deps, "Stack");
        const q = ctx.query;
        const filters = filtersFrom(q);
        const common = stackFilter(filters);
        const state = q.state === undefined ? undefined : STATE_MATCHES[q.state];
        // The state rides in the filters' `health` slot, which Stack rows do not otherwise read, so
        // that a cursor stays bound to the state it was issued for.
        const bound = q.state === undefined ? filters : { ...filters, health: [`state:${q.state}`] };
        return visibleListPage<StackSummary, ReturnType<typeof cache.stackRowsSorted>[number]>(
          subject,
          cache.stackRowsSorted(q.sort, q.order),
          { sort: q.sort, order: q.order, filters: bound, limit: q.limit, cursor: q.cursor },
          stackSortKey(q.sort),
          state === undefined ? common : (row) => common(row) && state(row.summary),
        );
      },
    }),
    defineRoute({
      method: "get",
      path: "/stacks/{namespace}/{name}",
      summary: "one Stack: its spec and status as the cluster holds them, and its list row",
      tag: "stacks",
      params: namespacedParams,
      response: z.object({ stack: kubeObject, summary: stackSummarySchema }),
      handle: async (ctx) => {
        const { object } = readNamespaced(ctx, "stack");
        const summary = cacheOf(ctx.deps).stackSummary(ctx.params.namespace, ctx.params.name);
        return {
          stack: presentable(object) as z.input<typeof kubeObject>,
          summary: summary as StackSummary,
        };
      },
    }),
    defineRoute({
      method: "get",
      path: "/stacks/{namespace}/{name}/plan",
      summary: "the Stack's current plan: what it changes and tofu's text of it, secrets hidden",
      tag: "stacks",
      params: namespacedParams,
      response: z.object({
        plan: planSchema.nullable().describe("null until the Stack has made a plan"),
        text: str.optional().describe("`tofu show` of the plan; absent once the stored plan was pruned"),
        textWithheld: str
          .optional()
          .describe("why the text is absent when the server may not read the plan store (least privilege)"),
      }),
      handle: async (ctx) => {
        const { object } = readNamespaced(ctx, "stack");
        const status = (object.status ?? {}) as { lastPlan?: z.input<typeof planSchema> };
        const plan = status.lastPlan;
        if (plan === undefined) return { plan: null };
        let stored: Awaited<ReturnType<typeof loadPlan>>;
        try {
          stored = await loadPlan(
            ctx.deps.kube,
            { namespace: ctx.params.namespace, name: ctx.params.name },
            plan.id,
          );
        } catch (err) {
          // The plan store is Secrets in the Stack's namespace, which an installed server may not
          // read (deploy/rbac/server-role.yaml): the plan's changes are still answered from the
          // Stack's status, and the caller is told where the full text is.
          if (!(err instanceof KubeApiError) || err.status !== 403) throw err;
          return {
            plan,
            textWithheld: `this server may not read the plan store (Secrets in namespace ${ctx.params.namespace}); moor stack plan show with a kubeconfig prints the text`,
          };
        }
        return stored === null ? { plan } : { plan, text: stored.text };
      },
    }),
    ...stackStateRoutes(),
    defineRoute({
      method: "get",
      path: "/stacks/{namespace}/{name}/outputs",
      summary: "the outputs a Stack wrote to its Secret; values tofu marks sensitive are never served",
      tag: "stacks",
      params: namespacedParams,
      response: z.object({
        secret: str.nullable().describe("the outputs Secret the status names; null until it names one"),
        found: z.boolean().describe("whether that Secret exists"),
        outputs: z.record(str, str).describe('every output, sensitive ones as "(sensitive)"'),
        sensitiveListed: z
          .boolean()
          .describe("false when the Secret does not say which outputs are sensitive: then all are hidden"),
        withheld: str
          .optional()
          .describe("why the outputs are absent when the server may not read the Secret"),
      }),
      handle: async (ctx) => {
        const { namespace, name } = ctx.params;
        const { object } = readNamespaced(ctx, "stack");
        const secretName = ((object.status ?? {}) as { outputsSecret?: string }).outputsSecret;
        const none = { outputs: {}, sensitiveListed: false };
        if (!secretName) return { secret: null, found: false, ...none };
        let secret: {
          metadata: { annotations?: Record<string, string> };
          data?: Record<string, string>;
        } | null;
        try {
          secret = (await ctx.deps.kube.get("v1", "Secret", namespace, secretName)) as typeof secret;
        } catch (err) {
          // As with the plan store: an installed server may not read Secrets in the Stack's namespace.
          if (!(err instanceof KubeApiError) || err.status !== 403) throw err;
          return {
            secret: secretName,
            found: false,
            ...none,
            withheld: `this server may not read Secret ${secretName} in namespace ${namespace}; \`moor stack outputs ${name}\` with a kubeconfig prints the outputs`,
          };
        }
        if (secret === null) return { secret: secretName, found: false, ...none };
        const sensitive = parseSensitiveKeys(secret.metadata.annotations?.[SENSITIVE_OUTPUTS_ANNOTATION]);
        return {
          secret: secretName,
          found: true,
          outputs: outputValues(secret.data ?? {}, sensitive, false),
          sensitiveListed: sensitive !== undefined,
        };
      },
    }),
  ];
}
