// Helm charts stored in the repository, rendered with `helm template` — never installed: the
// objects go through Mooring's own diff and server-side apply, so Helm keeps no release state.
//
// What a chart sees must describe the destination cluster, not the machine rendering it:
// `--kube-version` and `--api-versions` come from the destination's discovery, so templates
// that branch on `.Capabilities.KubeVersion` or `.Capabilities.APIVersions.Has` choose what
// that cluster serves. Each run gets private HELM_CONFIG_HOME / HELM_CACHE_HOME / HELM_DATA_HOME
// folders (no plugins, no repository credentials, no post-renderers leak in) and an empty
// KUBECONFIG, so nothing about the machine changes the output.
//
// Values are layered in helm's order, later wins: the chart's values.yaml, then `valueFiles` in
// the order listed, then the inline `values`/`valuesObject`, then `parameters` (what --set would
// set, written to a values file so no value shows on helm's command line). Inline values and
// parameters live in the Application and may carry secrets; they are masked in error messages.
//
// Build variables (core/build-env.ts: $ARGOCD_APP_NAME, $ARGOCD_APP_REVISION, ...) are expanded in
// parameter values and values file paths, as Argo CD does, and also in the inline values and the
// release name, which Argo CD leaves as written; values files are taken as committed.
//
// Charts are rendered offline: dependencies must be vendored in the chart's charts/ folder.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import type { HelmSource } from "../core/application.ts";
import { type BuildEnv, expandBuildVariables, expandBuildVariablesDeep } from "../core/build-env.ts";
import type { KubeObject } from "../core/objects.ts";
import { parseYamlWithin, RenderBudget } from "./budget.ts";
import { parametersToValues, valuesFileText } from "./helm-parameters.ts";
import { assertNoEscapingSymlinks, isInside } from "./path-safety.ts";
import { NO_NETWORK, type ResolvedRenderOptions, runTool, withScratch } from "./tools.ts";
import { resolveValueFiles } from "./value-files.ts";

export interface HelmRender {
  repoRoot: string;
  /** The chart folder, resolved inside the repository. */
  dir: string;
  helm: HelmSource;
  appName: string;
  destinationNamespace?: string;
  kubeVersion: string;
  apiVersions: string[];
  /** The build variables the spec may refer to; default none (nothing is expanded). */
  env?: BuildEnv;
  options: ResolvedRenderOptions;
  /** The render's budget; default: a fresh one from options.limits. */
  budget?: RenderBudget;
  /** Multi-source apps: each `ref` and the real root of its checkout, for `$ref/...` values files. */
  refs?: ReadonlyMap<string, string>;
}

/** Namespace helm renders into when neither the helm block nor the destination names one. */
export const DEFAULT_HELM_NAMESPACE = "default";

/** Shortest value worth masking; shorter ones cannot hide a secret but would garble messages. */
const MIN_MASKED_LENGTH = 3;

export async function renderHelm(unexpanded: HelmRender): Promise<KubeObject[]> {
  const env = unexpanded.env ?? {};
  const render = { ...unexpanded, helm: expandHelmSource(unexpanded.helm, env) };
  const { repoRoot, dir, helm, options } = render;
  // helm follows symlinks when it loads a chart, and `.Files.Get` would hand their content to
  // templates.
  await assertNoEscapingSymlinks(repoRoot, dir);
  const valueFiles = await resolveValueFiles({
    repoRoot,
    chartDir: dir,
    valueFiles: helm.valueFiles ?? [],
    ignoreMissing: helm.ignoreMissingValueFiles === true,
    env,
    ...(render.refs ? { refs: render.refs } : {}),
  });
  // Other sources' checkouts that values files were taken from are readable too, and only those.
  const lent = [...new Set(render.refs?.values() ?? [])].filter(
    (root) => root !== repoRoot && valueFiles.some((file) => isInside(root, file)),
  );
  const stdout = await withScratch(options.scratchParent, async (scratch) => {
    const home = (name: string) => join(scratch, name);
    for (const name of ["config", "cache", "data"]) await mkdir(home(name));
    const inline = inlineValues(helm);
    const inlineFile = home("inline-values.yaml");
    if (inline !== null) await writeFile(inlineFile, inline, { mode: 0o600 });
    const parameters = helm.parameters?.length ? valuesFileText(parametersToValues(helm.parameters)) : null;
    const parametersFile = home("parameters.yaml");
    if (parameters !== null) await writeFile(parametersFile, parameters, { mode: 0o600 });
    const secrets = secretsOf(helm);
    return runTool({
      tool: "helm",
      binary: options.helmBinary,
      args: templateArgs(
        render,
        valueFiles,
        inline === null ? null : inlineFile,
        parameters === null ? null : parametersFile,
      ),
      cwd: repoRoot,
      sandbox: options.unsandboxed ? null : { readOnly: [repoRoot, ...lent], readWrite: [scratch] },
      env: {
        HOME: scratch,
        TMPDIR: scratch,
        HELM_CONFIG_HOME: home("config"),
        HELM_CACHE_HOME: home("cache"),
        HELM_DATA_HOME: home("data"),
        KUBECONFIG: home("no-kubeconfig"),
      },
      timeoutMs: options.timeoutMs,
      maxOutputBytes: options.limits.maxRenderBytes,
      scrub: (text) => {
        let out = text
          .replaceAll(inlineFile, "(inline values)")
          .replaceAll(parametersFile, "(parameters)")
          .replaceAll(`${repoRoot}/`, "")
          // Advice for the helm command line, which Mooring users do not type.
          .replace(/\s*Use --debug flag to render out invalid YAML\s*/, "");
        for (const root of lent) out = out.replaceAll(`${root}/`, "");
        for (const secret of secrets) out = out.replaceAll(secret, "***");
        return out;
      },
      hints: [
        {
          when: NO_NETWORK,
          say: "charts are rendered without network access: commit what the chart fetches (a values.schema.json $ref to a URL, for instance) to the chart",
        },
        {
          when: /missing in charts\/ directory/,
          say: "charts are rendered without network access: run `helm dependency build` and commit the charts/ folder",
        },
      ],
    });
  });
  const budget = render.budget ?? new RenderBudget(options.limits);
  budget.addBytes("helm template output", Buffer.byteLength(stdout));
  return parseYamlWithin(stdout, { origin: "helm template output", sourceComments: true }, budget);
}

