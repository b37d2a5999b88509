// An Application's sources as the pages show them. Most apps have one; a multi-source app
// (`spec.sources`, Argo CD's field) lists several — a chart from a registry, a Git folder, a
// `ref` source lending its values files to the chart as `$ref/path` — and its status and history
// keep one revision per source, in the same order. Each source is shown with what it gives
// (folder, chart, ref), the revision it follows and the revision it was deployed at.
import type { AppRow, SourceRow } from "./api.ts";
import type { HistoryEntry } from "./app-api.ts";
import { shortSha } from "./app-detail.ts";

/** What a source gives and follows: `apps/web @ main`, `chart shop @ 1.x`, `ref values @ main`. */
export function sourceText(source: SourceRow): string {
  const gives = [
    source.chart ? `chart ${source.chart}` : source.path || (source.ref ? "" : "."),
    source.ref ? `ref ${source.ref}` : "",
  ].filter((part) => part !== "");
  return `${gives.join(", ")} @ ${source.targetRevision || "HEAD"}`;
}

export interface SourceAt {
  source: SourceRow;
  /** The revision the cluster was compared against, when known. */
  revision?: string;
}

/** Every source of a list row with its revision, in spec order. */
export function rowSources(row: AppRow): SourceAt[] {
  const sources = row.sources && row.sources.length > 0 ? row.sources : [row.source];
  const revisions = row.revisions ?? (row.revision ? [row.revision] : []);
  return sources.map((source, i) => {
    const revision = revisions[i];
    return revision ? { source, revision } : { source };
  });
}

/** The revisions a row was compared at, short, comma separated ("" before the first compare). */
export function revisionsText(row: AppRow): string {
  return rowSources(row)
    .flatMap((s) => (s.revision ? [shortSha(s.revision)] : []))
    .join(", ");
}

/** One deployed revision of a history entry, with the source it came from when the entry says. */
export interface DeployedRevision {
  revision: string;
  source?: SourceRow;
}

/** A history entry's revisions: one per source for a multi-source deploy, else its one revision. */
export function entryRevisions(entry: HistoryEntry): DeployedRevision[] {
  if (!entry.revisions || entry.revisions.length === 0) return [{ revision: entry.revision }];
  return entry.revisions.map((revision, i) => {
    const source = entry.sources?.[i];
    return source ? { revision, source } : { revision };
  });
}
