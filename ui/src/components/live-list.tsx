// Below a live paged list's filters: the announcement of objects created since the page was read
// (with a button that reads it again), the state of the read, the rows, and the pager with the
// total. The page draws the rows; see paged-list.ts for paging and following the stream.
import type { ComponentChildren } from "preact";
import type { Page } from "../api.ts";
import type { PagedList } from "../paged-list.ts";
import { LoadStatus } from "./load-status.tsx";
import { Pager } from "./pager.tsx";

export function LiveListBody<R>(props: {
  list: PagedList<Page<R>>;
  /** Objects created since the page was read (useLiveRows). */
  added: number;
  /** What a row is, singular and plural: "application", "applications". */
  noun: readonly [string, string];
  children: (rows: R[]) => ComponentChildren;
}) {
  const { list, added } = props;
  const [one, many] = props.noun;
  return (
    <>
      {added > 0 ? (
        <p class="notice" role="status">
          {added} new {added === 1 ? one : many}.{" "}
          <button type="button" class="link" onClick={list.reload}>
            Show
          </button>
        </p>
      ) : null}
      <LoadStatus load={list.load} />
      {list.load.state === "loaded" ? (
        <>
          {props.children(list.load.value.items)}
          <Pager
            summary={`${list.load.value.total} ${list.load.value.total === 1 ? one : many}`}
            summaryId="total"
            previous={list.previous}
            next={list.next}
          />
        </>
      ) : null}
    </>
  );
}
