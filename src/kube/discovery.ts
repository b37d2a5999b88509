// Discovery: which resource types a cluster serves. A manifest says `apps/v1, kind: Deployment`;
// the REST path needs the plural (`deployments`) and whether it is namespaced, and only the
// server knows that (custom resources appear when their CRD is Established). We read it with the
// aggregated discovery endpoints (one request each for /api and /apis) and refresh on demand,
// for example right after a CRD was applied or when a kind is not found.
import type { KubeRest } from "./rest.ts";

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  /** The path segment: `deployments`. */
  plural: string;
  namespaced: boolean;
  verbs: string[];
}

interface AggregatedList {
  items?: {
    metadata: { name: string };
    versions?: {
      version: string;
      resources?: { resource: string; responseKind?: { kind: string }; scope: string; verbs?: string[] }[];
    }[];
  }[];
}

const AGGREGATED_ACCEPT = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

export class Discovery {
  private readonly rest: KubeRest;
  /** Key `group/version/Kind`. */
  private byGVK = new Map<string, ResourceType>();
  private loaded: Promise<void> | null = null;
  private gitVersion = "";

  constructor(rest: KubeRest) {
    this.rest = rest;
  }

  /** The resource type of an apiVersion and kind, refreshing once if it is not known yet. */
  async resourceFor(apiVersion: string, kind: string): Promise<ResourceType | undefined> {
    await this.ensureLoaded();
    const key = `${apiVersion.includes("/") ? apiVersion : `/${apiVersion}`}/${kind}`;
    const found = this.byGVK.get(key);
    if (found) return found;
    await this.refresh();
    return this.byGVK.get(key);
  }

  /** Every `group/version` and `group/version/Kind` served, for `helm template --api-versions`. */
  async apiVersions(): Promise<string[]> {
    await this.ensureLoaded();
    const out = new Set<string>();
    for (const r of this.byGVK.values()) {
      const gv = r.group ? `${r.group}/${r.version}` : r.version;
      out.add(gv);
      out.add(`${gv}/${r.kind}`);
    }
    return [...out].sort();
  }

  async serverVersion(): Promise<string> {
    if (!this.gitVersion) {
      const res = await this.rest.get<{ gitVersion: string }>("/version");
      this.gitVersion = res.body.gitVersion;
    }
    return this.gitVersion;
  }

  refresh(): Promise<void> {
    this.loaded = this.load();
    return this.loaded;
  }

  private ensureLoaded(): Promise<void> {
    this.loaded ??= this.load();
    return this.loaded;
  }

  private async load(): Promise<void> {
    const next = new Map<string, ResourceType>();
    for (const root of ["/api", "/apis"]) {
      const res = await this.rest.request<AggregatedList>("GET", root, { accept: AGGREGATED_ACCEPT });
      if (res.status !== 200)
        throw new Error(`discovery ${root}: HTTP ${res.status} ${res.text.slice(0, 200)}`);
      for (const group of res.body.items ?? []) {
        for (const version of group.versions ?? []) {
          for (const r of version.resources ?? []) {
            if (!r.responseKind?.kind) continue;
            const type: ResourceType = {
              group: group.metadata.name ?? "",
              version: version.version,
              kind: r.responseKind.kind,
              plural: r.resource,
              namespaced: r.scope === "Namespaced",
              verbs: r.verbs ?? [],
            };
            next.set(`${type.group}/${type.version}/${type.kind}`, type);
          }
        }
      }
    }
    this.byGVK = next;
  }
}
