// The action bar of the application page: only the actions the user's roles grant and the app's
// state allows (app-detail.ts offeredActions); the server checks every request again. Actions
// that change the cluster or stop Mooring's work ask first in a dialog (Sync, Unpin, Terminate,
// Suspend); Refresh (compare again, hard: without the render cache) and Resume do not. Each
// accepted request reports the server's message; each refusal its message and code.
import { useState } from "preact/hooks";
import {
  type ActionAccepted,
  refreshApp,
  resumeApp,
  suspendApp,
  terminateApp,
  unpinApp,
} from "../app-api.ts";
import { describeError, type OfferedActions, shortSha } from "../app-detail.ts";
import { AppDialog } from "./app-dialog.tsx";
import { SyncDialog } from "./app-sync-dialog.tsx";

type Confirm = "sync" | "unpin" | "terminate" | "suspend";

export function AppActions(props: {
  namespace: string;
  name: string;
  offered: OfferedActions;
  pinnedTo: string | undefined;
  targetRevision: string;
  onAccepted: (accepted: ActionAccepted) => void;
  onFailed: (message: string) => void;
}) {
  const { namespace, name, offered } = props;
  const [open, setOpen] = useState<Confirm | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const done = (accepted: ActionAccepted) => {
    setOpen(undefined);
    setBusy(false);
    setError(undefined);
    props.onAccepted(accepted);
  };

  /** A request without a dialog: the outcome goes to the page's notice. */
  const direct = async (request: () => Promise<ActionAccepted>) => {
    setBusy(true);
    try {
      props.onAccepted(await request());
    } catch (err) {
      props.onFailed(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  /** A request from a dialog: a refusal stays in the dialog. */
  const confirmed = async (request: () => Promise<ActionAccepted>) => {
    setBusy(true);
    setError(undefined);
    try {
      done(await request());
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  const cancel = () => {
    setOpen(undefined);
    setError(undefined);
    setBusy(false);
  };

  const any = Object.values(offered).some(Boolean);
  if (!any) return null;
  return (
    <div class="app-actions" role="toolbar" aria-label="actions" data-testid="actions">
      {offered.sync ? (
        <button type="button" onClick={() => setOpen("sync")} disabled={busy}>
          Sync
        </button>
      ) : null}
      {offered.refresh ? (
        <>
          <button
            type="button"
            class="secondary"
            disabled={busy}
            onClick={() => direct(() => refreshApp(namespace, name, false))}
          >
            Refresh
          </button>
          <button
            type="button"
            class="secondary"
            disabled={busy}
            title="compare again without the render cache"
            onClick={() => direct(() => refreshApp(namespace, name, true))}
          >
            Hard refresh
          </button>
        </>
      ) : null}
      {offered.unpin ? (
        <button type="button" class="secondary" disabled={busy} onClick={() => setOpen("unpin")}>
          Unpin
        </button>
      ) : null}
      {offered.terminate ? (
        <button type="button" class="secondary" disabled={busy} onClick={() => setOpen("terminate")}>
          Terminate
        </button>
      ) : null}
      {offered.suspend ? (
        <button type="button" class="secondary" disabled={busy} onClick={() => setOpen("suspend")}>
          Suspend
        </button>
      ) : null}
      {offered.resume ? (
        <button
          type="button"
          class="secondary"
          disabled={busy}
          onClick={() => direct(() => resumeApp(namespace, name))}
        >
          Resume
        </button>
      ) : null}

      {open === "sync" ? (
        <SyncDialog namespace={namespace} name={name} onDone={done} onCancel={cancel} />
      ) : null}
      {open === "unpin" ? (
        <AppDialog
          title={`Unpin ${name}`}
          confirmLabel="Unpin"
          onConfirm={() => confirmed(() => unpinApp(namespace, name))}
          onCancel={cancel}
          busy={busy}
          error={error}
          testId="unpin-dialog"
        >
          <p>
            The application leaves <code>{shortSha(props.pinnedTo)}</code>, where a rollback pinned it, and
            follows <code>{props.targetRevision}</code> again.
          </p>
        </AppDialog>
      ) : null}
      {open === "terminate" ? (
        <AppDialog
          title={`Terminate the sync of ${name}`}
          confirmLabel="Terminate"
          onConfirm={() => confirmed(() => terminateApp(namespace, name))}
          onCancel={cancel}
          busy={busy}
          error={error}
          danger
          testId="terminate-dialog"
        >
          <p>Running hooks are deleted, no further step runs, and the sync ends Failed.</p>
        </AppDialog>
      ) : null}
      {open === "suspend" ? (
        <AppDialog
          title={`Suspend ${name}`}
          confirmLabel="Suspend"
          onConfirm={() => confirmed(() => suspendApp(namespace, name))}
          onCancel={cancel}
          busy={busy}
          error={error}
          testId="suspend-dialog"
        >
          <p>
            The controller leaves the application alone until it is resumed: no compare, no sync, no
            self-heal.
          </p>
        </AppDialog>
      ) : null}
    </div>
  );
}
