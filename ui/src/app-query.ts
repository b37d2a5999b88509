// The application list's state as it lives in the address bar, and the API query it becomes.
// Only what the user chose is written (defaults are left out), so the plain list is just
// `/applications` and a filtered one reads `/applications?search=web&health=Degraded`.
// The keys are the API's own (GET /api/v1/applications takes the same query), so the address bar
// and the request never need translating: `selector` is a label selector in kubectl's syntax
// (`app=web,env in (dev,prod),!legacy`), checked by the server, which names the wrong part.

export const HEALTH = ["Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"] as const;
export const SYNC = ["Synced", "OutOfSync", "Unknown"] as const;
export const SORTS = ["name", "namespace", "project", "health", "sync", "lastSync"] as const;
export type AppSort = (typeof SORTS)[number];

export interface AppListState {
  search: string;
  project: string;
  cluster: string;
  selector: string;
  health: string;
  sync: string;
  sort: AppSort;
  order: "asc" | "desc";
}

export const DEFAULT_STATE: AppListState = {
  search: "",
  project: "",
  cluster: "",
  selector: "",
  health: "",
  sync: "",
  sort: "name",
  order: "asc",
};

export function stateFromQuery(query: URLSearchParams): AppListState {
  const sort = query.get("sort") ?? "";
  return {
    search: query.get("search") ?? "",
    project: query.get("project") ?? "",
    cluster: query.get("cluster") ?? "",
    selector: query.get("selector") ?? "",
    health: query.get("health") ?? "",
    sync: query.get("sync") ?? "",
    sort: (SORTS as readonly string[]).includes(sort) ? (sort as AppSort) : "name",
    order: query.get("order") === "desc" ? "desc" : "asc",
  };
}

/** The keys in the order they are written, so one choice always reads as one address. */
const FILTER_KEYS = ["search", "project", "cluster", "selector", "health", "sync", "sort", "order"] as const;

/** How many filters narrow the list (search included; sort and order do not narrow). */
export function activeFilters(state: AppListState): number {
  return (["search", "project", "cluster", "selector", "health", "sync"] as const).filter(
    (key) => state[key].trim() !== "",
  ).length;
}

/** The query string for the address bar and for GET /applications (without paging). */
export function queryFromState(state: AppListState): URLSearchParams {
  const query = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = state[key].trim();
    if (value !== "" && value !== DEFAULT_STATE[key]) query.set(key, value);
  }
  return query;
}
