// A confirmation: the browser's modal <dialog>, so focus moves into it, the rest of the page is
// inert while it is open, and Escape cancels (the dialog's `cancel` event). The confirm button is
// labelled with the action it performs ("Sync", "Roll back"), never "OK", so a person reads what
// they agree to. While the request runs the buttons wait; a refusal is shown inside the dialog
// with the server's message and code, and the dialog stays open to try again or cancel.
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

export function AppDialog(props: {
  title: string;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  /** A request is running: buttons wait. */
  busy?: boolean;
  /** Confirming makes no sense yet (nothing chosen, the preview still loading...). */
  disabled?: boolean;
  /** The server's refusal, shown in the dialog. */
  error?: string | undefined;
  /** A destructive action: the confirm button says so by its look, too. */
  danger?: boolean;
  testId?: string;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancel = useRef(props.onCancel);
  cancel.current = props.onCancel;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    // showModal moves focus to the dialog's first focusable control (or the dialog itself).
    if (!dialog.open) dialog.showModal();
    const onCancel = (event: Event) => {
      event.preventDefault();
      cancel.current();
    };
    dialog.addEventListener("cancel", onCancel);
    return () => {
      dialog.removeEventListener("cancel", onCancel);
      if (dialog.open) dialog.close();
    };
  }, []);

  const titleId = `dialog-title-${props.testId ?? "confirm"}`;
  return (
    <dialog ref={ref} class="app-dialog wide" aria-labelledby={titleId} data-testid={props.testId}>
      <h2 id={titleId}>{props.title}</h2>
      <div class="app-dialog-body">{props.children}</div>
      {props.error ? (
        <p class="error" role="alert" data-testid="dialog-error">
          {props.error}
        </p>
      ) : null}
      <div class="actions">
        <button type="button" class="secondary" onClick={() => props.onCancel()} disabled={props.busy}>
          Cancel
        </button>
        <button
          type="button"
          class={props.danger ? "danger" : undefined}
          onClick={() => props.onConfirm()}
          disabled={props.busy || props.disabled}
        >
          {props.busy ? `${props.confirmLabel}…` : props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
