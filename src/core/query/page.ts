// Server-side pages of a long list (10,000 Applications) with a cursor, the way the Kubernetes API
// and GitHub's GraphQL API page: the answer carries an opaque `next` cursor naming the last row
// sent, and the next page starts strictly after that row in the sort order. This is keyset
// pagination, not an offset: an Application created or deleted between two pages shifts no row
// into a page twice and skips none of the rows that were there all along.
//
// Every row sorts by a tuple (sort value, namespace, name). The namespace and name make the order
// total, so ties on health or project still have one stable order and a cursor names one place.
// Rows without a sort value (an app never synced, for "last sync") sort last in both directions.
//
// A cursor is bound to its query: the sort, the order and a hash of the filters. A cursor used
// with other filters or another sort is refused rather than answered with a page of some other
// list. Rows the caller may not see are dropped by `include` before counting and paging, so the
// total and the cursor positions are the same as if those rows did not exist.

export const SORT_ORDERS = ["asc", "desc"] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

export type SortValue = string | number | null;

/** Where a row sits in the order: its sort value, then namespace and name. */
export type SortKey = readonly [SortValue, string, string];

/** Pages hold 1 to MAX_PAGE_SIZE rows; DEFAULT_PAGE_SIZE when the caller does not say. */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 500;

function compareValues(a: SortValue, b: SortValue): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Orders two keys: the sort value in `order` (absent values last), then namespace, then name ascending. */
export function compareKeys(a: SortKey, b: SortKey, order: SortOrder): number {
  const [va, nsa, na] = a;
  const [vb, nsb, nb] = b;
  if (va === null || vb === null) {
    if (va !== vb) return va === null ? 1 : -1;
  } else {
    const primary = compareValues(va, vb);
    if (primary !== 0) return order === "asc" ? primary : -primary;
  }
  if (nsa !== nsb) return nsa < nsb ? -1 : 1;
  if (na !== nb) return na < nb ? -1 : 1;
  return 0;
}

/** A sorted copy of rows. */
export function sortRows<R>(rows: readonly R[], keyOf: (row: R) => SortKey, order: SortOrder): R[] {
  const keyed = rows.map((row) => ({ row, key: keyOf(row) }));
  keyed.sort((a, b) => compareKeys(a.key, b.key, order));
  return keyed.map((entry) => entry.row);
}

export interface Page<R> {
  items: R[];
  /** Rows matching the query that the caller may see, over all pages. */
  total: number;
  /** The key of the last row sent, when more rows follow. */
  next?: SortKey;
}

/**
 * One page of `sorted` (sorted by `keyOf` in `order`): the first `limit` rows that `include`
 * accepts and that come strictly after `after`.
 */
export function pageOf<R>(
  sorted: readonly R[],
  options: {
    keyOf: (row: R) => SortKey;
    order: SortOrder;
    include: (row: R) => boolean;
    limit: number;
    after?: SortKey;
  },
): Page<R> {
  const { keyOf, order, include, limit, after } = options;
  let start = 0;
  if (after !== undefined) {
    // First index whose key is greater than `after`: the row it names may have been deleted.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(keyOf(sorted[mid] as R), after, order) <= 0) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const items: R[] = [];
  let total = 0;
  let more = false;
  for (let i = 0; i < sorted.length; i++) {
    const row = sorted[i] as R;
    if (!include(row)) continue;
    total++;
    if (i < start) continue;
    if (items.length < limit) items.push(row);
    else more = true;
  }
  const last = items.at(-1);
  return more && last !== undefined ? { items, total, next: keyOf(last) } : { items, total };
}

// ---- cursors --------------------------------------------------------------------------------

interface CursorBody {
  v: 1;
  s: string;
  o: SortOrder;
  f: string;
  k: SortKey;
}

/** FNV-1a over the text, as 8 hex digits: binds a cursor to its filters without carrying them. */
export function queryHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): string | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

export interface CursorQuery {
  sort: string;
  order: SortOrder;
  /** A canonical text of the filters (the same filters give the same text). */
  filters: string;
}

/** The opaque cursor naming `key` in the list `query` describes. */
export function encodeCursor(query: CursorQuery, key: SortKey): string {
  const body: CursorBody = { v: 1, s: query.sort, o: query.order, f: queryHash(query.filters), k: key };
  return toBase64Url(JSON.stringify(body));
}

export type CursorResult = { ok: true; after: SortKey } | { ok: false; message: string };

function isSortValue(value: unknown): value is SortValue {
  return value === null || typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
}

/** Reads a cursor given back by a caller, refusing one that is malformed or made for another query. */
export function decodeCursor(text: string, query: CursorQuery): CursorResult {
  const malformed = {
    ok: false as const,
    message: "cursor is not one this server gave out: pass the `next` value of the previous page unchanged",
  };
  const json = fromBase64Url(text);
  if (json === undefined) return malformed;
  let body: unknown;
  try {
    body = JSON.parse(json);
  } catch {
    return malformed;
  }
  const b = body as Partial<CursorBody>;
  const key = b.k;
  if (
    typeof body !== "object" ||
    body === null ||
    b.v !== 1 ||
    !Array.isArray(key) ||
    key.length !== 3 ||
    !isSortValue(key[0]) ||
    typeof key[1] !== "string" ||
    typeof key[2] !== "string"
  ) {
    return malformed;
  }
  if (b.s !== query.sort || b.o !== query.order || b.f !== queryHash(query.filters)) {
    return {
      ok: false,
      message:
        "cursor belongs to a list with other filters or another sort: ask for the first page again without a cursor",
    };
  }
  return { ok: true, after: [key[0], key[1], key[2]] };
}
