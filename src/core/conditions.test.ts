import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyStanding, setCondition } from "./conditions.ts";

describe("conditions", () => {
  it("keeps lastTransitionTime while the status stays the same, and moves it on a change", () => {
    const t1 = "2026-01-01T00:00:00Z";
    const t2 = "2026-01-01T00:05:00Z";
    let c = setCondition([], { type: "Ready", status: "False", reason: "A", message: "a" }, t1);
    c = setCondition(c, { type: "Ready", status: "False", reason: "B", message: "b" }, t2);
    assert.equal(c[0]?.lastTransitionTime, t1);
    assert.equal(c[0]?.reason, "B");
    c = setCondition(c, { type: "Ready", status: "True", reason: "C", message: "c" }, t2);
    assert.equal(c[0]?.lastTransitionTime, t2);
  });

  it("follows kstatus: Reconciling and Stalled exist only while true", () => {
    const now = "2026-01-01T00:00:00Z";
    const progressing = applyStanding([], { state: "progressing", reason: "Syncing", message: "m" }, now, 3);
    assert.deepEqual(
      progressing.map((c) => [c.type, c.status, c.observedGeneration]),
      [
        ["Ready", "Unknown", 3],
        ["Reconciling", "True", 3],
      ],
    );
    const stalled = applyStanding(
      progressing,
      { state: "stalled", reason: "InvalidManifest", message: "m" },
      now,
    );
    assert.deepEqual(
      stalled.map((c) => [c.type, c.status]),
      [
        ["Ready", "False"],
        ["Stalled", "True"],
      ],
    );
    const ready = applyStanding(stalled, { state: "ready", reason: "Synced", message: "m" }, now);
    assert.deepEqual(
      ready.map((c) => [c.type, c.status]),
      [["Ready", "True"]],
    );
  });
});
