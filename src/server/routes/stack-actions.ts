// Stack actions over HTTP: the same functions `moor stack plan --refresh|approve|apply|unlock|
// delete` calls (src/actions/stack-actions.ts), behind the caller's roles. The approver role holds
// plan, approve, apply and unlock: the four-eyes gate of Terraform changes; delete needs admin.
// Approval is by plan id: an id that is not the Stack's current pending plan answers 409 naming
// the current one, so nobody approves changes they did not review. The caller's name is written
// as the approver (`mooring.dev/approved-by`) or the unlock's requester, which the controller
// copies into the apply record and the audit trail.
//
// Audit kinds: approve and apply are recorded as `stack-approve`, unlock as `stack-unlock`; plan
// and delete as `api-allowed` with the action named (the controller records the plan it makes).
import { z } from "zod";
import {
  applyStack,
  approveStack,
  deleteStack,
  loadStack,
  planStack,
  type StackActionResult,
  unlockStack,
} from "../../actions/stack-actions.ts";
import type { Verb } from "../../core/access/roles.ts";
import type { AuditKind } from "../../core/audit/record.ts";
import type { JsonMap } from "../../core/json.ts";
import { projectNameOf } from "../../core/project/project.ts";
import { defineRoute, type Route } from "../route.ts";
import { namespacedParams } from "../schemas.ts";
import {
  type ActionAccepted,
  type ActionSpec,
  type AnyContext,
  acceptAction,
  actionAccepted,
  actionRoute,
  authorizeAction,
  initiatorOf,
  perform,
} from "./app-actions.ts";

async function authorizeOnStack(ctx: AnyContext, verb: Verb): Promise<string> {
  const { namespace, name } = ctx.params;
  const stack = await perform(() => loadStack(ctx.deps.kube, namespace, name));
  const project = projectNameOf(stack);
  authorizeAction(
    ctx,
    { verb, resource: "stack", project, name: `${namespace}/${name}` },
    `stack ${name} not found in namespace ${namespace}; \`moor stack list -n ${namespace}\` lists the stacks there`,
  );
  return project;
}

function recordAndAnswer(
  ctx: AnyContext,
  project: string,
  result: StackActionResult,
  request: JsonMap,
  kind: AuditKind = "api-allowed",
): ActionAccepted {
  return acceptAction(ctx, "Stack", project, result, request, kind);
}

const planIdField = z
  .string()
  .regex(/^p-[0-9a-f]{16}$/, { message: "must be a plan id (p- and 16 hex digits)" });

function stackAction<B extends z.ZodType>(spec: ActionSpec<B>): Route {
  return actionRoute("stacks", authorizeOnStack, spec);
}

export function stackActionRoutes(): Route[] {
  return [
    stackAction({
      path: "plan",
      summary: "ask the controller to plan the stack again now",
      body: z.strictObject({}),
      verb: "plan",
      run: async (ctx, _body, project) => {
        const { namespace, name } = ctx.params;
        const result = await perform(() => planStack(ctx.deps.kube, namespace, name, {}, initiatorOf(ctx)));
        return recordAndAnswer(ctx, project, result, {});
      },
    }),
    stackAction({
      path: "approve",
      summary: "approve the stack's pending plan planId (409 when it is not the current pending plan)",
      body: z.strictObject({ planId: planIdField }),
      verb: "approve",
      run: async (ctx, body, project) => {
        const { namespace, name } = ctx.params;
        const result = await perform(() =>
          approveStack(ctx.deps.kube, namespace, name, { planId: body.planId }, initiatorOf(ctx)),
        );
        return recordAndAnswer(
          ctx,
          project,
          result,
          {
            planId: result.plan.id,
            purpose: result.plan.purpose,
            approvedBy: result.approvedBy,
            ...(result.warning ? { warning: result.warning } : {}),
          },
          "stack-approve",
        );
      },
    }),
    stackAction({
      path: "apply",
      summary: "approve whatever plan of the stack is pending now (409 when nothing is)",
      body: z.strictObject({}),
      verb: "apply",
      run: async (ctx, _body, project) => {
        const { namespace, name } = ctx.params;
        const result = await perform(() => applyStack(ctx.deps.kube, namespace, name, {}, initiatorOf(ctx)));
        return recordAndAnswer(
          ctx,
          project,
          result,
          {
            planId: result.plan.id,
            purpose: result.plan.purpose,
            approvedBy: result.approvedBy,
            ...(result.warning ? { warning: result.warning } : {}),
          },
          "stack-approve",
        );
      },
    }),
    stackAction({
      path: "unlock",
      summary:
        "ask the controller to release the stack's state lock (lockId: that lock only; 409 unless it is held)",
      body: z.strictObject({ lockId: z.string().min(1).max(200).optional() }),
      verb: "unlock",
      run: async (ctx, body, project) => {
        const { namespace, name } = ctx.params;
        const result = await perform(() =>
          unlockStack(
            ctx.deps.kube,
            namespace,
            name,
            body.lockId === undefined ? {} : { lockId: body.lockId },
            initiatorOf(ctx),
          ),
        );
        return recordAndAnswer(ctx, project, result, { lockId: result.lock.id }, "stack-unlock");
      },
    }),
    defineRoute({
      method: "delete",
      path: "/stacks/{namespace}/{name}",
      summary:
        "delete the stack; with spec.destroyOnDelete its infrastructure is destroyed first, else state and infrastructure are kept",
      tag: "stacks",
      params: namespacedParams,
      response: actionAccepted,
      status: 202,
      handle: async (ctx) => {
        const project = await authorizeOnStack(ctx as AnyContext, "delete");
        const { namespace, name } = ctx.params;
        const result = await perform(() => deleteStack(ctx.deps.kube, namespace, name, {}, initiatorOf(ctx)));
        return recordAndAnswer(ctx as AnyContext, project, result, {
          destroy: result.destroy,
          gone: result.gone,
        });
      },
    }),
  ];
}
