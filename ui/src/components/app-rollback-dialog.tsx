// The Rollback confirmation: from which revision to which (the history entry chosen), and what
// going back would change in the cluster, per object: GET .../preview?revision=SHA renders the
// app at that revision and compares it with the live objects as a sync would (Missing: would be
// created; Extra: no longer declared, pruned only with prune; OutOfSync: these fields change).
// A rollback pins the app to that revision until a new commit arrives or someone unpins it.
// When the preview cannot be read (the controller is unreachable) the dialog says so and still
// lets the person roll back: in an incident, going back must not wait for a preview.
import { useEffect, useState } from "preact/hooks";
import {
  type ActionAccepted,
  fetchPreview,
  type HistoryEntry,
  type Preview,
  rollbackApp,
} from "../app-api.ts";
import { describeError, formatRef, refKey, shortSha } from "../app-detail.ts";
import { ChangeList } from "./app-changes.tsx";
import { AppDialog } from "./app-dialog.tsx";

type Load =
  | { state: "loading" }
  | { state: "failed"; message: string }
  | { state: "loaded"; preview: Preview };

const STATUS_WORDS: Record<string, string> = {
  Missing: "would be created",
  Extra: "no longer declared (deleted only with prune)",
  OutOfSync: "would change",
};

export function RollbackDialog(props: {
  namespace: string;
  name: string;
  entry: HistoryEntry;
  /** The revision the app runs now. */
  current: string | undefined;
  onDone: (accepted: ActionAccepted) => void;
  onCancel: () => void;
}) {
  const { namespace, name, entry } = props;
  const [load, setLoad] = useState<Load>({ state: "loading" });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    const abort = new AbortController();
    fetchPreview(namespace, name, entry.revision, abort.signal)
      .then((preview) => setLoad({ state: "loaded", preview }))
      .catch((err: unknown) => {
        if (!abort.signal.aborted) setLoad({ state: "failed", message: describeError(err) });
      });
    return () => abort.abort();
  }, [namespace, name, entry.revision]);

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      props.onDone(await rollbackApp(namespace, name, entry.id));
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  const changed = load.state === "loaded" ? load.preview.resources.filter((r) => r.status !== "Synced") : [];
  return (
    <AppDialog
      title={`Roll back ${name}`}
      confirmLabel="Roll back"
      onConfirm={confirm}
      onCancel={props.onCancel}
      busy={busy}
      disabled={load.state === "loading"}
      error={error}
      danger
      testId="rollback-dialog"
    >
      <p data-testid="rollback-revisions">
        From <code title={props.current}>{shortSha(props.current) || "(nothing deployed)"}</code> to{" "}
        <code title={entry.revision}>{shortSha(entry.revision)}</code> (history {entry.id}
        {entry.message ? `: ${firstLine(entry.message)}` : ""}
        {entry.author ? `, by ${entry.author}` : ""}).
      </p>
      <p class="muted">
        The application stays pinned to that revision until a new commit arrives on its target revision or
        someone unpins it.
      </p>
      {load.state === "loading" ? <p class="muted">Reading what would change…</p> : null}
      {load.state === "failed" ? (
        <p class="error" role="alert" data-testid="preview-error">
          Could not preview the rollback: {load.message}. Rolling back is still possible.
        </p>
      ) : null}
      {load.state === "loaded" && changed.length === 0 ? (
        <p data-testid="preview-none">Nothing in the cluster would change.</p>
      ) : null}
      {changed.length > 0 ? (
        <ul class="app-preview" data-testid="preview">
          {changed.map((resource) => (
            <li
              key={refKey(resource)}
              data-testid="preview-object"
              data-kind={resource.kind}
              data-name={resource.name}
            >
              <strong>{formatRef(resource)}</strong>{" "}
              <span class="muted">{STATUS_WORDS[resource.status] ?? resource.status}</span>
              {resource.error ? <p class="error">{resource.error}</p> : null}
              <ChangeList changes={resource.changes} />
            </li>
          ))}
        </ul>
      ) : null}
    </AppDialog>
  );
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0] ?? "";
}
