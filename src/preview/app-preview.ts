// One Application's preview for a pull request: what the PR changes in Git, and what merging it
// now would change in the cluster.
//
// Both commits are rendered exactly as a sync renders them (AppReconciler.renderForPreview: the
// same renderers in the same sandbox, the same project checks, the destination's discovery; for a
// multi-source app every source, a chart from a registry with values files from the PR), then
// placed as a sync places them (namespace defaulted, tracking annotation added) so that the two
// sides differ only where the PR differs. The Git change set compares the two renders as they
// are; the live change set compares the head's server-side dry run (the request a sync's compare
// makes, so defaults, admission and other managers' fields are the server's) with the live
// objects the app tracks, which is why drift shows there and not in Git. ignoreDifferences apply
// to the live side only: they name fields someone else manages in the cluster, and a reviewer
// should still see the PR change such a field in Git.
//
// A base that fails to render counts as rendering nothing — an app new in the PR has no path at
// its base — so the whole head shows as added. A head that fails to render, that its project
// refuses, or that the API server refuses in the dry run is a render error: merging it would
// fail the sync. Nothing is applied, nothing written to the Application's status, no Event and
// no audit record: a preview only reads.

import { homedir, tmpdir } from "node:os";
import { ProjectViolation } from "../controller/app-project.ts";
import { compareWithCluster, concretise, mapLimit } from "../controller/compare.ts";
import { primarySource } from "../core/app-sources.ts";
import type { ApplicationStatus } from "../core/app-status.ts";
import type { Application } from "../core/application.ts";
import { isSecret, maskSecret, SECRET_MASK } from "../core/mask.ts";
import { formatRef, type KubeObject } from "../core/objects.ts";
import { summariseApp } from "../core/preview/app-summary.ts";
import { renderFailure } from "../core/preview/render-failure.ts";
import type { AppPreview, RenderFailure } from "../core/preview/report.ts";
import { parseSyncOptions } from "../core/sync-plan.ts";
import type { KubeClient } from "../kube/client.ts";
import { RenderError } from "../render/errors.ts";
import { mooringHome } from "../util/home.ts";

export interface AppPreviewOptions {
  /** Also compare the head with the live cluster (a server-side dry run); default true. */
  live?: boolean;
  signal?: AbortSignal;
}

export interface AppPreviewResult {
  preview: AppPreview;
  /** The objects rendered from the head, Secret values masked; empty after a render error. For policy checks. */
  headObjects: KubeObject[];
}

/**
 * The revisions a preview renders are commits; for a multi-source app each is one revision per
 * source joined in source order (core/app-sources.ts joinRevisions): the PR's commit for the
 * sources on its repository that follow its base branch, where every other source stands now
 * (a chart's `chart@version`) for the rest (src/preview/pipeline.ts).
 */
export interface AppPreviewer {
  previewApp(
    app: Application,
    baseRevision: string,
    headRevision: string,
    options?: AppPreviewOptions,
  ): Promise<AppPreviewResult>;
}

/** What the app reconciler lends a preview (AppReconciler.renderForPreview). */
export interface PreviewRenderSource {
  renderForPreview(
    app: Application,
    revision: string,
  ): Promise<{ client: KubeClient; objects: KubeObject[] }>;
}

export interface AppPreviewsOptions {
  /**
   * Host folders a render error must not show (the git cache, temporary folders); default
   * MOORING_HOME, the home folder and the OS temporary folder.
   */
  hostDirs?: readonly string[];
}

/** Discovery lookups in flight at once while placing objects. */
const CONCURRENCY = 8;

export class AppPreviews implements AppPreviewer {
  private readonly source: PreviewRenderSource;
  private readonly hostDirs: readonly string[];

  constructor(source: PreviewRenderSource, options: AppPreviewsOptions = {}) {
    this.source = source;
    this.hostDirs = options.hostDirs ?? [mooringHome(), homedir(), tmpdir()];
  }

