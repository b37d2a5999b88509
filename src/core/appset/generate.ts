// Generation: an ApplicationSet and the facts the controller fetched → the Applications it wants.
// The controller first asks `factsNeeded` (registered clusters? which Git revisions and file
// globs?), fetches those, then calls `generateApplications`. Each parameter set from each
// top-level generator is put into the set's template (overlaid by that generator's own
// `template`); the result is an Application in the set's namespace unless the template names
// another, labelled with the set's name and owned by it.
import { APPLICATION_API_VERSION, type Application } from "../application.ts";
import { type GeneratorContext, generateParams } from "./generators.ts";
import { describeParams, type GenerationProblem, isRecord, MAX_PARAM_SETS, type ParamSet } from "./params.ts";
import { overlay, renderValue, stringRenderer } from "./render.ts";
import {
  APPLICATIONSET_API_VERSION,
  APPLICATIONSET_KIND,
  type ApplicationSet,
  type GenerationFacts,
  type Generator,
  type GitGenerator,
} from "./types.ts";

export type { GenerationProblem } from "./params.ts";

/** The label every generated Application carries: the name of the set that made it. */
export const APPLICATION_SET_LABEL = "mooring.dev/application-set";

/** A Git generator's need: the folders and files of a repository at a revision. */
export interface GitFactRequest {
  repoURL: string;
  revision: string;
  /** The `files` globs whose matching files' contents are needed. */
  fileGlobs: string[];
}

export interface FactsNeeded {
  clusters: boolean;
  git: GitFactRequest[];
}

/**
 * What the generators of a set need fetched, nested matrix and merge generators included. A git
 * generator inside a matrix may take its repoURL or revision from an earlier child's parameters
 * (`{{metadata.labels.repo}}`); it can only be asked for once those are known. So the controller
 * asks again with the facts fetched so far, and fetches what is new, until nothing is: each
 * round fills in the requests the facts it got make concrete. Requests still holding `{{` are
 * never returned.
 */
export function factsNeeded(set: ApplicationSet, fetched?: GenerationFacts): FactsNeeded {
  const needed: FactsNeeded = { clusters: false, git: [] };
  const addGit = (git: GitGenerator): void => {
    const { repoURL, revision } = git;
    if (`${repoURL}${revision}`.includes("{{")) return;
    let request = needed.git.find((r) => r.repoURL === repoURL && r.revision === revision);
    if (request === undefined) {
      request = { repoURL, revision, fileGlobs: [] };
      needed.git.push(request);
    }
    for (const file of git.files ?? []) {
      if (file.exclude !== true && !request.fileGlobs.includes(file.path)) request.fileGlobs.push(file.path);
    }
  };
  const visit = (generator: Generator): void => {
    if (generator.clusters) needed.clusters = true;
    if (generator.git) addGit(generator.git);
    for (const child of generator.matrix?.generators ?? []) visit(child);
    for (const child of generator.merge?.generators ?? []) visit(child);
  };
  const generators = Array.isArray(set.spec.generators) ? set.spec.generators : [];
  for (const generator of generators) visit(generator);
  if (fetched !== undefined) {
    const ctx: GeneratorContext = { goTemplate: set.spec.goTemplate === true, facts: fetched, onGit: addGit };
    for (const [index, generator] of generators.entries())
      generateParams(generator, `spec.generators[${index}]`, ctx);
  }
  return needed;
}

export type Generated =
  | { ok: true; applications: Application[] }
  | { ok: false; problems: GenerationProblem[] };

/**
 * The Applications a set generates from the facts: parameters from every generator (list,
 * clusters, git directories and files, matrix, merge, nested), put into the template in Argo
 * CD's `{{param}}` form or, with goTemplate, its Go-template form. A template that names a
 * parameter no generator gave is a problem naming it, never an Application with an empty field.
 * Names must be unique and valid; each Application is labelled and owned by the set.
 */
