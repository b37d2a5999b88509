// The footer of a paged list: what the page holds, and buttons to the page before and after
// (disabled at either end). The server's cursor decides what "after" is; see paged-list.ts.
export function Pager(props: {
  /** What the page holds, e.g. "120 applications". */
  summary: string;
  /** The test id of the summary (what e2e tests read). */
  summaryId: string;
  previous: (() => void) | undefined;
  next: (() => void) | undefined;
  previousLabel?: string;
  nextLabel?: string;
}) {
  return (
    <nav class="pager" aria-label="pages">
      <span class="muted" data-testid={props.summaryId}>
        {props.summary}
      </span>
      <button
        type="button"
        class="secondary"
        disabled={props.previous === undefined}
        onClick={props.previous}
      >
        {props.previousLabel ?? "Previous"}
      </button>
      <button type="button" class="secondary" disabled={props.next === undefined} onClick={props.next}>
        {props.nextLabel ?? "Next"}
      </button>
    </nav>
  );
}
