// Helm charts inflated by a kustomization (`helmCharts:`), which kustomize renders only with
// `--enable-helm` by running helm itself.
//
// Argo CD turns the flag on for every kustomize build with `kustomize.buildOptions: --enable-helm`
// in argocd-cm, because there helm may pull charts from the network with the repo server's
// credentials and an operator must opt in. Mooring turns it on by itself, only for a build whose
// kustomizations have helmCharts: the chart is rendered by the same helm binary, in the same
// sandbox as kustomize (the checkout read-only, no network), from files committed to the
// repository, so the flag opens nothing that a helm source does not already have — and an
// Application ported from Argo CD renders without a controller setting.
//
// A chart kustomize would pull (it is not where kustomize looks for it) cannot be fetched in the
// sandbox, so it is refused before the build with a message naming the chart and saying how to
// vendor it. kustomize looks for chart NAME at CHARTHOME/NAME, or at
// CHARTHOME/NAME-VERSION/NAME when the entry sets both `version` and `repo`; CHARTHOME is
// `helmGlobals.chartHome`, default `charts`, relative to the kustomization. The chart's
// templates see the destination's Kubernetes version and API versions (`--helm-kube-version`,
// `--helm-api-versions`, which override the entries' own kubeVersion/apiVersions), as a helm
// source's templates do.
import { isAbsolute, join } from "node:path";
import { RenderError } from "./errors.ts";
import type { ReachedKustomization } from "./kustomize-roots.ts";
import { assertNoEscapingSymlinks, isInside, repoRelative, resolveInRepo } from "./path-safety.ts";

/** kustomize's default chart home, relative to the kustomization. */
const DEFAULT_CHART_HOME = "charts";

/** Checks every helmCharts entry is vendored; returns true when the build needs --enable-helm. */
export async function checkHelmCharts(repoRoot: string, reached: ReachedKustomization[]): Promise<boolean> {
  let needsHelm = false;
  for (const kustomization of reached) {
    if (kustomization.helmCharts.length === 0) continue;
    needsHelm = true;
    const where = repoRelative(repoRoot, kustomization.file);
    const chartHome = kustomization.chartHome ?? DEFAULT_CHART_HOME;
    if (typeof chartHome !== "string" || chartHome === "" || isAbsolute(chartHome)) {
      throw new RenderError(
        "invalid-source",
        `${where} sets helmGlobals.chartHome to ${JSON.stringify(chartHome)}; name a folder inside the repository, relative to the kustomization`,
      );
    }
    for (const entry of kustomization.helmCharts) {
      await checkChart(repoRoot, kustomization.dir, where, chartHome, entry);
    }
  }
  return needsHelm;
}

async function checkChart(
  repoRoot: string,
  dir: string,
  where: string,
  chartHome: string,
  entry: unknown,
): Promise<void> {
  const chart = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
  const { name, version, repo } = chart;
  // kustomize itself names an entry without a name; there is nothing to look for.
  if (typeof name !== "string" || name === "") return;
  const versioned = typeof version === "string" && version !== "" && typeof repo === "string" && repo !== "";
  const home = versioned ? join(dir, chartHome, `${name}-${version}`) : join(dir, chartHome);
  const expected = join(home, name);
  if (!isInside(repoRoot, expected)) {
    throw new RenderError(
      "path-escapes-repo",
      `${where} helmCharts entry "${name}" would be read from outside the repository; vendor the chart below the kustomization`,
    );
  }
  let real: string;
  try {
    real = await resolveInRepo(repoRoot, repoRoot, repoRelative(repoRoot, expected), `chart "${name}"`);
  } catch (err) {
    if (!(err instanceof RenderError) || err.code !== "path-not-found") throw err;
    const from = typeof repo === "string" && repo !== "" ? ` from ${repo}` : "";
    const pull =
      typeof repo === "string" && repo.startsWith("oci://")
        ? `helm pull ${repo.replace(/\/$/, "")}/${name}`
        : `helm pull ${name}${from ? ` --repo ${repo}` : ""}`;
    const pinned = typeof version === "string" && version !== "" ? ` --version ${version}` : "";
    throw new RenderError(
      "unsupported-source",
      `${where} helmCharts entry "${name}"${from} is not in the repository at ${repoRelative(repoRoot, expected)}; ` +
        `renders have no network, so charts must be vendored in the repository: run \`${pull}${pinned} --untar --untardir ${repoRelative(repoRoot, home)}\` and commit it`,
    );
  }
  // helm reads every file of the chart, links included.
  await assertNoEscapingSymlinks(repoRoot, real);
}

/** The kustomize flags that let it inflate charts with `helmBinary` for the destination. */
export function enableHelmArgs(
  helmBinary: string,
  kubeVersion: string,
  apiVersions: readonly string[],
): string[] {
  return [
    "--enable-helm",
    `--helm-command=${helmBinary}`,
    `--helm-kube-version=${kubeVersion}`,
    ...apiVersions.map((version) => `--helm-api-versions=${version}`),
  ];
}