  async previewApp(
    app: Application,
    baseRevision: string,
    headRevision: string,
    options: AppPreviewOptions = {},
  ): Promise<AppPreviewResult> {
    const { signal } = options;
    const target = { namespace: app.metadata.namespace, name: app.metadata.name };
    const failed = (error: RenderFailure): AppPreviewResult => ({
      preview: { ...target, status: "render-error", error },
      headObjects: [],
    });
    const base = await this.render(app, baseRevision);
    signal?.throwIfAborted();
    const head = await this.render(app, headRevision);
    signal?.throwIfAborted();
    if ("failure" in head) return failed(head.failure);
    const { client } = head;
    const placedHead = await place(head.objects, app, client);
    const placedBase = "failure" in base ? [] : await place(base.objects, app, client);
    const headObjects = placedHead.map(maskSecret);
    const { git } = summariseApp({ base: placedBase, head: placedHead });
    if (options.live === false) {
      return { preview: { ...target, status: "rendered", summary: { git } }, headObjects };
    }
    signal?.throwIfAborted();
    const dryRun = await dryRunHead(app, client, head.objects);
    if ("refused" in dryRun) return failed({ message: withoutSecretValues(dryRun.refused, head.objects) });
    const { live } = summariseApp({
      base: [],
      head: dryRun.predicted,
      live: dryRun.live,
      app: target,
      ignoreDifferences: app.spec.ignoreDifferences ?? [],
    });
    return {
      preview: { ...target, status: "rendered", summary: { git, ...(live ? { live } : {}) } },
      headObjects,
    };
  }

  /** The app rendered at a revision, or what the renderer or the project blamed. */
  private async render(
    app: Application,
    revision: string,
  ): Promise<{ client: KubeClient; objects: KubeObject[] } | { failure: RenderFailure }> {
    try {
      return await this.source.renderForPreview(app, revision);
    } catch (err) {
      if (err instanceof ProjectViolation) return { failure: { message: err.message } };
      if (!(err instanceof RenderError)) throw err;
      const context = { sourcePath: primarySource(app.spec).path ?? "", hostDirs: this.hostDirs };
      return { failure: renderFailure(err.message, context) };
    }
  }
}

/** Objects placed for the destination as a sync places them; one that cannot be placed stays as rendered. */
async function place(
  objects: readonly KubeObject[],
  app: Application,
  client: KubeClient,
): Promise<KubeObject[]> {
  return mapLimit(
    objects,
    CONCURRENCY,
    async (obj) => (await concretise(obj, app, client, new Set())).desired,
  );
}

/**
 * The head as the API server would store it (the sync's compare, a dry run) and the live objects
 * the app tracks; or the server's refusals, as a sync would meet them.
 */
async function dryRunHead(
  app: Application,
  client: KubeClient,
  rendered: KubeObject[],
): Promise<{ predicted: KubeObject[]; live: KubeObject[] } | { refused: string }> {
  const createsNamespaces = new Set(
    rendered.filter((o) => o.kind === "Namespace" && o.apiVersion === "v1").map((o) => o.metadata.name ?? ""),
  );
  const createNamespace = parseSyncOptions(app.spec.syncPolicy?.syncOptions).options.createNamespace;
  if (createNamespace && app.spec.destination.namespace)
    createsNamespaces.add(app.spec.destination.namespace);
  const status = (app.status ?? {}) as Partial<ApplicationStatus>;
  // What the app managed after its last sync: an object the head drops shows as pruned.
  const previouslyManaged = status.resources ?? [];
  const comparison = await compareWithCluster({
    app,
    rendered,
    client,
    previouslyManaged,
    createsNamespaces,
  });
  const objects = comparison.objects.filter((o) => !o.hook);
  const refusals = objects.filter((o) => o.error).map((o) => `${formatRef(o.ref)}: ${o.error}`);
  if (refusals.length > 0)
    return { refused: `the API server refuses the head in a dry run: ${refusals.join("; ")}` };
  return {
    predicted: objects.map((o) => o.predicted ?? o.desired),
    live: [...objects.flatMap((o) => (o.live ? [o.live] : [])), ...comparison.pruneCandidates],
  };
}

/** The message with every value of the head's Secrets (as written and base64) masked: API errors may echo one. */
function withoutSecretValues(message: string, objects: readonly KubeObject[]): string {
  const values = new Set<string>();
  for (const obj of objects) {
    if (!isSecret(obj)) continue;
    for (const field of ["data", "stringData"] as const) {
      for (const value of Object.values((obj[field] ?? {}) as Record<string, unknown>)) {
        if (typeof value !== "string") continue;
        const other =
          field === "data" ? Buffer.from(value, "base64").toString() : Buffer.from(value).toString("base64");
        for (const v of [value, other]) if (v.length >= 3) values.add(v);
      }
    }
  }
  let out = message;
  // Longest first, so that a value holding a shorter one is masked whole.
  for (const value of [...values].sort((a, b) => b.length - a.length))
    out = out.replaceAll(value, SECRET_MASK);
  return out;
}
