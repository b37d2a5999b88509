// An Application's sources. Most apps have one (`spec.source`); a multi-source app lists several
// in `spec.sources` (Argo CD's field, which then replaces `source`). Each source is rendered on
// its own and the objects are combined. A source may carry a `ref` name: another source's
// `helm.valueFiles` entry `$name/path` then reads `path` from that source's checkout — the way a
// chart from a registry takes its values files from Git (argo-cd#2789). A source with a `ref` and
// neither `path` nor `chart` renders nothing: it only lends its checkout.
//
// Every source has its own revision (a commit, or `chart@version`). Where one value is needed —
// cache keys, the operation's revision, a history entry's `revision` — the revisions are joined
// in source order by REVISIONS_SEPARATOR: neither a commit, nor a chart name, nor a semver
// version can hold it. A single-source app's key is its one revision, unchanged.
import type { ApplicationSource, ApplicationSpec } from "./application.ts";
import { mentionsBuildVariables } from "./build-env.ts";

/** Most sources one Application may list. */
export const MAX_SOURCES = 20;

/** Joins the revisions of a multi-source app, in source order. */
export const REVISIONS_SEPARATOR = ",";

/** A ref name: what follows `$` in a values file entry. */
const REF_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,62}$/;

/**
 * `$name/rest` (or `$name` alone) in a values file entry: the whole first segment is the name. A
 * build variable in that place (`$ARGOCD_APP_NAME/values.yaml`, core/build-env.ts) is no ref.
 */
const VALUE_FILE_REF = /^\$([A-Za-z_][A-Za-z0-9_-]*)(?:\/(.*))?$/s;

export type AppSourcesErrorCode = "sources-missing" | "sources-invalid";

