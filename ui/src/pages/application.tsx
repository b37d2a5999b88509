// One Application: its summary (health, sync, revision, policy, what is wrong when it is not
// Ready), the actions the user may take (sync, refresh, rollback, unpin, terminate, suspend,
// resume; each confirmed where it changes the cluster), the resource tree with the chosen object's
// live and desired manifests (B1's ResourceTree and ObjectView; the chosen object is kept in the
// address, `?object=<node id>`, so a link opens it), the last sync's result per object, the deploy
// history with rollback, the drift corrections and the Events.
//
// The page follows the server's stream: a change to this app refetches it (and tells the tree to
// read again), an Event about it is added at the top, and after a reconnect everything is read
// again since changes during the gap are lost. Nothing here polls.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiRequestError, type WhoAmI } from "../api.ts";
import {
  type ActionAccepted,
  type AppDetail,
  type AppEvent,
  fetchApp,
  fetchEvents,
  type HistoryEntry,
} from "../app-api.ts";
import { describeError, eventIsAbout, eventsNewestFirst, mergeEvent, offeredActions } from "../app-detail.ts";
import { AppActions } from "../components/app-actions.tsx";
import { AppDrift } from "../components/app-drift.tsx";
import { AppEvents } from "../components/app-events.tsx";
import { AppHistory } from "../components/app-history.tsx";
import { AppOperation } from "../components/app-operation.tsx";
import { RollbackDialog } from "../components/app-rollback-dialog.tsx";
import { AppSummary } from "../components/app-summary.tsx";
import { ObjectView } from "../components/object-view.tsx";
import { ResourceTree } from "../components/resource-tree.tsx";
import { navigate } from "../router.ts";
import { subscribe } from "../stream.ts";
import { fetchTree, type TreeNode } from "../tree-api.ts";
import "./application.css";

type Load =
  | { state: "loading" }
  | { state: "failed"; message: string; missing: boolean }
  | { state: "gone" }
  | { state: "loaded"; detail: AppDetail };

type Notice = { tone: "ok" | "error"; text: string };

/** How long stream changes are gathered before the app is read again (a sync sends many). */
const REFETCH_DELAY_MS = 150;

