// The read routes over a real ServerCache fed by a stand-in cluster: what each caller sees, pages
// and cursors, 404 for what a caller may not see (audited), and no Secret value in any answer.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Subject } from "../core/access/authorize.ts";
import type { AuditEntry } from "../core/audit/record.ts";
import type { KubeObject } from "../core/objects.ts";
import type { KubeClient } from "../kube/client.ts";
import { savePlan } from "../terraform/plan-store.ts";
import { createLogger } from "../util/log.ts";
import { createApiApp } from "./app.ts";
import { ServerCache } from "./cache.ts";
import type { ServerDeps } from "./context.ts";
import { openApiDocument } from "./openapi.ts";
import type { Authenticator } from "./principal.ts";
import type { Route } from "./route.ts";
import { applicationRoutes } from "./routes/applications.ts";
import { clusterRoutes } from "./routes/clusters.ts";
import { eventRoutes } from "./routes/events.ts";
import { metaRoutes } from "./routes/meta.ts";
import { projectRoutes } from "./routes/projects.ts";
import { repositoryRoutes } from "./routes/repositories.ts";
import { stackRoutes } from "./routes/stacks.ts";
import { streamRoutes } from "./routes/stream.ts";

const b64 = (text: string) => Buffer.from(text).toString("base64");

function app(ns: string, name: string, project: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Application",
    metadata: { namespace: ns, name, labels: { tier: name.startsWith("web") ? "front" : "back" } },
    spec: {
      project,
      source: { repoURL: "https://git.example/org/deploy.git", path: `apps/${name}` },
      destination: {},
    },
    status: {
      sync: { status: "OutOfSync", revision: "abc" },
      health: { status: "Healthy" },
      history: [{ id: 1, revision: "abc", deployedAt: "2026-01-01T00:00:00Z", trigger: "automated" }],
      resources: [
        {
          group: "",
          version: "v1",
          kind: "Secret",
          namespace: ns,
          name: "creds",
          status: "OutOfSync",
          diff: [
            { path: "data.password", live: "++++++++ (1)", desired: "++++++++ (2)" },
            { path: "data.leaked", live: "cGxhaW4=", desired: "c2VjcmV0LXZhbHVl" },
          ],
        },
      ],
    },
    ...extra,
  };
}

const OBJECTS: Record<string, KubeObject[]> = {
  Application: [
    ...Array.from({ length: 25 }, (_, i) => app("team-a", `web-${String(i).padStart(2, "0")}`, "team-a")),
    app("team-b", "secret-app", "team-b"),
  ],
  Stack: [
    {
      apiVersion: "mooring.dev/v1alpha1",
      kind: "Stack",
      metadata: { namespace: "infra", name: "db" },
      spec: { project: "team-a", source: { repoURL: "https://git.example/org/infra.git", path: "db" } },
      status: {
        conditions: [
          { type: "Ready", status: "False", reason: "PlanPending", message: "", lastTransitionTime: "t" },
        ],
        lastPlan: {
          id: "p-0123456789abcdef",
          revision: "abc",
          createdAt: "2026-01-01T00:00:00Z",
          purpose: "apply",
          summary: { add: 1, change: 0, destroy: 0, replace: 0, forget: 0, import: 0, read: 0 },
          resources: [
            {
              address: "terraform_data.db",
              action: "create",
              actions: ["create"],
              type: "terraform_data",
              name: "db",
            },
          ],
          pending: true,
        },
      },
    },
  ],
  Project: ["team-a", "team-b"].map((name) => ({
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Project",
    metadata: { namespace: "mooring", name },
    spec: {
      sourceRepos: ["*"],
      roles: [{ name: "viewer", users: [`${name}-user`] }],
      policies: [
        {
          name: "no-host-network",
          appliesTo: "objects",
          kinds: ["Pod"],
          expression: "!podSpec.?hostNetwork.orValue(false)",
        },
      ],
    },
  })),
  Secret: [
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        namespace: "mooring",
        name: "cluster-east",
        labels: { "mooring.dev/secret-type": "cluster" },
      },
      data: { name: b64("east"), server: b64("https://east:6443"), config: b64("token: super-secret-token") },
    },
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { namespace: "mooring", name: "repo-1", labels: { "mooring.dev/secret-type": "repository" } },
      data: {
        url: b64("https://bob:hunter22@git.example/org/deploy.git"),
        password: b64("hunter22"),
        project: b64("team-a"),
      },
    },
  ],
  Event: [],
};

