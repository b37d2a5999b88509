// The audit trail: who did what to which object, in which project, when and from where, newest
// first. Filters (actor, kind, project, object, time range, free text) live in the address bar;
// pages follow the server's cursor. A record's details are shown as the server stored them,
// secret values already masked by whoever wrote the record. At the top, the state of the hash
// chain: verified up to a record, or broken at one with the reason (GET /audit/verify walks the
// whole chain and checks it against the anchors published as Kubernetes Events; it is a global
// admin's, since the chain holds every project's records).
import { useEffect, useState } from "preact/hooks";
import {
  type AuditPage as AuditAnswer,
  type AuditRecord,
  type ChainVerification,
  listAudit,
  verifyAudit,
} from "../admin-api.ts";
import type { WhoAmI } from "../api.ts";
import { readFailure } from "../api-read.ts";
import {
  AUDIT_KINDS,
  type AuditFilters,
  filtersFromQuery,
  fromLocalInput,
  queryFromFilters,
  toLocalInput,
  viewOf,
} from "../audit-query.ts";
import { LoadStatus } from "../components/load-status.tsx";
import { Pager } from "../components/pager.tsx";
import { usePagedList } from "../paged-list.ts";
import { navigate } from "../router.ts";
import "./admin.css";

export function AuditPage({ who, query }: { who: WhoAmI; query: URLSearchParams }) {
  const chosen = filtersFromQuery(query);
  // Records outside any project are a global admin's: others read one of their projects.
  const filters: AuditFilters =
    !who.globalAdmin && chosen.project === "" && who.projects[0]
      ? { ...chosen, project: who.projects[0].project }
      : chosen;
  const apiQuery = queryFromFilters(filters).toString();
  // Each read shows "Loading…": a new filter's records replace the old ones, never mix with them.
  const list = usePagedList<AuditAnswer>({
    query: apiQuery,
    read: listAudit,
    nextOf: (page) => page.nextCursor,
    keepShown: false,
  });

  const apply = (next: AuditFilters) => {
    const q = queryFromFilters(next).toString();
    navigate(`/audit${q ? `?${q}` : ""}`);
  };

  return (
    <main class="page admin">
      <header class="page-head">
        <h1>Audit</h1>
        <button type="button" class="secondary" onClick={list.reload}>
          Refresh
        </button>
      </header>
      <ChainStatus who={who} />
      <FilterForm filters={filters} projects={who.projects.map((p) => p.project)} onApply={apply} />
      <LoadStatus load={list.load} />
      {list.load.state === "loaded" ? (
        <>
          <RecordTable records={list.load.value.records} />
          <Pager
            summary={`${list.load.value.records.length} ${list.load.value.records.length === 1 ? "record" : "records"} on this page`}
            summaryId="shown"
            previous={list.previous}
            next={list.next}
            previousLabel="Newer"
            nextLabel="Older"
          />
        </>
      ) : null}
    </main>
  );
}

type Verification =
  | { state: "idle" }
  | { state: "verifying" }
  | { state: "done"; result: ChainVerification; at: Date }
  | { state: "failed"; message: string };

function ChainStatus({ who }: { who: WhoAmI }) {
  const [verification, setVerification] = useState<Verification>({ state: "idle" });
  const verify = () => {
    setVerification({ state: "verifying" });
    verifyAudit()
      .then((result) => setVerification({ state: "done", result, at: new Date() }))
      .catch((err: unknown) => setVerification({ state: "failed", message: readFailure(err) }));
  };
  useEffect(() => {
    if (who.globalAdmin) verify();
  }, []);

  let status: preact.ComponentChildren;
  let tone = "quiet";
  if (!who.globalAdmin) {
    status = "Verifying the whole chain is for global admins: it holds every project's records.";
  } else if (verification.state === "idle" || verification.state === "verifying") {
    status = "Verifying the chain…";
  } else if (verification.state === "failed") {
    status = `Could not verify the chain: ${verification.message}`;
    tone = "bad";
  } else if (verification.result.ok) {
    const { result } = verification;
    tone = "good";
    status =
      result.count === 0
        ? "Chain verified: no records yet."
        : `Chain verified up to record #${result.head.seq} (${result.count} records; ${
            result.anchors === 0
              ? "no anchor published in the cluster yet"
              : `${result.anchorsChecked} of ${result.anchors} anchors checked`
          }) at ${verification.at.toLocaleTimeString()}.`;
  } else {
    const { problem } = verification.result;
    tone = "bad";
    status = `Chain broken at record #${problem.seq} (${problem.code}): ${problem.message}`;
  }
  return (
    <section class={`panel chain tone-border-${tone}`} aria-label="chain verification">
      <p role="status" data-testid="chain-status" class={`tone-${tone}`}>
        {status}
      </p>
      {who.globalAdmin ? (
        <button
          type="button"
          class="secondary"
          disabled={verification.state === "verifying"}
          onClick={verify}
        >
          {verification.state === "verifying" ? "Verifying…" : "Verify"}
        </button>
      ) : null}
    </section>
  );
}

