import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DiffAction, ObjectDiff } from "./diff.ts";
import { formatRef, type KubeObject, type ObjectRef, refOf } from "./objects.ts";
import {
  compareForApply,
  compareForPrune,
  KIND_ORDER,
  planSync,
  type SyncPlan,
  type SyncPlanInput,
  type SyncStep,
} from "./sync-plan.ts";

function object(
  apiVersion: string,
  kind: string,
  name: string,
  annotations: Record<string, string> = {},
  namespace = "shop",
): KubeObject {
  return { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}), annotations } };
}

const namespace = object("v1", "Namespace", "shop", {}, "");
const crd = object(
  "apiextensions.k8s.io/v1",
  "CustomResourceDefinition",
  "certificates.cert-manager.io",
  { "mooring.dev/sync-wave": "-1" },
  "",
);
const certificate = object("cert-manager.io/v1", "Certificate", "web-tls", { "mooring.dev/sync-wave": "1" });
const serviceAccount = object("v1", "ServiceAccount", "web");
const settings = object("v1", "ConfigMap", "settings");
const deployment = object("apps/v1", "Deployment", "web");
const service = object("v1", "Service", "web");
const migrate = object("batch/v1", "Job", "db-migrate", { "mooring.dev/hook": "PreSync" });
const warmCache = object("batch/v1", "Job", "warm-cache", { "argocd.argoproj.io/hook": "Sync" });
const smokeTest = object("batch/v1", "Job", "smoke-test", { "mooring.dev/hook": "PostSync" });
const notify = object("batch/v1", "Job", "notify", { "mooring.dev/hook": "SyncFail" });
const legacySettings = object("v1", "ConfigMap", "legacy-settings");
const adminService = object("v1", "Service", "web-admin");
const desired = [
  deployment,
  service,
  certificate,
  settings,
  migrate,
  warmCache,
  smokeTest,
  notify,
  crd,
  namespace,
  serviceAccount,
];

function diff(obj: KubeObject, action: DiffAction): ObjectDiff {
  return { ref: refOf(obj), action, changes: [] };
}

function input(overrides: Partial<SyncPlanInput> = {}): SyncPlanInput {
  return {
    desired,
    live: [legacySettings, adminService],
    diffs: [
      ...desired.filter((obj) => obj.kind !== "Job").map((obj) => diff(obj, "update")),
      diff(legacySettings, "delete"),
      diff(adminService, "delete"),
    ],
    options: { prune: true },
    ...overrides,
  };
}

function summary(steps: SyncStep[]): string[] {
  return steps.map(
    (s) => `${s.phase} ${s.wave} ${s.action}: ${s.objects.map((o) => formatRef(refOf(o))).join(", ")}`,
  );
}

function planned(plan: SyncPlan): string[] {
  assert.deepEqual(plan.errors, []);
  return summary(plan.steps);
}