/** Watch callbacks by kind: a test calls them to play a change the cluster sends. */
const watchers = new Map<
  string,
  (event: { type: "ADDED" | "MODIFIED" | "DELETED"; object: KubeObject }) => void
>();

/** A cluster that lists OBJECTS, then watches until stopped, sending what a test plays. */
/** Plan Secrets saved by the real plan store (src/terraform/plan-store.ts). */
const PLAN_SECRETS: KubeObject[] = [];
const PLAN_FILE_SECRET = "variable-value-in-the-binary-plan";

const fakeKube = {
  list: async (_apiVersion: string, kind: string, options: { labelSelector?: string } = {}) => ({
    items: options.labelSelector?.includes("mooring.dev/plan-id") ? PLAN_SECRETS : (OBJECTS[kind] ?? []),
    resourceVersion: "1",
  }),
  watch: (_a: string, kind: string, _o: unknown, on: never, signal: AbortSignal) => {
    watchers.set(kind, on);
    return new Promise((resolve) =>
      signal.addEventListener("abort", () => resolve({ resourceVersion: "1", expired: false })),
    );
  },
} as unknown as KubeClient;

function play(kind: string, type: "ADDED" | "MODIFIED" | "DELETED", object: KubeObject): void {
  const on = watchers.get(kind);
  assert.ok(on, `${kind} is watched`);
  on({ type, object });
}

/** Reads server-sent events from a stream answer until `count` messages arrived. */
async function readEvents(
  res: Response,
  count: number,
): Promise<{ event: string; data: { name?: string } }[]> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const out: { event: string; data: { name?: string } }[] = [];
  let buffer = "";
  while (out.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(frame)?.[1];
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (event && data) out.push({ event, data: JSON.parse(data) });
      end = buffer.indexOf("\n\n");
    }
  }
  await reader.cancel();
  return out;
}

const subject = (name: string, extra: Partial<Subject> = {}): Subject => ({
  kind: "user",
  name,
  groups: [],
  globalAdmin: false,
  bindings: [],
  ...extra,
});
const SUBJECTS: Record<string, Subject> = {
  admin: subject("admin", { globalAdmin: true }),
  a: subject("team-a-user", { bindings: [{ project: "team-a", role: "viewer", verbs: ["get", "list"] }] }),
};
const authenticator: Authenticator = {
  authenticate: async ({ headers }) => {
    const who = SUBJECTS[(headers.get("authorization") ?? "").replace("Bearer ", "")];
    return who ? { ok: true, subject: who } : { ok: false, code: "unauthenticated", message: "log in" };
  },
};

