// The application list's state as it lives in the address bar, and the API query it becomes.
// Only what the user chose is written (defaults are left out), so the plain list is just
// `/applications` and a filtered one reads `/applications?search=web&health=Degraded`.

export const HEALTH = ["Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"] as const;
export const SYNC = ["Synced", "OutOfSync", "Unknown"] as const;
export const SORTS = ["name", "namespace", "project", "health", "sync", "lastSync"] as const;
export type AppSort = (typeof SORTS)[number];

export interface AppListState {
  search: string;
  project: string;
  health: string;
  sync: string;
  sort: AppSort;
  order: "asc" | "desc";
}

export const DEFAULT_STATE: AppListState = {
  search: "",
  project: "",
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
    health: query.get("health") ?? "",
    sync: query.get("sync") ?? "",
    sort: (SORTS as readonly string[]).includes(sort) ? (sort as AppSort) : "name",
    order: query.get("order") === "desc" ? "desc" : "asc",
  };
}

/** The query string for the address bar and for GET /applications (without paging). */
export function queryFromState(state: AppListState): URLSearchParams {
  const query = new URLSearchParams();
  for (const key of ["search", "project", "health", "sync", "sort", "order"] as const) {
    const value = state[key].trim();
    if (value !== "" && value !== DEFAULT_STATE[key]) query.set(key, value);
  }
  return query;
}
