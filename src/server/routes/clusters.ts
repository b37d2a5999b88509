// Reading registered clusters: name, API server URL and the namespaces each may be used in, never
// its credentials (the server keeps none of them in memory: ../cache.ts). Clusters registered for
// the whole installation are for global admins; one scoped to a project (a `project` key in its
// Secret, as in Argo CD) is visible to that project's readers. Others answer 404.
import { z } from "zod";
import { authorizeRead, cacheOf, callerOf, mayIn, projectsWith } from "../cache-reads.ts";
import { ApiError } from "../errors.ts";
import { defineRoute, type Route } from "../route.ts";
import { nameParams } from "../schemas.ts";

const str = z.string();

export const clusterSchema = z.object({
  name: str,
  server: str,
  namespaces: z.array(str).optional().describe("namespaces the cluster may be used in; absent: all"),
  project: str.optional(),
  secretName: str.describe("the Secret registering it; empty for the cluster Mooring runs in"),
  createdAt: str.optional(),
});

export function clusterRoutes(): Route[] {
  return [
    defineRoute({
      method: "get",
      path: "/clusters",
      summary: "list the clusters Applications may deploy to (credentials never shown)",
      tag: "clusters",
      response: z.object({ items: z.array(clusterSchema) }),
      handle: async (ctx) => {
        const subject = callerOf(ctx);
        const visible = projectsWith(subject, "list");
        const items = cacheOf(ctx.deps, "Secret")
          .clusters()
          .filter((c) => (c.project === undefined ? subject.globalAdmin : mayIn(visible, c.project)));
        return { items };
      },
    }),
    defineRoute({
      method: "get",
      path: "/clusters/{name}",
      summary: "one registered cluster (credentials never shown)",
      tag: "clusters",
      params: nameParams,
      response: clusterSchema,
      handle: async (ctx) => {
        const { name } = ctx.params;
        callerOf(ctx);
        const message = `cluster ${name} not found: \`GET /api/v1/clusters\` lists the ones you may see`;
        const cluster = cacheOf(ctx.deps, "Secret")
          .clusters()
          .find((c) => c.name === name);
        authorizeRead(ctx, { resource: "cluster", project: cluster?.project, name }, message);
        if (cluster === undefined) throw new ApiError("not-found", message);
        return cluster;
      },
    }),
  ];
}
