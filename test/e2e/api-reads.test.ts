// User story: a team reads its Applications through the Mooring API. A viewer of team-a pages
// through a few dozen apps with a cursor, filters them (label selector, search, sync status) and
// sorts them; opens one and its deploy history; reads the diff of an app whose Secret was edited
// by hand, where the Secret's values show only as masks; and watches the live stream while a push
// makes an app OutOfSync and a sync brings it back to Synced. It never sees team-b: team-b's apps
// are not in its lists or its stream, and reading one answers 404 as for an app that does not
// exist. The real server, controller, cluster and git run; tokens come from the login routes.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { initialAdminPassword } from "../harness/admin.ts";
import { waitForApp } from "../harness/apps.ts";
import { eventually, kubectl, kubectlOk, moor } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { runSandboxKubeconfig } from "../harness/env.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";
import { type RunningServer, startServer } from "../harness/server.ts";

const suffix = Date.now().toString(36);
const TEAM_A = `reads-a-${suffix}`;
const TEAM_B = `reads-b-${suffix}`;
const NS_A = `reads-a-${suffix}`;
const LIVE = `live-${suffix}`;
const DRIFT = `drift-${suffix}`;
/** Apps that are only listed: suspended, so the controller leaves them alone. */
const LISTED_A = Array.from({ length: 24 }, (_, i) => `listed-${String(i).padStart(2, "0")}-${suffix}`);
const LISTED_B = Array.from({ length: 4 }, (_, i) => `hidden-${i}-${suffix}`);
const GIT_SECRET = "from-git-s3cr3t-value";
const HAND_SECRET = "hand-edited-s3cr3t-value";
const b64 = (text: string) => Buffer.from(text).toString("base64");