/** The helm command line. Flags use the `--flag=value` form and the positional arguments come
 * after "--", so no value from the spec can be taken for a flag. No value of the Application's
 * own appears: inline values and parameters travel in files (see helm-parameters.ts). */
export function templateArgs(
  render: HelmRender,
  valueFiles: string[],
  inlineFile: string | null,
  parametersFile: string | null = null,
): string[] {
  const { helm } = render;
  const namespace = helm.namespace || render.destinationNamespace || DEFAULT_HELM_NAMESPACE;
  const args = [
    "template",
    `--namespace=${namespace}`,
    `--kube-version=${render.kubeVersion}`,
    "--include-crds",
  ];
  for (const version of render.apiVersions) args.push(`--api-versions=${version}`);
  for (const file of valueFiles) args.push(`--values=${file}`);
  if (inlineFile !== null) args.push(`--values=${inlineFile}`);
  if (parametersFile !== null) args.push(`--values=${parametersFile}`);
  args.push("--", helm.releaseName || render.appName, render.dir);
  return args;
}

/** The helm block with build variables expanded where they are honoured (see the header). */
export function expandHelmSource(helm: HelmSource, env: BuildEnv): HelmSource {
  if (Object.keys(env).length === 0) return helm;
  const expanded: HelmSource = { ...helm };
  if (helm.releaseName) expanded.releaseName = expandBuildVariables(helm.releaseName, env);
  if (helm.values) expanded.values = expandBuildVariables(helm.values, env);
  if (helm.valuesObject) expanded.valuesObject = expandBuildVariablesDeep(helm.valuesObject, env);
  if (helm.parameters) {
    expanded.parameters = helm.parameters.map((p) => ({
      ...p,
      value: expandBuildVariables(p.value ?? "", env),
    }));
  }
  return expanded;
}

/** The inline values file content; valuesObject wins over values. JSON is YAML to helm. */
function inlineValues(helm: HelmSource): string | null {
  if (helm.valuesObject !== undefined && helm.valuesObject !== null) return JSON.stringify(helm.valuesObject);
  if (helm.values?.trim()) return helm.values;
  return null;
}

/** Every string an error message must not repeat: parameter values and inline value leaves. */
function secretsOf(helm: HelmSource): string[] {
  const found = new Set<string>();
  const collect = (value: unknown): void => {
    if (typeof value === "string") found.add(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (typeof value === "object" && value !== null) Object.values(value).forEach(collect);
  };
  for (const parameter of helm.parameters ?? []) collect(parameter.value);
  collect(helm.valuesObject);
  if (helm.values) {
    try {
      collect(parse(helm.values));
    } catch {
      // Unparseable inline values: helm reports a syntax error with a line number, not content.
    }
  }
  // Longest first, so a secret containing a shorter one is masked whole.
  return [...found].filter((s) => s.length >= MIN_MASKED_LENGTH).sort((a, b) => b.length - a.length);
}
