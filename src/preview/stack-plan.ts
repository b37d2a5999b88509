// A Stack's plan for a pull request: `tofu plan` of the PR head, read-only and never applied.
//
// It runs as a real plan of the Stack runs — in the Stack's sandbox, as the Stack's
// ServiceAccount, with the variables and environment that account reads (src/controller/
// stack-run.ts), after the same spec and project checks — with three differences that make it
// safe to run for code nobody has reviewed yet:
// - no state lock (`tofu plan -lock=false`): planning only reads the state, and a preview must
//   never keep a real run of the Stack waiting, nor leave a lock behind when it is cut short;
// - nothing is kept: no plan Secret, no status, no log, no Event. A preview's plan has no id
//   anyone could approve, and the plan file (which holds values) is deleted once summarised;
// - its run folder is a throwaway one, never the folder kept for the Stack's real runs.
// The summary names resources and actions only (src/core/stack/plan.ts), never a value; a
// failure becomes a `plan-error` whose message tofu's runner has already scrubbed of the
// Stack's secret values, and is scrubbed again here in case any other step quoted one.
import { rm } from "node:fs/promises";
import type { SourceResolver } from "../controller/app-source.ts";
import type { ProjectLookup } from "../controller/projects.ts";
import { StackError } from "../controller/stack-errors.ts";
import { StackIdentities } from "../controller/stack-identity.ts";
import { enforceStackSignature } from "../controller/stack-project.ts";
import { resolveStackForRun } from "../controller/stack-reconciler.ts";
import { type Run, StackRuns } from "../controller/stack-run.ts";
import type { StackSandboxOptions } from "../controller/stack-sandbox.ts";
import { StackStatusWriter } from "../controller/stack-status.ts";
import type { RunFolders } from "../controller/stack-workdir.ts";
import type { StackPreview } from "../core/preview/report.ts";
import { type PlanSummary, summarisePlan } from "../core/stack/plan.ts";
import type { Stack } from "../core/stack/spec.ts";
import { undeclaredVariables } from "../core/stack/vars.ts";
import type { KubeClient } from "../kube/client.ts";
import { TofuError } from "../terraform/runner.ts";
import { readSavedPlan } from "../terraform/saved-plan.ts";
import type { ApiServer } from "../terraform/state-backend.ts";

export interface StackPlanner {
  /** `tofu plan` of the Stack at `headSha`, without the state lock, in its sandbox as its ServiceAccount. */
  planStack(stack: Stack, headSha: string, options?: { signal?: AbortSignal }): Promise<StackPreview>;
}

const PLAN_FILE = "preview.tfplan";

export interface StackPreviewPlansDeps {
  /** The controller's client: used to mint the Stack's ServiceAccount token, nothing else. */
  client: KubeClient;
  sources: SourceResolver;
  /** The API server where Stacks keep their state, as tofu reaches it with the Stack's token. */
  apiServer: ApiServer;
  /** tofu CLI configuration naming the provider mirrors. */
  cliConfigFile: string;
  /**
   * Where preview runs make their throwaway folders: the Stack reconciler's (`StackReconciler.folders`),
   * or a RunFolders over a parent folder of the previews' own — never a second RunFolders over the
   * reconciler's parent, whose first run would sweep folders it does not know.
   */
  folders: RunFolders;
  /** How tofu is confined: the same settings as real runs (--unsafe-unsandboxed-stacks included). */
  sandbox: StackSandboxOptions;
  /** Projects, checked as before a real plan; absent: no project checks. */
  projects?: ProjectLookup;
  /** Where Projects live; default mooring. */
  controllerNamespace?: string;
  /** Longest spec.timeout accepted (--max-stack-timeout); default: no limit. */
  maxTimeoutMs?: number;
  /** Aborted when the controller stops: running previews are interrupted. */
  signal?: AbortSignal;
}

export class StackPreviewPlans implements StackPlanner {
  private readonly deps: StackPreviewPlansDeps;
  private readonly runs: StackRuns;

  constructor(deps: StackPreviewPlansDeps) {
    this.deps = deps;
    this.runs = new StackRuns({
      sources: deps.sources,
      identities: new StackIdentities(deps.client, deps.apiServer),
      folders: deps.folders,
      // A preview never writes the Stack's status; the writer is there for real runs only.
      status: new StackStatusWriter(deps.client),
      cliConfigFile: deps.cliConfigFile,
      sandbox: deps.sandbox,
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
  }

  /**
   * The Stack's plan at `headSha`, or a plan-error saying why there is none. Throws only when
   * interrupted (`signal`, or the controller stopping): there is then no preview to give.
   */
  async planStack(
    stack: Stack,
    headSha: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<StackPreview> {
    const target = { namespace: stack.metadata.namespace, name: stack.metadata.name };
    let run: Run | undefined;
    try {
      run = await this.open(stack, headSha, options.signal);
      return { ...target, status: "planned", plan: await this.planIn(stack, run) };
    } catch (err) {
      options.signal?.throwIfAborted();
      if (err instanceof TofuError && err.code === "interrupted") throw err;
      const message = err instanceof Error ? err.message : String(err);
      return { ...target, status: "plan-error", message: run ? run.runner.scrub(message) : message };
    } finally {
      if (run) {
        run.failed();
        await run.end();
      }
    }
  }

  /** A preview run of the Stack at `headSha`, once the checks of a real plan let it run. */
  private async open(stack: Stack, headSha: string, signal: AbortSignal | undefined): Promise<Run> {
    const { namespace, name } = stack.metadata;
    const resolved = await resolveStackForRun(
      {
        ...(this.deps.projects ? { projects: this.deps.projects } : {}),
        ...(this.deps.controllerNamespace ? { controllerNamespace: this.deps.controllerNamespace } : {}),
        ...(this.deps.maxTimeoutMs !== undefined ? { maxTimeoutMs: this.deps.maxTimeoutMs } : {}),
      },
      stack,
    );
    if ("problems" in resolved) {
      throw new Error(`Stack ${namespace}/${name} has an invalid spec: ${resolved.problems.join("; ")}`);
    }
    const { spec, account } = resolved;
    // A project that requires signed commits refuses to plan an unsigned head, as for a real run.
    await enforceStackSignature(this.deps.projects, this.deps.sources, stack, spec, headSha);
    signal?.throwIfAborted();
    return this.runs.openPreview(stack, spec, account, headSha, [], signal);
  }

  /** `tofu plan -lock=false` in the run, summarised; the plan file is deleted once read. */
  private async planIn(stack: Stack, run: Run): Promise<PlanSummary> {
    const planned = await run.runner.plan(run.work.moduleDir, {
      out: PLAN_FILE,
      varFile: run.work.varFile,
      allowUndeclaredVariables: true,
      lock: false,
    });
    let summary: PlanSummary;
    try {
      summary = summarisePlan(await readSavedPlan(planned.planFile));
    } finally {
      await rm(planned.planFile, { force: true });
    }
    // The same refusal a real plan gives: a variable the Stack sets that the head no longer declares.
    const undeclared = undeclaredVariables(
      { values: run.inputs.vars, ...run.inputs.declaredCheck },
      summary.declaredVariables,
    );
    if (undeclared.errors.length > 0) {
      const { namespace, name } = stack.metadata;
      throw new StackError(
        "undeclared-variable",
        `Stack ${namespace}/${name}: ${undeclared.errors.join("; ")}`,
      );
    }
    return summary;
  }
}
