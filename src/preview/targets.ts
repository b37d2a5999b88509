// The Applications and Stacks previews can cover, as the informers hold them: what each reads
// (repository, revision, path, Helm value files) and the project it belongs to.
import type { Application } from "../core/application.ts";
import type { KubeObject } from "../core/objects.ts";
import type { TargetKind } from "../core/preview/affected.ts";
import { projectNameOf } from "../core/project/project.ts";
import type { Stack } from "../core/stack/spec.ts";

export type PreviewSubject = { kind: "Application"; object: Application } | { kind: "Stack"; object: Stack };

/** An Application or Stack, with what previews need to know of it. */
export type PreviewCandidate = PreviewSubject & {
  namespace: string;
  name: string;
  project: string;
  repoURL: string;
  targetRevision?: string;
  /** "" for the repository root. */
  path: string;
  helmValueFiles?: string[];
};

/** The candidate an Application or Stack object makes; undefined for anything else or without a source. */
export function candidateOf(object: KubeObject): PreviewCandidate | undefined {
  const kind = object.kind as TargetKind;
  if (kind !== "Application" && kind !== "Stack") return undefined;
  const source = (object as { spec?: { source?: Application["spec"]["source"] } }).spec?.source;
  if (!source || typeof source.repoURL !== "string" || source.repoURL === "") return undefined;
  const base = {
    namespace: object.metadata.namespace ?? "",
    name: object.metadata.name ?? "",
    project: projectNameOf(object),
    repoURL: source.repoURL,
    path: source.path ?? "",
    ...(source.targetRevision !== undefined ? { targetRevision: source.targetRevision } : {}),
  };
  if (kind === "Stack") return { kind, object: object as Stack, ...base };
  const valueFiles = source.helm?.valueFiles;
  return {
    kind,
    object: object as Application,
    ...base,
    ...(valueFiles && valueFiles.length > 0 ? { helmValueFiles: [...valueFiles] } : {}),
  };
}
