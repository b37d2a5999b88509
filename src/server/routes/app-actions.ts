// Application actions over HTTP: the same functions `moor app sync|refresh|rollback|...` calls
// (src/actions/app-actions.ts), behind the caller's roles. Each route reads the Application once
// to learn its project, asks `ctx.authorize` for the verb the action needs there (deployer:
// sync, refresh, rollback and unpin, terminate, suspend and resume; admin: delete), performs the
// action as the caller (its name becomes the operation's initiatedBy), records it in the audit
// trail, and answers 202: the controller carries the request out on its own time, and the
// Application's status (GET /applications/{namespace}/{name}, the event stream) shows the result.
//
// Audit kinds: a rollback is recorded as `rollback` and a refresh as `refresh`, the kinds the trail
// has for them; every other action as `api-allowed` with the action named in its details. A
// refusal is `api-denied` (written by ctx.authorize): 403 when the caller sees the project but its
// role lacks the verb, 404 (as for a missing object) when it holds no role there at all.
import { z } from "zod";
import { ActionError } from "../../actions/action-error.ts";
import {
  type AppActionResult,
  deleteApp,
  loadApp,
  refreshApp,
  rollbackApp,
  setAppSuspended,
  syncApp,
  terminateApp,
  unpinApp,
} from "../../actions/app-actions.ts";
import { type AccessRequest, authorize } from "../../core/access/authorize.ts";
import type { Verb } from "../../core/access/roles.ts";
import type { AuditKind } from "../../core/audit/record.ts";
import type { JsonMap } from "../../core/json.ts";
import { projectNameOf } from "../../core/project/project.ts";
import { KubeApiError, type KubeClient } from "../../kube/client.ts";
import { ApiError } from "../errors.ts";
import { defineRoute, type Route, type RouteContext } from "../route.ts";
import { namespacedParams, objectName } from "../schemas.ts";

/** What every action answers: accepted, which action on which object, and what was asked. */
export const actionAccepted = z.object({
  accepted: z.literal(true),
  action: z.string(),
  /** `namespace/name` of the Application or Stack. */
  object: z.string(),
  message: z.string(),
  /** The request as written for the controller (sync options, plan id, lock id...). */
  request: z.record(z.string(), z.unknown()),
});
export type ActionAccepted = z.infer<typeof actionAccepted>;

/** An action's refusal as the API answers it: same message, the HTTP status from the code. */
export function apiErrorOf(err: unknown): never {
  if (err instanceof ActionError) {
    const code = err.code === "invalid" ? "bad-request" : err.code;
    throw new ApiError(code, err.message, { object: err.object });
  }
  if (err instanceof KubeApiError && err.status === 409) {
    throw new ApiError(
      "conflict",
      `the object changed while the request was written: ${err.message}; try again`,
    );
  }
  throw err;
}

/** Runs an action, turning its refusals into API errors. */
export async function perform<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    return apiErrorOf(err);
  }
}

/** The caller's name, as the controller records who asked. */
export function initiatorOf(ctx: { subject: { name: string } | undefined }): string {
  return ctx.subject?.name ?? "anonymous";
}

export type AnyContext = RouteContext<{ namespace: string; name: string }, unknown, unknown>;

/**
 * Checks the caller may do this (a refusal is audited by ctx.authorize). As with reads, a caller
 * who holds no role that sees the object's project gets the same 404 as for an object that does
 * not exist, so names in other teams' projects are not revealed; a caller who sees it but may not
 * do this gets 403.
 */
export function authorizeAction(ctx: AnyContext, request: AccessRequest, missing: string): void {
  try {
    ctx.authorize(request);
  } catch (err) {
    const visible = ctx.subject !== undefined && authorize(ctx.subject, { ...request, verb: "get" }).allowed;
    if (err instanceof ApiError && err.code === "forbidden" && !visible)
      throw new ApiError("not-found", missing);
    throw err;
  }
}

