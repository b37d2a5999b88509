import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseLabelSelector } from "./selector.ts";
import { appFilter, appRow, appSortKey, type ListFilters, stackRow } from "./summaries.ts";

const app = (
  name: string,
  extra: {
    project?: string;
    cluster?: string;
    health?: string;
    sync?: string;
    labels?: Record<string, string>;
    path?: string;
    finishedAt?: string;
  } = {},
) => ({
  metadata: {
    namespace: "team",
    name,
    labels: extra.labels ?? {},
    creationTimestamp: "2026-01-01T00:00:00Z",
  },
  spec: {
    ...(extra.project ? { project: extra.project } : {}),
    source: { repoURL: "https://git.example/org/Deploy.git", path: extra.path ?? "apps/web" },
    destination: { ...(extra.cluster ? { cluster: extra.cluster } : {}), namespace: "web" },
    syncPolicy: { automated: {} },
  },
  status: {
    sync: { status: extra.sync ?? "Synced", revision: "abc" },
    health: { status: extra.health ?? "Healthy" },
    ...(extra.finishedAt ? { operationState: { phase: "Succeeded", finishedAt: extra.finishedAt } } : {}),
    resources: [{ kind: "Secret", diff: [{ path: "/data/x", live: "++++++++ (1)" }] }],
  },
});

describe("the list row of an Application", () => {
  it("shows what a list needs and nothing heavy", () => {
    const row = appRow(app("web", { finishedAt: "2026-01-02T00:00:00Z" }));
    assert.deepEqual(row.summary, {
      namespace: "team",
      name: "web",
      project: "default",
      labels: {},
      source: { repoURL: "https://git.example/org/Deploy.git", path: "apps/web", targetRevision: "HEAD" },
      sources: [{ repoURL: "https://git.example/org/Deploy.git", path: "apps/web", targetRevision: "HEAD" }],
      destination: { cluster: "in-cluster", namespace: "web" },
      sync: "Synced",
      health: "Healthy",
      revision: "abc",
      operation: "Succeeded",
      lastSyncedAt: "2026-01-02T00:00:00Z",
      autoSync: true,
      suspended: false,
      createdAt: "2026-01-01T00:00:00Z",
    });
  });

  it("reads an app the controller has not seen yet as Unknown", () => {
    const row = appRow({ metadata: { namespace: "n", name: "new" }, spec: { source: {} } });
    assert.equal(row.summary.sync, "Unknown");
    assert.equal(row.summary.health, "Unknown");
    assert.equal(row.summary.lastSyncedAt, undefined);
  });
});

describe("the list row of a multi-source Application", () => {
  const chartWithValues = {
    metadata: { namespace: "team", name: "shop" },
    spec: {
      sources: [
        { repoURL: "oci://registry.example/charts", chart: "shop", targetRevision: "1.x" },
        { repoURL: "https://git.example/org/values.git", targetRevision: "main", ref: "values" },
      ],
      destination: { namespace: "shop" },
    },
    status: { sync: { status: "Synced", revision: "shop@1.2.0,abc", revisions: ["shop@1.2.0", "abc"] } },
  };

  it("carries every source and each one's revision; source is the first rendered one", () => {
    const row = appRow(chartWithValues);
    assert.deepEqual(row.summary.sources, [
      { repoURL: "oci://registry.example/charts", path: "", targetRevision: "1.x", chart: "shop" },
      { repoURL: "https://git.example/org/values.git", path: "", targetRevision: "main", ref: "values" },
    ]);
    assert.equal(row.summary.source.chart, "shop");
    assert.deepEqual(row.summary.revisions, ["shop@1.2.0", "abc"]);
  });

  it("shows a ref source first in spec order, but the rendered one as its source", () => {
    const [chart, values] = chartWithValues.spec.sources;
    const row = appRow({ ...chartWithValues, spec: { ...chartWithValues.spec, sources: [values, chart] } });
    assert.equal(row.summary.source.chart, "shop");
    assert.equal(row.summary.sources[0]?.ref, "values");
  });

  it("is found by the repository of any source, and by the chart's name", () => {
    const rows = [appRow(chartWithValues), appRow(app("web"))];
    const found = (search: string) => rows.filter(appFilter({ search })).map((r) => r.name);
    assert.deepEqual(found("org/values"), ["shop"]);
    assert.deepEqual(found("registry.example"), ["shop"]);
    assert.deepEqual(found("SHOP"), ["shop"]);
    assert.deepEqual(found("org/deploy"), ["web"]);
  });
});

describe("the list row of a Stack", () => {
  it("shows readiness, a pending plan and drift", () => {
    const row = stackRow({
      metadata: { namespace: "infra", name: "db" },
      spec: { project: "team-a", source: { repoURL: "https://g/r", path: "tf" } },
      status: {
        conditions: [{ type: "Ready", status: "False", reason: "PlanPending" }],
        lastPlan: {
          id: "p-0123456789abcdef",
          revision: "abc123",
          pending: true,
          summary: { add: 2, change: 1, destroy: 1, replace: 1 },
        },
        lastApply: { appliedAt: "2026-01-02T00:00:00Z", result: "failed" },
        drift: { drifted: true },
      },
    });
    assert.equal(row.summary.project, "team-a");
    assert.equal(row.summary.ready, "False");
    assert.equal(row.summary.reason, "PlanPending");
    assert.equal(row.summary.pendingPlan, "p-0123456789abcdef");
    assert.equal(row.summary.drifted, true);
    assert.deepEqual(row.summary.lastPlan, {
      id: "p-0123456789abcdef",
      revision: "abc123",
      add: 2,
      change: 1,
      destroy: 1,
      pending: true,
    });
    assert.equal(row.summary.lastApplyResult, "failed");
  });
});

describe("Application filters", () => {
  const rows = [
    appRow(app("web", { project: "a", labels: { tier: "front" } })),
    appRow(app("api", { project: "b", cluster: "east", health: "Degraded", sync: "OutOfSync" })),
    appRow(app("db", { project: "a", path: "infra/POSTGRES" })),
  ];
  const selector = (text: string) => {
    const parsed = parseLabelSelector(text);
    assert.ok(parsed.ok);
    return parsed.selector;
  };
  const cases: [string, ListFilters, string[]][] = [
    ["no filters match all", {}, ["web", "api", "db"]],
    ["project", { projects: ["a"] }, ["web", "db"]],
    ["any of several projects", { projects: ["a", "b"] }, ["web", "api", "db"]],
    ["cluster, in-cluster by default", { clusters: ["in-cluster"] }, ["web", "db"]],
    ["health", { health: ["Degraded"] }, ["api"]],
    ["sync", { sync: ["OutOfSync"] }, ["api"]],
    ["label selector", { selector: selector("tier=front") }, ["web"]],
    ["search in the path, case-insensitive", { search: "postgres" }, ["db"]],
    ["search in the repository URL", { search: "org/deploy" }, ["web", "api", "db"]],
    ["search in the name, trimmed", { search: " API " }, ["api"]],
    ["all filters together", { projects: ["a"], search: "web" }, ["web"]],
  ];
  for (const [what, filters, expected] of cases) {
    it(`by ${what}`, () => {
      assert.deepEqual(
        rows.filter(appFilter(filters)).map((r) => r.name),
        expected,
      );
    });
  }

  it("sorting by health puts the worst first", () => {
    const key = appSortKey("health");
    const ranks = rows.map((r) => [r.name, key(r)[0]] as const).sort((x, y) => Number(x[1]) - Number(y[1]));
    assert.equal(ranks[0]?.[0], "api");
  });
});
