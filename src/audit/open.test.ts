import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { defaultAuditDatabase, describeDatabase, isPostgresUrl, openAuditStore } from "./open.ts";
import { SqliteAuditStore } from "./sqlite-store.ts";
import { sampleEntry } from "./store-contract.ts";

describe("opening the audit store a --database value names", () => {
  const kinds: [string, boolean][] = [
    ["postgres://mooring@db:5432/audit", true],
    ["postgresql://mooring@db/audit", true],
    ["POSTGRES://db/audit", true],
    ["/var/lib/mooring/audit.db", false],
    ["audit.db", false],
    ["postgres.db", false],
  ];
  for (const [value, postgres] of kinds)
    it(`reads ${value} as ${postgres ? "a PostgreSQL URL" : "an SQLite file"}`, () =>
      assert.equal(isPostgresUrl(value), postgres));

  it("never shows a URL's password in messages", () => {
    assert.equal(
      describeDatabase("postgres://mooring:s3cret@db:5432/audit"),
      "postgres://mooring:****@db:5432/audit",
    );
    assert.equal(describeDatabase("/var/lib/mooring/audit.db"), "/var/lib/mooring/audit.db");
  });

  it("keeps the default file under MOORING_HOME", () =>
    assert.equal(defaultAuditDatabase({ MOORING_HOME: "/srv/mooring" }), "/srv/mooring/audit/audit.db"));

  it("opens an SQLite file given by path, creating its folder", async () => {
    const root = await mkdtemp(join(tmpdir(), "mooring-audit-open-"));
    try {
      const path = join(root, "nested", "audit.db");
      const store = await openAuditStore(path);
      assert.ok(store instanceof SqliteAuditStore);
      await store.append([sampleEntry(0)]);
      await store.close();
      assert.ok((await stat(path)).size > 0);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