/** Reads the app, checks the caller may do `verb` in its project; returns the project. */
async function authorizeOnApp(ctx: AnyContext, verb: Verb): Promise<string> {
  const { namespace, name } = ctx.params;
  const app = await perform(() => loadApp(ctx.deps.kube, namespace, name));
  const project = projectNameOf(app);
  authorizeAction(
    ctx,
    { verb, resource: "application", project, name: `${namespace}/${name}` },
    `application ${name} not found in namespace ${namespace}; \`moor app list -n ${namespace}\` lists the applications there`,
  );
  return project;
}

/** Audits an accepted action on an Application or a Stack and answers 202 with what was asked. */
export function acceptAction(
  ctx: AnyContext,
  objectKind: "Application" | "Stack",
  project: string,
  result: { action: string; message: string },
  request: JsonMap,
  kind: AuditKind = "api-allowed",
): ActionAccepted {
  const { namespace, name } = ctx.params;
  ctx.audit({
    kind,
    project,
    object: { group: "mooring.dev", kind: objectKind, namespace, name },
    details: { action: result.action, via: "api", ...request },
  });
  return {
    accepted: true,
    action: result.action,
    object: `${namespace}/${name}`,
    message: result.message,
    request,
  };
}

function recordAndAnswer(
  ctx: AnyContext,
  project: string,
  result: AppActionResult,
  request: JsonMap,
  kind: AuditKind = "api-allowed",
): ActionAccepted {
  return acceptAction(ctx, "Application", project, result, request, kind);
}

const syncResource = z.strictObject({
  group: z
    .string()
    .max(253)
    .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$/, {
      message: "must be an API group ('' for the core group)",
    }),
  kind: z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,62}$/, { message: "must be a Kubernetes kind" }),
  namespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { message: "must be a namespace name" })
    .optional(),
  name: objectName,
});

const syncBody = z.strictObject({
  revision: z.string().min(1).max(255).optional(),
  prune: z.boolean().optional(),
  dryRun: z.boolean().optional(),
  resources: z.array(syncResource).min(1).max(500).optional(),
});

const empty = z.strictObject({});

/** What one action route does once the caller is authorised. */
export interface ActionSpec<B extends z.ZodType> {
  path: string;
  summary: string;
  body: B;
  verb: Verb;
  run: (ctx: AnyContext, body: z.output<B>, project: string) => Promise<ActionAccepted>;
}

/**
 * One action route: POST /{applications|stacks}/{namespace}/{name}/{path} answering 202, after
 * `authorizeOn` has read the object and checked the caller's verb in its project.
 */
export function actionRoute<B extends z.ZodType>(
  collection: "applications" | "stacks",
  authorizeOn: (ctx: AnyContext, verb: Verb) => Promise<string>,
  spec: ActionSpec<B>,
): Route {
  return defineRoute({
    method: "post",
    path: `/${collection}/{namespace}/{name}/${spec.path}`,
    summary: spec.summary,
    tag: collection,
    params: namespacedParams,
    body: spec.body,
    response: actionAccepted,
    status: 202,
    handle: async (ctx) => {
      const project = await authorizeOn(ctx as AnyContext, spec.verb);
      return spec.run(ctx as AnyContext, ctx.body as z.output<B>, project);
    },
  });
}

function appAction<B extends z.ZodType>(spec: ActionSpec<B>): Route {
  return actionRoute("applications", authorizeOnApp, spec);
}

