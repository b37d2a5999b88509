// The application list: one page of rows from GET /applications, filtered, searched and sorted by
// the server (the browser never holds the whole fleet), paged with the server's cursor. The
// filters live in the address bar, so a filtered list can be bookmarked or shared. Rows follow the
// live stream: a changed app is updated in place; apps created meanwhile are announced, not
// inserted, so the page a user is reading does not shift under them. Each row's name links to the
// application's page.
import { useEffect, useState } from "preact/hooks";
import { type AppRow, api, type Page, type WhoAmI } from "../api.ts";
import { shortSha } from "../app-detail.ts";
import {
  type AppListState,
  type AppSort,
  activeFilters,
  DEFAULT_STATE,
  HEALTH,
  queryFromState,
  SORTS,
  SYNC,
  stateFromQuery,
} from "../app-query.ts";
import { rowSources, sourceText } from "../app-sources.ts";
import { HealthBadge, SyncBadge } from "../components/badge.tsx";
import { Select, SortControls, TypedFilter } from "../components/list-filters.tsx";
import { LiveListBody } from "../components/live-list.tsx";
import { Ago } from "../components/time.tsx";
import { useLiveRows, usePagedList } from "../paged-list.ts";
import { navigate } from "../router.ts";

const SORT_LABELS: Record<AppSort, string> = {
  name: "Name",
  namespace: "Namespace",
  project: "Project",
  health: "Health (worst first)",
  sync: "Sync",
  lastSync: "Last sync",
};

export function ApplicationsPage({ who, query }: { who: WhoAmI; query: URLSearchParams }) {
  const filters = stateFromQuery(query);
  const apiQuery = queryFromState(filters).toString();
  const list = usePagedList<Page<AppRow>>({
    query: apiQuery,
    read: (params, signal) => api<Page<AppRow>>(`/applications?${params}`, { signal }),
    nextOf: (page) => page.next,
  });
  const { added, now } = useLiveRows(list, apiQuery, "application");
  const [clusters, setClusters] = useState<string[]>([]);

  // The cluster filter offers the clusters this user may see; the cluster Mooring runs in is
  // always one of them ("in-cluster", the default destination).
  useEffect(() => {
    const abort = new AbortController();
    api<{ items: { name: string }[] }>("/clusters", { signal: abort.signal })
      .then((answer) => setClusters(answer.items.map((c) => c.name)))
      .catch(() => {
        // Only the filter's choices are poorer; the list itself still loads.
      });
    return () => abort.abort();
  }, []);

  const update = (patch: Partial<AppListState>) => {
    const next = queryFromState({ ...filters, ...patch }).toString();
    // Typing (search, labels) replaces the history entry; a chosen filter is a step Back undoes.
    navigate(`/applications${next ? `?${next}` : ""}`, { replace: "search" in patch || "selector" in patch });
  };

  const projects = who.projects.map((p) => p.project);
  const clusterChoices = [...new Set(["in-cluster", ...clusters, filters.cluster].filter((c) => c !== ""))];
  const narrowed = activeFilters(filters);
  return (
    <main class="page">
      <h1>Applications</h1>
      <form class="filters" aria-label="filters" onSubmit={(e) => e.preventDefault()}>
        <TypedFilter
          label="Search"
          name="search"
          type="search"
          value={filters.search}
          onChange={(search) => update({ search })}
        />
        <Select
          label="Project"
          value={filters.project}
          options={projects}
          onChange={(project) => update({ project })}
        />
        <Select
          label="Cluster"
          value={filters.cluster}
          options={clusterChoices}
          onChange={(cluster) => update({ cluster })}
        />
        <TypedFilter
          label="Labels"
          name="selector"
          type="text"
          placeholder="app=web,env in (dev,prod)"
          value={filters.selector}
          onChange={(selector) => update({ selector })}
        />
        <Select
          label="Health"
          value={filters.health}
          options={HEALTH}
          onChange={(health) => update({ health })}
        />
        <Select label="Sync" value={filters.sync} options={SYNC} onChange={(sync) => update({ sync })} />
        <SortControls
          sorts={SORTS}
          labels={SORT_LABELS}
          sort={filters.sort}
          order={filters.order}
          onChange={update}
        />
        {narrowed > 0 ? (
          <button
            type="button"
            class="secondary"
            onClick={() => update({ ...DEFAULT_STATE, sort: filters.sort, order: filters.order })}
          >
            Clear filters ({narrowed})
          </button>
        ) : null}
      </form>
      <LiveListBody list={list} added={added} noun={["application", "applications"]}>
        {(rows) => <AppTable rows={rows} now={now} />}
      </LiveListBody>
    </main>
  );
}

function AppTable({ rows, now }: { rows: AppRow[]; now: number }) {
  if (rows.length === 0) return <p class="muted">No applications match.</p>;
  return (
    <div class="table-scroll">
      <table class="apps">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Health</th>
            <th scope="col">Sync</th>
            <th scope="col">Project</th>
            <th scope="col">Repository and revision</th>
            <th scope="col">Cluster and namespace</th>
            <th scope="col">Last sync</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={`${row.namespace}/${row.name}`} data-app={row.name}>
              <th scope="row">
                <a
                  class="name"
                  href={`/applications/${encodeURIComponent(row.namespace)}/${encodeURIComponent(row.name)}`}
                >
                  {row.name}
                </a>
                <span class="muted small">{row.namespace}</span>
                <Labels labels={row.labels} />
              </th>
              <td>
                <HealthBadge health={row.health} />
              </td>
              <td>
                <SyncBadge sync={row.sync} operation={row.operation} />
                {row.suspended ? <span class="badge tone-quiet">suspended</span> : null}
              </td>
              <td>{row.project}</td>
              <td class="source">
                {rowSources(row).map(({ source, revision }, i) => (
                  <span key={`${i}:${source.repoURL}`} class="app-source" data-testid="row-source">
                    <span class="repo" title={source.repoURL}>
                      {source.repoURL}
                    </span>
                    <span class="muted small">
                      {sourceText(source)}
                      {revision ? ` (${shortSha(revision)})` : ""}
                    </span>
                  </span>
                ))}
              </td>
              <td class="destination">
                <span data-testid="cluster">{row.destination.cluster}</span>
                <span class="muted small" data-testid="destination-namespace">
                  {row.destination.namespace}
                </span>
              </td>
              <td>
                <Ago at={row.lastSyncedAt} now={now} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** An app's labels, small under its name (the Labels filter matches them). */
function Labels({ labels }: { labels: Record<string, string> }) {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return null;
  return (
    <span class="labels">
      {entries.map(([key, value]) => (
        <span key={key} class="label-chip">
          {key}={value}
        </span>
      ))}
    </span>
  );
}
