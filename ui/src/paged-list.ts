// A list the server pages: GET /applications, /stacks and /audit answer one page at a time with a
// cursor for the next one. A cursor belongs to the query it was issued for (the server refuses it
// with other filters), so the cursors of the pages read so far are kept per query and a new query
// starts again at the first page; Previous drops the last cursor, Next adds the page's own.
// Lists of Kubernetes objects also follow the live stream: a listed row is replaced by its new
// summary in place, while objects created meanwhile are announced, not inserted, so the page a
// user is reading does not shift under them.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Page } from "./api.ts";
import { type ApiRead, type ApiReadOptions, useApiRead } from "./api-read.ts";
import { type ObjectChange, type ObjectRow, pageParams, rowsAfter } from "./page-rows.ts";
import { subscribe } from "./stream.ts";

export interface PagedListOptions<P> extends ApiReadOptions {
  /** The list's filters as the API's query string (without limit and cursor). */
  query: string;
  /** Reads one page for these parameters. */
  read: (params: URLSearchParams, signal: AbortSignal) => Promise<P>;
  /** The cursor of the page after this one; undefined on the last page. */
  nextOf: (page: P) => string | undefined;
}

export interface PagedList<P> extends ApiRead<P> {
  /** Goes back one page; undefined on the first page. */
  previous: (() => void) | undefined;
  /** Goes on one page; undefined until a page with a next one is shown. */
  next: (() => void) | undefined;
}

export function usePagedList<P>(options: PagedListOptions<P>): PagedList<P> {
  const { query } = options;
  const [paging, setPaging] = useState<{ query: string; cursors: string[] }>({ query, cursors: [] });
  const cursors = paging.query === query ? paging.cursors : [];
  const cursor = cursors.at(-1);
  const list = useApiRead(
    (signal) => options.read(pageParams(query, cursor), signal),
    [query, cursor],
    options.keepShown === undefined ? {} : { keepShown: options.keepShown },
  );
  const nextCursor = list.load.state === "loaded" ? options.nextOf(list.load.value) : undefined;
  return {
    ...list,
    previous: cursors.length === 0 ? undefined : () => setPaging({ query, cursors: cursors.slice(0, -1) }),
    next:
      nextCursor === undefined ? undefined : () => setPaging({ query, cursors: [...cursors, nextCursor] }),
  };
}

/**
 * Follows the stream's `kind` changes on a paged list of objects. Returns how many objects were
 * created since the page was read (counted on the unfiltered list only: whether a new object
 * matches a filter is the server's to say, at the next read) and when the rows were last fresh.
 */
export function useLiveRows<R extends ObjectRow>(
  list: PagedList<Page<R>>,
  query: string,
  kind: "application" | "stack",
): { added: number; now: number } {
  const [added, setAdded] = useState(0);
  const [now, setNow] = useState(Date.now());
  const queryRef = useRef(query);
  queryRef.current = query;
  // A page read from the server holds every object created before it.
  useEffect(() => {
    setAdded(0);
    setNow(Date.now());
  }, [list.reads]);
  useEffect(() => {
    const onChange = (change: ObjectChange<R>) => {
      const current = list.current();
      if (current.state !== "loaded") return;
      const items = rowsAfter(current.value.items, change);
      if (items === undefined) {
        if (change.type === "added" && queryRef.current === "") setAdded((n) => n + 1);
        return;
      }
      list.show({ ...current.value, items });
      setNow(Date.now());
    };
    return subscribe({ [kind]: onChange, reconnect: list.reload });
  }, []);
  return { added, now };
}