export function generateApplications(set: ApplicationSet, facts: GenerationFacts): Generated {
  const goTemplate = set.spec.goTemplate === true;
  const ctx: GeneratorContext = { goTemplate, facts };
  const problems: GenerationProblem[] = [];
  const applications: Application[] = [];
  const madeBy = new Map<string, ParamSet>();
  if (!Array.isArray(set.spec.generators) || set.spec.generators.length === 0) {
    return {
      ok: false,
      problems: [{ field: "spec.generators", message: "an ApplicationSet needs at least one generator" }],
    };
  }
  for (const [index, generator] of set.spec.generators.entries()) {
    const field = `spec.generators[${index}]`;
    const result = generateParams(generator, field, ctx);
    if (!result.ok) {
      problems.push(...result.problems);
      continue;
    }
    const override =
      generator.list?.template ??
      generator.clusters?.template ??
      generator.git?.template ??
      generator.matrix?.template ??
      generator.merge?.template;
    const template = overlay(set.spec.template, override);
    if (applications.length + result.sets.length > MAX_PARAM_SETS) {
      problems.push({
        field,
        message: `the set would generate more than ${MAX_PARAM_SETS} Applications; narrow its generators or split it`,
      });
      break;
    }
    for (const params of result.sets) {
      const rendered = renderValue(template, stringRenderer(params, goTemplate), "spec.template");
      if (!rendered.ok) {
        problems.push({
          ...rendered.problem,
          message: `${rendered.problem.message} (parameters ${describeParams(params)})`,
        });
        continue;
      }
      const app = toApplication(set, rendered.value, params);
      if (!("apiVersion" in app)) {
        problems.push(app);
        continue;
      }
      const key = `${app.metadata.namespace}/${app.metadata.name}`;
      const earlier = madeBy.get(key);
      if (earlier !== undefined) {
        problems.push({
          field: "spec.template.metadata.name",
          message: `two parameter sets give the Application name "${app.metadata.name}": ${describeParams(earlier)} and ${describeParams(params)}`,
        });
        continue;
      }
      madeBy.set(key, params);
      applications.push(app);
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, applications };
}

const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function toApplication(
  set: ApplicationSet,
  rendered: unknown,
  params: ParamSet,
): Application | GenerationProblem {
  const nameProblem = (message: string) => ({ field: "spec.template.metadata.name", message });
  const template = isRecord(rendered) ? rendered : {};
  const meta = isRecord(template.metadata) ? template.metadata : {};
  const name = meta.name;
  if (typeof name !== "string" || name === "")
    return nameProblem(`the template gives no Application name (parameters ${describeParams(params)})`);
  if (name.length > 253 || !DNS_1123_SUBDOMAIN.test(name)) {
    return nameProblem(
      `"${name}" is not a valid Application name (lower-case letters, digits, '-' and '.', at most 253) (parameters ${describeParams(params)})`,
    );
  }
  if (!isRecord(template.spec))
    return { field: "spec.template.spec", message: "the template gives no Application spec" };
  const namespace =
    typeof meta.namespace === "string" && meta.namespace !== "" ? meta.namespace : set.metadata.namespace;
  const metadata: Application["metadata"] = {
    name,
    namespace,
    labels: {
      ...(isRecord(meta.labels) ? (meta.labels as Record<string, string>) : {}),
      [APPLICATION_SET_LABEL]: set.metadata.name,
    },
    ownerReferences: [
      {
        apiVersion: APPLICATIONSET_API_VERSION,
        kind: APPLICATIONSET_KIND,
        name: set.metadata.name,
        uid: set.metadata.uid ?? "",
        controller: true,
      },
    ],
  };
  if (isRecord(meta.annotations) && Object.keys(meta.annotations).length > 0)
    metadata.annotations = meta.annotations as Record<string, string>;
  if (Array.isArray(meta.finalizers) && meta.finalizers.length > 0)
    metadata.finalizers = meta.finalizers as string[];
  return {
    apiVersion: APPLICATION_API_VERSION,
    kind: "Application",
    metadata,
    spec: template.spec as unknown as Application["spec"],
  };
}
