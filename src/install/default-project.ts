// The `default` Project `moor install` creates. Applications and Stacks that name no project
// belong to it, so what it allows is what an install allows without further thought:
// - a single-team install (the default): everything Mooring did before projects existed (any
//   repository, any destination, every kind, objects in any namespace), so existing setups keep
//   working unchanged;
// - a multi-tenant install (`moor install --multi-tenant`): nothing, except that the controller
//   namespace may always use it. Teams get projects of their own from the platform team.
// Install applies it without taking back fields someone changed later (see keepOthersChanges in
// manifests.ts): a platform team that narrowed `default` keeps its narrowing across upgrades.
import { CONTROLLER_NAMESPACE } from "../core/application.ts";
import { DEFAULT_PROJECT, PROJECT_API_VERSION, PROJECT_KIND, type Project } from "../core/project/project.ts";

export interface DefaultProjectOptions {
  /** Lock the default project down for a cluster shared by several teams; default false. */
  multiTenant?: boolean;
}

export function defaultProject(options: DefaultProjectOptions = {}): Project {
  const metadata = {
    name: DEFAULT_PROJECT,
    namespace: CONTROLLER_NAMESPACE,
    labels: { "app.kubernetes.io/part-of": "mooring" },
  };
  if (options.multiTenant) {
    return {
      apiVersion: PROJECT_API_VERSION,
      kind: PROJECT_KIND,
      metadata,
      spec: {
        description:
          "Multi-tenant install: allows nothing; Applications and Stacks need a project made for their team",
        sourceRepos: [],
        destinations: [],
        sourceNamespaces: [],
      },
    };
  }
  return {
    apiVersion: PROJECT_API_VERSION,
    kind: PROJECT_KIND,
    metadata,
    spec: {
      description: "Single-team install: allows any repository, destination and kind, from any namespace",
      sourceRepos: ["*"],
      destinations: [{ name: "*", server: "*", namespace: "*" }],
      clusterResourceWhitelist: [{ group: "*", kind: "*" }],
      sourceNamespaces: ["*"],
    },
  };
}
