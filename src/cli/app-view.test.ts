import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ApplicationStatus, HistoryEntry } from "../core/app-status.ts";
import type { Application } from "../core/application.ts";
import {
  operationProgress,
  renderAppList,
  renderAppSummary,
  renderHistory,
  renderResources,
  stalledCondition,
} from "./app-view.ts";

const NOW = Date.parse("2026-03-01T12:00:00Z");
const SHA1 = "1111111111aaaaaaaaaabbbbbbbbbbcccccccccc";
const SHA2 = "2222222222aaaaaaaaaabbbbbbbbbbcccccccccc";

function entry(id: number, revision: string, message: string, trigger: string): HistoryEntry {
  return {
    id,
    revision,
    author: "Ada <ada@example.com>",
    message,
    committedAt: "2026-03-01T10:00:00Z",
    deployedAt: `2026-03-01T1${id}:00:00Z`,
    trigger,
    source: { repoURL: "https://git.example.com/shop.git", path: "deploy", targetRevision: "main" },
  };
}

function app(name: string, status: Partial<ApplicationStatus> = {}, generation = 1): Application {
  return {
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Application",
    metadata: { name, namespace: "mooring", generation, creationTimestamp: "2026-03-01T11:00:00Z" },
    spec: {
      source: { repoURL: "https://git.example.com/shop.git", path: "deploy", targetRevision: "main" },
      destination: { namespace: "shop" },
      syncPolicy: { automated: { prune: true } },
    },
    status: status as Record<string, unknown>,
  };
}

const healthy: Partial<ApplicationStatus> = {
  sync: { status: "Synced", revision: SHA2 },
  health: { status: "Healthy" },
  conditions: [
    {
      type: "Ready",
      status: "True",
      reason: "Synced",
      message: "synced",
      lastTransitionTime: "2026-03-01T11:00:00Z",
    },
  ],
  resources: [
    {
      group: "apps",
      version: "v1",
      kind: "Deployment",
      namespace: "shop",
      name: "web",
      status: "Synced",
      health: { status: "Healthy" },
    },
    {
      group: "",
      version: "v1",
      kind: "ConfigMap",
      namespace: "shop",
      name: "web-config",
      status: "OutOfSync",
      health: { status: "Healthy" },
      diff: [{ path: "data.a", live: "1", desired: "2" }],
    },
  ],
  history: [entry(1, SHA1, "first\n\nbody", "automated"), entry(2, SHA2, "second", "manual")],
};

describe("app tables", () => {
  it("lists apps with short revisions and the Ready message only when not ready", () => {
    const broken = app("api", {
      sync: { status: "Unknown" },
      health: { status: "Unknown" },
      conditions: [
        {
          type: "Ready",
          status: "False",
          reason: "RenderFailed",
          message: "kustomization.yaml:\nbad",
          lastTransitionTime: "2026-03-01T11:00:00Z",
        },
      ],
    });
    assert.equal(
      renderAppList([app("shop", healthy), broken], { now: NOW }),
      [
        "NAME   SYNC      HEALTH    REVISION     REPO                               PATH     AGE   STATUS",
        "shop   Synced    Healthy   2222222222   https://git.example.com/shop.git   deploy   60m",
        "api    Unknown   Unknown                https://git.example.com/shop.git   deploy   60m   kustomization.yaml: bad",
      ].join("\n"),
    );
  });

  it("shows the resources an app manages with their sync and health", () => {
    assert.equal(
      renderResources(healthy.resources ?? []),
      [
        "KIND         NAMESPACE   NAME         STATUS      HEALTH    MESSAGE",
        "Deployment   shop        web          Synced      Healthy",
        "ConfigMap    shop        web-config   OutOfSync   Healthy",
      ].join("\n"),
    );
    assert.equal(renderResources([]), "no resources yet");
  });

  it("lists history with the first line of each message and marks the pinned entry", () => {
    const pinned = app("shop", {
      ...healthy,
      pin: { revision: SHA1, historyId: 1, headAtPin: SHA2, pinnedAt: "2026-03-01T11:30:00Z" },
    });
    assert.equal(
      renderHistory(pinned),
      [
        "ID   DEPLOYED                  REVISION     AUTHOR                  MESSAGE   TRIGGER",
        "1*   2026-03-01 11:00:00 UTC   1111111111   Ada <ada@example.com>   first     automated",
        "2    2026-03-01 12:00:00 UTC   2222222222   Ada <ada@example.com>   second    manual",
        "* pinned at 1111111111 (history 1) until a new commit arrives on main or `moor app unpin shop`",
      ].join("\n"),
    );
    assert.equal(renderHistory(app("new")), "application new has no deploy history yet");
  });

  it("shows who signed each deployed commit when a project requires signatures", () => {
    const signed = app("shop", {
      history: [
        entry(1, SHA1, "first", "automated"),
        {
          ...entry(2, SHA2, "second", "automated"),
          signer: { format: "ssh", identity: "ada@example.com", key: "SHA256:abc" },
        },
      ],
    });
    assert.deepEqual(
      renderHistory(signed)
        .split("\n")
        .map((line) => line.split(/\s{2,}/).at(-1)),
      ["SIGNER", "unsigned", "ssh ada@example.com"],
    );
  });

  it("summarises source, destination, standing, last sync and a pending request", () => {
    const withOp = {
      ...app("shop", {
        ...healthy,
        commit: {
          revision: SHA2,
          author: "Ada <ada@example.com>",
          message: "second\nmore",
          committedAt: "2026-03-01T10:00:00Z",
        },
        operationState: {
          phase: "Succeeded",
          trigger: "manual",
          revision: SHA2,
          message: "2 applied",
          startedAt: "2026-03-01T11:58:00Z",
          finishedAt: "2026-03-01T11:59:00Z",
          attempt: 1,
          resources: [],
          initiatedBy: { username: "ada" },
        } as ApplicationStatus["operationState"],
      }),
      operation: { sync: {} },
    };
    const summary = renderAppSummary(withOp, NOW);
    for (const line of [
      "Name:        mooring/shop",
      "Project:     default",
      "Destination: in-cluster, namespace shop",
      "Sync policy: automated (prune)",
      "Sync:        Synced to 2222222222",
      "Ready:       True (Synced) synced",
      "Commit:      2222222222 by Ada <ada@example.com> 2h ago: second",
      "Last sync:   Succeeded 60s ago (manual by ada, 2222222222): 2 applied",
      "Pending:     sync requested, waiting for the controller",
    ]) {
      assert.ok(summary.split("\n").includes(line), `missing line ${JSON.stringify(line)} in\n${summary}`);
    }
  });
});

