// Inspecting one Application for the web UI's application page: its resource tree (managed
// objects and what Kubernetes made for them: ReplicaSets, Pods, Jobs), one object's live and
// desired manifests with their field diff, and a preview of what syncing some revision would
// change. The API server's own identity may read none of an app's workloads, Pods or Secrets
// (deploy/rbac/server-*.yaml), and it must stay so: these routes ask the controller, which reads
// and renders with the app's own identity (core/inspect/protocol.ts, src/controller/inspect.ts).
// Each route is `get` on the Application, 404 to a caller who may not see it, as every app read.
//
// Shapes (the UI is built on them; change only by adding optional fields, noted here):
//   GET .../tree    → { nodes: TreeNode[], truncated, childrenError?: { code, message } }
//   GET .../object?group=&kind=&namespace=&name= → { ref, live?, desired?, diff: FieldChange[] }
//   GET .../preview?revision=SHA → { revision, resources: { ...ref, status, changes, error? }[] }
// Additions: preview rows carry `error?` (the API server refused the object's dry run); preview
// `revision` is optional (default: the target revision).
import { z } from "zod";
import type { Application } from "../../core/application.ts";
import { inspectPath } from "../../core/inspect/protocol.ts";
import { previewRevision } from "../../core/inspect/revision.ts";
import { managedNodes, type Tree, type TreeNode } from "../../core/inspect/tree.ts";
import type { ReadContext } from "../cache-reads.ts";
import { readNamespaced } from "../cache-reads.ts";
import { ApiError } from "../errors.ts";
import { ControllerUnreachable } from "../inspect-client.ts";
import { defineRoute, type Route } from "../route.ts";
import { namespacedParams } from "../schemas.ts";

const str = z.string();

const treeNode = z.object({
  id: str.describe('"group/Kind/namespace/name", group "" for core kinds: "/Pod/shop/web-1"'),
  group: str,
  version: str.optional(),
  kind: str,
  namespace: str,
  name: str,
  parent: str
    .optional()
    .describe("the owner's id; absent on managed objects (the Application is their parent)"),
  managed: z.boolean(),
  sync: str.optional().describe("managed objects: Synced, OutOfSync or Unknown"),
  health: z.object({ status: str, message: str.optional() }).optional(),
  createdAt: str.optional(),
  info: z.array(str).optional().describe("short facts: pod phase, ready 1/1, replicas 2/2, images"),
});

const fieldChange = z.object({ path: str, live: z.unknown().optional(), desired: z.unknown().optional() });

const ref = { group: str, version: str.optional(), kind: str, namespace: str, name: str };

const looseObject = z.looseObject({ apiVersion: str, kind: str, metadata: z.looseObject({}) });

const objectQuery = z.strictObject({
  group: str.max(253).default("").describe('API group, "" for core kinds'),
  kind: str.regex(/^[A-Za-z][A-Za-z0-9]{0,62}$/, "must be a Kubernetes kind (letters and digits)"),
  namespace: str.max(63).default("").describe('"" for cluster-scoped objects'),
  name: str.min(1).max(253),
});

const previewQuery = z.strictObject({
  revision: str
    .max(255)
    .optional()
    .describe(
      "a commit SHA of the app's history (or a prefix of 7+), or its target revision; default the target",
    ),
});

type Params = { namespace: string; name: string };

function readApp(ctx: ReadContext & { params: Params }): Application {
  return readNamespaced(ctx, "application").object as Application;
}

function unreachable(err: unknown): never {
  if (err instanceof ControllerUnreachable)
    throw new ApiError("controller-unreachable", `${err.message}; retry in a moment`);
  throw err;
}

function inspectOf(ctx: ReadContext) {
  const inspect = ctx.deps.inspect;
  if (!inspect)
    throw new ApiError(
      "controller-unreachable",
      "this API server was started without a controller to ask (--controller-url); retry once it has one",
    );
  return inspect;
}

export function appInspectRoutes(): Route[] {
  return [
    defineRoute({
      method: "get",
      path: "/applications/{namespace}/{name}/tree",
      summary:
        "an Application's resource tree: managed objects and what they own (ReplicaSets, Pods, Jobs), with health",
      tag: "applications",
      params: namespacedParams,
      response: z.object({
        nodes: z.array(treeNode),
        truncated: z.boolean().describe("owned objects were left out past the controller's cap"),
        childrenError: z
          .object({ code: str, message: str })
          .optional()
          .describe("owned objects could not be read: the nodes are the managed objects only"),
      }),
      handle: async (ctx) => {
        const app = readApp(ctx);
        const resources = ((app.status as { resources?: unknown } | undefined)?.resources ?? []) as object[];
        const fallback = (code: string, message: string) => ({
          nodes: managedNodes(resources) as TreeNode[],
          truncated: false,
          childrenError: { code, message },
        });
        if (!ctx.deps.inspect)
          return fallback("controller-unreachable", "this API server has no controller to ask; retry later");
        try {
          return await ctx.deps.inspect.get<Tree>(inspectPath(ctx.params.namespace, ctx.params.name, "tree"));
        } catch (err) {
          if (err instanceof ControllerUnreachable)
            return fallback("controller-unreachable", `${err.message}; retry in a moment`);
          if (err instanceof ApiError && err.code !== "not-found") return fallback(err.code, err.message);
          throw err;
        }
      },
    }),
    defineRoute({
      method: "get",
      path: "/applications/{namespace}/{name}/object",
      summary:
        "one object of an Application: live and desired manifests and their field diff, Secret values masked",
      tag: "applications",
      params: namespacedParams,
      query: objectQuery,
      response: z.object({
        ref: z.object(ref),
        live: looseObject.optional().describe("as the cluster holds it, status kept, bookkeeping removed"),
        desired: looseObject
          .optional()
          .describe("as Git declares it at the app's synced revision (managed objects only)"),
        diff: z.array(fieldChange).describe("what a sync would change, noise removed, Secret values masked"),
      }),
      handle: async (ctx) => {
        readApp(ctx);
        const { group, kind, namespace, name } = ctx.query;
        return inspectOf(ctx)
          .get<{ ref: z.input<z.ZodObject<typeof ref>>; diff: [] }>(
            inspectPath(ctx.params.namespace, ctx.params.name, "object"),
            { group, kind, namespace, name },
          )
          .catch(unreachable);
      },
    }),
    defineRoute({
      method: "get",
      path: "/applications/{namespace}/{name}/preview",
      summary:
        "what syncing an Application to a revision of its history (or its target) would change, per object",
      tag: "applications",
      params: namespacedParams,
      query: previewQuery,
      response: z.object({
        revision: str.describe("the commit rendered"),
        resources: z.array(
          z.object({
            ...ref,
            status: str.describe(
              "Synced, OutOfSync, Missing (would be created), Extra (would be pruned), Unknown",
            ),
            changes: z.array(fieldChange),
            error: str.optional().describe("why the object could not be compared"),
          }),
        ),
      }),
      handle: async (ctx) => {
        const app = readApp(ctx);
        const chosen = previewRevision(app, ctx.query.revision);
        if (!chosen.ok) throw new ApiError("bad-request", chosen.message);
        return inspectOf(ctx)
          .get<{ revision: string; resources: [] }>(
            inspectPath(ctx.params.namespace, ctx.params.name, "preview"),
            { revision: chosen.revision },
          )
          .catch(unreachable);
      },
    }),
  ];
}
