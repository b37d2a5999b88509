// Render: the step from a checked-out commit to the list of objects it declares.
//
//   repoDir + source.path ──detect──► directory | kustomize | helm ──► KubeObject[]
//
// The result is the desired state exactly as the tools produce it. Namespaces are not filled in
// here: whether a kind is namespaced is a fact of the destination cluster (discovery), so the
// apply step sets the destination namespace on the objects that need one.
//
// The build environment (core/build-env.ts) is made here from the input, once, and handed to the
// tool that expands it: helm (parameters, values, values file paths, release name), kustomize
// (images, commonLabels) and jsonnet (tla and extVar values). A plain directory's files are read
// as committed.
import { stat } from "node:fs/promises";
import type { SkippedFile } from "../core/app-status.ts";
import type { ApplicationSource } from "../core/application.ts";
import { buildEnvironment } from "../core/build-env.ts";
import type { KubeObject } from "../core/objects.ts";
import { RenderBudget } from "./budget.ts";
import { detectTool, type RenderTool } from "./detect.ts";
import { renderDirectory } from "./directory.ts";
import { RenderError } from "./errors.ts";
import { renderHelm } from "./helm.ts";
import { expandJsonnetVariables } from "./jsonnet.ts";
import { renderKustomize } from "./kustomize.ts";
import { realRepoRoot, resolveInRepo } from "./path-safety.ts";
import { defaultRenderOptions, type RenderOptions } from "./tools.ts";

export interface RenderInput {
  /** Root of the checked-out commit. Read only; nothing is written below it. */
  repoDir: string;
  source: ApplicationSource;
  /** The Application's name: helm's release name unless `helm.releaseName` is set. */
  appName: string;
  /** The destination namespace: helm's `--namespace` unless `helm.namespace` is set. */
  destinationNamespace?: string;
  /** The destination cluster's version, e.g. "v1.36.3" (helm's `.Capabilities.KubeVersion`). */
  kubeVersion: string;
  /**
   * What the destination serves, from discovery: group/versions ("apps/v1") and
   * group/version/kinds ("mooring.dev/v1alpha1/Application"), for `.Capabilities.APIVersions`.
   */
  apiVersions: string[];
  /** The Application's Project, for $ARGOCD_APP_PROJECT_NAME; default "default". */
  project?: string;
  /** The commit rendered, for $ARGOCD_APP_REVISION; RenderCache fills it in from its key. */
  revision?: string;
  /**
   * Multi-source apps: each source `ref` and the root of that source's checkout, where
   * `helm.valueFiles` entries `$ref/path` are read (render/value-files.ts). Default none.
   */
  refs?: Readonly<Record<string, string>>;
}

export interface RenderResult {
  tool: RenderTool;
  objects: KubeObject[];
  /** Files of a plain directory left out for holding no Kubernetes objects; absent when none. */
  skipped?: SkippedFile[];
  /**
   * When a plain directory rendered no object: the files (and "folder/"s) at its path that
   * Mooring does not read, for core/empty-render.ts; absent when none.
   */
  unrendered?: string[];
}

export async function render(input: RenderInput, options: RenderOptions = {}): Promise<RenderResult> {
  const resolved = defaultRenderOptions(options);
  const repoRoot = await realRepoRoot(input.repoDir);
  const path = input.source.path || ".";
  const dir = await resolveInRepo(repoRoot, repoRoot, path, "source path");
  if (!(await stat(dir)).isDirectory()) {
    throw new RenderError(
      "path-not-found",
      `source path "${path}" is a file; point it at the folder that holds it`,
    );
  }
  const tool = await detectTool(dir, input.source);
  const budget = new RenderBudget(resolved.limits);
  const { source } = input;
  const env = buildEnvironment({
    appName: input.appName,
    destinationNamespace: input.destinationNamespace,
    project: input.project,
    revision: input.revision,
    repoURL: source.repoURL,
    path: source.path,
    targetRevision: source.targetRevision,
    kubeVersion: input.kubeVersion,
    apiVersions: input.apiVersions,
  });
  switch (tool) {
    case "directory": {
      const directory = input.source.directory ?? {};
      const jsonnet = directory.jsonnet ? { jsonnet: expandJsonnetVariables(directory.jsonnet, env) } : {};
      const read = await renderDirectory(repoRoot, dir, { ...directory, ...jsonnet }, budget, resolved);
      return {
        tool,
        objects: read.objects,
        ...(read.skipped.length > 0 ? { skipped: read.skipped } : {}),
        ...(read.unrendered.length > 0 ? { unrendered: read.unrendered } : {}),
      };
    }
    case "kustomize":
      return {
        tool,
        objects: await renderKustomize({
          repoRoot,
          dir,
          overrides: input.source.kustomize ?? {},
          env,
          kubeVersion: input.kubeVersion,
          apiVersions: input.apiVersions,
          options: resolved,
          budget,
        }),
      };
    case "helm":
      return {
        tool,
        objects: await renderHelm({
          repoRoot,
          dir,
          helm: input.source.helm ?? {},
          ...(input.refs ? { refs: await realRefRoots(input.refs) } : {}),
          appName: input.appName,
          destinationNamespace: input.destinationNamespace,
          kubeVersion: input.kubeVersion,
          apiVersions: input.apiVersions,
          env,
          options: resolved,
          budget,
        }),
      };
  }
}

/** Each ref's checkout root with symlinks resolved, as every confinement check compares against. */
async function realRefRoots(refs: Readonly<Record<string, string>>): Promise<Map<string, string>> {
  const roots = new Map<string, string>();
  for (const [ref, dir] of Object.entries(refs)) roots.set(ref, await realRepoRoot(dir));
  return roots;
}
