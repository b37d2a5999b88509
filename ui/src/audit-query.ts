// The audit page's state as it lives in the address bar, and how a record reads in a row. Filters
// map one to one to GET /audit's query (actor, kind, project, object, search, since, until), so
// a filtered trail is a link an auditor can share. Times are kept in the address as the API takes
// them (UTC ISO, `2026-12-02T10:00:00.000Z`) and shown in the browser's time zone.

/** src/core/audit/record.ts's AUDIT_KINDS: what happened, a closed vocabulary. */
export const AUDIT_KINDS = [
  "sync",
  "sync-terminated",
  "refresh",
  "rollback",
  "drift-detected",
  "drift-healed",
  "stack-plan",
  "stack-approve",
  "stack-apply",
  "stack-unlock",
  "api-allowed",
  "api-denied",
  "login",
  "login-failed",
  "logout",
  "token-created",
  "token-revoked",
  "project-changed",
  "role-changed",
  "commit-refused",
  "webhook-received",
  "webhook-refused",
  "preview",
  "preview-plan-requested",
  "appset-generated",
  "appset-deleted-app",
] as const;

export interface AuditFilters {
  search: string;
  actor: string;
  kind: string;
  project: string;
  object: string;
  since: string;
  until: string;
}

const FIELDS = ["search", "actor", "kind", "project", "object", "since", "until"] as const;

export const NO_FILTERS: AuditFilters = {
  search: "",
  actor: "",
  kind: "",
  project: "",
  object: "",
  since: "",
  until: "",
};

export function filtersFromQuery(query: URLSearchParams): AuditFilters {
  const filters = { ...NO_FILTERS };
  for (const field of FIELDS) filters[field] = (query.get(field) ?? "").trim();
  if (
    filters.kind !== "" &&
    !filters.kind.split(",").every((k) => (AUDIT_KINDS as readonly string[]).includes(k))
  )
    filters.kind = "";
  return filters;
}

/** The address bar's query and GET /audit's (without paging): only what the user chose. */
export function queryFromFilters(filters: AuditFilters): URLSearchParams {
  const query = new URLSearchParams();
  for (const field of FIELDS) {
    const value = filters[field].trim();
    if (value !== "") query.set(field, value);
  }
  return query;
}

/** `2026-12-02T10:00:00.000Z` as a datetime-local input shows it, in the browser's zone. */
export function toLocalInput(iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return "";
  const local = new Date(time - new Date(time).getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/** A datetime-local input's value (browser's zone) as the API's UTC ISO time; "" when empty or invalid. */
export function fromLocalInput(value: string): string {
  if (value.trim() === "") return "";
  const time = new Date(value).getTime();
  return Number.isNaN(time) ? "" : new Date(time).toISOString();
}

const REFUSED = new Set(["api-denied", "login-failed", "webhook-refused", "commit-refused"]);

export interface RecordView {
  /** What was done: the kind, or the action an allowed request asked for. */
  action: string;
  /** `refused` (with the reason), or what the record says came of it, or `done`. */
  result: string;
  tone: "good" | "bad" | "quiet";
  reason?: string;
  /** `Application/mooring/web`, or "" when the record is about no object. */
  object: string;
}

const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);

/** How one record reads in the audit table. */
export function viewOf(record: {
  kind: string;
  object?: { kind: string; namespace: string; name: string } | undefined;
  details: Record<string, unknown>;
}): RecordView {
  const { details } = record;
  const object = record.object
    ? record.object.namespace
      ? `${record.object.kind}/${record.object.namespace}/${record.object.name}`
      : `${record.object.kind}/${record.object.name}`
    : "";
  const requested = text(details.action);
  const action = record.kind === "api-allowed" && requested ? `${requested} (requested)` : record.kind;
  if (REFUSED.has(record.kind)) {
    const reason = text(details.reason) ?? text(details.message) ?? text(details.code);
    return { action, result: "refused", tone: "bad", object, ...(reason ? { reason } : {}) };
  }
  const outcome = text(details.result) ?? text(details.phase) ?? text(details.outcome);
  if (outcome !== undefined) {
    const bad = /fail|error|denied|refused/i.test(outcome);
    return { action, result: outcome, tone: bad ? "bad" : "good", object };
  }
  // The API server records a request when it accepts it; the controller records what came of it.
  if (record.kind === "api-allowed") return { action, result: "allowed", tone: "good", object };
  return { action, result: details.via === "api" ? "accepted" : "done", tone: "good", object };
}
