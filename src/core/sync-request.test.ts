import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { requestAfterFailure } from "./sync-request.ts";

const now = "2026-12-03T09:00:00Z";
const pass = (over: Partial<Parameters<typeof requestAfterFailure>[1]> = {}) => ({
  running: false,
  needsPerson: false,
  message: "git ls-remote timed out",
  now,
  ...over,
});

describe("a pending request after a failed reconcile pass", () => {
  it("keeps a sync request when waiting helps, so the retry carries it out", () => {
    assert.deepEqual(requestAfterFailure({ sync: {} }, pass()), { kind: "keep" });
  });

  it("ends a sync request as a Failed operation naming the cause when a person must act", () => {
    const fate = requestAfterFailure(
      { sync: { revision: "v2" }, initiatedBy: { username: "ana" } },
      pass({ needsPerson: true, message: 'source path "../x" leaves the repository' }),
    );
    assert.equal(fate.kind, "fail");
    if (fate.kind !== "fail") return;
    assert.equal(fate.operationState.phase, "Failed");
    assert.equal(fate.operationState.trigger, "manual");
    assert.equal(fate.operationState.revision, "v2");
    assert.equal(
      fate.operationState.message,
      'sync request not carried out: source path "../x" leaves the repository',
    );
    assert.deepEqual(fate.operationState.initiatedBy, { username: "ana" });
    assert.equal(fate.operationState.finishedAt, now);
  });

  it("names a rollback as a rollback", () => {
    const fate = requestAfterFailure({ rollback: { id: 3 } }, pass({ needsPerson: true, message: "m" }));
    assert.equal(fate.kind === "fail" && fate.operationState.trigger, "rollback");
    assert.equal(
      fate.kind === "fail" && fate.operationState.message,
      "rollback to history 3 request not carried out: m",
    );
  });

  it("lets any request wait for a running operation, whatever the failure", () => {
    assert.deepEqual(requestAfterFailure({ sync: {} }, pass({ running: true, needsPerson: true })), {
      kind: "keep",
    });
    assert.deepEqual(requestAfterFailure({ terminate: true }, pass({ running: true })), { kind: "keep" });
  });

  it("clears a terminate request when nothing runs any more", () => {
    assert.deepEqual(requestAfterFailure({ terminate: true }, pass({ needsPerson: true })), {
      kind: "clear",
    });
  });
});
