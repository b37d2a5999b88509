// A confirmation for a Stack action (approve a plan, release a state lock): a native <dialog>
// opened with showModal(), so focus moves into it and Escape closes it. Focus starts on Cancel:
// an approval applies real infrastructure, so the safe choice is the one a stray Enter takes.
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

export function ConfirmDialog({
  title,
  confirm,
  danger,
  busy,
  error,
  onConfirm,
  onCancel,
  children,
}: {
  title: string;
  /** The confirming button's words, e.g. "Approve p-0123…". */
  confirm: string;
  danger?: boolean;
  busy?: boolean;
  /** The server's refusal, shown in the dialog. */
  error?: string | undefined;
  onConfirm: () => void;
  onCancel: () => void;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const cancelled = useRef(onCancel);
  cancelled.current = onCancel;
  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (!dialog.open) dialog.showModal();
    cancelRef.current?.focus();
    const closed = () => cancelled.current();
    dialog.addEventListener("close", closed);
    return () => {
      dialog.removeEventListener("close", closed);
      if (dialog.open) dialog.close();
    };
  }, []);
  const titleId = `dialog-title-${title.replace(/\W+/g, "-").toLowerCase()}`;
  return (
    <dialog ref={ref} class="stack-dialog" aria-labelledby={titleId}>
      <h2 id={titleId}>{title}</h2>
      {children}
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <div class="actions">
        <button type="button" class="secondary" ref={cancelRef} onClick={() => ref.current?.close()}>
          Cancel
        </button>
        <button type="button" class={danger ? "danger" : "primary"} disabled={busy} onClick={onConfirm}>
          {busy ? "Working…" : confirm}
        </button>
      </div>
    </dialog>
  );
}