describe("read routes over the informer cache", () => {
  const audit: AuditEntry[] = [];
  const cache = new ServerCache(fakeKube, { namespace: "mooring", log: createLogger({ level: "error" }) });
  const deps: ServerDeps = {
    authenticator,
    audit: { record: (entry) => audit.push(entry) },
    clock: () => 0,
    log: createLogger({ level: "error" }),
    kube: fakeKube,
    namespace: "mooring",
    cache,
  };
  const routes: Route[] = [
    ...metaRoutes(() => openApiDocument(routes, "test")),
    ...applicationRoutes(),
    ...stackRoutes(),
    ...eventRoutes(),
    ...projectRoutes(),
    ...clusterRoutes(),
    ...repositoryRoutes(),
    ...streamRoutes(),
  ];
  const api = createApiApp(deps, routes);
  const get = async (who: string, path: string) => {
    const res = await api.fetch(
      new Request(`http://x/api/v1${path}`, { headers: { authorization: `Bearer ${who}` } }),
    );
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, text: "" };
  };

  before(async () => {
    await savePlan(
      { apply: async (secret: KubeObject) => PLAN_SECRETS.push(secret) } as unknown as KubeClient,
      { namespace: "infra", name: "db" },
      {
        planId: "p-0123456789abcdef",
        planFile: Buffer.from(PLAN_FILE_SECRET),
        text: '+ resource "terraform_data" "db" {\n    input = (sensitive value)\n}',
      },
    );
    cache.start();
    assert.equal(await cache.waitForSync(5000), true);
  });
  after(() => cache.stop());

  it("pages a caller's list with a cursor, leaving out projects it has no role in", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { status, body } = await get("a", `/applications?limit=10${cursor ? `&cursor=${cursor}` : ""}`);
      assert.equal(status, 200);
      assert.equal(body.total, 25);
      seen.push(...(body.items as { name: string }[]).map((i) => i.name));
      cursor = body.next as string | undefined;
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    assert.equal(seen.length, 25);
    assert.ok(!seen.includes("secret-app"));
    assert.deepEqual(seen, [...seen].sort());
  });

  it("a global admin sees every project; filters and sorting apply", async () => {
    const all = await get("admin", "/applications?project=team-b");
    assert.deepEqual(
      (all.body.items as { name: string }[]).map((i) => i.name),
      ["secret-app"],
    );
    const desc = await get("admin", "/applications?sort=name&order=desc&limit=1&search=WEB-2");
    assert.deepEqual(
      (desc.body.items as { name: string }[]).map((i) => i.name),
      ["web-24"],
    );
    assert.equal(desc.body.total, 5);
  });

  it("refuses a malformed selector and a cursor from another query with 400", async () => {
    const bad = await get("a", "/applications?selector=tier%3D%3D%3Dx");
    assert.equal(bad.status, 400);
    const first = await get("a", "/applications?limit=1");
    const other = await get("a", `/applications?limit=1&sort=health&cursor=${first.body.next}`);
    assert.equal(other.status, 400);
    assert.match(JSON.stringify(other.body), /another sort/);
  });

  it("answers 404 for an app in a project the caller cannot see, and audits the denial", async () => {
    const hidden = await get("a", "/applications/team-b/secret-app");
    const missing = await get("a", "/applications/team-b/no-such-app");
    assert.equal(hidden.status, 404);
    assert.equal(missing.status, 404);
    assert.equal((hidden.body.error as { code: string }).code, "not-found");
    const denial = audit.find((e) => e.kind === "api-denied" && e.details?.name === "team-b/secret-app");
    assert.ok(denial, "the hidden read is audited");
    assert.equal((await get("admin", "/applications/team-b/secret-app")).status, 200);
  });

  it("serves history and a diff whose Secret values stay masked", async () => {
    const history = await get("a", "/applications/team-a/web-00/history");
    assert.equal((history.body.history as unknown[]).length, 1);
    const diff = await get("a", "/applications/team-a/web-00/diff");
    const text = JSON.stringify(diff.body);
    assert.match(text, /\+\+\+\+\+\+\+\+ \(1\)/);
    assert.doesNotMatch(text, /cGxhaW4=|c2VjcmV0LXZhbHVl/);
    const one = await get("a", "/applications/team-a/web-00");
    assert.doesNotMatch(JSON.stringify(one.body), /c2VjcmV0LXZhbHVl/);
  });

  it("shows clusters and repositories without credentials, by scope", async () => {
    const clusters = await get("admin", "/clusters");
    assert.deepEqual(
      (clusters.body.items as { name: string }[]).map((c) => c.name),
      ["in-cluster", "east"],
    );
    const repos = await get("a", "/repositories");
    assert.deepEqual(repos.body.items, [
      {
        url: "https://git.example/org/deploy.git",
        type: "repository",
        credentials: ["password"],
        project: "team-a",
        secretName: "repo-1",
      },
    ]);
    assert.deepEqual((await get("a", "/clusters")).body.items, []);
    assert.equal((await get("a", "/clusters/east")).status, 404);
    const everything = JSON.stringify([
      clusters.body,
      repos.body,
      (await get("admin", "/repositories")).body,
    ]);
    assert.doesNotMatch(everything, /hunter22|super-secret-token/);
  });

  it("lists a project's preview policies as written", async () => {
    const projects = await get("a", "/projects");
    assert.deepEqual((projects.body.items as { policies: unknown }[])[0]?.policies, [
      {
        name: "no-host-network",
        appliesTo: "objects",
        expression: "!podSpec.?hostNetwork.orValue(false)",
        kinds: ["Pod"],
      },
    ]);
  });

  it("lists only the projects a caller holds a role in", async () => {
    const projects = await get("a", "/projects");
    assert.deepEqual(
      (projects.body.items as { name: string }[]).map((p) => p.name),
      ["team-a"],
    );
    assert.equal((await get("a", "/projects/team-b")).status, 404);
    assert.deepEqual(
      cache.projectRoles().map((p) => [p.name, p.roles.map((r) => r.name)]),
      [
        ["team-a", ["viewer"]],
        ["team-b", ["viewer"]],
      ],
    );
  });

  it("streams changes a caller may see, and nothing of other projects", async () => {
    const open = (who: string) =>
      api.fetch(new Request("http://x/api/v1/stream", { headers: { authorization: `Bearer ${who}` } }));
    const viewer = await open("a");
    const admin = await open("admin");
    assert.equal(viewer.status, 200);
    assert.match(viewer.headers.get("content-type") ?? "", /text\/event-stream/);
    const hidden = app("team-b", "secret-app", "team-b");
    hidden.metadata.labels = { touched: "1" };
    play("Application", "MODIFIED", hidden);
    play("Application", "MODIFIED", app("team-a", "web-07", "team-a"));
    play("Application", "DELETED", app("team-a", "web-24", "team-a"));
    const seen = await readEvents(viewer, 2);
    assert.deepEqual(
      seen.map((m) => [m.event, (m.data as { type?: string }).type, m.data.name]),
      [
        ["application", "modified", "web-07"],
        ["application", "deleted", "web-24"],
      ],
    );
    const all = await readEvents(admin, 3);
    assert.deepEqual(
      all.map((m) => m.data.name),
      ["secret-app", "web-07", "web-24"],
    );
    play("Application", "ADDED", app("team-a", "web-24", "team-a"));
  });

  it("drops a client that does not read instead of queueing for it", async () => {
    const before = cache.subscribers;
    const res = await api.fetch(
      new Request("http://x/api/v1/stream", { headers: { authorization: "Bearer admin" } }),
    );
    assert.equal(cache.subscribers, before + 1);
    for (let i = 0; i < 1100; i++) play("Application", "MODIFIED", app("team-a", "web-00", "team-a"));
    assert.equal(cache.subscribers, before, "the slow stream unsubscribed");
    await res.body?.cancel();
  });

  it("lists a project's Stacks and shows the current plan's text, never the plan file", async () => {
    const list = await get("a", "/stacks");
    assert.deepEqual(
      (list.body.items as { name: string; pendingPlan?: string }[]).map((s) => [s.name, s.pendingPlan]),
      [["db", "p-0123456789abcdef"]],
    );
    const plan = await get("a", "/stacks/infra/db/plan");
    assert.equal(plan.status, 200);
    assert.equal((plan.body.plan as { id: string }).id, "p-0123456789abcdef");
    assert.match(String(plan.body.text), /\(sensitive value\)/);
    assert.deepEqual(Object.keys(plan.body).sort(), ["plan", "text"], "the plan file is not in the answer");
    assert.equal((await get("admin", "/stacks/infra/none/plan")).status, 404);
  });

  it("the OpenAPI document describes the read routes", async () => {
    const res = await api.fetch(new Request("http://x/api/v1/openapi.json"));
    const doc = (await res.json()) as { paths: Record<string, unknown> };
    for (const path of [
      "/applications",
      "/applications/{namespace}/{name}/diff",
      "/stacks/{namespace}/{name}/plan",
      "/stream",
    ])
      assert.ok(doc.paths[path], path);
  });
});
