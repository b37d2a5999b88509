// `moor preview`: the report of a pull request for two revisions of a repository, with no forge
// and no pull request. The targets are those with a source reading the repository and following
// the base branch (src/core/preview/candidates.ts), as for a PR into it. Who asks decides the Stacks:
// only Stacks of projects where the caller may `plan` are planned (the API server says which);
// the others wait, saying which verb is missing. Nothing is posted anywhere.
import { candidateTargets, needsDefaultBranch } from "../core/preview/candidates.ts";
import type { LocalPreviewAnswer, LocalPreviewRequest } from "../core/preview/protocol.ts";
import { LOCAL_PLAN_WAIT, previewStatus } from "../core/preview/status.ts";
import { type PreviewRunDeps, runPreview, type StackGate } from "./pipeline.ts";
import type { PreviewCandidate } from "./targets.ts";

export async function previewLocally(
  deps: PreviewRunDeps,
  targets: readonly PreviewCandidate[],
  request: LocalPreviewRequest,
  signal?: AbortSignal,
): Promise<LocalPreviewAnswer> {
  const { git } = deps;
  const repoURL = request.repoURL;
  const [baseSha, headSha] = await Promise.all([
    git.head(repoURL, request.base, true),
    git.head(repoURL, request.head, true),
  ]);
  const isDefault =
    needsDefaultBranch(repoURL, targets) && (await git.head(repoURL, "HEAD", true)) === baseSha;
  const planProjects = new Set(request.planProjects);
  const stackGate: StackGate = (stack) =>
    planProjects.has(stack.project)
      ? { plan: true }
      : {
          plan: false,
          reason: `planning needs the verb plan in project ${stack.project}, which the caller lacks`,
        };
  const { report, projects } = await runPreview(deps, {
    repoURL,
    baseRef: request.base,
    baseSha,
    headSha,
    candidates: candidateTargets(repoURL, request.base, isDefault, targets),
    stackGate,
    live: request.live ?? true,
    ...(signal ? { signal } : {}),
  });
  return { report, projects, status: previewStatus(report, LOCAL_PLAN_WAIT), baseSha, headSha };
}
