// Which tool turns a source directory into objects, decided the way Argo CD decides it, so a
// ported Application renders with the same tool:
// 1. A tool block in the spec (`helm`, `kustomize` or `directory`) wins, even an empty one
//    (`directory: {}`): it is how users force plain YAML on a folder that holds a Chart.yaml.
//    Two blocks at once is a contradiction and an error, not a guess.
// 2. Otherwise the files at the path decide: a kustomization file means kustomize, a Chart.yaml
//    means helm, anything else is a plain directory. When both a kustomization and a Chart.yaml
//    are present, kustomize wins (as in Argo CD): such a folder is a kustomization that inflates
//    or wraps the chart beside it.
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { ApplicationSource } from "../core/application.ts";
import { RenderError } from "./errors.ts";

export const RENDER_TOOLS = ["directory", "kustomize", "helm"] as const;
export type RenderTool = (typeof RENDER_TOOLS)[number];

/** The file names kustomize itself accepts as a kustomization, in its order of preference. */
export const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"] as const;

export const HELM_CHART_FILE = "Chart.yaml";

/** The tool named in the spec, null when the spec names none. */
export function explicitTool(source: ApplicationSource): RenderTool | null {
  const named = RENDER_TOOLS.filter((tool) => source[tool] !== undefined && source[tool] !== null);
  if (named.length > 1) {
    throw new RenderError(
      "invalid-source",
      `source sets ${named.join(" and ")} at once; keep only the block for the tool that renders this path`,
    );
  }
  return named[0] ?? null;
}

/** Decides the tool for the (already resolved, inside-the-repo) directory `dir`. */
export async function detectTool(dir: string, source: ApplicationSource): Promise<RenderTool> {
  const named = explicitTool(source);
  if (named) return named;
  if (await findKustomization(dir)) return "kustomize";
  if (await isFile(join(dir, HELM_CHART_FILE))) return "helm";
  return "directory";
}

/** The kustomization file in `dir`, or null when it has none. */
export async function findKustomization(dir: string): Promise<string | null> {
  for (const name of KUSTOMIZATION_FILES) {
    const path = join(dir, name);
    if (await isFile(path)) return path;
  }
  return null;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
