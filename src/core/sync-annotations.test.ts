import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "./objects.ts";
import {
  defaultAppSyncOptions,
  deleteHookPhases,
  hookDeletePolicies,
  hookPhases,
  isHook,
  objectSyncOptions,
  type Parsed,
  parseSyncOptions,
  syncWave,
  unknownHookTypes,
} from "./sync-annotations.ts";

function job(annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "db-migrate", namespace: "shop", annotations },
    spec: {
      template: {
        spec: { restartPolicy: "Never", containers: [{ name: "migrate", image: "acme/migrate:7" }] },
      },
    },
  };
}

function value<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) assert.fail(parsed.error.message);
  return parsed.value;
}

function errorOf<T>(parsed: Parsed<T>): string {
  if (parsed.ok) assert.fail(`expected an error, got ${JSON.stringify(parsed.value)}`);
  return parsed.error.message;
}

describe("syncWave", () => {
  const cases: [string, Record<string, string>, number][] = [
    ["defaults to wave 0", {}, 0],
    ["reads our annotation", { "mooring.dev/sync-wave": "2" }, 2],
    ["reads a negative wave", { "mooring.dev/sync-wave": "-1" }, -1],
    ["tolerates surrounding spaces", { "mooring.dev/sync-wave": " 3 " }, 3],
    ["honours Argo CD's annotation", { "argocd.argoproj.io/sync-wave": "5" }, 5],
    ["prefers ours over Argo CD's", { "mooring.dev/sync-wave": "1", "argocd.argoproj.io/sync-wave": "5" }, 1],
    ["falls back to a Helm hook weight", { "helm.sh/hook": "pre-install", "helm.sh/hook-weight": "-5" }, -5],
  ];
  for (const [name, annotations, expected] of cases) {
    it(name, () => assert.equal(value(syncWave(job(annotations))), expected));
  }

  const bad = ["soon", "1.5", "", "1e3", "99999999999999999999"];
  for (const wave of bad) {
    it(`reports "${wave}" as not an integer, naming the object`, () => {
      const parsed = syncWave(job({ "argocd.argoproj.io/sync-wave": wave }));
      assert.equal(parsed.ok ? "" : parsed.error.code, "InvalidSyncWave");
      assert.equal(
        errorOf(parsed),
        `Job/shop/db-migrate: annotation argocd.argoproj.io/sync-wave: "${wave}" is not an integer wave`,
      );
    });
  }
});

describe("isHook and hookPhases", () => {
  const cases: [string, Record<string, string>, boolean, string[]][] = [
    ["an ordinary object is no hook", {}, false, []],
    ["reads one phase", { "mooring.dev/hook": "PreSync" }, true, ["PreSync"]],
    [
      "reads a comma list, spaces and repeats tolerated",
      { "mooring.dev/hook": "PreSync, PostSync,PreSync" },
      true,
      ["PreSync", "PostSync"],
    ],
    ["honours Argo CD's annotation", { "argocd.argoproj.io/hook": "SyncFail" }, true, ["SyncFail"]],
    [
      "prefers ours over Argo CD's",
      { "mooring.dev/hook": "Sync", "argocd.argoproj.io/hook": "PostSync" },
      true,
      ["Sync"],
    ],
    ["reads Skip as a hook that never runs", { "argocd.argoproj.io/hook": "Skip" }, true, []],
    [
      "maps Helm's pre-install and pre-upgrade to PreSync",
      { "helm.sh/hook": "pre-install,pre-upgrade" },
      true,
      ["PreSync"],
    ],
    ["maps Helm's post-upgrade to PostSync", { "helm.sh/hook": "post-upgrade" }, true, ["PostSync"]],
    ["never runs a Helm hook with no sync equivalent", { "helm.sh/hook": "pre-delete,test" }, true, []],
    [
      "leaves deletion hooks out of the sync phases",
      { "mooring.dev/hook": "PreDelete,PostSync" },
      true,
      ["PostSync"],
    ],
    [
      "prefers ours over Helm's",
      { "mooring.dev/hook": "PostSync", "helm.sh/hook": "pre-install" },
      true,
      ["PostSync"],
    ],
  ];
  for (const [name, annotations, hook, phases] of cases) {
    it(name, () => {
      assert.equal(isHook(job(annotations)), hook);
      assert.deepEqual(value(hookPhases(job(annotations))), phases);
    });
  }

  it("ignores an unknown hook name with a warning that names it and the names accepted", () => {
    const obj = job({ "mooring.dev/hook": "PreSync,PreDeploy" });
    assert.deepEqual(value(hookPhases(obj)), ["PreSync"]);
    assert.equal(
      unknownHookTypes(obj)?.message,
      'Job/shop/db-migrate: annotation mooring.dev/hook: unknown hook "PreDeploy" ignored; use one of PreSync, Sync, PostSync, SyncFail, PreDelete, PostDelete, Skip',
    );
    assert.equal(unknownHookTypes(job({ "mooring.dev/hook": "PreSync" })), undefined);
    assert.equal(
      isHook(job({ "mooring.dev/hook": "PreDeploy" })),
      true,
      "still a hook, so never applied as an object",
    );
  });
});

