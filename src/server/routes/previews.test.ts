// What a caller sees of a preview: only the targets of projects it may read, a preview none of
// whose targets it may read not at all, and a status that names nothing it may not see.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Subject } from "../../core/access/authorize.ts";
import type { AuditEntry } from "../../core/audit/record.ts";
import type { LocalPreviewAnswer, PreviewRow, StoredPreview } from "../../core/preview/protocol.ts";
import type { PreviewReport } from "../../core/preview/report.ts";
import { previewStatus } from "../../core/preview/status.ts";
import type { KubeClient } from "../../kube/client.ts";
import { createLogger } from "../../util/log.ts";
import { createApiApp } from "../app.ts";
import type { ServerDeps } from "../context.ts";
import { ControllerStandIn, inspectTokenSecret } from "../controller-stand-in.test-util.ts";
import { InspectClient } from "../inspect-client.ts";
import type { Authenticator } from "../principal.ts";
import {
  filterReport,
  planProjectsOf,
  previewRoutes,
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

describe("/api/v1/previews", () => {
  const subjects: Record<string, Subject> = {
    "viewer-a": {
      kind: "token",
      name: "token:viewer-a",
      groups: [],
      globalAdmin: false,
      bindings: [{ project: "team-a", role: "viewer", verbs: ["get", "list"] }],
    },
    "approver-b": {
      kind: "user",
      name: "bea",
      groups: [],
      globalAdmin: false,
      bindings: [{ project: "team-b", role: "approver", verbs: ["get", "list", "plan", "approve"] }],
    },
    nobody: { kind: "user", name: "nora", groups: [], globalAdmin: false, bindings: [] },
  };
  const authenticator: Authenticator = {
    authenticate: async ({ headers }) => {
      const subject = subjects[(headers.get("authorization") ?? "").replace(/^Bearer /, "")];
      return subject
        ? { ok: true, subject }
        : { ok: false, code: "unauthenticated", message: "log in first" };
    },
  };
  const controller = new ControllerStandIn();
  const onlyB: PreviewRow = { ...ROW, number: 8, projects: { "Stack/pay/db": "team-b" } };
  const audit: AuditEntry[] = [];

  function api(options: { inspect?: boolean } = {}) {
    const kube = { get: async () => inspectTokenSecret("mooring") } as unknown as KubeClient;
    const deps: ServerDeps = {
      authenticator,
      audit: { record: (entry) => audit.push(entry) },
      clock: () => Date.parse("2026-12-03T06:00:00.000Z"),
      log: createLogger({
        level: "error",
        stream: { write: () => true } as unknown as NodeJS.WritableStream,
      }),
      kube,
      namespace: "mooring",
      ...(options.inspect === false
        ? {}
        : {
            inspect: new InspectClient({ url: controller.url, kube, namespace: "mooring", timeoutMs: 2000 }),
          }),
    };
    const app = createApiApp(deps, previewRoutes());
    return async (token: string | undefined, path: string, body?: unknown) => {
      const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
      if (body !== undefined) headers["content-type"] = "application/json";
      const res = await app.fetch(
        new Request(`http://x/api/v1${path}`, {
          method: body === undefined ? "GET" : "POST",
          headers,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      );
      return {
        status: res.status,
        body: (await res.json()) as Record<string, unknown> & { error?: { code: string } },
      };
    };
  }

  before(async () => {
    controller.answers.set("GET /inspect/v1/previews", () => ({
      status: 200,
      body: { items: [ROW, onlyB] },
    }));
    controller.answers.set("GET /inspect/v1/previews/pull", (r) =>
      r.url.includes("number=7")
        ? { status: 200, body: { ...ROW, report: REPORT } }
        : r.url.includes("number=8")
          ? { status: 200, body: { ...onlyB, report: { ...REPORT, apps: [], violations: [] } } }
          : { status: 404, body: { error: { code: "not-found", message: "no such pull request" } } },
    );
    controller.answers.set("POST /inspect/v1/previews/run", () => ({
      status: 200,
      body: {
        report: REPORT,
        projects: PROJECTS,
        status: previewStatus(REPORT),
        baseSha: "b",
        headSha: "abc123",
      },
    }));
    await controller.start();
  });
  after(() => controller.stop());

  const pull = (number: number) =>
    `/previews/pull?repoURL=${encodeURIComponent(ROW.repoURL)}&number=${number}`;

  it("lists only the pull requests with a target the caller may read, those targets only", async () => {
    const list = await api()("viewer-a", "/previews");
    assert.equal(list.status, 200);
    const items = list.body.items as PreviewRow[];
    assert.deepEqual(
      items.map((r) => [r.number, r.projects]),
      [[7, { "Application/shop/web": "team-a" }]],
    );
  });

  it("shows one pull request's report filtered, and 404 for one with nothing visible or unknown", async () => {
    const call = api();
    const seven = await call("viewer-a", pull(7));
    assert.equal(seven.status, 200);
    assert.deepEqual(names(seven.body.report as PreviewReport), ["app shop/web", "rule registries"]);
    for (const number of [8, 9]) {
      const hidden = await call("viewer-a", pull(number));
      assert.equal(hidden.status, 404, `pull request ${number}`);
      assert.equal(hidden.body.error?.code, "not-found");
    }
  });

  it("runs a preview planning only where the caller may plan, answers what it may see, and audits it", async () => {
    const before = controller.requests.length;
    const res = await api()("approver-b", "/previews", {
      repoURL: ROW.repoURL,
      base: "main",
      head: "feature",
    });
    assert.equal(res.status, 200);
    const sent = controller.requests.slice(before).find((r) => r.method === "POST");
    assert.deepEqual(sent?.body, {
      repoURL: ROW.repoURL,
      base: "main",
      head: "feature",
      planProjects: ["team-b"],
    });
    assert.deepEqual(names(res.body.report as PreviewReport), [
      "app pay/api",
      "stack pay/db",
      "rule no-host-network",
    ]);
    assert.deepEqual(audit.at(-1)?.details, {
      action: "preview",
      repoURL: ROW.repoURL,
      base: "main",
      head: "feature",
      live: true,
      planProjects: ["team-b"],
    });
  });

  it("refuses anonymous callers (401), callers with no role anywhere (403) and a URL with a password (400)", async () => {
    const call = api();
    const before = controller.requests.length;
    const body = { repoURL: ROW.repoURL, base: "main", head: "feature" };
    assert.equal((await call(undefined, "/previews", body)).status, 401);
    assert.equal((await call(undefined, "/previews")).status, 401);
    assert.equal((await call("nobody", "/previews", body)).status, 403);
    const secretURL = { ...body, repoURL: "https://bea:hunter2@gitea/org/mono.git" };
    assert.equal((await call("approver-b", "/previews", secretURL)).status, 400);
    assert.equal((await call("approver-b", "/previews", { ...body, head: "--upload-pack=x" })).status, 400);
    assert.equal(controller.requests.length, before);
  });

  it("answers 503 controller-unreachable without a controller, and 502 when the controller cannot preview", async () => {
    const none = await api({ inspect: false })("viewer-a", "/previews");
    assert.equal(none.status, 503);
    assert.equal(none.body.error?.code, "controller-unreachable");
    controller.answers.set("POST /inspect/v1/previews/run", () => ({
      status: 502,
      body: { error: { code: "inspect-failed", message: "cannot fetch feature" } },
    }));
    const failed = await api()("viewer-a", "/previews", {
      repoURL: ROW.repoURL,
      base: "main",
      head: "feature",
    });
    assert.equal(failed.status, 502);
    assert.equal(failed.body.error?.code, "inspect-failed");
  });
});