describe("planSync", () => {
  it("runs PreSync hooks, then each wave in kind order with its hooks and prunes, then PostSync hooks", () => {
    assert.deepEqual(planned(planSync(input())), [
      "PreSync 0 hook: Job/shop/db-migrate",
      "Sync -1 apply: CustomResourceDefinition/certificates.cert-manager.io",
      "Sync 0 apply: Namespace/shop, ServiceAccount/shop/web, ConfigMap/shop/settings, Service/shop/web, Deployment/shop/web",
      "Sync 0 hook: Job/shop/warm-cache",
      "Sync 0 prune: Service/shop/web-admin, ConfigMap/shop/legacy-settings",
      "Sync 1 apply: Certificate/shop/web-tls",
      "PostSync 0 hook: Job/shop/smoke-test",
    ]);
  });

  it("keeps SyncFail hooks apart, to run only when the sync fails", () => {
    const plan = planSync(input());
    assert.deepEqual(summary(plan.onFail), ["SyncFail 0 hook: Job/shop/notify"]);
    assert.equal(
      plan.steps.some((s) => s.phase === "SyncFail"),
      false,
    );
  });

  it("prunes an object in its own wave, after that wave's applies", () => {
    const late = object("v1", "ConfigMap", "late", { "mooring.dev/sync-wave": "1" });
    const plan = planSync(input({ live: [late], diffs: [diff(late, "delete")] }));
    assert.deepEqual(planned(plan).slice(-3), [
      "Sync 1 apply: Certificate/shop/web-tls",
      "Sync 1 prune: ConfigMap/shop/late",
      "PostSync 0 hook: Job/shop/smoke-test",
    ]);
  });

  it("prunes after every wave, before PostSync hooks, when the Application says PruneLast", () => {
    const plan = planSync(input({ options: { prune: true, pruneLast: true } }));
    assert.deepEqual(planned(plan).slice(-3), [
      "Sync 1 apply: Certificate/shop/web-tls",
      "Sync 2 prune: Service/shop/web-admin, ConfigMap/shop/legacy-settings",
      "PostSync 0 hook: Job/shop/smoke-test",
    ]);
  });

  it("prunes last an object annotated PruneLast=true, the others in their wave", () => {
    const last = object("v1", "ConfigMap", "last", { "mooring.dev/sync-options": "PruneLast=true" });
    const plan = planSync(
      input({ live: [last, adminService], diffs: [diff(last, "delete"), diff(adminService, "delete")] }),
    );
    const steps = planned(plan);
    assert.ok(steps.includes("Sync 0 prune: Service/shop/web-admin"));
    assert.equal(steps.at(-2), "Sync 2 prune: ConfigMap/shop/last");
  });

  it("gives the prune-last step wave 0 when nothing else is applied", () => {
    const plan = planSync({
      desired: [],
      live: [adminService],
      diffs: [diff(adminService, "delete")],
      options: { prune: true, pruneLast: true },
    });
    assert.deepEqual(planned(plan), ["Sync 0 prune: Service/shop/web-admin"]);
  });

  it("prunes nothing when pruning is off (the default), and says why", () => {
    const plan = planSync(input({ options: {} }));
    assert.equal(
      plan.steps.some((s) => s.action === "prune"),
      false,
    );
    assert.deepEqual(plan.skipped, [
      { ref: refOf(legacySettings), reason: "not pruned: pruning is disabled" },
      { ref: refOf(adminService), reason: "not pruned: pruning is disabled" },
    ]);
  });

  it("never prunes an object annotated Prune=false", () => {
    const kept = object("v1", "PersistentVolumeClaim", "data", {
      "argocd.argoproj.io/sync-options": "Prune=false",
    });
    const plan = planSync(input({ live: [kept], diffs: [diff(kept, "delete")] }));
    assert.equal(
      plan.steps.some((s) => s.action === "prune"),
      false,
    );
    assert.deepEqual(plan.skipped, [{ ref: refOf(kept), reason: "not pruned: annotated Prune=false" }]);
  });

  it("never prunes a hook left over from an earlier sync", () => {
    const oldHook = object("batch/v1", "Job", "db-migrate-old", { "mooring.dev/hook": "PreSync" });
    const plan = planSync(input({ live: [oldHook], diffs: [diff(oldHook, "delete")] }));
    assert.equal(
      plan.steps.some((s) => s.action === "prune"),
      false,
    );
  });

  it("applies only out-of-sync objects when asked to", () => {
    const diffs = [diff(deployment, "update"), diff(settings, "none"), diff(service, "create")];
    const only = planSync({
      desired: [deployment, settings, service],
      live: [],
      diffs,
      options: { applyOutOfSyncOnly: true },
    });
    assert.deepEqual(planned(only), ["Sync 0 apply: Service/shop/web, Deployment/shop/web"]);
    const all = planSync({ desired: [deployment, settings, service], live: [], diffs });
    assert.deepEqual(planned(all), [
      "Sync 0 apply: ConfigMap/shop/settings, Service/shop/web, Deployment/shop/web",
    ]);
  });

  it("applies a desired object that has no diff", () => {
    assert.deepEqual(planned(planSync({ desired: [settings], live: [], diffs: [] })), [
      "Sync 0 apply: ConfigMap/shop/settings",
    ]);
  });

  it("runs a hook in each of its phases", () => {
    const both = object("batch/v1", "Job", "announce", { "mooring.dev/hook": "PreSync,PostSync" });
    assert.deepEqual(planned(planSync({ desired: [both], live: [], diffs: [] })), [
      "PreSync 0 hook: Job/shop/announce",
      "PostSync 0 hook: Job/shop/announce",
    ]);
  });

  it("runs hooks of one phase wave by wave", () => {
    const backup = object("batch/v1", "Job", "backup", {
      "mooring.dev/hook": "PreSync",
      "mooring.dev/sync-wave": "-1",
    });
    assert.deepEqual(planned(planSync({ desired: [migrate, backup], live: [], diffs: [] })), [
      "PreSync -1 hook: Job/shop/backup",
      "PreSync 0 hook: Job/shop/db-migrate",
    ]);
  });

  it("never applies a Skip hook, and says so", () => {
    const skipped = object("v1", "ConfigMap", "example", { "argocd.argoproj.io/hook": "Skip" });
    const plan = planSync({ desired: [skipped], live: [], diffs: [] });
    assert.deepEqual(planned(plan), []);
    assert.deepEqual(plan.skipped, [
      { ref: refOf(skipped), reason: "never applied: a Skip hook, or a Helm hook with no sync phase" },
    ]);
  });

  it("runs Helm's pre-upgrade hooks as PreSync hooks, weighted", () => {
    const helmHook = object("batch/v1", "Job", "chart-migrate", {
      "helm.sh/hook": "pre-upgrade",
      "helm.sh/hook-weight": "-2",
    });
    assert.deepEqual(planned(planSync({ desired: [helmHook], live: [], diffs: [] })), [
      "PreSync -2 hook: Job/shop/chart-migrate",
    ]);
  });

  it("returns every malformed annotation as an error, and no steps", () => {
    const badWave = object("apps/v1", "Deployment", "api", { "mooring.dev/sync-wave": "first" });
    const badPrune = object("v1", "ConfigMap", "old", { "mooring.dev/sync-options": "Prune=never" });
    const plan = planSync({
      desired: [badWave, deployment],
      live: [badPrune],
      diffs: [diff(badPrune, "delete")],
      options: { prune: true },
    });
    assert.deepEqual(plan.steps, []);
    assert.deepEqual(plan.onFail, []);
    assert.deepEqual(
      plan.errors.map((e) => `${e.code} ${e.message}`),
      [
        'InvalidSyncWave Deployment/shop/api: annotation mooring.dev/sync-wave: "first" is not an integer wave',
        'InvalidSyncOption ConfigMap/shop/old: annotation mooring.dev/sync-options: sync option "Prune=never": value must be one of true, false',
      ],
    );
    assert.deepEqual(plan.errors[0]?.ref, refOf(badWave));
  });

  it("leaves a hook of an unknown type out with a warning, and syncs the rest", () => {
    const badHook = object("batch/v1", "Job", "seed", { "mooring.dev/hook": "PreInstall" });
    const plan = planSync({ desired: [badHook, deployment], live: [], diffs: [] });
    assert.deepEqual(plan.errors, []);
    assert.deepEqual(planned(plan), ["Sync 0 apply: Deployment/shop/web"]);
    const warning =
      'Job/shop/seed: annotation mooring.dev/hook: unknown hook "PreInstall" ignored; use one of PreSync, Sync, PostSync, SyncFail, PreDelete, PostDelete, Skip';
    assert.deepEqual(
      plan.warnings.map((w) => `${w.code} ${w.message}`),
      [`UnknownHook ${warning}`],
    );
    assert.deepEqual(plan.skipped, [{ ref: refOf(badHook), reason: warning }]);
  });

  it("keeps deletion hooks out of the sync", () => {
    const preDelete = object("batch/v1", "Job", "backup", { "argocd.argoproj.io/hook": "PreDelete" });
    const plan = planSync({ desired: [preDelete, deployment], live: [], diffs: [] });
    assert.deepEqual(planned(plan), ["Sync 0 apply: Deployment/shop/web"]);
    assert.deepEqual(plan.skipped, [
      { ref: refOf(preDelete), reason: "runs only when the Application is deleted (PreDelete hook)" },
    ]);
  });

  it("reports a prune whose live object it was not given", () => {
    const plan = planSync({
      desired: [],
      live: [],
      diffs: [diff(adminService, "delete")],
      options: { prune: true },
    });
    assert.deepEqual(plan.errors, [
      {
        code: "MissingLiveObject",
        ref: refOf(adminService),
        message: "Service/shop/web-admin: to be pruned but missing from the live objects given to the plan",
      },
    ]);
  });
});

describe("kind order", () => {
  const ref = (kind: string, name = "x"): ObjectRef => ({ group: "", kind, namespace: "shop", name });

  it("applies known kinds in KIND_ORDER and custom resources after them, by kind then name", () => {
    const refs = [
      ref("Widget", "b"),
      ...[...KIND_ORDER].reverse().map((k) => ref(k)),
      ref("Certificate"),
      ref("Widget", "a"),
    ];
    assert.deepEqual(
      refs.sort(compareForApply).map((r) => `${r.kind}/${r.name}`),
      [...KIND_ORDER.map((k) => `${k}/x`), "Certificate/x", "Widget/a", "Widget/b"],
    );
  });

  it("prunes in the reverse kind order, custom resources first", () => {
    const refs = [
      ref("Namespace"),
      ref("Deployment"),
      ref("Certificate"),
      ref("CustomResourceDefinition"),
      ref("Service"),
    ];
    assert.deepEqual(
      refs.sort(compareForPrune).map((r) => r.kind),
      ["Certificate", "Deployment", "Service", "CustomResourceDefinition", "Namespace"],
    );
  });
});
