import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AuditRecord } from "../core/audit/record.ts";
import { parseAuditTime, queryFromFlags, recordSummary } from "./audit-commands.ts";
import { UsageError } from "./output.ts";

const NOW = Date.parse("2026-12-02T12:00:00.000Z");

describe("moor audit flags", () => {
  const times: [string, string][] = [
    ["2h", "2026-12-02T10:00:00.000Z"],
    ["90m", "2026-12-02T10:30:00.000Z"],
    ["7d", "2026-11-25T12:00:00.000Z"],
    ["2026-12-01", "2026-12-01T00:00:00.000Z"],
    ["2026-12-01T13:00:00Z", "2026-12-01T13:00:00.000Z"],
    ["2026-12-01T13:00:00+02:00", "2026-12-01T11:00:00.000Z"],
  ];
  for (const [text, expected] of times)
    it(`reads --since ${text} as ${expected}`, () =>
      assert.equal(parseAuditTime(text, "since", NOW), expected));

  for (const bad of ["yesterday", "2026-12-01T13:00", "2026-13-45", "-3h"])
    it(`refuses --since ${bad}, saying what it takes`, () =>
      assert.throws(
        () => parseAuditTime(bad, "since", NOW),
        (e: Error) => e instanceof UsageError && /--since takes a time such as 2h/.test(e.message),
      ));

  it("turns filters into a store query, with several kinds separated by commas", () => {
    assert.deepEqual(
      queryFromFlags({ since: "1h", project: "team-a", actor: "alice", kind: "sync, drift-healed" }, NOW),
      {
        since: "2026-12-02T11:00:00.000Z",
        project: "team-a",
        actor: "alice",
        kind: ["sync", "drift-healed"],
      },
    );
  });

  it("refuses a kind no record can have, listing the kinds", () =>
    assert.throws(
      () => queryFromFlags({ kind: "deploy" }),
      (e: Error) =>
        e instanceof UsageError && /--kind deploy is not an audit kind; use one of: sync,/.test(e.message),
    ));

  it("summarises a sync by revision, phase, trigger and object counts", () => {
    const record = {
      details: {
        revision: "0123456789abcdef",
        phase: "Succeeded",
        trigger: "automated",
        created: ["ConfigMap/web/a"],
        changed: [],
        pruned: ["Service/web/b", "Service/web/c"],
      },
    } as unknown as AuditRecord;
    assert.equal(recordSummary(record), "0123456789 Succeeded automated 1 created, 0 changed, 2 pruned");
  });
});
