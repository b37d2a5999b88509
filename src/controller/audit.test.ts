import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DriftRecord, ResourceOutcome } from "../core/app-status.ts";
import type { AuditEntry } from "../core/audit/record.ts";
import type { ObjectDiff } from "../core/diff.ts";
import { AUDIT_MAX_OBJECTS, AUDIT_MAX_VALUE, ControllerAudit, driftDetails, syncObjects } from "./audit.ts";

const outcome = (
  kind: string,
  name: string,
  result: ResourceOutcome["result"],
  group = "",
): ResourceOutcome => ({
  group,
  kind,
  namespace: "web",
  name,
  result,
  phase: "Sync",
  wave: 0,
});
const diff = (kind: string, name: string, changes: ObjectDiff["changes"]): ObjectDiff => ({
  ref: { group: kind === "Deployment" ? "apps" : "", kind, namespace: "web", name },
  action: "update",
  changes,
});

describe("controller audit details", () => {
  it("lists what a sync created, changed (with fields and values) and pruned", () => {
    const details = syncObjects(
      [
        outcome("ConfigMap", "settings", "created"),
        outcome("Deployment", "web", "configured", "apps"),
        outcome("Service", "old", "deleted"),
        outcome("Service", "web", "unchanged"),
      ],
      [diff("Deployment", "web", [{ path: "spec.replicas", live: 1, desired: 3 }])],
    );
    assert.deepEqual(details, {
      created: ["ConfigMap/web/settings"],
      changed: [{ object: "Deployment/web/web", fields: [{ path: "spec.replicas", from: 1, to: 3 }] }],
      pruned: ["Service/web/old"],
    });
  });

  it("keeps only the paths of a changed Secret, never its values", () => {
    const details = syncObjects(
      [outcome("Secret", "db", "configured")],
      [diff("Secret", "db", [{ path: 'data["password"]', live: "++++++++ (1)", desired: "c2VjcmV0" }])],
    );
    assert.deepEqual(details.changed, [{ object: "Secret/web/db", fields: [{ path: 'data["password"]' }] }]);
    assert.doesNotMatch(JSON.stringify(details), /c2VjcmV0/);
  });

  it("cuts long values and long lists, saying how much was left out", () => {
    const long = "x".repeat(AUDIT_MAX_VALUE * 2);
    const many = Array.from({ length: AUDIT_MAX_OBJECTS + 5 }, (_, i) =>
      outcome("ConfigMap", `c${i}`, "created"),
    );
    const details = syncObjects(
      [...many, outcome("ConfigMap", "big", "configured")],
      [diff("ConfigMap", "big", [{ path: "data.blob", desired: long }])],
    );
    assert.equal((details.created as string[]).length, AUDIT_MAX_OBJECTS);
    assert.equal(details.objectsOmitted, 5);
    const field = (details.changed as { fields: { to: string }[] }[])[0]?.fields[0];
    assert.match(field?.to ?? "", new RegExp(`… \\(${long.length + 2} characters\\)$`));
  });

  it("says which field manager drifted an object and how long healing took", () => {
    const drift: DriftRecord = {
      group: "apps",
      kind: "Deployment",
      namespace: "web",
      name: "web",
      manager: "kubectl-edit",
      change: "modified",
      detectedAt: "2026-12-02T12:00:00.000Z",
      fields: ["spec.replicas"],
    };
    assert.deepEqual(driftDetails(drift, "2026-12-02T12:00:01.500Z"), {
      object: "Deployment/web/web",
      change: "modified",
      manager: "kubectl-edit",
      detectedAt: "2026-12-02T12:00:00.000Z",
      fields: ["spec.replicas"],
      healedAt: "2026-12-02T12:00:01.500Z",
      timeToHealMs: 1500,
    });
  });

  it("records as the replica, or as the person who asked, with project and object from the subject", async () => {
    const entries: AuditEntry[] = [];
    const audit = new ControllerAudit({ record: async (e) => void entries.push(e) }, "mooring-0");
    const app = {
      apiVersion: "mooring.dev/v1alpha1",
      kind: "Application",
      metadata: { namespace: "mooring", name: "web" },
      spec: { project: "team-a" },
    };
    audit.record("sync", app, { revision: "abc" });
    audit.record("sync", app, { revision: "def" }, audit.actorFor("alice"));
    assert.deepEqual(
      entries.map((e) => [e.actor, e.project, e.object]),
      [
        [
          { type: "controller", name: "mooring-0" },
          "team-a",
          { group: "mooring.dev", kind: "Application", namespace: "mooring", name: "web" },
        ],
        [
          { type: "user", name: "alice" },
          "team-a",
          { group: "mooring.dev", kind: "Application", namespace: "mooring", name: "web" },
        ],
      ],
    );
  });

  it("tells listeners of each stored entry with its seq, and of none that was dropped", async () => {
    let next = 40;
    const audit = new ControllerAudit(
      { record: async (e) => (e.details.drop ? undefined : ++next) },
      "mooring-0",
    );
    const seen: [string, number][] = [];
    const stop = audit.onRecorded((entry, seq) => seen.push([String(entry.details.revision), seq]));
    audit.onRecorded(() => {
      throw new Error("a broken listener");
    });
    const app = {
      apiVersion: "mooring.dev/v1alpha1",
      kind: "Application",
      metadata: { namespace: "mooring", name: "web" },
    };
    audit.record("sync", app, { revision: "abc" });
    audit.record("sync", app, { revision: "lost", drop: true });
    audit.recordInProject("sync", "team-a", { revision: "def" });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(seen, [
      ["abc", 41],
      ["def", 42],
    ]);
    stop();
    audit.record("sync", app, { revision: "after" });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(seen.length, 2, "a listener that stopped hears nothing more");
  });
});
