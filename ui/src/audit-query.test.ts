import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  filtersFromQuery,
  fromLocalInput,
  NO_FILTERS,
  queryFromFilters,
  toLocalInput,
  viewOf,
} from "./audit-query.ts";

describe("the audit page's filters in the address bar", () => {
  it("writes only what the user chose, and reads it back", () => {
    const filters = { ...NO_FILTERS, actor: "admin", kind: "rollback", since: "2026-12-02T10:00:00.000Z" };
    const query = queryFromFilters(filters);
    assert.equal(query.toString(), "actor=admin&kind=rollback&since=2026-12-02T10%3A00%3A00.000Z");
    assert.deepEqual(filtersFromQuery(query), filters);
    assert.equal(queryFromFilters(NO_FILTERS).toString(), "");
  });

  it("drops a kind the server does not know, so a mistyped link still lists the trail", () => {
    assert.equal(filtersFromQuery(new URLSearchParams("kind=synced")).kind, "");
    assert.equal(filtersFromQuery(new URLSearchParams("kind=sync,rollback")).kind, "sync,rollback");
  });

  it("converts between the API's UTC times and the datetime input's local times both ways", () => {
    const iso = "2026-12-02T10:30:00.000Z";
    assert.equal(fromLocalInput(toLocalInput(iso)), iso);
    assert.equal(fromLocalInput(""), "");
    assert.equal(toLocalInput("not a time"), "");
  });
});

describe("how an audit record reads", () => {
  const app = { kind: "Application", namespace: "mooring", name: "web" };

  it("shows an allowed request by the action it asked for, on its object", () => {
    assert.deepEqual(viewOf({ kind: "api-allowed", object: app, details: { action: "sync", via: "api" } }), {
      action: "sync (requested)",
      result: "allowed",
      tone: "good",
      object: "Application/mooring/web",
    });
  });

  it("shows a refusal with its reason", () => {
    const view = viewOf({
      kind: "api-denied",
      details: {
        verb: "sync",
        code: "verb-not-granted",
        reason: "alice may not sync application mooring/web",
      },
    });
    assert.equal(view.result, "refused");
    assert.equal(view.tone, "bad");
    assert.equal(view.reason, "alice may not sync application mooring/web");
    assert.equal(view.object, "");
  });

  it("shows what came of a sync the controller recorded, and a failure as bad", () => {
    assert.equal(viewOf({ kind: "sync", object: app, details: { phase: "Succeeded" } }).result, "Succeeded");
    assert.equal(viewOf({ kind: "sync", object: app, details: { phase: "Failed" } }).tone, "bad");
    assert.equal(viewOf({ kind: "rollback", object: app, details: { id: 1 } }).result, "done");
    assert.equal(
      viewOf({ kind: "rollback", object: app, details: { id: 1, via: "api" } }).result,
      "accepted",
    );
    assert.equal(viewOf({ kind: "login", details: {} }).action, "login");
  });

  it("writes a cluster-scoped object without a namespace", () => {
    assert.equal(
      viewOf({ kind: "project-changed", object: { kind: "Project", namespace: "", name: "a" }, details: {} })
        .object,
      "Project/a",
    );
  });
});