export function appActionRoutes(): Route[] {
  const kube = (ctx: AnyContext): KubeClient => ctx.deps.kube;
  return [
    appAction({
      path: "sync",
      summary:
        "ask the controller to sync the application now: a revision, prune, a dry run, or only the chosen objects",
      body: syncBody,
      verb: "sync",
      run: async (ctx, body, project) => {
        const { namespace, name } = ctx.params;
        const result = await perform(() => syncApp(kube(ctx), namespace, name, body, initiatorOf(ctx)));
        return recordAndAnswer(ctx, project, result, { ...result.operation.sync } as JsonMap);
      },
    }),
    appAction({
      path: "refresh",
      summary:
        "ask the controller to compare the application with Git and the cluster again (hard: no render cache)",
      body: z.strictObject({ hard: z.boolean().optional() }),
      verb: "refresh",
      run: async (ctx, body, project) => {
        const { namespace, name } = ctx.params;
        const result = await perform(() =>
          refreshApp(kube(ctx), namespace, name, { hard: body.hard === true }, initiatorOf(ctx)),
        );
        return recordAndAnswer(ctx, project, result, { hard: result.hard }, "refresh");
      },
    }),
    appAction({
      path: "rollback",
      summary: "deploy the revision of history entry id again and pin the application to it",
      body: z.strictObject({ id: z.number().int().min(1) }),
      verb: "rollback",
      run: async (ctx, body, project) => {
        const { namespace, name } = ctx.params;
        const result = await perform(() => rollbackApp(kube(ctx), namespace, name, body, initiatorOf(ctx)));
        return recordAndAnswer(
          ctx,
          project,
          result,
          { id: body.id, ...(result.revision ? { revision: result.revision } : {}) },
          "rollback",
        );
      },
    }),
    appAction({
      path: "unpin",
      summary: "release the pin a rollback set, so the application follows its target revision again",
      body: empty,
      verb: "rollback",
      run: async (ctx, _body, project) => {
        const { namespace, name } = ctx.params;
        const result = await perform(() => unpinApp(kube(ctx), namespace, name, {}, initiatorOf(ctx)));
        return recordAndAnswer(ctx, project, result, {});
      },
    }),
    appAction({
      path: "terminate",
      summary: "stop the running sync: running hooks are deleted, no further step runs, it ends Failed",
      body: empty,
      verb: "terminate",
      run: async (ctx, _body, project) => {
        const { namespace, name } = ctx.params;
        const result = await perform(() => terminateApp(kube(ctx), namespace, name, {}, initiatorOf(ctx)));
        return recordAndAnswer(ctx, project, result, {});
      },
    }),
    appAction({
      path: "suspend",
      summary: "suspend the application (spec.suspend): the controller leaves it alone until it is resumed",
      body: empty,
      verb: "suspend",
      run: async (ctx, _body, project) => {
        const { namespace, name } = ctx.params;
        const result = await perform(() =>
          setAppSuspended(kube(ctx), namespace, name, { suspend: true }, initiatorOf(ctx)),
        );
        return recordAndAnswer(ctx, project, result, { changed: result.changed });
      },
    }),
    appAction({
      path: "resume",
      summary: "resume a suspended application: the controller compares and syncs it again",
      body: empty,
      verb: "suspend",
      run: async (ctx, _body, project) => {
        const { namespace, name } = ctx.params;
        const result = await perform(() =>
          setAppSuspended(kube(ctx), namespace, name, { suspend: false }, initiatorOf(ctx)),
        );
        return recordAndAnswer(ctx, project, result, { changed: result.changed });
      },
    }),
    defineRoute({
      method: "delete",
      path: "/applications/{namespace}/{name}",
      summary:
        "delete the application and, with cascade (the default), the objects it manages; cascade=false keeps them",
      tag: "applications",
      params: namespacedParams,
      query: z.strictObject({ cascade: z.enum(["true", "false"]).optional() }),
      response: actionAccepted,
      status: 202,
      handle: async (ctx) => {
        const project = await authorizeOnApp(ctx as AnyContext, "delete");
        const { namespace, name } = ctx.params;
        const cascade = ctx.query.cascade !== "false";
        const result = await perform(() =>
          deleteApp(ctx.deps.kube, namespace, name, { cascade }, initiatorOf(ctx)),
        );
        return recordAndAnswer(ctx as AnyContext, project, result, { cascade, gone: result.gone });
      },
    }),
  ];
}
