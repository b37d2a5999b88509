// Clusters: where Applications may deploy. Each registered cluster with its API server, whether
// Mooring reaches it (and the Kubernetes version it runs) or why it does not, the namespaces it
// may be used in, and how many of the user's applications deploy to it (a link to that list).
// The server asks each cluster at most every 30 s; while a first answer is pending the page asks
// again a few seconds later. Credentials never reach the browser.
import { useEffect } from "preact/hooks";
import { type ClusterConnection, listClusters } from "../admin-api.ts";
import { useReloadOnFleetChanges } from "../admin-live.ts";
import type { WhoAmI } from "../api.ts";
import { useApiRead } from "../api-read.ts";
import { LoadStatus } from "../components/load-status.tsx";
import { Ago } from "../components/time.tsx";
import "./admin.css";

const RECHECK_MS = 5000;

export function ClustersPage(_props: { who: WhoAmI; query: URLSearchParams }) {
  // `at`: when the answer came, the "now" its times are read against.
  const { load, reload } = useApiRead(
    (signal) => listClusters(signal).then(({ items }) => ({ items, at: Date.now() })),
    [],
  );
  // App counts follow the live stream; connection states are the server's to refresh (30 s).
  useReloadOnFleetChanges(reload);
  // A cluster not checked yet: ask again shortly for the server's first answer.
  useEffect(() => {
    if (load.state !== "loaded" || !load.value.items.some((c) => c.connection.state === "unknown")) return;
    const timer = setTimeout(reload, RECHECK_MS);
    return () => clearTimeout(timer);
  }, [load]);

  return (
    <main class="page admin">
      <header class="page-head">
        <h1>Clusters</h1>
        <button type="button" class="secondary" onClick={reload}>
          Refresh
        </button>
      </header>
      <LoadStatus load={load} />
      {load.state === "loaded" && load.value.items.length === 0 ? (
        <p class="muted">No cluster is visible to you: clusters are registered by global admins.</p>
      ) : null}
      {load.state === "loaded" && load.value.items.length > 0 ? (
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
              {load.value.items.map((c) => (
                <tr key={c.name} data-cluster={c.name}>
                  <th scope="row">
                    {c.name}
                    {c.project ? <span class="muted small">project {c.project}</span> : null}
                  </th>
                  <td class="mono">{c.server}</td>
                  <td>
                    <Connection connection={c.connection} now={load.value.at} />
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
                        <Ago at={c.createdAt} now={load.value.at} />
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
