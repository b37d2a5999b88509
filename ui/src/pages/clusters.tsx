// Clusters: where Applications may deploy. Each registered cluster with its API server, whether
// Mooring reaches it (and the Kubernetes version it runs) or why it does not, the namespaces it
// may be used in, and how many of the user's applications deploy to it (a link to that list).
// The server asks each cluster at most every 30 s; while a first answer is pending the page asks
// again a few seconds later. Credentials never reach the browser.
import { useEffect, useState } from "preact/hooks";
import { type ClusterConnection, type ClusterSummary, listClusters } from "../admin-api.ts";
import { useReloadOnFleetChanges } from "../admin-live.ts";
import { ApiRequestError, type WhoAmI } from "../api.ts";
import { Ago } from "../components/time.tsx";
import "./admin.css";

type Load =
  | { state: "loading" }
  | { state: "failed"; message: string }
  | { state: "loaded"; items: ClusterSummary[]; at: number };

const RECHECK_MS = 5000;

export function ClustersPage(_props: { who: WhoAmI; query: URLSearchParams }) {
  const [load, setLoad] = useState<Load>({ state: "loading" });
  const [reloads, setReloads] = useState(0);
  // App counts follow the live stream; connection states are the server's to refresh (30 s).
  useReloadOnFleetChanges(() => setReloads((n) => n + 1));

  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    listClusters(abort.signal)
      .then(({ items }) => {
        setLoad({ state: "loaded", items, at: Date.now() });
        if (items.some((c) => c.connection.state === "unknown"))
          timer = setTimeout(() => setReloads((n) => n + 1), RECHECK_MS);
      })
      .catch((err: unknown) => {
        if (abort.signal.aborted) return;
        setLoad({
          state: "failed",
          message:
            err instanceof ApiRequestError ? err.message : `could not reach the server: ${String(err)}`,
        });
      });
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [reloads]);

  return (
    <main class="page admin">
      <header class="page-head">
        <h1>Clusters</h1>
        <button type="button" class="secondary" onClick={() => setReloads((n) => n + 1)}>
          Refresh
        </button>
      </header>
      {load.state === "loading" ? <p class="muted">Loading…</p> : null}
      {load.state === "failed" ? (
        <p class="error" role="alert">
          {load.message}
        </p>
      ) : null}
      {load.state === "loaded" && load.items.length === 0 ? (
        <p class="muted">No cluster is visible to you: clusters are registered by global admins.</p>
      ) : null}
      {load.state === "loaded" && load.items.length > 0 ? (
        <div class="table-scroll">
          <table class="data clusters">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Server</th>
                <th scope="col">Connection</th>
                <th scope="col">Version</th>
                <th scope="col">Applications</th>
                <th scope="col">Namespaces</th>
                <th scope="col">Registered</th>
              </tr>
            </thead>
            <tbody>
              {load.items.map((c) => (
                <tr key={c.name} data-cluster={c.name}>
                  <th scope="row">
                    {c.name}
                    {c.project ? <span class="muted small">project {c.project}</span> : null}
                  </th>
                  <td class="mono">{c.server}</td>
                  <td>
                    <Connection connection={c.connection} now={load.at} />
                  </td>
                  <td data-testid="version">{c.connection.version ?? <span class="muted">unknown</span>}</td>
                  <td>
                    <a href={`/applications?cluster=${encodeURIComponent(c.name)}`} data-testid="app-count">
                      {c.applications} {c.applications === 1 ? "application" : "applications"}
                    </a>
                  </td>
                  <td>{c.namespaces?.length ? c.namespaces.join(", ") : <span class="muted">all</span>}</td>
                  <td>
                    {c.secretName ? (
                      <>
                        <span class="mono small">Secret {c.secretName}</span>
                        <Ago at={c.createdAt} now={load.at} />
                      </>
                    ) : (
                      <span class="muted">where Mooring runs</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </main>
  );
}

const LABELS: Record<ClusterConnection["state"], { text: string; tone: string }> = {
  reachable: { text: "Reachable", tone: "good" },
  unreachable: { text: "Unreachable", tone: "bad" },
  unknown: { text: "Checking", tone: "quiet" },
};

function Connection({ connection, now }: { connection: ClusterConnection; now: number }) {
  const label = LABELS[connection.state];
  return (
    <>
      <span class={`badge tone-${label.tone}`} data-testid="connection">
        {label.text}
      </span>
      {connection.error ? (
        <span class="small connection-error" data-testid="connection-error">
          {connection.error}
        </span>
      ) : null}
      {connection.checkedAt ? (
        <span class="muted small">
          checked <Ago at={connection.checkedAt} now={now} />
        </span>
      ) : null}
    </>
  );
}
