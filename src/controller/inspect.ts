// Read-only inspection of an Application for the API server (core/inspect/protocol.ts): its
// resource tree, one object's live and desired manifests with their diff, and a preview of a
// revision. The controller answers because it already holds what this needs — the destination
// clients, each app's sync identity and the render pipeline — while the API server's identity
// may read none of an app's workloads or Secrets. Everything here reads: the preview uses the
// same server-side dry run as a sync's compare, and nothing is applied or written to status.
import { targetRevisions } from "../core/app-sources.ts";
import type { ApplicationStatus, ResourceStatus } from "../core/app-status.ts";
import { APPLICATION_API_VERSION, type Application } from "../core/application.ts";
import { diffObjects, type FieldChange, prepareForDiff } from "../core/diff.ts";
import { displayPair, type PreviewResource, previewResources } from "../core/inspect/display.ts";
import type { InspectErrorCode } from "../core/inspect/protocol.ts";
import { previewRevision } from "../core/inspect/revision.ts";
import { buildTree, managedNodes, nodeId, ownedKindsOf, type Tree } from "../core/inspect/tree.ts";
import { groupOf, type KubeObject, type ObjectRef, versionOf } from "../core/objects.ts";
import { isHook, parseSyncOptions } from "../core/sync-plan.ts";
import type { KubeClient } from "../kube/client.ts";
import { applyObject, compareWithCluster, concretise, mapLimit } from "./compare.ts";

/** A refusal with a code the API server maps to its own (protocol.ts). */
export class InspectError extends Error {
  readonly code: InspectErrorCode;
  constructor(code: InspectErrorCode, message: string) {
    super(message);
    this.name = "InspectError";
    this.code = code;
  }
}

/** What the app reconciler lends an inspection (AppReconciler.inspection). */
export interface InspectionSource {
  inspection(
    app: Application,
    revision?: string,
  ): Promise<{ client: KubeClient; rendered?: { revision: string; objects: KubeObject[] } }>;
}

export interface ObjectAnswer {
  ref: ObjectRef & { version?: string };
  live?: KubeObject;
  desired?: KubeObject;
  diff: FieldChange[];
}

export interface PreviewAnswer {
  revision: string;
  resources: PreviewResource[];
}

export type TreeAnswer = Tree & { childrenError?: { code: string; message: string } };

/** Managed kinds whose live object is read for the tree: owners (their uid) and Services (facts). */
function readForTree(r: Pick<ResourceStatus, "group" | "kind">): boolean {
  return ownedKindsOf(r.group, r.kind).length > 0 || (r.group === "" && r.kind === "Service");
}