/** A spec whose sources cannot be used as written; a person must edit the Application. */
export class AppSourcesError extends Error {
  readonly code: AppSourcesErrorCode;
  constructor(code: AppSourcesErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** The sources to use: `sources` when non-empty, else `[source]`; throws when neither is given. */
export function applicationSources(spec: Pick<ApplicationSpec, "source" | "sources">): ApplicationSource[] {
  if (spec.sources && spec.sources.length > 0) return spec.sources;
  if (spec.source) return [spec.source];
  throw new AppSourcesError(
    "sources-missing",
    "the Application has neither spec.source nor spec.sources; give one",
  );
}

/** Whether the app lists its sources in `spec.sources` (even a list of one). */
export function isMultiSource(spec: Pick<ApplicationSpec, "sources">): boolean {
  return (spec.sources?.length ?? 0) > 0;
}

/** Whether a source renders objects itself; a `ref` source without path or chart only lends files. */
export function rendersObjects(source: Pick<ApplicationSource, "ref" | "path" | "chart">): boolean {
  return !(source.ref && !source.path && !source.chart);
}

/**
 * The source shown where one repository is shown: the first that renders objects (the first
 * source when none does). Throws as applicationSources does.
 */
export function primarySource(spec: Pick<ApplicationSpec, "source" | "sources">): ApplicationSource {
  const sources = applicationSources(spec);
  return sources.find(rendersObjects) ?? (sources[0] as ApplicationSource);
}

/** How a source is named in messages: `sources[1] (ref values, https://…)` or `source`. */
export function describeSource(spec: Pick<ApplicationSpec, "sources">, index: number): string {
  if (!isMultiSource(spec)) return "source";
  const source = spec.sources?.[index];
  const what = source?.chart
    ? `chart ${source.chart}`
    : source?.ref
      ? `ref ${source.ref}`
      : source?.path || ".";
  return `sources[${index}] (${what})`;
}

/** A `$name/path` values file entry split, or undefined for an entry of the source's own repository. */
export function valueFileRef(entry: string): { ref: string; path: string } | undefined {
  const match = VALUE_FILE_REF.exec(entry);
  if (!match || mentionsBuildVariables(`$${match[1]}`)) return undefined;
  return { ref: match[1] ?? "", path: match[2] ?? "" };
}

export interface SourceProblem {
  /** The field at fault, e.g. `sources[2].ref`. */
  field: string;
  message: string;
}

/**
 * What is wrong with the spec's sources as written, each problem naming its field: a missing
 * source, too many, a malformed or repeated ref, a ref on a chart (a chart has no Git checkout to
 * lend), a `$ref` values file naming no source's ref. Empty when the sources can be used.
 */
export function validateSources(spec: Pick<ApplicationSpec, "source" | "sources">): SourceProblem[] {
  const problems: SourceProblem[] = [];
  let sources: ApplicationSource[];
  try {
    sources = applicationSources(spec);
  } catch (err) {
    return [{ field: "spec.source", message: (err as Error).message }];
  }
  const multi = isMultiSource(spec);
  const field = (i: number) => (multi ? `spec.sources[${i}]` : "spec.source");
  if (sources.length > MAX_SOURCES) {
    problems.push({
      field: "spec.sources",
      message: `lists ${sources.length} sources; at most ${MAX_SOURCES} are allowed`,
    });
  }
  const refs = new Map<string, number>();
  sources.forEach((source, i) => {
    if (source.ref === undefined) return;
    if (!multi) {
      problems.push({ field: `${field(i)}.ref`, message: "a ref is only meaningful in spec.sources" });
      return;
    }
    if (!REF_NAME.test(source.ref)) {
      problems.push({
        field: `${field(i)}.ref`,
        message: `${JSON.stringify(source.ref)} is not a ref name: a letter or '_' then up to 62 letters, digits, '_' or '-'`,
      });
      return;
    }
    if (source.chart) {
      problems.push({
        field: `${field(i)}.ref`,
        message: `ref ${source.ref} is on chart ${source.chart}: values files come from a Git source, so put the ref on one`,
      });
    }
    const earlier = refs.get(source.ref);
    if (earlier !== undefined) {
      problems.push({
        field: `${field(i)}.ref`,
        message: `ref ${source.ref} is also the ref of spec.sources[${earlier}]; each ref names one source`,
      });
    } else refs.set(source.ref, i);
  });
  if (sources.length > 0 && !sources.some(rendersObjects)) {
    problems.push({
      field: "spec.sources",
      message: "every source is a ref without path or chart, so nothing would be rendered",
    });
  }
  sources.forEach((source, i) => {
    (source.helm?.valueFiles ?? []).forEach((entry, j) => {
      const reference = valueFileRef(entry);
      if (!reference) return;
      if (!refs.has(reference.ref)) {
        const known = [...refs.keys()].map((r) => `$${r}`).join(", ");
        problems.push({
          field: `${field(i)}.helm.valueFiles[${j}]`,
          message: `${JSON.stringify(entry)} names ref $${reference.ref}, which no source of this Application has${known ? ` (known: ${known})` : multi ? "" : "; refs exist only in spec.sources"}`,
        });
      } else if (reference.path === "") {
        problems.push({
          field: `${field(i)}.helm.valueFiles[${j}]`,
          message: `${JSON.stringify(entry)} names no file: write $${reference.ref}/path/to/values.yaml`,
        });
      }
    });
  });
  return problems;
}

/** The spec's sources, or AppSourcesError listing every problem validateSources finds. */
export function checkedSources(spec: Pick<ApplicationSpec, "source" | "sources">): ApplicationSource[] {
  const sources = applicationSources(spec);
  const problems = validateSources(spec);
  if (problems.length > 0)
    throw new AppSourcesError("sources-invalid", problems.map((p) => `${p.field}: ${p.message}`).join("; "));
  return sources;
}

/** One key for the revisions of all sources, in source order; a single revision is itself. */
export function joinRevisions(revisions: readonly string[]): string {
  return revisions.join(REVISIONS_SEPARATOR);
}

/** The revisions a key joined, in source order. */
export function splitRevisions(key: string): string[] {
  return key.split(REVISIONS_SEPARATOR);
}

/** A revision key as people read it: each commit shortened to 10 characters, charts as they are. */
export function shortRevisions(key: string): string {
  const revisions = splitRevisions(key);
  if (revisions.length === 1) return key.slice(0, 10);
  return revisions.map((r) => (/^[0-9a-f]{40}$/.test(r) ? r.slice(0, 10) : r)).join(", ");
}

/**
 * What the app follows as one revision key: each source's targetRevision (default HEAD) joined
 * in source order; a single source's target as written.
 */
export function targetRevisions(spec: Pick<ApplicationSpec, "source" | "sources">): string {
  return joinRevisions(applicationSources(spec).map((s) => s.targetRevision || "HEAD"));
}
