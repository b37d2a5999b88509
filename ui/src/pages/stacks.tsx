import type { Page, WhoAmI } from "../api.ts";
import { Select, SortControls, TypedFilter } from "../components/list-filters.tsx";
import { LiveListBody } from "../components/live-list.tsx";
import { PlanCounts } from "../components/stack-counts.tsx";
import { Ago } from "../components/time.tsx";
import { useLiveRows, usePagedList } from "../paged-list.ts";
import { navigate } from "../router.ts";
import { listStacks, type StackRow } from "../stack-api.ts";
import {
  queryFromStackList,
  STACK_SORTS,
  STACK_STATE_LABELS,
  STACK_STATES,
  type StackListState,
  type StackSort,
  stackListFromQuery,
  stackState,
} from "../stack-view.ts";
import "./stacks.css";

const SORT_LABELS: Record<StackSort, string> = {
  name: "Name",
  namespace: "Namespace",
  project: "Project",
  ready: "Ready (not ready first)",
  lastApply: "Last apply",
};

export function StacksPage({ who, query }: { who: WhoAmI; query: URLSearchParams }) {
  const filters = stackListFromQuery(query);
  const apiQuery = queryFromStackList(filters).toString();
  const list = usePagedList<Page<StackRow>>({
    query: apiQuery,
    read: listStacks,
    nextOf: (page) => page.next,
  });
  const { added, now } = useLiveRows(list, apiQuery, "stack");

  const update = (patch: Partial<StackListState>) => {
    const next = queryFromStackList({ ...filters, ...patch }).toString();
    navigate(`/stacks${next ? `?${next}` : ""}`, { replace: "search" in patch });
  };

  const projects = who.projects.map((p) => p.project);
  return (
    <main class="page stacks">
      <h1>Stacks</h1>
      <p class="muted lead">
        OpenTofu modules kept applied from Git: each change is planned, waits for approval by its plan id, and
        is applied exactly as approved.
      </p>
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
          label="State"
          value={filters.state}
          options={STACK_STATES}
          labels={STACK_STATE_LABELS}
          onChange={(state) => update({ state })}
        />
        <SortControls
          sorts={STACK_SORTS}
          labels={SORT_LABELS}
          sort={filters.sort}
          order={filters.order}
          onChange={update}
        />
      </form>
      <LiveListBody list={list} added={added} noun={["stack", "stacks"]}>
        {(rows) => <StackTable rows={rows} now={now} />}
      </LiveListBody>
    </main>
  );
}

function StackTable({ rows, now }: { rows: StackRow[]; now: number }) {
  if (rows.length === 0) return <p class="muted">No stacks match.</p>;
  return (
    <div class="table-scroll">
      <table class="data stack-list">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">State</th>
            <th scope="col">Project</th>
            <th scope="col">Repository and revision</th>
            <th scope="col">Last plan</th>
            <th scope="col">Drift</th>
            <th scope="col">Last apply</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const state = stackState(row);
            const plan = row.lastPlan;
            return (
              <tr key={`${row.namespace}/${row.name}`} data-stack={row.name}>
                <th scope="row">
                  <a
                    class="name"
                    href={`/stacks/${encodeURIComponent(row.namespace)}/${encodeURIComponent(row.name)}`}
                  >
                    {row.name}
                  </a>
                  <span class="muted small">{row.namespace}</span>
                </th>
                <td>
                  <span class={`badge tone-${state.tone}`} data-testid="state">
                    {state.word}
                  </span>
                  {row.pendingPlan !== undefined && row.suspended ? (
                    <span class="badge tone-warn">plan waiting</span>
                  ) : null}
                </td>
                <td>{row.project}</td>
                <td class="source">
                  <span class="repo" title={row.source.repoURL}>
                    {row.source.repoURL}
                  </span>
                  <span class="muted small">
                    {row.source.path || "."} @ {row.source.targetRevision || "HEAD"}
                    {plan?.revision ? ` (${plan.revision.slice(0, 7)})` : ""}
                  </span>
                </td>
                <td data-testid="plan">
                  {plan === undefined ? (
                    <span class="muted">none yet</span>
                  ) : (
                    <>
                      <PlanCounts add={plan.add} change={plan.change} destroy={plan.destroy} />
                      <span class="muted small mono">
                        {plan.id}
                        {plan.pending ? " · waiting for approval" : ""}
                      </span>
                    </>
                  )}
                </td>
                <td>
                  {row.drifted ? (
                    <span class="badge tone-warn" data-testid="drift">
                      drifted
                    </span>
                  ) : (
                    <span class="muted">none seen</span>
                  )}
                </td>
                <td>
                  <Ago at={row.lastAppliedAt} now={now} />
                  {row.lastApplyResult === "failed" ? <span class="badge tone-bad">failed</span> : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
