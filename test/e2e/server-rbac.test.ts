// User story: a platform engineer runs `moor server` in the cluster under its own ServiceAccount,
// `mooring-server`, with only the RBAC `moor install` gives it (deploy/rbac/server-*.yaml), and
// everything the API offers still works: the caches fill, apps and stacks are listed and read,
// the bootstrapped admin logs in and out, accounts and API tokens are made, used and revoked, a
// sync, a Stack plan and unlock are requested, a signed webhook delivery refreshes what the push
// moved, and the audit trail is read and verified against the anchor Events. What the server must never do — read a Secret outside `mooring`, touch workloads,
// grant itself more — Kubernetes refuses, so even a compromised server cannot.
//
// The server runs here as a Pod would: with a token of its ServiceAccount from the TokenRequest
// API (as in test/e2e/engine-operations.test.ts for the controller), in a kubeconfig of its own,
// so every call it makes is authorized by the API server against that account's roles.
import assert from "node:assert/strict";
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { KubeRest } from "../../src/kube/rest.ts";
import { eventually, kubectl, kubectlOk } from "../harness/cluster.ts";
import { ensureInstalled } from "../harness/controller.ts";
import { runSandboxKubeconfig } from "../harness/env.ts";
import { type RunningServer, startServer } from "../harness/server.ts";

const SA = "system:serviceaccount:mooring:mooring-server";
const suffix = randomBytes(3).toString("hex");
const ns = `t-server-rbac-${suffix}`;
const project = `server-rbac-${suffix}`;
const APP = "shop";
const STACK = "infra";
const REPO = `https://git.example.com/team/shop-${suffix}.git`;
const HOOK_SECRET = `hook-${suffix}`;
const REPO_SECRET = `repo-server-rbac-${suffix}`;
const ACCOUNT = `erin-${suffix}`;

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

/** `kubectl auth can-i` as the server's ServiceAccount (a SubjectAccessReview): true for yes. */
async function serverCan(args: string[]): Promise<boolean> {
  const res = await kubectl(["auth", "can-i", ...args, `--as=${SA}`]);
  const answer = res.stdout.trim();
  if (answer !== "yes" && answer !== "no")
    throw new Error(`kubectl auth can-i ${args.join(" ")}: ${res.stderr}`);
  return answer === "yes";
}

