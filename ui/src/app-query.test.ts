// The application list's address: what a user chose survives a reload or a shared link, and a
// hand-edited address with nonsense falls back to the defaults instead of breaking the list.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { activeFilters, DEFAULT_STATE, queryFromState, stateFromQuery } from "./app-query.ts";

describe("the application list's filters in the address bar", () => {
  const cases = [
    { name: "the plain list has no query at all", state: DEFAULT_STATE, query: "" },
    { name: "a search is kept", state: { ...DEFAULT_STATE, search: "web" }, query: "search=web" },
    {
      name: "filters and a non-default sort are kept, in a stable order",
      state: { ...DEFAULT_STATE, health: "Degraded", project: "team-a", sort: "lastSync", order: "desc" },
      query: "project=team-a&health=Degraded&sort=lastSync&order=desc",
    },
    {
      name: "a cluster and a label selector in kubectl syntax are kept, escaped",
      state: { ...DEFAULT_STATE, cluster: "in-cluster", selector: "team=a,env in (dev,prod),!legacy" },
      query: "cluster=in-cluster&selector=team%3Da%2Cenv+in+%28dev%2Cprod%29%2C%21legacy",
    },
    {
      name: "every filter at once keeps one stable order",
      state: {
        search: "web",
        project: "p",
        cluster: "east",
        selector: "tier=front",
        health: "Healthy",
        sync: "Synced",
        sort: "health",
        order: "desc",
      },
      query:
        "search=web&project=p&cluster=east&selector=tier%3Dfront&health=Healthy&sync=Synced&sort=health&order=desc",
    },
    {
      name: "the default sort is left out",
      state: { ...DEFAULT_STATE, sort: "name", sync: "OutOfSync" },
      query: "sync=OutOfSync",
    },
  ] as const;
  for (const { name, state, query } of cases) {
    it(name, () => {
      assert.equal(queryFromState(state).toString(), query);
      assert.deepEqual(stateFromQuery(new URLSearchParams(query)), state);
    });
  }

  it("reads an unknown sort or order as the defaults", () => {
    const state = stateFromQuery(new URLSearchParams("sort=colour&order=sideways&search=api"));
    assert.deepEqual(state, { ...DEFAULT_STATE, search: "api" });
  });

  it("drops a search of only spaces", () => {
    assert.equal(queryFromState({ ...DEFAULT_STATE, search: "   " }).toString(), "");
  });

  it("counts the filters that narrow the list, not the sort", () => {
    assert.equal(activeFilters(DEFAULT_STATE), 0);
    assert.equal(activeFilters({ ...DEFAULT_STATE, sort: "health", order: "desc" }), 0);
    assert.equal(activeFilters({ ...DEFAULT_STATE, selector: "a=b", cluster: "c", search: " " }), 2);
  });
});
