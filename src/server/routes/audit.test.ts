import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { openSqliteAuditStore } from "../../audit/sqlite-store.ts";
import type { AuditStore } from "../../audit/store.ts";
import type { AuditEntry } from "../../core/audit/record.ts";
import { recordMatcher, scan } from "./audit.ts";

function entry(i: number, name: string, user: string): AuditEntry {
  return {
    time: new Date(Date.UTC(2026, 11, 2, 10, 0, i)).toISOString(),
    kind: i % 2 === 0 ? "api-allowed" : "rollback",
    actor: { type: "user", name: user, address: "127.0.0.1" },
    project: "team-a",
    object: { group: "mooring.dev", kind: "Application", namespace: "mooring", name },
    details: { action: i % 2 === 0 ? "sync" : "rollback", id: i },
  };
}

describe("searching the audit trail by object and text", () => {
  let dir = "";
  let store: AuditStore;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "mooring-audit-route-"));
    store = openSqliteAuditStore({ path: join(dir, "audit.db") });
    // seq 1..12: web on odd seqs, shop on even ones; alice acts on 1..6, bob on 7..12.
    await store.append(
      Array.from({ length: 12 }, (_, i) => entry(i, i % 2 === 0 ? "web" : "shop", i < 6 ? "alice" : "bob")),
    );
  });

  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("matches the object's Kind/namespace/name in any case, and text anywhere in the record", () => {
    const record = { ...entry(0, "web", "alice"), seq: 1, prevHash: "", hash: "" };
    assert.equal(recordMatcher("application/mooring/WEB", undefined)(record), true);
    assert.equal(recordMatcher("shop", undefined)(record), false);
    assert.equal(recordMatcher(undefined, "ALICE")(record), true);
    assert.equal(recordMatcher(undefined, '"action":"sync"')(record), true);
    assert.equal(recordMatcher("web", "bob")(record), false);
  });

  it("pages through matching records across the store's pages, newest first, resuming at the cursor", async () => {
    const matches = recordMatcher("web", undefined);
    const sizes = { page: 4, budget: 100 };
    const first = await scan(store, { limit: 4 }, matches, sizes);
    assert.deepEqual(
      first.records.map((r) => r.seq),
      [11, 9, 7, 5],
    );
    assert.ok(first.nextCursor);
    const second = await scan(store, { limit: 4, cursor: first.nextCursor }, matches, sizes);
    assert.deepEqual(
      second.records.map((r) => r.seq),
      [3, 1],
    );
    assert.equal(second.nextCursor, undefined, "the end of the trail has no next page");
  });

  it("keeps the store's own filters and stops at the scan budget with a cursor to go on", async () => {
    const bobWeb = await scan(store, { actor: "bob" }, recordMatcher("web", undefined), {
      page: 5,
      budget: 100,
    });
    assert.deepEqual(
      bobWeb.records.map((r) => r.seq),
      [11, 9, 7],
    );
    const cut = await scan(store, {}, recordMatcher(undefined, "nothing matches this"), {
      page: 5,
      budget: 5,
    });
    assert.deepEqual(cut.records, []);
    assert.ok(cut.nextCursor, "a cursor to read on from record 8");
    const rest = await scan(store, { cursor: cut.nextCursor }, recordMatcher(undefined, "alice"), {
      page: 5,
      budget: 100,
    });
    assert.deepEqual(
      rest.records.map((r) => r.seq),
      [6, 5, 4, 3, 2, 1],
    );
  });
});
