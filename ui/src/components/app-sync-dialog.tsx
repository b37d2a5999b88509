// The Sync confirmation: what a sync would change, read from GET .../diff (the objects that are
// OutOfSync, each with its field changes, Secret values masked), a checkbox per object to sync only
// some of them, and the two options people ask for most: Prune (delete objects Git no longer
// declares) and Dry run (the API server checks every change, nothing is written). All objects are
// chosen at first, which syncs the whole app (hooks included).
import { useEffect, useState } from "preact/hooks";
import { type ActionAccepted, type DiffResource, fetchDiff, syncApp } from "../app-api.ts";
import { describeError as describe, formatRef, refKey, syncRequest } from "../app-detail.ts";
import { ChangeList } from "./app-changes.tsx";
import { AppDialog } from "./app-dialog.tsx";

type Load =
  | { state: "loading" }
  | { state: "failed"; message: string }
  | { state: "loaded"; resources: DiffResource[] };

export function SyncDialog(props: {
  namespace: string;
  name: string;
  onDone: (accepted: ActionAccepted) => void;
  onCancel: () => void;
}) {
  const { namespace, name } = props;
  const [load, setLoad] = useState<Load>({ state: "loading" });
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [prune, setPrune] = useState(false);
  const [dryRun, setDryRun] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    fetchDiff(namespace, name)
      .then((diff) => {
        setLoad({ state: "loaded", resources: diff.resources });
        setChosen(new Set(diff.resources.map(refKey)));
      })
      .catch((err: unknown) => setLoad({ state: "failed", message: describe(err) }));
  }, [namespace, name]);

  const listed = load.state === "loaded" ? load.resources : [];
  const request = syncRequest(listed, chosen, { prune, dryRun });

  const confirm = async () => {
    if (request === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      props.onDone(await syncApp(namespace, name, request));
    } catch (err) {
      setError(describe(err));
      setBusy(false);
    }
  };

  const toggle = (key: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(key);
    else next.delete(key);
    setChosen(next);
  };

  return (
    <AppDialog
      title={`Sync ${name}`}
      confirmLabel={dryRun ? "Dry run" : "Sync"}
      onConfirm={confirm}
      onCancel={props.onCancel}
      busy={busy}
      disabled={load.state === "loading" || request === undefined}
      error={error}
      testId="sync-dialog"
    >
      {load.state === "loading" ? <p class="muted">Reading what differs…</p> : null}
      {load.state === "failed" ? (
        <p class="error" role="alert">
          Could not read what differs: {load.message}. A sync is still possible.
        </p>
      ) : null}
      {load.state === "loaded" && listed.length === 0 ? (
        <p>Every object matches Git. A sync applies them again and runs the hooks.</p>
      ) : null}
      {listed.length > 0 ? (
        <fieldset class="app-sync-objects">
          <legend>
            Objects that differ from Git ({chosen.size} of {listed.length} chosen)
          </legend>
          <div class="app-sync-all">
            <button type="button" class="link" onClick={() => setChosen(new Set(listed.map(refKey)))}>
              Choose all
            </button>{" "}
            <button type="button" class="link" onClick={() => setChosen(new Set())}>
              Choose none
            </button>
          </div>
          <ul>
            {listed.map((resource) => {
              const key = refKey(resource);
              return (
                <li key={key} data-testid="sync-object" data-kind={resource.kind} data-name={resource.name}>
                  <label class="inline">
                    <input
                      type="checkbox"
                      checked={chosen.has(key)}
                      onChange={(e) => toggle(key, e.currentTarget.checked)}
                    />
                    <span>
                      {formatRef(resource)} <span class="badge tone-warn">{resource.status}</span>
                    </span>
                  </label>
                  <ChangeList changes={resource.changes} truncated={resource.truncated} />
                </li>
              );
            })}
          </ul>
        </fieldset>
      ) : null}
      {listed.length > 0 && request === undefined ? (
        <p class="error">Choose at least one object, or cancel.</p>
      ) : null}
      <fieldset class="app-sync-options">
        <legend>Options</legend>
        <label class="inline">
          <input type="checkbox" checked={prune} onChange={(e) => setPrune(e.currentTarget.checked)} />
          <span>Prune: delete the objects Git no longer declares</span>
        </label>
        <label class="inline">
          <input type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.currentTarget.checked)} />
          <span>Dry run: the cluster checks every change, nothing is written</span>
        </label>
      </fieldset>
    </AppDialog>
  );
}