describe("moor server under its own least-privilege ServiceAccount", { timeout: 300_000 }, () => {
  let dir = "";
  let server: RunningServer;
  /** The API server as the mooring-server account, for requests the server itself could make. */
  let asServer: KubeRest;
  let adminToken = "";

  async function call(
    path: string,
    init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const res = await server.api(path, {
      method: init.method ?? "GET",
      headers: {
        ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
        ...init.headers,
      },
      ...(init.body === undefined
        ? {}
        : { body: typeof init.body === "string" ? init.body : JSON.stringify(init.body) }),
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {}
    return { status: res.status, json };
  }

  const login = async (username: string, password: string) => {
    const res = await call("/session", { method: "POST", body: { username, password, session: "token" } });
    assert.equal(res.status, 200, `${username} logs in: ${JSON.stringify(res.json)}`);
    return String(res.json.token);
  };

  const jsonpath = async (args: string[], path: string) =>
    (await kubectlOk(["get", ...args, "-o", `jsonpath=${path}`])).trim();

  before(async () => {
    await ensureInstalled();
    await kubectlOk(["create", "namespace", ns]);
    await kubectlOk(["apply", "--server-side", "--field-manager=platform-team", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "List",
        items: [
          {
            apiVersion: "mooring.dev/v1alpha1",
            kind: "Project",
            metadata: { name: project, namespace: "mooring" },
            spec: {
              sourceRepos: ["*"],
              destinations: [{ server: "*", namespace: "*" }],
              sourceNamespaces: [ns],
              roles: [{ name: "deployer", groups: [`${project}-devs`] }],
            },
          },
          {
            apiVersion: "mooring.dev/v1alpha1",
            kind: "Application",
            metadata: { name: APP, namespace: ns },
            spec: {
              project,
              source: { repoURL: REPO, path: "app", targetRevision: "main" },
              destination: { namespace: ns },
            },
          },
          {
            apiVersion: "mooring.dev/v1alpha1",
            kind: "Stack",
            metadata: { name: STACK, namespace: ns },
            spec: { project, source: { repoURL: REPO, path: "infra", targetRevision: "main" } },
          },
          // What the Secret cache reads: a repository, whose password must never reach an answer.
          {
            apiVersion: "v1",
            kind: "Secret",
            metadata: {
              name: REPO_SECRET,
              namespace: "mooring",
              labels: { "mooring.dev/secret-type": "repository" },
            },
            stringData: { url: REPO, username: "ci", password: `pw-${suffix}` },
          },
          {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "mooring-webhook", namespace: "mooring" },
            stringData: { gitea: HOOK_SECRET },
          },
          // A Secret in an app's namespace: out of the server's reach.
          {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "database", namespace: ns },
            stringData: { password: `db-${suffix}` },
          },
        ],
      }),
    });
    // An Event about the app, as the controller would write it, for the timeline cache.
    await kubectlOk(["create", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "Event",
        metadata: { name: `${APP}.${suffix}`, namespace: ns },
        involvedObject: { apiVersion: "mooring.dev/v1alpha1", kind: "Application", namespace: ns, name: APP },
        type: "Normal",
        reason: "Synced",
        message: `synced by the test ${suffix}`,
        source: { component: "mooring-controller" },
        firstTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
        lastTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
        count: 1,
      }),
    });
    // A first start in a fresh install: the server itself makes its session key and revocation list.
    await kubectl([
      "delete",
      "secret",
      "mooring-session-key",
      "mooring-revoked-sessions",
      "-n",
      "mooring",
      "--ignore-not-found",
    ]);

    // What a Pod of deploy/install/server.yaml gets: a token of its ServiceAccount.
    const token = (
      await kubectlOk(["create", "token", "mooring-server", "-n", "mooring", "--duration=1h"])
    ).trim();
    const admin = parse(await readFile(runSandboxKubeconfig(), "utf8"));
    const cluster = admin.clusters[0].cluster as { server: string; "certificate-authority-data": string };
    dir = await mkdtemp(join(tmpdir(), "mooring-server-sa-"));
    const kubeconfig = join(dir, "kubeconfig");
    await writeFile(
      kubeconfig,
      stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "sandbox", cluster }],
        users: [{ name: "mooring-server", user: { token } }],
        contexts: [
          {
            name: "in-cluster",
            context: { cluster: "sandbox", user: "mooring-server", namespace: "mooring" },
          },
        ],
        "current-context": "in-cluster",
      }),
      { mode: 0o600 },
    );
    asServer = new KubeRest({
      server: cluster.server,
      caPem: Buffer.from(cluster["certificate-authority-data"], "base64").toString(),
      token,
    });
    server = await startServer({ kubeconfig });
  });

  after(async () => {
    await server?.stop();
    asServer?.close();
    await kubectl([
      "delete",
      "secret",
      REPO_SECRET,
      "mooring-webhook",
      "-n",
      "mooring",
      "--ignore-not-found",
    ]);
    await kubectl(["delete", "project", project, "-n", "mooring", "--ignore-not-found"]);
    await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("runs as mooring-server and fills every cache: apps, stacks, projects, repositories, events", async () => {
    const whoami = await asServer.request<{ status: { userInfo: { username: string } } }>(
      "POST",
      "/apis/authentication.k8s.io/v1/selfsubjectreviews",
      { body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } },
    );
    assert.equal(whoami.body.status.userInfo.username, SA);

    const password = Buffer.from(
      await jsonpath(["secret", "mooring-initial-admin", "-n", "mooring"], "{.data.password}"),
      "base64",
    ).toString("utf8");
    adminToken = await login("admin", password);

    const apps = await eventually(
      "the app in the list",
      async () => {
        const res = await call(`/applications?namespace=${ns}`, { token: adminToken });
        const items = (res.json.items ?? []) as { name: string }[];
        return res.status === 200 && items.some((a) => a.name === APP) ? items : undefined;
      },
      20_000,
    );
    assert.deepEqual(
      apps.map((a) => a.name),
      [APP],
    );
    const one = await call(`/applications/${ns}/${APP}`, { token: adminToken });
    assert.equal(one.status, 200, JSON.stringify(one.json));
    const stacks = await call(`/stacks?namespace=${ns}`, { token: adminToken });
    assert.equal(stacks.status, 200, JSON.stringify(stacks.json));
    assert.deepEqual(
      ((stacks.json.items ?? []) as { name: string }[]).map((s) => s.name),
      [STACK],
    );
    const projects = await call("/projects", { token: adminToken });
    assert.equal(projects.status, 200, JSON.stringify(projects.json));
    assert.ok(JSON.stringify(projects.json).includes(project));
    const repositories = await call("/repositories", { token: adminToken });
    assert.equal(repositories.status, 200, JSON.stringify(repositories.json));
    assert.ok(JSON.stringify(repositories.json).includes(REPO), "the registered repository is listed");
    assert.ok(!JSON.stringify(repositories.json).includes(`pw-${suffix}`), "never its password");
    const events = await eventually(
      "the app's Event in its timeline",
      async () => {
        const res = await call(`/applications/${ns}/${APP}/events`, { token: adminToken });
        const items = (res.json.items ?? []) as { reason: string; message: string }[];
        return items.length > 0 ? items : undefined;
      },
      20_000,
    );
    assert.deepEqual(
      events.map((e) => [e.reason, e.message]),
      [["Synced", `synced by the test ${suffix}`]],
    );
    const refused = server.logs.filter((line) => String(line.msg ?? "").startsWith("cache:"));
    assert.deepEqual(refused, [], "no cache was refused or left unfilled");
  });

  it("made its own session key, keeps local accounts, and ends a session on logout for every replica", async () => {
    assert.equal(
      await jsonpath(["secret", "mooring-session-key", "-n", "mooring"], "{.metadata.name}"),
      "mooring-session-key",
    );
    const created = await call("/accounts", {
      method: "POST",
      token: adminToken,
      body: { name: ACCOUNT, groups: [`${project}-devs`] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const erin = await login(ACCOUNT, String(created.json.password));
    const me = await call("/account", { token: erin });
    assert.equal(me.status, 200);
    assert.equal(me.json.username, ACCOUNT);
    assert.deepEqual(
      (me.json.projects as { project: string; roles: string[] }[]).map((p) => [p.project, p.roles]),
      [[project, ["deployer"]]],
      "the group from the account gives the project's role, read from the Projects cache",
    );

    assert.equal((await call("/session", { method: "DELETE", token: erin })).status, 204);
    assert.equal((await call("/account", { token: erin })).status, 401, "a logged-out session is refused");
    const revoked = await jsonpath(["secret", "mooring-revoked-sessions", "-n", "mooring"], "{.data}");
    assert.equal(Object.keys(JSON.parse(revoked)).length, 1, "the revocation list other replicas read");
    assert.equal(
      (await call(`/accounts/${ACCOUNT}`, { method: "DELETE", token: adminToken })).status,
      204,
      "the admin deletes the account",
    );
    const accounts = await call("/accounts", { token: adminToken });
    assert.ok(!JSON.stringify(accounts.json).includes(ACCOUNT));
  });

  it("creates an API token, which works, records its last use, lists and is refused once revoked", async () => {
    const minted = await call("/tokens", {
      method: "POST",
      token: adminToken,
      body: { project, role: "deployer", expiresIn: "1h" },
    });
    assert.equal(minted.status, 201, JSON.stringify(minted.json));
    const token = String(minted.json.token);
    const id = (minted.json.record as { id: string }).id;
    const seen = await call(`/applications?namespace=${ns}`, { token });
    assert.equal(seen.status, 200, JSON.stringify(seen.json));
    assert.deepEqual(
      ((seen.json.items ?? []) as { name: string }[]).map((a) => a.name),
      [APP],
    );
    await eventually(
      "the token's last use in the list",
      async () => {
        const listed = await call(`/tokens?project=${project}`, { token: adminToken });
        const record = ((listed.json.items ?? []) as { id: string; lastUsedAt?: string }[]).find(
          (t) => t.id === id,
        );
        return record?.lastUsedAt;
      },
      20_000,
    );
    const revoked = await call(`/tokens/${id}`, { method: "DELETE", token: adminToken });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.json));
    assert.equal((await call(`/applications?namespace=${ns}`, { token })).status, 401);
    const warned = server.logs.filter((line) => /cannot record/.test(String(line.msg)));
    assert.deepEqual(warned, []);
  });

  it("requests a sync, a Stack plan and checks a Stack's state lock", async () => {
    const sync = await call(`/applications/${ns}/${APP}/sync`, {
      method: "POST",
      token: adminToken,
      body: {},
    });
    assert.equal(sync.status, 202, JSON.stringify(sync.json));
    assert.equal(
      await jsonpath(["application", APP, "-n", ns], "{.operation.initiatedBy.username}"),
      "admin",
    );
    assert.notEqual(await jsonpath(["application", APP, "-n", ns], "{.operation.sync}"), "");

    const plan = await call(`/stacks/${ns}/${STACK}/plan`, { method: "POST", token: adminToken, body: {} });
    assert.equal(plan.status, 202, JSON.stringify(plan.json));
    assert.equal(
      await jsonpath(["stack", STACK, "-n", ns], "{.metadata.annotations.mooring\\.dev/refresh}"),
      "normal",
    );
    // Unlock reads the state-lock Lease beside the Stack: none held is a conflict, not a refusal.
    const unlock = await call(`/stacks/${ns}/${STACK}/unlock`, {
      method: "POST",
      token: adminToken,
      body: {},
    });
    assert.equal(unlock.status, 409, JSON.stringify(unlock.json));
    assert.match(String((unlock.json.error as { message: string }).message), /is not locked/);
  });

  it("answers a Stack's plan from its status, saying why the text is withheld from the plan store it may not read", async () => {
    const lastPlan = {
      id: "p-rbac-1",
      revision: "0123456789abcdef0123456789abcdef01234567",
      createdAt: new Date().toISOString(),
      purpose: "apply",
      summary: { add: 1, change: 0, destroy: 0, replace: 0, forget: 0, import: 0, read: 0 },
      resources: [{ address: "terraform_data.a", action: "create" }],
      pending: true,
    };
    await kubectlOk([
      "patch",
      "stack",
      STACK,
      "-n",
      ns,
      "--subresource=status",
      "--type=merge",
      "-p",
      JSON.stringify({ status: { lastPlan } }),
    ]);
    const answer = await eventually("the plan in the server's cache", async () => {
      const res = await call(`/stacks/${ns}/${STACK}/plan`, { token: adminToken });
      return (res.json.plan as { id?: string } | null)?.id === lastPlan.id ? res : undefined;
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    assert.equal(answer.json.text, undefined);
    assert.match(
      String(answer.json.textWithheld),
      new RegExp(`may not read the plan store \\(Secrets in namespace ${ns}\\)`),
    );
  });

  it("refreshes the app and the stack a signed webhook delivery names", async () => {
    await kubectlOk(["annotate", "application", APP, "-n", ns, "mooring.dev/refresh-"]);
    await kubectlOk(["annotate", "stack", STACK, "-n", ns, "mooring.dev/refresh-"]);
    const body = JSON.stringify({
      ref: "refs/heads/main",
      before: randomBytes(20).toString("hex"),
      after: randomBytes(20).toString("hex"),
      repository: { clone_url: REPO, html_url: REPO.replace(/\.git$/, ""), default_branch: "main" },
    });
    const res = await call("/webhooks/gitea", {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "x-gitea-event": "push",
        "x-gitea-delivery": randomUUID(),
        "x-gitea-signature": createHmac("sha256", HOOK_SECRET).update(body).digest("hex"),
      },
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const refreshed = ((res.json.refreshed ?? []) as { kind: string; name: string }[])
      .map((r) => `${r.kind}/${r.name}`)
      .sort();
    assert.deepEqual(refreshed, [`Application/${APP}`, `Stack/${STACK}`]);
    for (const kind of ["application", "stack"]) {
      const name = kind === "application" ? APP : STACK;
      assert.notEqual(
        await jsonpath([kind, name, "-n", ns], "{.metadata.annotations.mooring\\.dev/refresh}"),
        "",
        `${kind} ${name} carries the refresh request`,
      );
    }
  });

  it("records what it did in the audit trail and verifies it against the anchor Events in mooring", async () => {
    await eventually(
      "the token minted above on record",
      async () => {
        const res = await call(`/audit?kind=token-created&project=${project}`, { token: adminToken });
        assert.equal(res.status, 200, JSON.stringify(res.json));
        const records = (res.json.records ?? []) as { actor: { name: string } }[];
        return records.find((r) => r.actor.name === "admin");
      },
      20_000,
    );
    const verified = await call("/audit/verify", { token: adminToken });
    assert.equal(verified.status, 200, JSON.stringify(verified.json));
    assert.equal(typeof verified.json.anchors, "number");
  });

  it("deletes an app through the API", async () => {
    const res = await call(`/applications/${ns}/${APP}?cascade=false`, {
      method: "DELETE",
      token: adminToken,
    });
    assert.equal(res.status, 202, JSON.stringify(res.json));
    assert.equal((await kubectl(["get", "application", APP, "-n", ns])).code, 1, "the app is gone");
  });

  it("cannot read Secrets outside mooring, touch workloads or widen its own rights", async () => {
    // Kubernetes itself refuses the server's credentials, whatever the server's code would try.
    const refused = {
      "read a Secret in an app's namespace": await asServer.get(`/api/v1/namespaces/${ns}/secrets/database`),
      "list Secrets in an app's namespace": await asServer.get(`/api/v1/namespaces/${ns}/secrets`),
      "list Secrets in kube-system": await asServer.get("/api/v1/namespaces/kube-system/secrets"),
      "list Secrets cluster-wide": await asServer.get("/api/v1/secrets"),
      "list Pods": await asServer.get(`/api/v1/namespaces/${ns}/pods`),
      "read ConfigMaps": await asServer.get(`/api/v1/namespaces/${ns}/configmaps`),
      "create a ClusterRoleBinding to cluster-admin": await asServer.request(
        "POST",
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        {
          body: {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: `server-rbac-escalation-${suffix}` },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
            subjects: [{ kind: "ServiceAccount", name: "mooring-server", namespace: "mooring" }],
          },
        },
      ),
      "widen its own ClusterRole": await asServer.request(
        "PATCH",
        "/apis/rbac.authorization.k8s.io/v1/clusterroles/mooring-server",
        {
          body: { rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }] },
          contentType: "application/merge-patch+json",
        },
      ),
    };
    const statuses = Object.fromEntries(Object.entries(refused).map(([what, res]) => [what, res.status]));
    assert.deepEqual(
      statuses,
      Object.fromEntries(Object.keys(refused).map((what) => [what, 403])),
      "every one is Forbidden",
    );

    const expected: [string[], boolean][] = [
      [["get", "secrets", "-n", ns], false],
      [["get", "secrets", "-n", "kube-system"], false],
      [["create", "pods", "--subresource=exec", "-n", ns], false],
      [["create", "deployments.apps", "-n", ns], false],
      [["delete", "pods", "-n", ns], false],
      [["escalate", "clusterroles.rbac.authorization.k8s.io"], false],
      [["bind", "clusterroles.rbac.authorization.k8s.io"], false],
      [["impersonate", "serviceaccounts", "-n", ns], false],
      [["create", "serviceaccounts", "--subresource=token", "-n", "mooring"], false],
      [["update", "secrets/mooring-webhook", "-n", "mooring"], false],
      [["delete", "secrets", "-n", "mooring"], false],
      [["update", "applications.mooring.dev", "--subresource=status", "-n", ns], false],
      [["update", "projects.mooring.dev", "-n", "mooring"], false],
      // What its flows above needed, and so must keep.
      [["patch", "applications.mooring.dev", "-n", ns], true],
      [["delete", "stacks.mooring.dev", "-n", ns], true],
      [["watch", "events", "-n", ns], true],
      [["get", "leases.coordination.k8s.io", "-n", ns], true],
      [["create", "secrets", "-n", "mooring"], true],
      [["update", "secrets/mooring-users", "-n", "mooring"], true],
      [["create", "events", "-n", "mooring"], false],
      [["list", "events", "-n", "mooring"], true],
    ];
    const wrong: string[] = [];
    for (const [args, allowed] of expected) {
      if ((await serverCan(args)) !== allowed) wrong.push(`${allowed ? "may" : "may not"} ${args.join(" ")}`);
    }
    assert.deepEqual(wrong, [], "mooring-server's rights as Kubernetes answers them");
    assert.equal((await kubectl(["get", "clusterrolebinding", `server-rbac-escalation-${suffix}`])).code, 1);
  });
});
