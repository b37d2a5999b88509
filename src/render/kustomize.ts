// Kustomize sources: `kustomize build` of the folder, plus the overrides an Application may set
// on top (name prefix/suffix, images, labels, annotations, namespace).
//
// Applying overrides without touching the checkout. Argo CD runs `kustomize edit set ...` inside
// its working copy; ours is shared between renders and must stay exactly the commit. So the
// overrides go into a throwaway overlay in a scratch folder outside the tree, whose only
// resource is the source folder:
//
//     /tmp/mooring-render-x/overlay/kustomization.yaml
//       resources: [../../../work/checkouts/abc123/apps/web]   # relative: kustomize refuses
//       namePrefix: prod-                                       # absolute roots
//
// This needs no `--load-restrictor LoadRestrictionsNone`. The restrictor confines *files* to the
// kustomization that names them; a base folder elsewhere is a new root with its own confinement,
// which is exactly how `../base` overlays work under the default. Turning the restrictor off for
// the overlay would turn it off for the whole build — every kustomization in the repo could then
// read any file on the machine — so we keep LoadRestrictionsRootOnly for every build.
//
// An overlay transforms the folder's finished output, where `kustomize edit` rewrites its
// kustomization. The two differ only when the folder sets the same thing itself: an existing
// namePrefix is extended (`prod-` + `web-` + name) rather than replaced, and an image override
// matches the image name the folder outputs (after its own `images:` renames).
//
// Build variables (core/build-env.ts) are expanded in image overrides and commonLabels values, as
// Argo CD expands them, and in commonAnnotations values when `commonAnnotationsEnvsubst` is set;
// namePrefix, nameSuffix and namespace are taken as written. Charts a kustomization inflates (helmCharts) are covered in kustomize-helm.ts.
import { mkdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { stringify } from "yaml";
import type { KustomizeSource } from "../core/application.ts";
import { type BuildEnv, expandBuildVariables } from "../core/build-env.ts";
import type { KubeObject } from "../core/objects.ts";
import { parseYamlWithin, RenderBudget } from "./budget.ts";
import { checkHelmCharts, enableHelmArgs } from "./kustomize-helm.ts";
import { assertKustomizeStaysInRepo } from "./kustomize-roots.ts";
import { repoRelative } from "./path-safety.ts";
import { NO_NETWORK, type ResolvedRenderOptions, runTool, withScratch } from "./tools.ts";

export interface KustomizeRender {
  repoRoot: string;
  /** The source folder, resolved inside the repository. */
  dir: string;
  overrides: KustomizeSource;
  /** The build variables the overrides may refer to; default none (nothing is expanded). */
  env?: BuildEnv;
  /** The destination's version and API versions, for charts inflated by helmCharts. */
  kubeVersion: string;
  apiVersions: string[];
  options: ResolvedRenderOptions;
  /** The render's budget; default: a fresh one from options.limits. */
  budget?: RenderBudget;
}

export async function renderKustomize(render: KustomizeRender): Promise<KubeObject[]> {
  const { repoRoot, dir, options } = render;
  const overrides = expandOverrides(render.overrides, render.env ?? {});
  const reached = await assertKustomizeStaysInRepo(repoRoot, dir);
  const helmArgs = (await checkHelmCharts(repoRoot, reached))
    ? enableHelmArgs(options.helmBinary, render.kubeVersion, render.apiVersions)
    : [];
  const stdout = await withScratch(options.scratchParent, async (scratch) => {
    let target = dir;
    // Paths in kustomize's messages, as the user knows them.
    const replacements: [string, string][] = [];
    const overlay = overlayKustomization(overrides);
    if (overlay) {
      target = join(scratch, "overlay");
      await mkdir(target);
      const reference = relative(target, dir);
      overlay.resources = [reference];
      await writeFile(join(target, "kustomization.yaml"), stringify(overlay));
      replacements.push(
        [target, "(overrides from the Application)"],
        [reference, repoRelative(repoRoot, dir)],
      );
    }
    replacements.push([`${repoRoot}/`, ""]);
    return runTool({
      tool: "kustomize",
      binary: options.kustomizeBinary,
      args: ["build", target, "--load-restrictor", "LoadRestrictionsRootOnly", ...helmArgs],
      cwd: repoRoot,
      sandbox: options.unsandboxed
        ? null
        : {
            readOnly: helmArgs.length > 0 ? [repoRoot, options.helmBinary] : [repoRoot],
            readWrite: [scratch],
          },
      env: { HOME: scratch, TMPDIR: scratch },
      timeoutMs: options.timeoutMs,
      maxOutputBytes: options.limits.maxRenderBytes,
      scrub: (text) => replacements.reduce((out, [from, to]) => out.replaceAll(from, to), text),
      hints: [
        {
          when: NO_NETWORK,
          say: "renders have no network access: commit what the kustomization fetches (remote bases, generator files given as URLs) to the repository",
        },
        {
          when: /must specify --enable-helm/,
          say: "a HelmChartInflationGenerator listed under generators: is not rendered; list the chart under the kustomization's helmCharts: instead",
        },
        {
          when: /missing in charts\/ directory/,
          say: "charts are rendered without network access: run `helm dependency build` in the chart and commit its charts/ folder",
        },
      ],
    });
  });
  const budget = render.budget ?? new RenderBudget(options.limits);
  budget.addBytes("kustomize build output", Buffer.byteLength(stdout));
  return parseYamlWithin(stdout, { origin: "kustomize build output" }, budget);
}

/** The overrides with build variables expanded where Argo CD expands them (see the header). */
export function expandOverrides(overrides: KustomizeSource, env: BuildEnv): KustomizeSource {
  if (Object.keys(env).length === 0) return overrides;
  const expanded: KustomizeSource = { ...overrides };
  if (overrides.images) expanded.images = overrides.images.map((image) => expandBuildVariables(image, env));
  const expandValues = (map: Record<string, string>) =>
    Object.fromEntries(Object.entries(map).map(([key, value]) => [key, expandBuildVariables(value, env)]));
  if (overrides.commonLabels) expanded.commonLabels = expandValues(overrides.commonLabels);
  if (overrides.commonAnnotations && overrides.commonAnnotationsEnvsubst)
    expanded.commonAnnotations = expandValues(overrides.commonAnnotations);
  return expanded;
}

/** The overlay's kustomization for the spec's overrides; null when the spec sets none. */
export function overlayKustomization(overrides: KustomizeSource): Record<string, unknown> | null {
  const overlay: Record<string, unknown> = {
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
  };
  if (overrides.namePrefix) overlay.namePrefix = overrides.namePrefix;
  if (overrides.nameSuffix) overlay.nameSuffix = overrides.nameSuffix;
  if (overrides.namespace) overlay.namespace = overrides.namespace;
  if (overrides.commonLabels && Object.keys(overrides.commonLabels).length > 0) {
    // Argo CD's commonLabels means kustomize's commonLabels: selectors and pod templates get the
    // labels too. `labels` with includeSelectors is kustomize v5's non-deprecated spelling of that.
    overlay.labels = [{ pairs: overrides.commonLabels, includeSelectors: true }];
  }
  if (overrides.commonAnnotations && Object.keys(overrides.commonAnnotations).length > 0) {
    overlay.commonAnnotations = overrides.commonAnnotations;
  }
  if (overrides.images && overrides.images.length > 0)
    overlay.images = overrides.images.map(parseImageOverride);
  return Object.keys(overlay).length > 2 ? overlay : null;
}

export interface ImageOverride {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

/**
 * Reads an image override in the form `kustomize edit set image` takes (and Argo CD stores):
 * `nginx:1.27` (new tag), `nginx@sha256:…` (pin a digest), `nginx=registry.local/nginx:1.27`
 * (rename and retag). The image to match is left of "=", or the image name itself.
 */
export function parseImageOverride(spec: string): ImageOverride {
  const eq = spec.indexOf("=");
  const name = eq >= 0 ? spec.slice(0, eq) : splitImage(spec).image;
  const target = splitImage(eq >= 0 ? spec.slice(eq + 1) : spec);
  const override: ImageOverride = { name };
  if (target.image !== name) override.newName = target.image;
  if (target.tag !== undefined) override.newTag = target.tag;
  if (target.digest !== undefined) override.digest = target.digest;
  return override;
}

/** Splits `registry:5000/repo/app:tag@sha256:…` into image, tag and digest. */
function splitImage(ref: string): { image: string; tag?: string; digest?: string } {
  const at = ref.indexOf("@");
  if (at >= 0) return { image: ref.slice(0, at), digest: ref.slice(at + 1) };
  // A ":" before the last "/" is a registry port, not a tag.
  const colon = ref.lastIndexOf(":");
  if (colon > ref.lastIndexOf("/")) return { image: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { image: ref };
}
