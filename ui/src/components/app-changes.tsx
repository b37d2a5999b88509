// The field changes of one object, as a sync would make them: the path, the value in the cluster
// (live) and the value Git asks for (desired). Values come from the server already masked for
// Secrets (src/core/mask.ts); this component never sees a plain secret value.
import type { FieldChange } from "../app-api.ts";
import { formatValue } from "../app-detail.ts";

export function ChangeList({ changes, truncated }: { changes: readonly FieldChange[]; truncated?: boolean }) {
  if (changes.length === 0) return null;
  return (
    <ul class="app-changes" data-testid="changes">
      {changes.map((change) => (
        <li key={change.path}>
          <code class="path">{change.path}</code>{" "}
          <span class="live" title="in the cluster now">
            {formatValue(change.live)}
          </span>{" "}
          <span aria-hidden="true">→</span>
          <span class="visually-hidden"> becomes </span>{" "}
          <span class="desired" title="what Git asks for">
            {formatValue(change.desired)}
          </span>
        </li>
      ))}
      {truncated ? (
        <li class="muted">… more changes (the controller keeps the first ones of each object)</li>
      ) : null}
    </ul>
  );
}
