// `moor app diff` output and exit code. The diff is shown in core's one text format (formatDiff:
// a `Kind/namespace/name` header, then `  path: live → desired` lines), whether it comes from the
// controller's last comparison (status.resources[].diff) or from a comparison run here against
// a local directory or another revision. Like diff(1) and `argocd app diff`, the exit code tells
// scripts the answer: 0 in sync, 1 differences, 2 the question could not be answered.
import { type ApplicationStatus, type ResourceStatus, STATUS_DIFF_LIMIT } from "../core/app-status.ts";
import { formatDiff, type ObjectDiff } from "../core/diff.ts";
import { formatRef } from "../core/objects.ts";

export { STATUS_DIFF_LIMIT };

export const DIFF_EXIT = { inSync: 0, differs: 1, error: 2 } as const;

export interface DiffReport {
  /** The text to print on stdout; empty when nothing differs. */
  text: string;
  code: (typeof DIFF_EXIT)[keyof typeof DIFF_EXIT];
  /** Why the answer is incomplete or missing (for stderr), when code is 2. */
  problem?: string;
}

/** An object the status lists without recorded changes was created (a missing live object). */
function statusAction(r: ResourceStatus): ObjectDiff["action"] {
  const creates = r.health?.status === "Missing" && (r.diff ?? []).every((c) => c.live === undefined);
  return creates ? "create" : "update";
}

function objectText(r: ResourceStatus): string {
  const ref = { group: r.group, kind: r.kind, namespace: r.namespace, name: r.name };
  if (r.error) return `${formatRef(ref)}\n  error: ${r.error}`;
  if (r.requiresPruning)
    return `${formatRef(ref)}\n  to prune: Git no longer declares it (\`moor app sync --prune\` deletes it)`;
  const changes = r.diff ?? [];
  if (changes.length === 0)
    return `${formatRef(ref)}\n  (out of sync; the controller recorded no field changes)`;
  const text = formatDiff({ ref, action: statusAction(r), changes });
  return changes.length >= STATUS_DIFF_LIMIT
    ? `${text}\n  … (status keeps the first ${STATUS_DIFF_LIMIT} changes; --local DIR or --revision REV computes them all)`
    : text;
}

/** The diff the controller recorded at its last comparison. */
export function diffFromStatus(appName: string, status: Partial<ApplicationStatus>): DiffReport {
  const outOfSync = (status.resources ?? []).filter((r) => r.status === "OutOfSync");
  const text = outOfSync.map(objectText).join("\n\n");
  const errors = outOfSync.filter((r) => r.error).length;
  if (errors > 0) {
    return {
      text,
      code: DIFF_EXIT.error,
      problem: `${errors} object${errors === 1 ? "" : "s"} of application ${appName} could not be compared; fix the manifests named above`,
    };
  }
  if (outOfSync.length > 0 || status.sync?.status === "OutOfSync") {
    return {
      text:
        text ||
        `application ${appName} is OutOfSync, but status names no object (objects to prune are not listed)`,
      code: DIFF_EXIT.differs,
    };
  }
  if (status.sync?.status === "Synced") return { text: "", code: DIFF_EXIT.inSync };
  return {
    text: "",
    code: DIFF_EXIT.error,
    problem: `application ${appName} has no comparison result (sync status ${status.sync?.status ?? "absent"}); \`moor app get ${appName}\` shows why`,
  };
}

/** A diff computed here: one ObjectDiff per object, plus the objects the server refused. */
export function diffFromComparison(
  appName: string,
  diffs: readonly ObjectDiff[],
  errors: readonly string[],
  deferred: readonly { ref: string; why: string }[] = [],
): DiffReport {
  const parts = diffs.map(formatDiff).filter((t) => t !== "");
  for (const d of deferred) parts.push(`${d.ref} (create)\n  (not compared: ${d.why})`);
  for (const e of errors) parts.push(`error: ${e}`);
  const text = parts.join("\n\n");
  if (errors.length > 0) {
    return {
      text,
      code: DIFF_EXIT.error,
      problem: `${errors.length} object${errors.length === 1 ? "" : "s"} of application ${appName} could not be compared`,
    };
  }
  return { text, code: parts.length > 0 ? DIFF_EXIT.differs : DIFF_EXIT.inSync };
}
