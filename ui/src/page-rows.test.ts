// Paging a server list: each page is read with its query, the page size and its own cursor, and
// the live stream changes the listed rows in place without inserting new ones.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pageParams, rowsAfter } from "./page-rows.ts";

describe("pageParams", () => {
  it("reads the first page of a query without a cursor", () => {
    assert.equal(pageParams("project=team-a", undefined).toString(), "project=team-a&limit=50");
  });
  it("reads a later page with the cursor the server issued for it", () => {
    assert.equal(pageParams("", "abc", 10).toString(), "limit=10&cursor=abc");
  });
});

describe("rowsAfter", () => {
  const rows = [
    { namespace: "apps", name: "web", health: "Healthy" },
    { namespace: "apps", name: "api", health: "Healthy" },
  ];
  it("replaces a listed row by its new summary in place", () => {
    const summary = { namespace: "apps", name: "api", health: "Degraded" };
    const after = rowsAfter(rows, { type: "modified", namespace: "apps", name: "api", summary });
    assert.deepEqual(after, [rows[0], summary]);
  });
  it("drops a deleted row", () => {
    assert.deepEqual(rowsAfter(rows, { type: "deleted", namespace: "apps", name: "web" }), [rows[1]]);
  });
  it("says an object not on this page is not listed, even one of the same name elsewhere", () => {
    assert.equal(rowsAfter(rows, { type: "added", namespace: "other", name: "web" }), undefined);
  });
});
