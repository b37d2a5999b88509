// The clusters generator: one parameter set per registered cluster whose labels match its
// selector. A cluster gives `name`, `nameNormalized`, `server`, `metadata.labels.<k>`,
// `metadata.annotations.<k>` and the generator's `values.<k>`, each value templated with that
// cluster's own parameters. As in Argo CD, the cluster Mooring runs in (`in-cluster`, the
// in-cluster API address) is a candidate when nothing registered points there and the generator
// has no selector: a selector asks for labels, and the local cluster has none.
import type { ParamsResult } from "./generators.ts";
import { normalizeName, type ParamSet } from "./params.ts";
import { renderValue, stringRenderer } from "./render.ts";
import { selectorIsEmpty, selectorMatches } from "./selector.ts";
import type { ClusterFact, ClustersGenerator } from "./types.ts";

export const LOCAL_CLUSTER: ClusterFact = {
  name: "in-cluster",
  server: "https://kubernetes.default.svc",
  labels: {},
  annotations: {},
};

export function clusterParams(
  generator: ClustersGenerator,
  clusters: ClusterFact[],
  field: string,
  goTemplate: boolean,
): ParamsResult {
  const candidates = [...clusters];
  const localRegistered = clusters.some(
    (c) => c.server === LOCAL_CLUSTER.server || c.name === LOCAL_CLUSTER.name,
  );
  if (!localRegistered && selectorIsEmpty(generator.selector)) candidates.push(LOCAL_CLUSTER);
  const sets: ParamSet[] = [];
  for (const cluster of candidates) {
    if (!selectorMatches(generator.selector, cluster.labels)) continue;
    const params: ParamSet = {
      name: cluster.name,
      nameNormalized: normalizeName(cluster.name),
      server: cluster.server,
      metadata: { labels: { ...cluster.labels }, annotations: { ...cluster.annotations } },
    };
    if (generator.values !== undefined) {
      const values = renderValue(generator.values, stringRenderer(params, goTemplate), `${field}.values`);
      if (!values.ok) return { ok: false, problems: [values.problem] };
      params.values = values.value;
    }
    sets.push(params);
  }
  return { ok: true, sets };
}
