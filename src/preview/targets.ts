// The Applications and Stacks previews can cover, as the informers hold them: what each reads
// (every source: repository, revision, path, chart, ref, Helm value files) and the project it
// belongs to.
import type { Application } from "../core/application.ts";
import type { KubeObject } from "../core/objects.ts";
import type { TargetKind } from "../core/preview/affected.ts";
import type { PreviewSource } from "../core/preview/sources.ts";
import { projectNameOf } from "../core/project/project.ts";
import type { Stack } from "../core/stack/spec.ts";

export type PreviewSubject = { kind: "Application"; object: Application } | { kind: "Stack"; object: Stack };

/** An Application or Stack, with what previews need to know of it. */
export type PreviewCandidate = PreviewSubject & {
  namespace: string;
  name: string;
  project: string;
  /** Every source, in spec order: a multi-source Application's `spec.sources`, else `spec.source`. */
  sources: PreviewSource[];
};

/**
 * The candidate an Application or Stack object makes; undefined for anything else or without a
 * source. Sources are read as written (core/app-sources.ts's rule: `sources` when it lists any);
 * an app with a source lacking its repository URL is left out whole (the controller stalls it).
 */
export function candidateOf(object: KubeObject): PreviewCandidate | undefined {
  const kind = object.kind as TargetKind;
  if (kind !== "Application" && kind !== "Stack") return undefined;
  const spec = (object as { spec?: { source?: unknown; sources?: unknown } }).spec;
  const listed =
    kind === "Application" && Array.isArray(spec?.sources) && spec.sources.length > 0
      ? (spec.sources as unknown[])
      : [spec?.source];
  const sources = listed.filter(
    (s): s is PreviewSource =>
      typeof s === "object" &&
      s !== null &&
      typeof (s as PreviewSource).repoURL === "string" &&
      (s as PreviewSource).repoURL !== "",
  );
  // A source without a repository is invalid; the others would lose their places (revisions go by index).
  if (sources.length === 0 || sources.length !== listed.length) return undefined;
  const base = {
    namespace: object.metadata.namespace ?? "",
    name: object.metadata.name ?? "",
    project: projectNameOf(object),
    sources,
  };
  return kind === "Stack"
    ? { kind, object: object as Stack, ...base }
    : { kind, object: object as Application, ...base };
}
