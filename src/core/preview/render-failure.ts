// Which file a failed render blames, so that a pull request's status and comment can say "the
// template you changed is broken" rather than only quote a tool.
//
// Each renderer names files in its own frame:
// - helm names templates by the chart's `name` from Chart.yaml, not by its folder:
//   `template: webapp/templates/deployment.yaml:6:22: executing ...`, `parse error at
//   (webapp/templates/deployment.yaml:7)`, `YAML parse error on webapp/templates/x.yaml`. The
//   first segment is that name; the rest is relative to the chart folder, which is the
//   Application's source path. A failure inside an `include` names each template it went through,
//   outermost first; the innermost is where the mistake is.
// - kustomize names a file relative to the kustomization that lists it (`in File: svc.yaml`),
//   after naming the folder it was building (`recursed accumulation of path 'base'`); without
//   such a folder it is the source path. Mooring's own checks before kustomize runs name the
//   kustomization by its repository path (`apps/web/kustomization.yaml lists "x.yaml", ...`).
// - the directory renderer names the repository file it could not read (`plain/cm.yaml: invalid
//   YAML at line 4, ...`, `plain/cm.yaml document 2 has no kind`).
// A message that names no file, or a name that would leave the repository, blames none.
//
// Messages reach a pull request, which strangers may read: the folders of the machine that
// rendered (the checkout, temporary folders, HOME) are taken out. A path under the checkout
// becomes repository-relative; any other host folder becomes `(host path)`.
import { repoPathSegments } from "./affected.ts";
import type { RenderFailure } from "./report.ts";

export interface RenderFailureContext {
  /** The Application's `spec.source.path`: the chart folder for helm, the root kustomization's folder. */
  sourcePath: string;
  /** The checkout the render read; a path under it is shown relative to the repository. */
  checkoutDir?: string;
  /** Other folders of the host that must not show (temporary folders, HOME). */
  hostDirs?: readonly string[];
}

export const HOST_PATH = "(host path)";

/** The renderer's message with host folders taken out, and the repository file it blames when it names one. */
export function renderFailure(message: string, context: RenderFailureContext): RenderFailure {
  const scrubbed = scrubHostPaths(message, context);
  const file = blamedFile(scrubbed, context.sourcePath);
  return file === undefined ? { message: scrubbed } : { file, message: scrubbed };
}

/** The message with the checkout made repository-relative and other host folders replaced. */
export function scrubHostPaths(message: string, context: Omit<RenderFailureContext, "sourcePath">): string {
  let out = message;
  const checkout = trimSlash(context.checkoutDir ?? "");
  if (checkout !== "") {
    out = out.replace(new RegExp(`${escapeRegExp(checkout)}(?:/|(?![\\w.-]))`, "g"), (hit) =>
      hit.endsWith("/") ? "" : ".",
    );
  }
  // Longest first, so that a folder inside another (a temp folder under HOME) goes whole.
  const dirs = (context.hostDirs ?? []).map(trimSlash).filter((d) => d !== "");
  for (const dir of dirs.sort((a, b) => b.length - a.length)) {
    // The folder and whatever path continues it, up to a quote, space or separator.
    out = out.replace(
      new RegExp(`${escapeRegExp(dir)}(?![\\w.-])(?:/[^\\s'"\`:,;()\\[\\]]*)?`, "g"),
      HOST_PATH,
    );
  }
  return out;
}

/**
 * How a captured name is written: prefixed with the chart's name (`chart`), relative to the
 * chart folder (`chart-folder`), relative to the kustomization being built, or a repository path.
 */
type Frame = "chart" | "chart-folder" | "kustomization" | "repository";

interface BlameRule {
  /** Which renderer's message the rule reads. */
  applies: (message: string) => boolean;
  pattern: RegExp;
  frame: Frame;
  /** Take the last match rather than the first (helm names the innermost template last). */
  last?: boolean;
}

const fromHelm = (m: string) => m.startsWith("helm failed:") || m.includes("(helm template output,");
const fromKustomize = (m: string) => m.startsWith("kustomize failed:");
const always = () => true;

/** First matching rule wins; order matters where messages could match two. */
const RULES: readonly BlameRule[] = [
  { applies: fromHelm, pattern: /template: (\S+?):\d+:\d+: executing/g, frame: "chart", last: true },
  { applies: fromHelm, pattern: /execution error at \((\S+?):\d+(?::\d+)?\)/g, frame: "chart" },
  { applies: fromHelm, pattern: /parse error at \((\S+?):\d+\)/g, frame: "chart" },
  { applies: fromHelm, pattern: /YAML parse error on (\S+?):/g, frame: "chart" },
  { applies: fromHelm, pattern: /^(\S+) \(helm template output, document \d+\)/g, frame: "chart" },
  // The chart's own files, named without the chart's name.
  {
    applies: fromHelm,
    pattern: /^helm failed: cannot load ((?:values|Chart)\.yaml)/g,
    frame: "chart-folder",
  },
  { applies: fromKustomize, pattern: / in File: (\S+)$/g, frame: "kustomization" },
  {
    applies: fromKustomize,
    pattern: /parse SM or JSON patch from \[path: "([^"]+)"\]/g,
    frame: "kustomization",
  },
  // Mooring's checks of kustomizations before kustomize runs (render/kustomize-roots.ts).
  {
    applies: always,
    pattern: /^(\S+) (?:lists "|is not valid YAML|is not a kustomization)/g,
    frame: "repository",
  },
  // The directory renderer (render/manifests.ts).
  {
    applies: always,
    pattern: /^(\S+\.(?:ya?ml|json))(?:: invalid (?:YAML|JSON)| document \d+ )/g,
    frame: "repository",
  },
];

/** The repository file the message blames, or undefined when it names none. */
export function blamedFile(message: string, sourcePath: string): string | undefined {
  const folder = trimSlash(sourcePath.replace(/^\/+/, ""));
  for (const rule of RULES) {
    if (!rule.applies(message)) continue;
    const matches = [...message.matchAll(rule.pattern)];
    const match = rule.last ? matches.at(-1) : matches[0];
    const name = match?.[1];
    if (match === undefined || name === undefined) continue;
    return place(name, rule.frame, folder, message.slice(0, match.index));
  }
  return undefined;
}

function place(name: string, frame: Frame, folder: string, before: string): string | undefined {
  switch (frame) {
    case "chart": {
      // `webapp/templates/x.yaml`: the chart's name, then a path inside the chart folder.
      const slash = name.indexOf("/");
      return slash < 0 ? undefined : inRepo(folder, name.slice(slash + 1));
    }
    case "kustomization": {
      const roots = [...before.matchAll(/recursed accumulation of path '([^']+)'/g)];
      return inRepo(roots.at(-1)?.[1] ?? folder, name);
    }
    case "chart-folder":
      return inRepo(folder, name);
    case "repository":
      return inRepo("", name);
  }
}

/** `relative` from a folder of the repository as a repository file path; undefined when it leaves the repository. */
function inRepo(folder: string, relative: string): string | undefined {
  if (relative.startsWith("/")) return undefined;
  const segments = repoPathSegments(folder === "" ? relative : `${folder}/${relative}`);
  return segments !== undefined && segments.length > 0 ? segments.join("/") : undefined;
}

function trimSlash(path: string): string {
  return path.replace(/\/+$/, "");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
