// What a caller sees of a preview: only the targets of projects it may read, a preview none of
// whose targets it may read not at all, and a status that names nothing it may not see.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Subject } from "../../core/access/authorize.ts";
import type { LocalPreviewAnswer, PreviewRow, StoredPreview } from "../../core/preview/protocol.ts";
import type { PreviewReport } from "../../core/preview/report.ts";
import { previewStatus } from "../../core/preview/status.ts";
import {
  filterReport,
  planProjectsOf,
  visibleLocalAnswer,
  visibleRow,
  visibleStoredPreview,
} from "./previews.ts";

const noChanges = {
  objects: [],
  counts: { changed: 0, added: 0, pruned: 0 },
  callouts: [],
  line: "no changes",
};

// team-a owns shop/web; team-b owns pay/api (broken) and the Stack pay/db.
const REPORT: PreviewReport = {
  headSha: "abc123",
  baseRef: "main",
  apps: [
    { namespace: "shop", name: "web", status: "rendered", summary: { git: noChanges } },
    {
      namespace: "pay",
      name: "api",
      status: "render-error",
      error: { file: "pay/secret-plans/values.yaml", message: "bad" },
    },
  ],
  stacks: [{ namespace: "pay", name: "db", status: "awaiting-plan", reason: "from a fork" }],
  violations: [
    {
      rule: "no-host-network",
      target: { kind: "Application", namespace: "pay", name: "api" },
      message: "no",
    },
    { rule: "registries", target: { kind: "Application", namespace: "shop", name: "web" }, message: "no" },
  ],
};

const PROJECTS = {
  "Application/shop/web": "team-a",
  "Application/pay/api": "team-b",
  "Stack/pay/db": "team-b",
};

const ROW: PreviewRow = {
  forge: "gitea",
  forgeKind: "gitea",
  repo: "org/mono",
  repoURL: "http://gitea/org/mono.git",
  number: 7,
  title: "scale web",
  url: "http://gitea/org/mono/pulls/7",
  author: "alice",
  fromFork: false,
  headSha: "abc123",
  baseRef: "main",
  state: "done",
  status: previewStatus(REPORT),
  updatedAt: "2026-12-03T05:00:00Z",
  projects: PROJECTS,
};

const names = (r: PreviewReport) => [
  ...r.apps.map((a) => `app ${a.namespace}/${a.name}`),
  ...r.stacks.map((s) => `stack ${s.namespace}/${s.name}`),
  ...r.violations.map((v) => `rule ${v.rule}`),
];

describe("preview visibility", () => {
  it("keeps only the targets, plans and violations of projects the caller may read", () => {
    const onlyA = filterReport(REPORT, { "Application/shop/web": "team-a" });
    assert.deepEqual(names(onlyA), ["app shop/web", "rule registries"]);
    assert.equal(onlyA.headSha, "abc123");
  });

  it("leaves a row out when none of its targets is in a readable project", () => {
    assert.equal(visibleRow(ROW, new Set(["team-c"])), undefined);
    assert.equal(visibleRow({ ...ROW, projects: {} }, new Set(["team-a"])), undefined);
  });

  it("shows a global admin every row, even one with no target", () => {
    assert.deepEqual(visibleRow(ROW, "all"), ROW);
    assert.deepEqual(visibleRow({ ...ROW, projects: {} }, "all")?.projects, {});
  });

  it("keeps a PR's status state but never names a hidden target's file", () => {
    assert.match(ROW.status.description, /pay\/secret-plans\/values\.yaml/);
    const row = visibleRow(ROW, new Set(["team-a"]));
    assert.deepEqual(row?.projects, { "Application/shop/web": "team-a" });
    assert.equal(row?.status.state, "failure");
    assert.equal(row?.status.description, "failure; 2 targets in projects you may not see");
  });

  it("filters a stored preview's report the same way, and hides it when nothing is visible", () => {
    const stored: StoredPreview = { ...ROW, report: REPORT };
    const seen = visibleStoredPreview(stored, new Set(["team-b"]));
    assert.deepEqual(names(seen?.report as PreviewReport), [
      "app pay/api",
      "stack pay/db",
      "rule no-host-network",
    ]);
    assert.equal(visibleStoredPreview(stored, new Set(["other"])), undefined);
  });

  it("works out an on-demand preview's status again from what the caller may see", () => {
    const answer: LocalPreviewAnswer = {
      report: REPORT,
      projects: PROJECTS,
      status: previewStatus(REPORT),
      baseSha: "b".repeat(40),
      headSha: "abc123",
    };
    assert.equal(answer.status.state, "failure");
    const forA = visibleLocalAnswer(answer, new Set(["team-a"]));
    assert.deepEqual(names(forA.report), ["app shop/web", "rule registries"]);
    assert.equal(forA.status.state, "failure");
    assert.match(forA.status.description, /registries/);
    assert.doesNotMatch(forA.status.description, /pay/);
    const cleanA = visibleLocalAnswer(
      { ...answer, report: { ...REPORT, violations: [] } },
      new Set(["team-a"]),
    );
    assert.equal(cleanA.status.state, "success");
    assert.deepEqual(visibleLocalAnswer(answer, "all"), answer);
  });
});

describe("planProjectsOf", () => {
  const subject = (bindings: Subject["bindings"], globalAdmin = false): Subject => ({
    kind: "user",
    name: "alice",
    groups: [],
    globalAdmin,
    bindings,
  });

  it("lists the projects where a role grants plan", () => {
    const alice = subject([
      { project: "team-b", role: "approver", verbs: ["get", "list", "plan"] },
      { project: "team-a", role: "viewer", verbs: ["get", "list"] },
    ]);
    assert.deepEqual(
      planProjectsOf(alice, () => assert.fail("only a global admin needs every project")),
      ["team-b"],
    );
  });

  it("gives a global admin every project", () => {
    assert.deepEqual(
      planProjectsOf(subject([], true), () => ["z", "a"]),
      ["a", "z"],
    );
  });
});