describe("deleteHookPhases", () => {
  const cases: [string, Record<string, string>, string[]][] = [
    ["an ordinary object runs at no deletion", {}, []],
    ["a sync hook runs at no deletion", { "mooring.dev/hook": "PreSync" }, []],
    [
      "reads PreDelete and PostDelete",
      { "argocd.argoproj.io/hook": "PostDelete,PreDelete" },
      ["PostDelete", "PreDelete"],
    ],
    [
      "maps Helm's pre-delete and post-delete",
      { "helm.sh/hook": "pre-delete,post-delete,test" },
      ["PreDelete", "PostDelete"],
    ],
  ];
  for (const [name, annotations, phases] of cases) {
    it(name, () => assert.deepEqual(deleteHookPhases(job(annotations)), phases));
  }
});

describe("hookDeletePolicies", () => {
  const cases: [string, Record<string, string>, string[]][] = [
    ["defaults to deleting the previous run before creating the next", {}, ["BeforeHookCreation"]],
    [
      "reads a comma list",
      { "mooring.dev/hook-delete-policy": "HookSucceeded,HookFailed" },
      ["HookSucceeded", "HookFailed"],
    ],
    [
      "honours Argo CD's annotation",
      { "argocd.argoproj.io/hook-delete-policy": "HookSucceeded" },
      ["HookSucceeded"],
    ],
    [
      "maps Helm's policies",
      { "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded" },
      ["BeforeHookCreation", "HookSucceeded"],
    ],
    [
      "prefers ours over Helm's",
      { "mooring.dev/hook-delete-policy": "HookFailed", "helm.sh/hook-delete-policy": "hook-succeeded" },
      ["HookFailed"],
    ],
  ];
  for (const [name, annotations, expected] of cases) {
    it(name, () => assert.deepEqual(value(hookDeletePolicies(job(annotations))), expected));
  }

  it("reports an unknown policy", () => {
    const parsed = hookDeletePolicies(job({ "mooring.dev/hook-delete-policy": "OnSuccess" }));
    assert.match(
      errorOf(parsed),
      /^Job\/shop\/db-migrate: .*unknown hook delete policy "OnSuccess"; use one of HookSucceeded/,
    );
  });

  it("reports an unknown Helm policy in Helm's words", () => {
    const parsed = hookDeletePolicies(job({ "helm.sh/hook-delete-policy": "HookSucceeded" }));
    assert.match(errorOf(parsed), /use one of hook-succeeded, hook-failed, before-hook-creation$/);
  });
});