describe("a multi-source app", () => {
  const chartWithValues = (): Application => ({
    ...app("shop", {
      ...healthy,
      sync: { status: "Synced", revision: `shop@1.2.0,${SHA2}`, revisions: ["shop@1.2.0", SHA2] },
    }),
    spec: {
      sources: [
        {
          repoURL: "oci://registry.example.com/charts",
          chart: "shop",
          targetRevision: "1.x",
          helm: { valueFiles: ["$values/envs/prod.yaml"] },
        },
        { repoURL: "https://git.example.com/values.git", targetRevision: "main", ref: "values" },
      ],
      destination: { namespace: "shop" },
    },
  });

  it("shows every source with its revision in `moor app get`", () => {
    const lines = renderAppSummary(chartWithValues(), NOW).split("\n");
    for (const line of [
      "Source 1:    oci://registry.example.com/charts chart shop @ 1.x, at shop@1.2.0",
      "Source 2:    https://git.example.com/values.git ref values @ main, at 2222222222",
      "Sync:        Synced to shop@1.2.0, 2222222222",
    ])
      assert.ok(lines.includes(line), `missing line ${JSON.stringify(line)} in\n${lines.join("\n")}`);
    assert.equal(
      lines.find((l) => l.startsWith("Repo:")),
      undefined,
    );
  });

  it("lists the chart as the app's repository and path, counting the other sources", () => {
    const [header, row] = renderAppList([chartWithValues()], { now: NOW }).split("\n");
    assert.match(header ?? "", /REVISION\s+REPO\s+PATH/);
    assert.match(
      row ?? "",
      /shop@1\.2\.0, 2222222222\s+oci:\/\/registry\.example\.com\/charts \(\+1 more\)\s+chart shop\s/,
    );
  });
});

describe("stalledCondition", () => {
  const stalled = (observedGeneration: number) => ({
    conditions: [
      {
        type: "Stalled",
        status: "True" as const,
        reason: "RenderFailed",
        message: "bad",
        lastTransitionTime: "2026-03-01T11:00:00Z",
        observedGeneration,
      },
    ],
  });

  it("counts only a Stalled condition about the current spec", () => {
    assert.equal(stalledCondition(app("a", stalled(2), 2))?.reason, "RenderFailed");
    assert.equal(stalledCondition(app("a", stalled(1), 2)), undefined, "the spec changed since");
    assert.equal(stalledCondition(app("a", healthy)), undefined);
  });
});

describe("a running operation", () => {
  const running = {
    phase: "Running" as const,
    trigger: "manual",
    revision: SHA2,
    message: "waiting for PreSync hook Job/shop/migrate to complete",
    startedAt: "2026-03-01T11:59:00Z",
    attempt: 1,
    resources: [],
    initiatedBy: { username: "ada" },
    step: { phase: "PreSync", wave: 0, action: "hook" as const, index: 1, of: 3 },
    waitingFor: {
      message: "waiting for PreSync hook Job/shop/migrate to complete",
      since: "2026-03-01T11:59:20Z",
    },
  };

  it("moor app get shows its step, what it waits for and since when", () => {
    const summary = renderAppSummary(app("shop", { ...healthy, operationState: running }), NOW);
    assert.match(
      summary,
      /^Operation: +Running, wave 0 PreSync hooks 1\/3: waiting for PreSync hook Job\/shop\/migrate to complete \(for 40s\) \(manual by ada, 2222222222, started 60s ago\)$/m,
    );
    assert.doesNotMatch(summary, /Last sync/);
  });

  it("is empty once the operation finished", () => {
    assert.equal(operationProgress({ ...running, phase: "Succeeded" }, NOW), "");
  });
});
