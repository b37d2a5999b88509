// User story: mistakes in Git or in an Application never crash the controller and never half-apply
// a change. The app says which object is wrong and why (a Stalled condition and a Warning event),
// the cluster is left untouched, and fixing the mistake in Git recovers without a restart.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { applyApp, condition, deleteApp, getApp, syncedAndHealthy, waitForApp } from "../harness/apps.ts";
import { kubectl, kubectlOk, moor } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { runSandboxKubeconfig } from "../harness/env.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";

const GOOD_CM = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;

describe("bad input gives a clear condition and never a crash loop", () => {
  let git: GitServer;
  let controller: RunningController;
  const suffix = Date.now().toString(36);
  const apps: string[] = [];
  const namespaces: string[] = [];

  before(async () => {
    await ensureInstalled();
    git = await startGitServer({ auth: { token: "right-token" } });
    await git.createRepo(
      "config",
      {
        "good/a.yaml": GOOD_CM("a", "1"),
        "good/b.yaml": GOOD_CM("b", "1"),
        "malformed/bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n data: [unclosed\n",
        "unknown/widget.yaml": "apiVersion: nowhere.example/v1\nkind: Gizmo\nmetadata:\n  name: g\n",
      },
      "initial",
    );
    controller = await startController();
  });

  after(async () => {
    for (const app of apps) await deleteApp(app);
    await controller?.stop();
    await git?.close();
    for (const ns of namespaces)
      await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
    await kubectl(["delete", "secret", "creds-config", "-n", "mooring", "--ignore-not-found"]);
  });

  async function create(name: string, source: Record<string, unknown>): Promise<string> {
    const ns = `${name}-${suffix}`;
    apps.push(name);
    namespaces.push(ns);
    await kubectlOk(["create", "namespace", ns]);
    await applyApp(name, {
      source: { repoURL: git.url("config"), targetRevision: "main", ...source } as never,
      destination: { namespace: ns },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    });
    return ns;
  }

  async function stalled(name: string, reason: string, message: RegExp) {
    const app = await waitForApp(
      name,
      `to be Stalled (${reason})`,
      (a) => condition(a, "Stalled")?.status === "True",
    );
    const stall = condition(app, "Stalled");
    assert.equal(stall?.reason, reason);
    assert.match(stall?.message ?? "", message);
    assert.equal(condition(app, "Ready")?.status, "False");
    const events = JSON.parse(
      await kubectlOk([
        "get",
        "events",
        "-n",
        "mooring",
        "--field-selector",
        `involvedObject.name=${name}`,
        "-o",
        "json",
      ]),
    );
    assert.ok(
      events.items.some((e: { type: string; reason: string }) => e.type === "Warning" && e.reason === reason),
      `a Warning event ${reason}`,
    );
    return app;
  }

  it("wrong credentials: SourceAuthFailed, and the token never shows", async () => {
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
          name: "creds-config",
          namespace: "mooring",
          // A credential template: every repository under the server's URL uses it.
          labels: { "mooring.dev/secret-type": "repo-creds" },
        },
        stringData: { url: git.url("config").replace(/config\.git$/, ""), bearerToken: "wrong-token" },
      }),
    });
    await create("creds", { path: "good" });
    const app = await stalled("creds", "SourceAuthFailed", /authentication|credentials|denied/i);
    assert.ok(!JSON.stringify(app).includes("wrong-token"));
    // Fixing the Secret recovers the app without touching the controller.
    await kubectlOk([
      "patch",
      "secret",
      "creds-config",
      "-n",
      "mooring",
      "-p",
      '{"stringData":{"bearerToken":"right-token"}}',
    ]);
    await kubectlOk([
      "annotate",
      "application",
      "creds",
      "-n",
      "mooring",
      "mooring.dev/refresh=normal",
      "--overwrite",
    ]);
    await waitForApp("creds", "to recover once the token is right", syncedAndHealthy(), 30_000);
  });

  it("a malformed YAML file: RenderFailed naming the file and line, nothing applied", async () => {
    const ns = await create("malformed", { path: "malformed" });
    await stalled("malformed", "RenderFailed", /malformed\/bad\.yaml.*line/);
    assert.equal((await kubectl(["get", "configmap", "x", "-n", ns])).code, 1);
  });

  it("an unknown kind next to valid objects: InvalidManifest, and the valid ones are not applied either", async () => {
    await git.commit(
      "config",
      {
        "mixed/a.yaml": GOOD_CM("a", "1"),
        "mixed/gizmo.yaml": "apiVersion: nowhere.example/v1\nkind: Gizmo\nmetadata:\n  name: g\n",
      },
      "mixed",
    );
    const ns = await create("mixed", { path: "mixed" });
    await stalled(
      "mixed",
      "InvalidManifest",
      /Gizmo\/.*g: the cluster does not serve kind Gizmo in nowhere\.example\/v1/,
    );
    assert.equal(
      (await kubectl(["get", "configmap", "a", "-n", ns])).code,
      1,
      "the valid ConfigMap was not applied",
    );
  });

  it("a manifest the API server rejects: InvalidManifest with the server's reason, cluster untouched", async () => {
    await git.commit(
      "config",
      {
        "invalid/a.yaml": GOOD_CM("a", "1"),
        "invalid/deploy.yaml":
          "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: broken\nspec:\n  replicas: -3\n  selector: { matchLabels: { app: x } }\n  template:\n    metadata: { labels: { app: x } }\n    spec: { containers: [{ name: c, image: i }] }\n",
      },
      "invalid deployment",
    );
    const ns = await create("invalid", { path: "invalid" });
    await stalled("invalid", "InvalidManifest", /Deployment\/.*broken.*replicas/);
    assert.equal((await kubectl(["get", "configmap", "a", "-n", ns])).code, 1);
  });

  it("a path escaping the repository: RenderFailed", async () => {
    await create("escape", { path: "../../etc" });
    await stalled("escape", "RenderFailed", /escapes|outside/);
  });

  it("a revision that does not exist: RevisionNotFound, and a sync asked for meanwhile ends Failed saying why", async () => {
    await create("norev", { path: "good", targetRevision: "no-such-branch" });
    await stalled("norev", "RevisionNotFound", /no-such-branch/);
    const asked = await moor(["app", "sync", "norev", "--kubeconfig", runSandboxKubeconfig()]);
    assert.equal(asked.code, 0, asked.stderr);
    // The status is written before the request is removed, so a failure to write loses nothing.
    const app = await waitForApp(
      "norev",
      "to end the sync request as a Failed operation and remove the request",
      (a) =>
        (a.status as { operationState?: { phase?: string } } | undefined)?.operationState?.phase ===
          "Failed" && (a as { operation?: unknown }).operation === undefined,
    );
    const state = (app.status as { operationState: { message: string; trigger: string } }).operationState;
    assert.equal(state.trigger, "manual");
    assert.match(state.message, /^sync request not carried out: .*no-such-branch/);
  });

  it("a repository that is not there: RepositoryNotFound", async () => {
    await create("norepo", { path: "good", repoURL: git.url("missing") });
    await stalled("norepo", "RepositoryNotFound", /missing/);
  });

  it("an unreachable server: retried with backoff, reported, and the controller keeps serving others", async () => {
    await create("unreachable", { path: "good", repoURL: "http://127.0.0.1:9/nothing.git" });
    const app = await waitForApp(
      "unreachable",
      "to report the failure",
      (a) => condition(a, "Ready")?.status === "False",
    );
    assert.match(condition(app, "Ready")?.message ?? "", /127\.0\.0\.1:9|unreachable|connect/i);
    // Waiting helps here, so a sync asked for now stays on the app through the failed retries.
    const failures = async () => {
      const list = JSON.parse(
        await kubectlOk([
          "get",
          "events",
          "-n",
          "mooring",
          "--field-selector",
          "involvedObject.name=unreachable",
          "-o",
          "json",
        ]),
      ) as { items: { reason: string; count?: number }[] };
      return list.items.filter((e) => e.reason === "ReconcileError").reduce((n, e) => n + (e.count ?? 1), 0);
    };
    const before = await failures();
    const asked = await moor(["app", "sync", "unreachable", "--kubeconfig", runSandboxKubeconfig()]);
    assert.equal(asked.code, 0, asked.stderr);
    const deadline = Date.now() + 60_000;
    while ((await failures()) < before + 2) {
      assert.ok(Date.now() < deadline, "the app is retried after the sync request");
      await sleep(500);
    }
    const retried = await getApp("unreachable");
    assert.ok((retried as { operation?: { sync?: unknown } }).operation?.sync, "the sync request is kept");
    // The controller process is alive and still reconciles a good app.
    assert.equal(controller.process.exitCode, null);
    const fixedNs = await create("healthy-neighbour", { path: "good" });
    await waitForApp("healthy-neighbour", "to sync", syncedAndHealthy());
    assert.equal((await kubectl(["get", "configmap", "a", "-n", fixedNs])).code, 0);
  });

  it("fixing the mistake in Git recovers the app", async () => {
    await git.commit("config", { "malformed/bad.yaml": GOOD_CM("x", "fixed") }, "fix the YAML");
    await kubectlOk([
      "annotate",
      "application",
      "malformed",
      "-n",
      "mooring",
      "mooring.dev/refresh=normal",
      "--overwrite",
    ]);
    const app = await waitForApp("malformed", "to recover", syncedAndHealthy());
    assert.equal(condition(app, "Stalled"), undefined);
  });
});