describe("objectSyncOptions", () => {
  const cases: [string, Record<string, string>, object][] = [
    ["sets nothing without the annotation", {}, {}],
    ["reads Prune=false", { "mooring.dev/sync-options": "Prune=false" }, { prune: false }],
    [
      "reads several options",
      { "mooring.dev/sync-options": "PruneLast=true, Replace=true,ServerSideApply=false" },
      { pruneLast: true, replace: true, serverSideApply: false },
    ],
    [
      "honours Argo CD's annotation",
      { "argocd.argoproj.io/sync-options": "SkipDryRunOnMissingResource=true" },
      { skipDryRunOnMissingResource: true },
    ],
    [
      "prefers ours over Argo CD's",
      { "mooring.dev/sync-options": "Delete=false", "argocd.argoproj.io/sync-options": "Prune=false" },
      { delete: false },
    ],
  ];
  for (const [name, annotations, expected] of cases) {
    it(name, () => assert.deepEqual(value(objectSyncOptions(job(annotations))), expected));
  }

  const bad: [string, string, RegExp][] = [
    ["a value that is not a boolean", "Prune=no", /sync option "Prune=no": value must be one of true, false/],
    ["an entry without =", "PruneLast", /sync option "PruneLast" is not of the form Key=value/],
    [
      "an unknown option",
      "Prune=false,Retry=true",
      /unknown sync option "Retry"; known options are Prune, PruneLast/,
    ],
    ["a key inherited by every JavaScript object", "toString=true", /unknown sync option "toString"/],
  ];
  for (const [name, text, message] of bad) {
    it(`reports ${name}`, () => {
      const parsed = objectSyncOptions(job({ "mooring.dev/sync-options": text }));
      assert.match(errorOf(parsed), /^Job\/shop\/db-migrate: annotation mooring.dev\/sync-options: /);
      assert.match(errorOf(parsed), message);
    });
  }
});

describe("parseSyncOptions", () => {
  it("defaults every option", () => {
    assert.deepEqual(parseSyncOptions(undefined), { options: defaultAppSyncOptions(), errors: [] });
  });

  const cases: [string, string, object][] = [
    ["CreateNamespace=true", "CreateNamespace=true", { createNamespace: true }],
    ["PruneLast=true", "PruneLast=true", { pruneLast: true }],
    [
      "PrunePropagationPolicy=background",
      "PrunePropagationPolicy=background",
      { prunePropagationPolicy: "background" },
    ],
    ["PrunePropagationPolicy=orphan", "PrunePropagationPolicy=orphan", { prunePropagationPolicy: "orphan" }],
    ["ApplyOutOfSyncOnly=true", "ApplyOutOfSyncOnly=true", { applyOutOfSyncOnly: true }],
    ["ServerSideApply=false", "ServerSideApply=false", { serverSideApply: false }],
    ["RespectIgnoreDifferences=true", "RespectIgnoreDifferences=true", { respectIgnoreDifferences: true }],
  ];
  for (const [name, option, changed] of cases) {
    it(`reads ${name}`, () => {
      assert.deepEqual(parseSyncOptions([option]), {
        options: { ...defaultAppSyncOptions(), ...changed },
        errors: [],
      });
    });
  }

  it("reads DeleteNamespace=true beside CreateNamespace=true", () => {
    assert.deepEqual(parseSyncOptions(["CreateNamespace=true", "DeleteNamespace=true"]), {
      options: { ...defaultAppSyncOptions(), createNamespace: true, deleteNamespace: true },
      errors: [],
    });
  });

  it("refuses DeleteNamespace=true without CreateNamespace=true: only a namespace Mooring created is deleted", () => {
    assert.deepEqual(parseSyncOptions(["DeleteNamespace=true"]).errors, [
      {
        code: "InvalidSyncOption",
        message:
          "sync option DeleteNamespace=true needs CreateNamespace=true: only a namespace Mooring created is deleted with the app",
      },
    ]);
  });

  it("reports each bad entry and keeps the defaults for them", () => {
    const parsed = parseSyncOptions([
      "PrunePropagationPolicy=Foreground",
      "CreateNamespace",
      "PruneLast=true",
    ]);
    assert.equal(parsed.options.prunePropagationPolicy, "foreground");
    assert.equal(parsed.options.pruneLast, true);
    assert.deepEqual(parsed.errors, [
      {
        code: "InvalidSyncOption",
        message:
          'sync option "PrunePropagationPolicy=Foreground": value must be one of foreground, background, orphan',
      },
      { code: "InvalidSyncOption", message: 'sync option "CreateNamespace" is not of the form Key=value' },
    ]);
  });
});
