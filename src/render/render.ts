// Render: the step from a checked-out commit to the list of objects it declares.
//
//   repoDir + source.path ──detect──► directory | kustomize | helm ──► KubeObject[]
//
// The result is the desired state exactly as the tools produce it. Namespaces are not filled in
// here: whether a kind is namespaced is a fact of the destination cluster (discovery), so the
// apply step sets the destination namespace on the objects that need one.
import { stat } from "node:fs/promises";
import type { ApplicationSource } from "../core/application.ts";
import type { KubeObject } from "../core/objects.ts";
import { RenderBudget } from "./budget.ts";
import { detectTool, type RenderTool } from "./detect.ts";
import { renderDirectory } from "./directory.ts";
import { RenderError } from "./errors.ts";
import { renderHelm } from "./helm.ts";
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
}

export interface RenderResult {
  tool: RenderTool;
  objects: KubeObject[];
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
  switch (tool) {
    case "directory":
      return { tool, objects: await renderDirectory(repoRoot, dir, input.source.directory ?? {}, budget) };
    case "kustomize":
      return {
        tool,
        objects: await renderKustomize({
          repoRoot,
          dir,
          overrides: input.source.kustomize ?? {},
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
          appName: input.appName,
          destinationNamespace: input.destinationNamespace,
          kubeVersion: input.kubeVersion,
          apiVersions: input.apiVersions,
          options: resolved,
          budget,
        }),
      };
  }
}
