// Generation: an ApplicationSet and the facts the controller fetched → the Applications it wants.
// (Skeleton: the signatures are fixed; the implementation lands with the ApplicationSet work.)
import type { Application } from "../application.ts";
import type { ApplicationSet, GenerationFacts } from "./types.ts";

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

/** What the generators of a set need fetched, nested matrix and merge generators included. */
export function factsNeeded(set: ApplicationSet): FactsNeeded {
  void set;
  throw new Error("factsNeeded: not implemented yet");
}

/** A problem that stops generation; names the generator or template field and the parameter. */
export interface GenerationProblem {
  /** e.g. `spec.generators[0].matrix.generators[1].git` or `spec.template.metadata.name`. */
  field: string;
  message: string;
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
  void set;
  void facts;
  throw new Error("generateApplications: not implemented yet");
}
