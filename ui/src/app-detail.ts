// The application page's pure logic, kept out of the components so it is tested without a
// browser: which actions to offer (the user's verbs and the app's state together: a suspended app
// ignores requests, Terminate means something only while a sync runs, Unpin only after a
// rollback pinned the app), what the header warns about (a Ready=False or Stalled condition says
// why and what to do), the sync request a dialog's choices make, and the order of history and
// events (newest first, an Event updated in place when Kubernetes counts a repeat).
import { ApiRequestError, type WhoAmI } from "./api.ts";
import type {
  AppEvent,
  Application,
  Condition,
  FieldChange,
  HistoryEntry,
  ObjectRef,
  OperationState,
  Signer,
  SyncRequest,
} from "./app-api.ts";
import { may } from "./permissions.ts";

/**
 * The short form of a commit SHA people read (Git's default abbreviation); a chart's
 * `name@version` stays whole, and a multi-source app's revisions (joined by `,` in source order)
 * are each shortened.
 */
export function shortSha(revision: string | undefined): string {
  if (revision === undefined || revision === "") return "";
  return revision
    .split(",")
    .map((r) => (/^[0-9a-f]{40,64}$/i.test(r) ? r.slice(0, 7) : r))
    .join(", ");
}

/** One object's name as every part of Mooring prints it: `Kind/namespace/name` (group first when not core). */
export function formatRef(ref: Pick<ObjectRef, "group" | "kind" | "namespace" | "name">): string {
  const kind = ref.group ? `${ref.group}/${ref.kind}` : ref.kind;
  return ref.namespace ? `${kind}/${ref.namespace}/${ref.name}` : `${kind}/${ref.name}`;
}

/** A stable key for an object, for selections and list keys. */
export function refKey(ref: Pick<ObjectRef, "group" | "kind" | "namespace" | "name">): string {
  return `${ref.group}/${ref.kind}/${ref.namespace}/${ref.name}`;
}

/** A sync is in progress while it applies, waits for hooks, or is being stopped. */
export function operationActive(op: OperationState | undefined): boolean {
  return op?.phase === "Running" || op?.phase === "Terminating";
}

export interface OfferedActions {
  sync: boolean;
  refresh: boolean;
  rollback: boolean;
  unpin: boolean;
  terminate: boolean;
  suspend: boolean;
  resume: boolean;
}

/**
 * The actions to offer: the user's verbs in the app's project (a hidden button is a courtesy,
 * the server checks again) and the app's state. A suspended app is left alone by the controller,
 * so only Resume is offered on it; an app being deleted takes no request at all.
 */
export function offeredActions(who: WhoAmI, app: Application): OfferedActions {
  const project = app.spec.project || "default";
  const suspended = app.spec.suspend === true;
  const deleting = app.metadata.deletionTimestamp !== undefined;
  const open = !suspended && !deleting;
  const can = (verb: Parameters<typeof may>[2]) => may(who, project, verb);
  return {
    sync: open && can("sync"),
    refresh: open && can("refresh"),
    rollback: open && can("rollback"),
    unpin: open && can("rollback") && app.status?.pin !== undefined,
    // A stop request while one is already being carried out would say nothing new.
    terminate: !deleting && can("terminate") && app.status?.operationState?.phase === "Running",
    suspend: open && can("suspend"),
    resume: suspended && !deleting && can("suspend"),
  };
}

/**
 * The conditions a person must read: Ready when it is not True (its message says why), Stalled
 * when present (progress needs a human: the message says what to change).
 */
export function problemConditions(conditions: readonly Condition[] | undefined): Condition[] {
  return (conditions ?? []).filter(
    (c) => (c.type === "Ready" && c.status !== "True") || (c.type === "Stalled" && c.status === "True"),
  );
}

/** History newest first, as people read a log of deploys. */
export function historyNewestFirst(history: readonly HistoryEntry[] | undefined): HistoryEntry[] {
  return [...(history ?? [])].sort((a, b) => b.id - a.id);
}

/** Who signed a commit, in a few words; undefined when the commit carries no checked signature. */
export function signerText(signer: Signer | undefined): string | undefined {
  if (signer === undefined) return undefined;
  const key = signer.key.length > 16 ? `…${signer.key.slice(-16)}` : signer.key;
  return `${signer.format.toUpperCase()} ${signer.identity} (${key})`;
}

/**
 * The body of POST .../sync for a dialog's choices. Choosing every listed object is the same as
 * choosing none in particular: the whole app syncs (hooks run, nothing is left behind); a subset
 * names its objects. Choosing no object at all is a mistake the dialog prevents (undefined).
 */
export function syncRequest(
  listed: readonly ObjectRef[],
  chosen: ReadonlySet<string>,
  options: { prune: boolean; dryRun: boolean },
): SyncRequest | undefined {
  const picked = listed.filter((r) => chosen.has(refKey(r)));
  if (listed.length > 0 && picked.length === 0) return undefined;
  const whole = picked.length === listed.length;
  return {
    ...(options.prune ? { prune: true } : {}),
    ...(options.dryRun ? { dryRun: true } : {}),
    ...(whole
      ? {}
      : {
          resources: picked.map((r) => ({
            group: r.group,
            kind: r.kind,
            ...(r.namespace ? { namespace: r.namespace } : {}),
            name: r.name,
          })),
        }),
  };
}

/** A value of a field change, short enough for a table cell; absent values read as such. */
export function formatValue(value: unknown, max = 120): string {
  if (value === undefined) return "(absent)";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A field change as one line: `spec.replicas: 2 → 5`. */
export function formatChange(change: FieldChange): string {
  return `${change.path}: ${formatValue(change.live)} → ${formatValue(change.desired)}`;
}

/** True when a streamed Event is about this Application. */
export function eventIsAbout(event: AppEvent, namespace: string, name: string): boolean {
  return (
    event.involved?.kind === "Application" &&
    event.involved.namespace === namespace &&
    event.involved.name === name
  );
}

/** Kubernetes counts a repeated Event on the same object: same reason, message and first time. */
export function eventKey(event: AppEvent): string {
  return `${event.reason}|${event.firstTimestamp ?? event.lastTimestamp ?? ""}|${event.message}`;
}

const eventTime = (e: AppEvent) => e.lastTimestamp ?? e.firstTimestamp ?? "";

/** Events newest first. */
export function eventsNewestFirst(events: readonly AppEvent[]): AppEvent[] {
  return [...events].sort((a, b) => (eventTime(a) < eventTime(b) ? 1 : eventTime(a) > eventTime(b) ? -1 : 0));
}

/** Adds a streamed Event to the list, replacing the one it repeats; newest first, at most `limit`. */
export function mergeEvent(events: readonly AppEvent[], incoming: AppEvent, limit = 200): AppEvent[] {
  const key = eventKey(incoming);
  const rest = events.filter((e) => eventKey(e) !== key);
  return eventsNewestFirst([incoming, ...rest]).slice(0, limit);
}

/** Where the app deploys: the cluster (in-cluster by default) and namespace. */
export function destinationText(app: Application): string {
  const d = app.spec.destination;
  const cluster = d.cluster ?? d.name ?? d.server ?? "in-cluster";
  return `${cluster} / ${d.namespace ?? "(namespace of each object)"}`;
}

/** A refusal as people should read it: the server's message and its stable code. */
export function describeError(err: unknown): string {
  if (err instanceof ApiRequestError) return `${err.message} (${err.code})`;
  return `could not reach the server: ${String(err)}`;
}
