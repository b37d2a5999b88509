// Reading registered clusters: name, API server URL and the namespaces each may be used in, never
// its credentials. Clusters registered for the whole installation are for global admins; one
// scoped to a project (a `project` key in its Secret, as in Argo CD) is visible to that project's
// readers. Others answer 404.
//
// Each cluster also shows its connection state (reachable with its Kubernetes version, or
// unreachable with the reason; ../cluster-probe.ts keeps answers 30 s) and how many of the
// Applications the caller may see deploy to it. The server keeps no credentials in memory
// (../cache.ts): a probe reads the cluster's Secret, asks GET /version with the kubeconfig inside,
// and drops the client; nothing of the Secret but the answer leaves the probe.
import { z } from "zod";
import { clusterFromSecret, IN_CLUSTER, serverVersion } from "../../controller/destinations.ts";
import { KubeClient } from "../../kube/client.ts";
import type { ClusterInfo } from "../cache.ts";
import { authorizeRead, cacheOf, callerOf, mayIn, projectsWith } from "../cache-reads.ts";
import { ClusterProber, type ClusterState } from "../cluster-probe.ts";
import type { ServerDeps } from "../context.ts";
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
  connection: z
    .object({
      state: z.enum(["reachable", "unreachable", "unknown"]),
      version: str.optional().describe("the cluster's Kubernetes version (gitVersion) when reachable"),
      error: str.optional().describe("why it is unreachable, or why its state is not known yet"),
      checkedAt: str.optional(),
    })
    .describe("asked with GET /version at most every 30 s; a list waits at most 3 s for a first answer"),
  applications: z.number().describe("Applications deploying to it that the caller may see"),
});

type Cluster = z.input<typeof clusterSchema>;

/** Asks one cluster its version with the credentials of its Secret, then forgets them. */
function probeWith(deps: ServerDeps, clusters: () => ClusterInfo[]) {
  return async (name: string, timeoutMs: number): Promise<string> => {
    if (name === IN_CLUSTER) return serverVersion(deps.kube, timeoutMs);
    const info = clusters().find((c) => c.name === name);
    if (info === undefined) throw new Error(`cluster ${name} is no longer registered`);
    const secret = await deps.kube.get("v1", "Secret", deps.namespace, info.secretName);
    if (secret === null) throw new Error(`its Secret ${deps.namespace}/${info.secretName} is gone`);
    const client = new KubeClient(clusterFromSecret(secret, deps.namespace).credentials);
    try {
      return await serverVersion(client, timeoutMs);
    } finally {
      client.close();
    }
  };
}

export function clusterRoutes(): Route[] {
  // One prober per server: the routes are made once, and the deps are the same for every call.
  let prober: ClusterProber | undefined;
  const proberOf = (deps: ServerDeps) => {
    prober ??= new ClusterProber(
      probeWith(deps, () => cacheOf(deps, "Secret").clusters()),
      { clock: deps.clock },
    );
    return prober;
  };

  /** The clusters with their state and the count of visible Applications on each. */
  async function described(deps: ServerDeps, visible: "all" | ReadonlySet<string>, infos: ClusterInfo[]) {
    const states = await proberOf(deps).states(
      cacheOf(deps, "Secret")
        .clusters()
        .map((c) => c.name),
    );
    const counts = new Map<string, number>();
    for (const row of cacheOf(deps, "Application").applicationRows("name", "asc")) {
      if (!mayIn(visible, row.project)) continue;
      const cluster = row.summary.destination.cluster;
      counts.set(cluster, (counts.get(cluster) ?? 0) + 1);
    }
    return infos.map(
      (info): Cluster => ({
        ...info,
        connection: states.get(info.name) ?? ({ state: "unknown" } satisfies ClusterState),
        applications: counts.get(info.name) ?? 0,
      }),
    );
  }

  return [
    defineRoute({
      method: "get",
      path: "/clusters",
      summary:
        "list the clusters Applications may deploy to, with connection state, version and app count (credentials never shown)",
      tag: "clusters",
      response: z.object({ items: z.array(clusterSchema) }),
      handle: async (ctx) => {
        const subject = callerOf(ctx);
        const visible = projectsWith(subject, "list");
        const infos = cacheOf(ctx.deps, "Secret")
          .clusters()
          .filter((c) => (c.project === undefined ? subject.globalAdmin : mayIn(visible, c.project)));
        return { items: await described(ctx.deps, visible, infos) };
      },
    }),
    defineRoute({
      method: "get",
      path: "/clusters/{name}",
      summary: "one registered cluster with its connection state (credentials never shown)",
      tag: "clusters",
      params: nameParams,
      response: clusterSchema,
      handle: async (ctx) => {
        const { name } = ctx.params;
        const subject = callerOf(ctx);
        const message = `cluster ${name} not found: \`GET /api/v1/clusters\` lists the ones you may see`;
        const cluster = cacheOf(ctx.deps, "Secret")
          .clusters()
          .find((c) => c.name === name);
        authorizeRead(ctx, { resource: "cluster", project: cluster?.project, name }, message);
        if (cluster === undefined) throw new ApiError("not-found", message);
        const [one] = await described(ctx.deps, projectsWith(subject, "list"), [cluster]);
        if (one === undefined) throw new ApiError("not-found", message);
        return one;
      },
    }),
  ];
}