function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export class AppInspector {
  private readonly client: KubeClient;
  private readonly source: InspectionSource;

  /** `client` reads Applications (the controller's own cluster); `source` gives each app's identity and renders. */
  constructor(client: KubeClient, source: InspectionSource) {
    this.client = client;
    this.source = source;
  }

  async tree(namespace: string, name: string): Promise<TreeAnswer> {
    const app = await this.app(namespace, name);
    const resources = statusOf(app).resources ?? [];
    const managed = managedNodes(resources);
    const { client } = await this.identity(app);
    const live = (
      await mapLimit(resources.filter(readForTree), 8, (r) =>
        client.get(apiVersionOf(r.group, r.version), r.kind, r.namespace, r.name).catch(() => null),
      )
    ).filter((o): o is KubeObject => o !== null);
    // Every kind the managed workloads may own, transitively (Deployment → ReplicaSet → Pod),
    // listed once per namespace and matched to owners by uid.
    const lists = new Map<string, { namespace: string; apiVersion: string; kind: string }>();
    const pending = live.map((o) => ({
      group: groupOf(o.apiVersion),
      kind: o.kind,
      namespace: o.metadata.namespace ?? "",
    }));
    while (pending.length > 0) {
      const owner = pending.pop();
      if (!owner) break;
      for (const child of ownedKindsOf(owner.group, owner.kind)) {
        const key = `${owner.namespace}|${child.apiVersion}|${child.kind}`;
        if (lists.has(key)) continue;
        lists.set(key, { namespace: owner.namespace, ...child });
        pending.push({ group: groupOf(child.apiVersion), kind: child.kind, namespace: owner.namespace });
      }
    }
    let childrenError: TreeAnswer["childrenError"];
    const candidates: KubeObject[] = [];
    await mapLimit([...lists.values()], 4, async (l) => {
      try {
        candidates.push(...(await client.list(l.apiVersion, l.kind, { namespace: l.namespace })).items);
      } catch (err) {
        childrenError ??= {
          code: "children-unreadable",
          message: `cannot list ${l.kind}s in namespace ${l.namespace} as this app's identity: ${(err as Error).message}`,
        };
      }
    });
    const tree = buildTree({ managed, live, candidates, healthChecks: app.spec.healthChecks ?? [] });
    return { ...tree, ...(childrenError ? { childrenError } : {}) };
  }

  async object(namespace: string, name: string, wanted: ObjectRef): Promise<ObjectAnswer> {
    const app = await this.app(namespace, name);
    const status = statusOf(app);
    const managed = (status.resources ?? []).find(
      (r) =>
        r.group === wanted.group &&
        r.kind === wanted.kind &&
        r.namespace === wanted.namespace &&
        r.name === wanted.name,
    );
    const subject = `${wanted.group ? `${wanted.group}/` : ""}${wanted.kind}/${wanted.namespace ? `${wanted.namespace}/` : ""}${wanted.name}`;
    let version = managed?.version;
    if (!managed) {
      // Not managed: only an object owned through the app's tree may be read through the app.
      const node = (await this.tree(namespace, name)).nodes.find((n) => n.id === nodeId(wanted));
      if (!node?.version)
        throw new InspectError(
          "not-found",
          `${subject} is neither managed by nor owned through application ${namespace}/${name}; \`GET .../tree\` lists its objects`,
        );
      version = node.version;
    }
    const { client } = await this.identity(app);
    const apiVersion = apiVersionOf(wanted.group, version ?? "v1");
    const live = await client.get(apiVersion, wanted.kind, wanted.namespace, wanted.name);
    const ref = { ...wanted, ...(version ? { version } : {}) };
    if (!managed) return { ref, ...displayPair(live, null), diff: [] };

    // Desired: rendered at the revision the app is synced to, placed as a sync places it.
    const revision = status.sync?.revision || targetRevisions(app.spec);
    const rendered = (await this.render(app, revision)).objects;
    let desired: KubeObject | null = null;
    for (const obj of rendered) {
      if (isHook(obj) || obj.kind !== wanted.kind || groupOf(obj.apiVersion) !== wanted.group) continue;
      if (obj.metadata?.name !== wanted.name) continue;
      const placed = await concretise(obj, app, client, new Set());
      if ((placed.desired.metadata.namespace ?? "") === wanted.namespace) {
        desired = placed.desired;
        break;
      }
    }
    let diff: FieldChange[] = [];
    if (desired) {
      // The diff a sync sees: live against the dry-run result, noise removed, Secrets masked.
      const options = parseSyncOptions(app.spec.syncPolicy?.syncOptions).options;
      const predicted = await applyObject(client, desired, options, { dryRun: true }).catch(() => desired);
      const pair = prepareForDiff(live, predicted, app.spec.ignoreDifferences ?? []);
      diff = pair.live || pair.desired ? diffObjects(pair.live, pair.desired).changes : [];
    }
    return { ref, ...displayPair(live, desired), diff };
  }

  async preview(namespace: string, name: string, requested: string | undefined): Promise<PreviewAnswer> {
    const app = await this.app(namespace, name);
    const chosen = previewRevision(app, requested);
    if (!chosen.ok) throw new InspectError("bad-request", chosen.message);
    const { client, objects, revision } = await this.render(app, chosen.revision);
    const status = statusOf(app);
    const previouslyManaged = (status.resources ?? []).map((r) => ({
      group: r.group,
      version: r.version,
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
    }));
    const createsNamespaces = new Set(
      objects
        .filter((o) => o.kind === "Namespace" && o.apiVersion === "v1")
        .map((o) => o.metadata.name ?? ""),
    );
    const comparison = await compareWithCluster({
      app,
      rendered: objects,
      client,
      previouslyManaged,
      createsNamespaces,
    });
    const versions = new Map<string, string>();
    for (const o of comparison.objects)
      versions.set(`${o.ref.group}/${o.ref.kind}`, versionOf(o.desired.apiVersion));
    for (const r of previouslyManaged)
      if (!versions.has(`${r.group}/${r.kind}`)) versions.set(`${r.group}/${r.kind}`, r.version);
    const errors = comparison.objects
      .filter((o) => o.error && !o.hook)
      .map((o) => ({ ref: o.ref, error: o.error ?? "" }));
    return { revision, resources: previewResources(comparison.diffs, errors, versions) };
  }

  private async app(namespace: string, name: string): Promise<Application> {
    const app = (await this.client.get(
      APPLICATION_API_VERSION,
      "Application",
      namespace,
      name,
    )) as Application | null;
    if (!app) throw new InspectError("not-found", `application ${namespace}/${name} not found`);
    return app;
  }

  private async identity(app: Application): Promise<{ client: KubeClient }> {
    try {
      return await this.source.inspection(app);
    } catch (err) {
      throw failed(app, err);
    }
  }

  private async render(
    app: Application,
    revision: string,
  ): Promise<{ client: KubeClient; revision: string; objects: KubeObject[] }> {
    try {
      const { client, rendered } = await this.source.inspection(app, revision);
      if (!rendered) throw new Error("nothing rendered");
      return { client, ...rendered };
    } catch (err) {
      throw failed(app, err);
    }
  }
}

function statusOf(app: Application): Partial<ApplicationStatus> {
  return (app.status ?? {}) as Partial<ApplicationStatus>;
}

function failed(app: Application, err: unknown): InspectError {
  if (err instanceof InspectError) return err;
  return new InspectError(
    "inspect-failed",
    `application ${app.metadata.namespace}/${app.metadata.name}: ${(err as Error).message}`,
  );
}
