import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AuditRecord } from "../../core/audit/record.ts";
import type { Stack } from "../../core/stack/spec.ts";
import { applyHistory } from "./stack-state.ts";

const stack = (status: Stack["status"]): Stack => ({
  apiVersion: "mooring.dev/v1alpha1",
  kind: "Stack",
  metadata: { namespace: "infra", name: "db" },
  spec: { source: { repoURL: "https://git.example/infra.git" } },
  ...(status === undefined ? {} : { status }),
});

let seq = 0;
const applied = (name: string, planId: string, result: string, time: string): AuditRecord => ({
  seq: ++seq,
  prevHash: "",
  hash: "",
  time,
  kind: "stack-apply",
  actor: { type: "user", name: "alice" },
  project: "team-a",
  object: { group: "mooring.dev", kind: "Stack", namespace: "infra", name },
  details: { planId, revision: `rev-${planId}`, approvedBy: "alice", result, message: `applied ${planId}` },
});

const LAST = {
  planId: "p-3",
  approvedBy: "bob",
  appliedAt: "2026-12-02T12:00:00.000Z",
  result: "succeeded" as const,
  message: "applied plan p-3",
};

describe("a Stack's apply history", () => {
  it("lists this Stack's applies from the audit trail, newest first, leaving other Stacks out", () => {
    const records = [
      applied("db", "p-2", "failed", "2026-12-02T11:00:00.000Z"),
      applied("cache", "p-9", "succeeded", "2026-12-02T10:30:00.000Z"),
      applied("db", "p-1", "succeeded", "2026-12-02T10:00:00.000Z"),
    ];
    const history = applyHistory(stack({}), records);
    assert.equal(history.source, "audit");
    assert.deepEqual(
      history.items.map((i) => [i.planId, i.revision, i.approvedBy, i.result]),
      [
        ["p-2", "rev-p-2", "alice", "failed"],
        ["p-1", "rev-p-1", "alice", "succeeded"],
      ],
    );
  });

  it("puts the status's last apply first while the audit store does not hold it yet", () => {
    const history = applyHistory(
      stack({ lastApply: LAST, lastPlan: { id: "p-3", revision: "abc" } as never }),
      [applied("db", "p-2", "succeeded", "2026-12-02T11:00:00.000Z")],
    );
    assert.deepEqual(
      history.items.map((i) => [i.planId, i.revision, i.approvedBy]),
      [
        ["p-3", "abc", "bob"],
        ["p-2", "rev-p-2", "alice"],
      ],
    );
    const recorded = applyHistory(stack({ lastApply: LAST }), [
      applied("db", "p-3", "succeeded", "2026-12-02T12:00:00.000Z"),
    ]);
    assert.equal(recorded.items.length, 1, "an apply the store holds is not listed twice");
  });

  it("answers the last apply alone without an audit store, and nothing before the first apply", () => {
    assert.deepEqual(applyHistory(stack({ lastApply: LAST }), undefined), {
      items: [{ ...LAST }],
      source: "status",
    });
    assert.deepEqual(applyHistory(stack(undefined), undefined), { items: [], source: "status" });
  });
});
