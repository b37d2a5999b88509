// One object of an Application, as the resource tree's selection opens it: the side-by-side diff
// of live (left) against desired (right, what Git declares at the synced revision), and each
// manifest on its own. The diff hides `status` and, unless asked, the fields the API server
// filled in that Git never sets, so what remains is what a sync would change. An owned child
// (ReplicaSet, Pod) is not in Git: it has only its live manifest. Secret values arrive masked and
// are masked again here, so no value can reach the page.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { useApiRead } from "../api-read.ts";
import {
  type DiffRow,
  foldUnchanged,
  manifestDiff,
  maskSecretValues,
  type ShownRow,
  toYaml,
} from "../manifest-diff.ts";
import { type FieldChange, fetchObject, type ObjectDetail, type TreeNode } from "../tree-api.ts";
import { HealthBadge } from "./badge.tsx";
import "./object-view.css";

type Tab = "Diff" | "Live" | "Desired";

export function ObjectView(props: {
  namespace: string;
  name: string;
  node: TreeNode;
  reload: number;
  onClose: () => void;
}) {
  const { namespace, name, node, reload } = props;
  const tabs: Tab[] = node.managed ? ["Diff", "Live", "Desired"] : ["Live"];
  const [tab, setTab] = useState<Tab>(tabs[0] as Tab);
  const tabList = useRef<HTMLDivElement>(null);

  // A new object starts on its first tab.
  useEffect(() => setTab(node.managed ? "Diff" : "Live"), [node.id, node.managed]);

  // A failed re-read keeps the manifests on screen and says they may be out of date.
  const { load } = useApiRead(
    (signal) => fetchObject(namespace, name, node, signal),
    [namespace, name, reload],
    {
      subject: node.id,
      keepOnFailure: true,
    },
  );

  const onTabKey = (event: KeyboardEvent) => {
    const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length] as Tab;
    setTab(next);
    tabList.current?.querySelector<HTMLElement>(`[data-tab="${next}"]`)?.focus();
  };

  const idBase = `object-${node.id.replace(/[^A-Za-z0-9-]/g, "-")}`;
  const detail = load.state === "loaded" ? load.value : undefined;
  return (
    <section
      class="object-view panel"
      data-testid="object-view"
      aria-label={`${node.kind} ${node.name}`}
      onKeyDown={(event) => {
        if (event.key === "Escape") props.onClose();
      }}
    >
      <header class="object-head">
        <h2>
          <span class="muted">{node.kind}</span> {node.name}
        </h2>
        {node.namespace ? <span class="muted">in {node.namespace}</span> : null}
        {node.health ? <HealthBadge health={node.health.status} /> : null}
        <button
          type="button"
          class="secondary small"
          aria-label="Close the object view"
          onClick={props.onClose}
        >
          Close
        </button>
      </header>
      {node.health?.message ? <p class="muted">{node.health.message}</p> : null}
      <div role="tablist" aria-label="manifest views" ref={tabList} onKeyDown={onTabKey}>
        {tabs.map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            id={`${idBase}-${t}`}
            data-tab={t}
            aria-selected={tab === t}
            aria-controls={`${idBase}-panel`}
            tabIndex={tab === t ? 0 : -1}
            onClick={() => setTab(t)}
          >
            {t}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${idBase}-panel`} aria-labelledby={`${idBase}-${tab}`}>
        {load.state === "loading" ? <p class="muted">Loading…</p> : null}
        {load.state === "failed" ? (
          <p class="error" role="alert">
            {node.kind} {node.name} could not be read: {load.message}
          </p>
        ) : null}
        {load.state === "loaded" && load.failed ? (
          <p class="notice" role="status">
            This may be out of date: {load.failed}
          </p>
        ) : null}
        {detail && tab === "Diff" ? <DiffPane detail={detail} /> : null}
        {detail && tab === "Live" ? (
          <Manifest object={detail.live} absent="Not in the cluster: a sync would create it." testId="live" />
        ) : null}
        {detail && tab === "Desired" ? (
          <Manifest
            object={detail.desired}
            absent="Git does not declare this object at the synced revision."
            testId="desired"
          />
        ) : null}
      </div>
    </section>
  );
}

function Manifest({
  object,
  absent,
  testId,
}: {
  object: Record<string, unknown> | undefined;
  absent: string;
  testId: string;
}) {
  if (object === undefined) return <p class="muted">{absent}</p>;
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable manifest must be reachable by keyboard
    <pre class="manifest" data-testid={`${testId}-manifest`} tabIndex={0}>
      {toYaml(maskSecretValues(object))}
    </pre>
  );
}

function DiffPane({ detail }: { detail: ObjectDetail }) {
  const [allFields, setAllFields] = useState(false);
  const [unfolded, setUnfolded] = useState(false);
  const live = detail.live && maskSecretValues(detail.live);
  const desired = detail.desired && maskSecretValues(detail.desired);
  const diff = useMemo(() => manifestDiff(live, desired, detail.diff, { allFields }), [detail, allFields]);
  const rows: ShownRow[] = unfolded ? diff.rows : foldUnchanged(diff.rows);
  const summary =
    live === undefined
      ? "not in the cluster: a sync would create it"
      : desired === undefined
        ? "not declared in Git: a sync with prune would delete it"
        : diff.differing === 0
          ? "no difference"
          : `${diff.differing} ${diff.differing === 1 ? "line differs" : "lines differ"}`;
  return (
    <>
      <div class="diff-bar">
        <p
          class={`diff-summary${diff.differing > 0 ? " differs" : ""}`}
          data-testid="diff-summary"
          role="status"
        >
          {summary}
        </p>
        <label class="inline">
          <input
            type="checkbox"
            checked={allFields}
            onChange={(e) => setAllFields(e.currentTarget.checked)}
          />
          Show fields Git does not set
        </label>
        <label class="inline">
          <input type="checkbox" checked={unfolded} onChange={(e) => setUnfolded(e.currentTarget.checked)} />
          Show unchanged lines
        </label>
      </div>
      <FieldChanges changes={detail.diff} />
      <div class="diff-columns">
        <DiffSide side="left" title="Live" rows={rows} />
        <DiffSide side="right" title="Desired (Git)" rows={rows} />
      </div>
    </>
  );
}

/** One column of the side-by-side diff; both columns have one row per diff row, so they align. */
function DiffSide({ side, title, rows }: { side: "left" | "right"; title: string; rows: ShownRow[] }) {
  return (
    <div class="diff-side">
      <h3>{title}</h3>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard */}
      <section class="diff-lines" data-testid={`diff-${side}`} tabIndex={0} aria-label={title}>
        {rows.map((row, i) => {
          if (row.type === "fold")
            return (
              <div key={`f${row.from}`} class="diff-line fold">
                ⋯ {row.count} unchanged {row.count === 1 ? "line" : "lines"}
              </div>
            );
          const line = side === "left" ? leftOf(row) : rightOf(row);
          const mark =
            row.type === "same"
              ? ""
              : row.type === "changed"
                ? side === "left"
                  ? " diff-del"
                  : " diff-add"
                : line === undefined
                  ? " blank"
                  : side === "left"
                    ? " diff-del"
                    : " diff-add";
          return (
            // Rows have no identity beyond their place in this diff.
            <div key={i} class={`diff-line${mark}`} data-change={row.type === "same" ? undefined : row.type}>
              <span class="diff-n" aria-hidden="true">
                {line?.n ?? ""}
              </span>
              <span class="diff-text">{line?.text ?? ""}</span>
            </div>
          );
        })}
      </section>
    </div>
  );
}

const leftOf = (row: DiffRow) => (row.type === "added" ? undefined : row.left);
const rightOf = (row: DiffRow) => (row.type === "removed" ? undefined : row.right);

/** The controller's own list of what a sync would change, field by field (values masked). */
function FieldChanges({ changes }: { changes: readonly FieldChange[] }) {
  if (changes.length === 0) return null;
  const shown = changes.slice(0, 20);
  return (
    <details class="field-changes">
      <summary>
        {changes.length} {changes.length === 1 ? "field" : "fields"} a sync would change
      </summary>
      <ul>
        {shown.map((c) => (
          <li key={c.path}>
            <code>{c.path}</code>: {value(c.live)} → {value(c.desired)}
          </li>
        ))}
        {changes.length > shown.length ? (
          <li class="muted">and {changes.length - shown.length} more</li>
        ) : null}
      </ul>
    </details>
  );
}

function value(v: unknown): string {
  if (v === undefined) return "(none)";
  const text = JSON.stringify(v);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