function FilterForm({
  filters,
  projects,
  onApply,
}: {
  filters: AuditFilters;
  projects: string[];
  onApply: (filters: AuditFilters) => void;
}) {
  const [draft, setDraft] = useState(filters);
  const key = queryFromFilters(filters).toString();
  useEffect(() => setDraft(filters), [key]);
  const set = (patch: Partial<AuditFilters>) => setDraft((d) => ({ ...d, ...patch }));
  const text = (name: "search" | "actor" | "object", label: string, placeholder: string) => (
    <label>
      {label}
      <input
        type="search"
        name={name}
        placeholder={placeholder}
        value={draft[name]}
        onInput={(e) => set({ [name]: e.currentTarget.value })}
      />
    </label>
  );
  return (
    <form
      class="filters"
      aria-label="filters"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(draft);
      }}
    >
      {text("search", "Search", "text anywhere in a record")}
      {text("actor", "Actor", "user, token or controller")}
      <label>
        Kind
        <select
          name="kind"
          value={draft.kind}
          onChange={(e) => onApply({ ...draft, kind: e.currentTarget.value })}
        >
          <option value="">All</option>
          {AUDIT_KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {kind}
            </option>
          ))}
        </select>
      </label>
      <label>
        Project
        <input
          type="text"
          name="project"
          list="audit-projects"
          value={draft.project}
          onInput={(e) => set({ project: e.currentTarget.value })}
        />
        <datalist id="audit-projects">
          {projects.map((p) => (
            <option key={p} value={p} />
          ))}
        </datalist>
      </label>
      {text("object", "Object", "Kind/namespace/name")}
      <label>
        From
        <input
          type="datetime-local"
          name="since"
          value={toLocalInput(draft.since)}
          onInput={(e) => set({ since: fromLocalInput(e.currentTarget.value) })}
        />
      </label>
      <label>
        Until
        <input
          type="datetime-local"
          name="until"
          value={toLocalInput(draft.until)}
          onInput={(e) => set({ until: fromLocalInput(e.currentTarget.value) })}
        />
      </label>
      <span class="actions">
        <button type="submit">Apply</button>
        <button
          type="button"
          class="secondary"
          onClick={() =>
            onApply({ search: "", actor: "", kind: "", project: "", object: "", since: "", until: "" })
          }
        >
          Clear
        </button>
      </span>
    </form>
  );
}

function RecordTable({ records }: { records: AuditRecord[] }) {
  const [open, setOpen] = useState<number | undefined>();
  if (records.length === 0) return <p class="muted">No records match.</p>;
  return (
    <div class="table-scroll">
      <table class="data audit">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Time</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Object</th>
            <th scope="col">Project</th>
            <th scope="col">Result</th>
            <th scope="col">
              <span class="visually-hidden">Details</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {records.map((record) => {
            const view = viewOf(record);
            const expanded = open === record.seq;
            const detailsId = `audit-details-${record.seq}`;
            return [
              <tr key={record.seq} data-seq={record.seq} data-kind={record.kind}>
                <td class="mono">{record.seq}</td>
                <td>
                  <time dateTime={record.time} title={record.time}>
                    {new Date(record.time).toLocaleString()}
                  </time>
                </td>
                <td data-testid="actor">
                  <span data-testid="actor-name">{record.actor.name}</span>
                  <span class="muted small">
                    {record.actor.type}
                    {record.actor.address ? ` from ${record.actor.address}` : ""}
                  </span>
                </td>
                <td data-testid="action">{view.action}</td>
                <td data-testid="object" class="mono">
                  {view.object || <span class="muted">—</span>}
                </td>
                <td data-testid="project">{record.project || <span class="muted">—</span>}</td>
                <td>
                  <span class={`badge tone-${view.tone}`}>{view.result}</span>
                  {view.reason ? <span class="small">{view.reason}</span> : null}
                </td>
                <td>
                  <button
                    type="button"
                    class="secondary small"
                    aria-expanded={expanded}
                    aria-controls={expanded ? detailsId : undefined}
                    aria-label={`details of record ${record.seq}`}
                    onClick={() => setOpen(expanded ? undefined : record.seq)}
                  >
                    {expanded ? "Hide" : "Details"}
                  </button>
                </td>
              </tr>,
              expanded ? (
                <tr key={`${record.seq}-details`} id={detailsId} class="details-row">
                  <td colSpan={8}>
                    <pre data-testid="details">{JSON.stringify(record.details, null, 2)}</pre>
                    <p class="mono small muted">
                      hash {record.hash} · previous {record.prevHash}
                    </p>
                  </td>
                </tr>
              ) : null,
            ];
          })}
        </tbody>
      </table>
    </div>
  );
}