export function ApplicationPage(props: {
  who: WhoAmI;
  query: URLSearchParams;
  namespace: string;
  name: string;
}) {
  const { who, namespace, name } = props;
  const [load, setLoad] = useState<Load>({ state: "loading" });
  const [events, setEvents] = useState<AppEvent[]>([]);
  const [notice, setNotice] = useState<Notice | undefined>();
  const [rollback, setRollback] = useState<HistoryEntry | undefined>();
  // Bumped to read the app again (stream change, reconnect, an accepted action).
  const [reads, setReads] = useState(0);
  const [eventReads, setEventReads] = useState(0);
  // Bumped each time the app was read: the tree and the object view read again after the app, so
  // that they never show an older state than the summary above them.
  const [loads, setLoads] = useState(0);
  const [now, setNow] = useState(Date.now());
  const [node, setNode] = useState<TreeNode | undefined>();
  const selected = props.query.get("object") ?? undefined;

  useEffect(() => {
    const abort = new AbortController();
    fetchApp(namespace, name, abort.signal)
      .then((detail) => {
        setLoad({ state: "loaded", detail });
        setLoads((n) => n + 1);
        setNow(Date.now());
      })
      .catch((err: unknown) => {
        if (abort.signal.aborted) return;
        const missing = err instanceof ApiRequestError && err.status === 404;
        setLoad((old) =>
          old.state === "loaded" && missing
            ? { state: "gone" }
            : { state: "failed", message: describeError(err), missing },
        );
      });
    return () => abort.abort();
  }, [namespace, name, reads]);

  useEffect(() => {
    const abort = new AbortController();
    fetchEvents(namespace, name, abort.signal)
      .then((answer) => setEvents(eventsNewestFirst(answer.items)))
      .catch(() => {
        // The page stands without its Events; the next stream event or reconnect reads them again.
      });
    return () => abort.abort();
  }, [namespace, name, eventReads]);

  // The stream: many changes arrive during a sync; gather them and read the app once.
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => {
    const readAgain = () => {
      if (pending.current !== undefined) return;
      pending.current = setTimeout(() => {
        pending.current = undefined;
        setReads((n) => n + 1);
      }, REFETCH_DELAY_MS);
    };
    const unsubscribe = subscribe({
      application: (change) => {
        if (change.namespace !== namespace || change.name !== name) return;
        if (change.type === "deleted") {
          setLoad({ state: "gone" });
          return;
        }
        // The list row arrives with the change: show the new badges at once, then read the rest.
        const summary = change.summary;
        if (summary !== undefined)
          setLoad((old) =>
            old.state === "loaded" ? { state: "loaded", detail: { ...old.detail, summary } } : old,
          );
        readAgain();
      },
      event: (change) => {
        const event = change.event;
        if (change.type === "deleted" || !eventIsAbout(event, namespace, name)) return;
        setEvents((old) => mergeEvent(old, event));
        setNow(Date.now());
      },
      reconnect: () => {
        readAgain();
        setEventReads((n) => n + 1);
      },
    });
    return () => {
      unsubscribe();
      clearTimeout(pending.current);
      pending.current = undefined;
    };
  }, [namespace, name]);

  // "3 min ago" stays true while the page is open.
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);

  // A link with ?object= opens that object: find its node in the tree once.
  useEffect(() => {
    if (selected === undefined) {
      setNode(undefined);
      return;
    }
    if (node?.id === selected) return;
    const abort = new AbortController();
    fetchTree(namespace, name, abort.signal)
      .then((tree) => setNode(tree.nodes.find((n) => n.id === selected)))
      .catch(() => setNode(undefined));
    return () => abort.abort();
  }, [namespace, name, selected]);

  const here = `/applications/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
  const select = (next: TreeNode | undefined) => {
    setNode(next);
    navigate(next ? `${here}?object=${encodeURIComponent(next.id)}` : here, { replace: true });
  };

  const accepted = (answer: ActionAccepted) => {
    setNotice({ tone: "ok", text: answer.message });
    setReads((n) => n + 1);
  };
  const failed = (message: string) => setNotice({ tone: "error", text: message });

  const title = (
    <>
      <p class="crumbs">
        <a href="/applications">Applications</a> / {namespace}
      </p>
      <h1>{name}</h1>
    </>
  );

  if (load.state === "loading")
    return (
      <main class="page app-page">
        {title}
        <p class="muted">Loading…</p>
      </main>
    );
  if (load.state === "failed" || load.state === "gone")
    return (
      <main class="page app-page">
        {title}
        <p class="error" role="alert">
          {load.state === "gone"
            ? `application ${name} was deleted from namespace ${namespace}`
            : load.message}
          . <a href="/applications">See the applications</a>.
        </p>
      </main>
    );

  const { application: app, summary } = load.detail;
  const offered = offeredActions(who, app);
  const status = app.status ?? {};
  const current = summary.revision ?? status.sync?.revision;
  return (
    <main class="page app-page" data-testid="app-page">
      {title}
      <AppSummary app={app} summary={summary} now={now} />
      <AppActions
        namespace={namespace}
        name={name}
        offered={offered}
        pinnedTo={status.pin?.revision}
        targetRevision={summary.source.targetRevision || "HEAD"}
        onAccepted={accepted}
        onFailed={failed}
      />
      {notice ? (
        <p
          class={`notice app-notice ${notice.tone === "error" ? "error" : ""}`}
          role={notice.tone === "error" ? "alert" : "status"}
          data-testid={notice.tone === "error" ? "action-error" : "action-message"}
        >
          {notice.text}{" "}
          <button type="button" class="link" onClick={() => setNotice(undefined)} aria-label="dismiss">
            ×
          </button>
        </p>
      ) : null}
      <div class="app-tree">
        <h2>Resources</h2>
        <ResourceTree
          namespace={namespace}
          name={name}
          appHealth={summary.health}
          reload={loads}
          {...(selected === undefined ? {} : { selected })}
          onSelect={(next) => select(next)}
        />
      </div>
      {node ? (
        <ObjectView
          namespace={namespace}
          name={name}
          node={node}
          reload={loads}
          onClose={() => select(undefined)}
        />
      ) : null}
      <AppOperation op={status.operationState} now={now} />
      <AppHistory
        history={status.history}
        current={current}
        now={now}
        onRollback={offered.rollback ? (entry) => setRollback(entry) : undefined}
      />
      <div class="grid-2">
        <AppDrift drift={status.drift} now={now} />
        <AppEvents events={events} now={now} />
      </div>
      {rollback ? (
        <RollbackDialog
          namespace={namespace}
          name={name}
          entry={rollback}
          current={current}
          onDone={(answer) => {
            setRollback(undefined);
            accepted(answer);
          }}
          onCancel={() => setRollback(undefined)}
        />
      ) : null}
    </main>
  );
}
