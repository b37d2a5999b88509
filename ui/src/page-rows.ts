// The pure half of a paged list (paged-list.ts holds the hooks): the query of one page, and the
// rows of a page after a live change from the stream. No DOM and no Preact here, so the unit tests
// run under Node with the server's type configuration.

const PAGE_SIZE = 50;

/** A change to one object as the stream sends it: its new list row, or `deleted`. */
export interface ObjectChange<Row> {
  type: "added" | "modified" | "deleted";
  namespace: string;
  name: string;
  summary?: Row;
}

/** The query of one page: the filters, the page size and the page's cursor (none for the first). */
export function pageParams(query: string, cursor: string | undefined, limit = PAGE_SIZE): URLSearchParams {
  const params = new URLSearchParams(query);
  params.set("limit", String(limit));
  if (cursor !== undefined) params.set("cursor", cursor);
  return params;
}

export interface ObjectRow {
  namespace: string;
  name: string;
}

/** The rows after a live change, or undefined when the changed object is not on this page. */
export function rowsAfter<R extends ObjectRow>(rows: readonly R[], change: ObjectChange<R>): R[] | undefined {
  const index = rows.findIndex((row) => row.namespace === change.namespace && row.name === change.name);
  if (index < 0) return undefined;
  const next = [...rows];
  if (change.type === "deleted" || change.summary === undefined) next.splice(index, 1);
  else next[index] = change.summary;
  return next;
}
