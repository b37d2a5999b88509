// A sync of chosen objects plans only them (never hooks), and a dry run ends at once saying per
// object what the sync would have done, without a hook run or a history entry.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OperationState } from "../core/app-status.ts";
import type { KubeObject } from "../core/objects.ts";
import type { SyncPlan } from "../core/sync-plan.ts";
import type { Comparison } from "./compare.ts";
import { finishDryRun, type isSelected, selectComparison } from "./sync-selection.ts";

const cm = (name: string, namespace = "shop"): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace },
});
const ref = (name: string, namespace = "shop") => ({ group: "", kind: "ConfigMap", namespace, name });

const comparison: Comparison = {
  objects: [
    { ref: ref("one"), desired: cm("one"), live: null, predicted: null, hook: false },
    { ref: ref("two"), desired: cm("two"), live: cm("two"), predicted: null, hook: false },
    { ref: ref("migrate"), desired: cm("migrate"), live: null, predicted: null, hook: true },
  ],
  diffs: [
    { ref: ref("one"), action: "create", changes: [] },
    { ref: ref("two"), action: "update", changes: [] },
    { ref: ref("old"), action: "delete", changes: [] },
  ],
  pruneCandidates: [cm("old")],
};

describe("sync of chosen objects", () => {
  const cases: { name: string; selection: Parameters<typeof isSelected>[1]; selected: string[] }[] = [
    { name: "matches group, kind, namespace and name", selection: [ref("one")], selected: ["one"] },
    {
      name: "a selection without namespace matches the name in any namespace",
      selection: [{ group: "", kind: "ConfigMap", name: "two" }],
      selected: ["two"],
    },
    { name: "another namespace does not match", selection: [ref("one", "other")], selected: [] },
    {
      name: "another group does not match",
      selection: [{ group: "apps", kind: "ConfigMap", namespace: "shop", name: "one" }],
      selected: [],
    },
    { name: "a chosen hook is still left out", selection: [ref("migrate")], selected: [] },
    { name: "a chosen object Git dropped is a prune candidate", selection: [ref("old")], selected: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const narrowed = selectComparison(comparison, c.selection);
      assert.deepEqual(
        narrowed.objects.map((o) => o.ref.name),
        c.selected,
      );
    });
  }

  it("keeps the prune candidates and diffs of chosen objects only", () => {
    const narrowed = selectComparison(comparison, [ref("old"), ref("one")]);
    assert.deepEqual(
      narrowed.pruneCandidates.map((o) => o.metadata.name),
      ["old"],
    );
    assert.deepEqual(
      narrowed.diffs.map((d) => d.ref.name),
      ["one", "old"],
    );
  });
});

describe("dry-run sync", () => {
  const start: OperationState = {
    phase: "Running",
    trigger: "manual",
    revision: "abc",
    prune: true,
    message: "sync started",
    startedAt: "2026-12-02T10:00:00Z",
    attempt: 1,
    resources: [],
    hooks: [],
  };
  const plan: SyncPlan = {
    steps: [
      { phase: "PreSync", wave: 0, action: "hook", objects: [cm("migrate")] },
      { phase: "Sync", wave: 0, action: "apply", objects: [cm("one"), cm("two")] },
      { phase: "Sync", wave: 0, action: "prune", objects: [cm("old")] },
    ],
    onFail: [],
    skipped: [],
    errors: [],
    warnings: [],
  };

  it("ends Succeeded at once, saying what each object would have become, hooks not run", () => {
    const done = finishDryRun(start, plan, comparison, "2026-12-02T10:00:01Z");
    assert.equal(done.phase, "Succeeded");
    assert.equal(done.dryRun, true);
    assert.equal(done.finishedAt, "2026-12-02T10:00:01Z");
    assert.deepEqual(
      done.resources.map((r) => `${r.name}:${r.result}`),
      ["migrate:skipped", "one:created", "two:configured", "old:deleted"],
    );
    assert.match(done.message, /dry run: 1 to create, 1 to configure, 1 to prune; nothing was changed/);
  });
});