const configMap = (name: string, version: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  version: "${version}"\n`;
const secret = (name: string, value: string) =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\ntype: Opaque\ndata:\n  password: ${b64(value)}\n`;

interface Summary {
  namespace: string;
  name: string;
  project: string;
  sync: string;
  health: string;
  revision?: string;
}
interface ListAnswer {
  items: Summary[];
  total: number;
  next?: string;
}
interface SseMessage {
  event: string;
  data: { type: string; name: string; summary?: Summary };
}

describe("reading through the API: lists, one app, history, diffs and the live stream, per project", () => {
  let git: GitServer;
  let controller: RunningController;
  let server: RunningServer;
  const tokens: Record<string, string> = {};

  async function get<T>(token: string, path: string): Promise<{ status: number; body: T; text: string }> {
    const res = await server.api(path, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text) as T, text };
  }

  async function post<T>(
    token: string | undefined,
    path: string,
    body: unknown,
  ): Promise<{ status: number; body: T }> {
    const res = await server.api(path, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  /** Every page of a list, following `next`; returns the names in order and the totals seen. */
  async function walk(
    token: string,
    query: string,
  ): Promise<{ names: string[]; totals: number[]; pages: number }> {
    const names: string[] = [];
    const totals: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await get<ListAnswer>(
        token,
        `/applications?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      assert.equal(page.status, 200, page.text);
      names.push(...page.body.items.map((i) => i.name));
      totals.push(page.body.total);
      cursor = page.body.next;
      pages++;
    } while (cursor !== undefined && pages < 50);
    return { names, totals, pages };
  }

  /** Opens the live stream and collects its messages until `close()`. */
  function openStream(token: string) {
    const messages: SseMessage[] = [];
    const abort = new AbortController();
    const done = (async () => {
      const res = await server.api("/stream", {
        headers: { authorization: `Bearer ${token}` },
        signal: abort.signal,
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
      const decoder = new TextDecoder();
      let buffer = "";
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event && data) messages.push({ event, data: JSON.parse(data) });
          end = buffer.indexOf("\n\n");
        }
      }
    })().catch((err: Error) => {
      if (err.name !== "AbortError") throw err;
    });
    return {
      messages,
      close: async () => {
        abort.abort();
        await done;
      },
    };
  }

  const app = (name: string, project: string, extra: Record<string, unknown>) => ({
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Application",
    metadata: {
      name,
      namespace: "mooring",
      labels: { tier: name.startsWith("listed-0") ? "front" : "back" },
    },
    spec: {
      project,
      source: { repoURL: git.url("reads"), targetRevision: "main", path: "listed" },
      destination: { namespace: NS_A },
      ...extra,
    },
  });

  before(async () => {
    await ensureInstalled();
    git = await startGitServer();
    await git.createRepo(
      "reads",
      {
        "live/cm.yaml": configMap(`live-${suffix}`, "v1"),
        "drift/db.yaml": secret(`db-${suffix}`, GIT_SECRET),
        "drift/cm.yaml": configMap(`drift-${suffix}`, "v1"),
        "listed/cm.yaml": configMap(`listed-${suffix}`, "v1"),
      },
      "v1",
    );
    await kubectlOk(["create", "namespace", NS_A]);
    const project = (name: string) => ({
      apiVersion: "mooring.dev/v1alpha1",
      kind: "Project",
      metadata: { name, namespace: "mooring" },
      spec: { sourceRepos: ["*"], destinations: [{ name: "in-cluster", namespace: NS_A }] },
    });
    const objects = [
      project(TEAM_A),
      project(TEAM_B),
      ...LISTED_A.map((name) => app(name, TEAM_A, { suspend: true })),
      ...LISTED_B.map((name) => app(name, TEAM_B, { suspend: true })),
      {
        ...app(LIVE, TEAM_A, {}),
        spec: {
          project: TEAM_A,
          source: { repoURL: git.url("reads"), targetRevision: "main", path: "live" },
          destination: { namespace: NS_A },
        },
      },
      {
        ...app(DRIFT, TEAM_A, {}),
        spec: {
          project: TEAM_A,
          source: { repoURL: git.url("reads"), targetRevision: "main", path: "drift" },
          destination: { namespace: NS_A },
          syncPolicy: { automated: {} },
        },
      },
    ];
    await kubectlOk(["apply", "--server-side", "-f", "-"], {
      input: JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }),
    });
    controller = await startController();
    server = await startServer({ startTimeoutMs: 60_000 });
    const password = await initialAdminPassword();
    const login = await post<{ token: string }>(undefined, "/session", {
      username: "admin",
      password,
      session: "token",
    });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    tokens.admin = login.body.token;
    tokens.viewerA = await eventually("a viewer token for team-a", async () => {
      const answer = await post<{ token: string }>(tokens.admin, "/tokens", {
        project: TEAM_A,
        role: "viewer",
        expiresIn: "1h",
      });
      if (answer.status !== 201) throw new Error(JSON.stringify(answer.body));
      return answer.body.token;
    });
  });

  after(async () => {
    await server?.stop();
    await controller?.stop();
    await git?.close();
    const names = [LIVE, DRIFT, ...LISTED_A, ...LISTED_B];
    await kubectl([
      "patch",
      "application",
      LIVE,
      DRIFT,
      "-n",
      "mooring",
      "--type=merge",
      "-p",
      '{"metadata":{"finalizers":null}}',
    ]);
    await kubectl(["delete", "application", ...names, "-n", "mooring", "--ignore-not-found", "--wait=false"]);
    await kubectl([
      "delete",
      "project",
      TEAM_A,
      TEAM_B,
      "-n",
      "mooring",
      "--ignore-not-found",
      "--wait=false",
    ]);
    await kubectl(["delete", "namespace", NS_A, "--wait=false", "--ignore-not-found"]);
  });

  it("pages a viewer's apps with a cursor, in order, without another project's apps", async () => {
    const mine = [...LISTED_A, LIVE, DRIFT].sort();
    const byName = await walk(tokens.viewerA as string, `project=${TEAM_A},${TEAM_B}&limit=7`);
    assert.deepEqual(byName.names, mine);
    assert.equal(byName.pages, Math.ceil(mine.length / 7));
    assert.deepEqual(
      new Set(byName.totals),
      new Set([mine.length]),
      "every page counts only what the viewer may see",
    );
    const descending = await walk(
      tokens.viewerA as string,
      `project=${TEAM_A}&sort=name&order=desc&limit=10`,
    );
    assert.deepEqual(descending.names, [...mine].reverse());
    // The admin sees team-b's apps as well.
    const admin = await walk(tokens.admin as string, `project=${TEAM_A},${TEAM_B}&limit=100`);
    assert.equal(admin.names.length, mine.length + LISTED_B.length);
  });

  it("filters by label selector and free text, and refuses a cursor from another query", async () => {
    const front = await walk(
      tokens.viewerA as string,
      `project=${TEAM_A}&selector=${encodeURIComponent("tier=front")}`,
    );
    assert.deepEqual(
      front.names,
      LISTED_A.filter((n) => n.startsWith("listed-0")),
    );
    const search = await walk(
      tokens.viewerA as string,
      `search=${encodeURIComponent(`LISTED-1`)}&project=${TEAM_A}`,
    );
    assert.deepEqual(
      search.names,
      LISTED_A.filter((n) => n.startsWith("listed-1")),
    );
    const hidden = await walk(tokens.viewerA as string, `project=${TEAM_B}`);
    assert.deepEqual(hidden, { names: [], totals: [0], pages: 1 });
    const first = await get<ListAnswer>(tokens.viewerA as string, `/applications?project=${TEAM_A}&limit=2`);
    const other = await get<{ error: { code: string; message: string } }>(
      tokens.viewerA as string,
      `/applications?project=${TEAM_A}&limit=2&sort=health&cursor=${encodeURIComponent(first.body.next ?? "")}`,
    );
    assert.equal(other.status, 400);
    assert.match(other.body.error.message, /another sort/);
  });

  it("answers 404 for another project's app, exactly as for a missing one", async () => {
    const hidden = await get<{ error: { code: string; message: string } }>(
      tokens.viewerA as string,
      `/applications/mooring/${LISTED_B[0]}`,
    );
    const missing = await get<{ error: { code: string; message: string } }>(
      tokens.viewerA as string,
      `/applications/mooring/no-such-${suffix}`,
    );
    assert.equal(hidden.status, 404);
    assert.equal(missing.status, 404);
    assert.equal(hidden.body.error.code, missing.body.error.code);
    assert.equal((await get(tokens.admin as string, `/applications/mooring/${LISTED_B[0]}`)).status, 200);
    const unauthenticated = await server.api("/applications");
    assert.equal(unauthenticated.status, 401);
  });

  it("shows a drifted app's diff with the Secret's values masked, and never the values", async () => {
    const secretName = `db-${suffix}`;
    await waitForApp(DRIFT, "synced", (a) => a.status?.sync.status === "Synced", 120_000);
    await kubectlOk([
      "patch",
      "secret",
      secretName,
      "-n",
      NS_A,
      "--type=merge",
      "-p",
      JSON.stringify({ data: { password: b64(HAND_SECRET) } }),
    ]);
    const diff = await eventually(
      "the drift in the API's diff",
      async () => {
        const answer = await get<{
          sync: string;
          resources: {
            kind: string;
            name: string;
            changes: { path: string; live?: unknown; desired?: unknown }[];
          }[];
        }>(tokens.viewerA as string, `/applications/mooring/${DRIFT}/diff`);
        assert.equal(answer.status, 200, answer.text);
        return answer.body.resources.some((r) => r.kind === "Secret") ? answer : undefined;
      },
      60_000,
    );
    assert.equal(diff.body.sync, "OutOfSync");
    const changes = diff.body.resources.find((r) => r.kind === "Secret")?.changes ?? [];
    assert.ok(changes.length > 0, diff.text);
    for (const change of changes) {
      assert.match(String(change.live), /^\+{8}/, `live value masked: ${JSON.stringify(change)}`);
      assert.match(String(change.desired), /^\+{8}/, `desired value masked: ${JSON.stringify(change)}`);
      assert.notEqual(change.live, change.desired, "a changed value shows as a different mask");
    }
    const one = await get(tokens.viewerA as string, `/applications/mooring/${DRIFT}`);
    const filtered = await walk(tokens.viewerA as string, `project=${TEAM_A}&sync=OutOfSync`);
    assert.ok(filtered.names.includes(DRIFT));
    for (const value of [GIT_SECRET, HAND_SECRET]) {
      for (const spelling of [value, b64(value)]) {
        assert.ok(!diff.text.includes(spelling), "no Secret value in the diff");
        assert.ok(!one.text.includes(spelling), "no Secret value in the app");
        assert.ok(!JSON.stringify(server.logs).includes(spelling), "no Secret value in the server log");
      }
    }
  });

  it("streams an app going OutOfSync after a push and Synced after the sync, and nothing of team-b", async () => {
    const first = await moor(["app", "sync", LIVE, "--kubeconfig", runSandboxKubeconfig()]);
    assert.equal(first.code, 0, first.stderr);
    await waitForApp(LIVE, "synced", (a) => a.status?.sync.status === "Synced", 120_000);
    const history = await get<{ history: { revision: string }[] }>(
      tokens.viewerA as string,
      `/applications/mooring/${LIVE}/history`,
    );
    assert.equal(history.status, 200);
    assert.equal(history.body.history.length, 1);

    const viewer = openStream(tokens.viewerA as string);
    const admin = openStream(tokens.admin as string);
    try {
      // Let both streams subscribe before anything changes.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const sha = await git.commit("reads", { "live/cm.yaml": configMap(`live-${suffix}`, "v2") }, "v2");
      await kubectlOk([
        "annotate",
        "application",
        LIVE,
        "-n",
        "mooring",
        "mooring.dev/refresh=normal",
        "--overwrite",
      ]);
      await eventually("the stream to show the app OutOfSync at the new commit", async () =>
        viewer.messages.some(
          (m) =>
            m.event === "application" &&
            m.data.name === LIVE &&
            m.data.summary?.sync === "OutOfSync" &&
            m.data.summary.revision === sha,
        )
          ? true
          : undefined,
      );
      const sync = await moor(["app", "sync", LIVE, "--kubeconfig", runSandboxKubeconfig()]);
      assert.equal(sync.code, 0, sync.stderr);
      await eventually("the stream to show the app Synced at the new commit", async () =>
        viewer.messages.some(
          (m) =>
            m.event === "application" &&
            m.data.name === LIVE &&
            m.data.summary?.sync === "Synced" &&
            m.data.summary.revision === sha,
        )
          ? true
          : undefined,
      );
      // A change to team-b's app reaches the admin's stream and not the viewer's.
      await kubectlOk(["label", "application", LISTED_B[0] as string, "-n", "mooring", `touched=${suffix}`]);
      await eventually("the admin's stream to show team-b's app", async () =>
        admin.messages.some((m) => m.data.name === LISTED_B[0]) ? true : undefined,
      );
      assert.ok(
        !viewer.messages.some((m) => LISTED_B.includes(m.data.name)),
        "team-b never reaches team-a's viewer",
      );
      const events = viewer.messages.filter((m) => m.event === "event");
      assert.ok(events.length > 0, "Kubernetes Events about the app are streamed too");
      const text = JSON.stringify(viewer.messages);
      for (const spelling of [GIT_SECRET, b64(GIT_SECRET), HAND_SECRET, b64(HAND_SECRET)])
        assert.ok(!text.includes(spelling));
    } finally {
      await viewer.close();
      await admin.close();
    }
  });
});
