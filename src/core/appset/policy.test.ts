import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Application } from "../application.ts";
import { APPLICATION_SET_LABEL } from "./generate.ts";
import { planApplications, RESOURCES_FINALIZER } from "./policy.ts";
import type { ApplicationSet, ApplicationsSyncPolicy } from "./types.ts";

const OWNER = {
  apiVersion: "mooring.dev/v1alpha1",
  kind: "ApplicationSet",
  name: "web",
  uid: "set-uid",
  controller: true,
};

function set(
  applicationsSync?: ApplicationsSyncPolicy,
  preserveResourcesOnDeletion?: boolean,
): ApplicationSet {
  return {
    apiVersion: "mooring.dev/v1alpha1",
    kind: "ApplicationSet",
    metadata: { name: "web", namespace: "apps", uid: "set-uid" },
    spec: {
      generators: [],
      template: { metadata: {}, spec: { source: { repoURL: "r" }, destination: {} } },
      syncPolicy: { applicationsSync, preserveResourcesOnDeletion },
    },
  };
}

function app(name: string, path: string, extra: Partial<Application["metadata"]> = {}): Application {
  return {
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Application",
    metadata: {
      name,
      namespace: "apps",
      labels: { [APPLICATION_SET_LABEL]: "web" },
      ownerReferences: [OWNER],
      ...extra,
    },
    spec: { source: { repoURL: "r", path }, destination: {} },
  };
}

const live = (a: Application, extra: Partial<Application["metadata"]> = {}): Application => ({
  ...a,
  metadata: { ...a.metadata, resourceVersion: "7", finalizers: [RESOURCES_FINALIZER], ...extra },
  status: { sync: { status: "Synced" } },
});

function summary(plan: ReturnType<typeof planApplications>) {
  return {
    create: plan.create.map((a) => a.metadata.name),
    update: plan.update.map((u) => `${u.application.metadata.name}${u.adopted ? " (adopted)" : ""}`),
    delete: plan.delete.map((d) => d.name),
    unchanged: plan.unchanged,
    held: plan.held.map((h) => h.application),
  };
}

describe("planApplications", () => {
  const generated = [app("a", "new"), app("b", "same"), app("c", "fresh")];
  const existing = [live(app("a", "old")), live(app("b", "same")), live(app("gone", "x"))];

  const cases: [ApplicationsSyncPolicy | undefined, ReturnType<typeof summary>][] = [
    [undefined, { create: ["c"], update: ["a"], delete: ["gone"], unchanged: ["apps/b"], held: [] }],
    ["sync", { create: ["c"], update: ["a"], delete: ["gone"], unchanged: ["apps/b"], held: [] }],
    [
      "create-only",
      { create: ["c"], update: [], delete: [], unchanged: ["apps/b"], held: ["apps/a", "apps/gone"] },
    ],
    [
      "create-update",
      { create: ["c"], update: ["a"], delete: [], unchanged: ["apps/b"], held: ["apps/gone"] },
    ],
    [
      "create-delete",
      { create: ["c"], update: [], delete: ["gone"], unchanged: ["apps/b"], held: ["apps/a"] },
    ],
  ];
  for (const [policy, expected] of cases) {
    it(`under ${policy ?? "the default policy"} creates, updates and deletes only what it allows`, () => {
      assert.deepEqual(summary(planApplications(set(policy), generated, existing)), expected);
    });
  }

  it("keeps the app controller's finalizer, a refresh annotation and the live resourceVersion on update", () => {
    const current = live(app("a", "old"), {
      annotations: { "mooring.dev/refresh": "hard", "someone/else": "x" },
    });
    const [update] = planApplications(set(), [app("a", "new")], [current]).update;
    assert.deepEqual(update?.application.metadata.finalizers, [RESOURCES_FINALIZER]);
    assert.deepEqual(update?.application.metadata.annotations, { "mooring.dev/refresh": "hard" });
    assert.equal(update?.application.metadata.resourceVersion, "7");
    assert.equal(update?.application.spec.source?.path, "new");
  });

  it("adopts an Application of the same name that has no owner", () => {
    const unowned = live(app("a", "new"), { ownerReferences: undefined, labels: {} });
    const plan = planApplications(set(), [app("a", "new")], [unowned]);
    assert.deepEqual(summary(plan).update, ["a (adopted)"]);
    assert.deepEqual(plan.update[0]?.application.metadata.ownerReferences, [OWNER]);
  });

  it("neither adopts nor deletes an Application another controller owns, and says who owns it", () => {
    const foreign = live(app("a", "new"), { ownerReferences: [{ ...OWNER, name: "other", uid: "u2" }] });
    const plan = planApplications(set(), [app("a", "new")], [foreign]);
    assert.deepEqual(summary(plan), { create: [], update: [], delete: [], unchanged: [], held: [] });
    assert.match(
      plan.conflicts[0]?.message ?? "",
      /apps\/a already exists and belongs to ApplicationSet other/,
    );
  });

  it("leaves an Application already being deleted alone", () => {
    const plan = planApplications(
      set(),
      [],
      [live(app("gone", "x"), { deletionTimestamp: "2026-01-01T00:00:00Z" })],
    );
    assert.deepEqual(plan.delete, []);
  });

  it("drops the resources finalizer of deleted Applications when resources are preserved", () => {
    const gone = [live(app("gone", "x"))];
    assert.deepEqual(planApplications(set("sync", true), [], gone).delete, [
      { name: "gone", namespace: "apps", dropFinalizers: [RESOURCES_FINALIZER] },
    ]);
    assert.deepEqual(planApplications(set("sync", false), [], gone).delete, [
      { name: "gone", namespace: "apps", dropFinalizers: [] },
    ]);
  });
});
