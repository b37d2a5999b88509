// User story: once logged in with `moor login`, a team reads its Applications and Stacks with the
// same `moor app ...` and `moor stack ...` commands it used with a kubeconfig, and there is NO
// kubeconfig: no $KUBECONFIG, no --kubeconfig, no ~/.kube/config. The admin syncs an app, reads its
// history, waits until it is healthy, sees a new commit as a diff (exit 1) and no diff once synced
// (exit 0), and lists and shows Stacks. A viewer token of team-a sees team-a's app and Stack only,
// may read the last diff (--no-refresh) but not ask for a refresh, and `diff --local` says it
// needs a kubeconfig. The real server, controller, cluster and git run.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { initialAdminPassword } from "../harness/admin.ts";
import { discardApp } from "../harness/apps.ts";
import { eventually, kubectl, kubectlOk, moor } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { runEnv, runSandboxKubeconfig } from "../harness/env.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";
import { type RunningServer, startServer } from "../harness/server.ts";

const suffix = Date.now().toString(36);
const TEAM_A = `reads-a-${suffix}`;
const TEAM_B = `reads-b-${suffix}`;
const NS_A = `reads-a-${suffix}`;
const NS_B = `reads-b-${suffix}`;
const STACK_NS = `reads-stacks-${suffix}`;
const WEB = `web-${suffix}`;
const OTHER = `other-${suffix}`;
const STACK_A = `db-${suffix}`;
const STACK_B = `net-${suffix}`;

const configMap = (name: string, version: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  version: "${version}"\n`;

describe("moor app and moor stack reads through the API once logged in, with no kubeconfig", () => {
  let git: GitServer;
  let controller: RunningController;
  let server: RunningServer;
  let dir: string;
  let admin: NodeJS.ProcessEnv;
  let viewer: NodeJS.ProcessEnv;
  let v1 = "";

  /** An environment with a login in its own folder and no way to a kubeconfig. */
  async function loggedOutEnv(name: string): Promise<NodeJS.ProcessEnv> {
    const home = join(dir, name);
    await mkdir(home, { recursive: true });
    const env: NodeJS.ProcessEnv = { ...runEnv(), MOORING_CONFIG_DIR: join(home, "config"), HOME: home };
    delete env.KUBECONFIG;
    return env;
  }

  async function applyObjects(objects: unknown[]): Promise<void> {
    await kubectlOk(["apply", "--server-side", "--field-manager=platform-team", "-f", "-"], {
      input: JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }),
    });
  }

  const project = (name: string, namespace: string) => ({
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Project",
    metadata: { name, namespace: "mooring" },
    spec: { sourceRepos: ["*"], destinations: [{ name: "in-cluster", namespace }] },
  });

  const application = (name: string, projectName: string, namespace: string) => ({
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Application",
    metadata: { name, namespace: "mooring" },
    spec: {
      project: projectName,
      source: { repoURL: git.url("shop"), targetRevision: "main", path: "web" },
      destination: { namespace },
    },
  });

  // Suspended: the controller never plans them, so no tofu runs; the reads show them as they are.
  const stack = (name: string, projectName: string) => ({
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Stack",
    metadata: { name, namespace: STACK_NS },
    spec: {
      project: projectName,
      suspend: true,
      source: { repoURL: git.url("shop"), targetRevision: "main", path: "infra" },
    },
  });

  before(async () => {
    await ensureInstalled();
    dir = await mkdtemp(join(tmpdir(), "mooring-cli-reads-"));
    git = await startGitServer();
    v1 = await git.createRepo(
      "shop",
      { "web/cm.yaml": configMap("web", "v1"), "infra/main.tf": 'output "x" {\n  value = 1\n}\n' },
      "v1",
    );
    for (const ns of [NS_A, NS_B, STACK_NS]) await kubectlOk(["create", "namespace", ns]);
    await applyObjects([project(TEAM_A, NS_A), project(TEAM_B, NS_B)]);
    await applyObjects([
      application(WEB, TEAM_A, NS_A),
      application(OTHER, TEAM_B, NS_B),
      stack(STACK_A, TEAM_A),
      stack(STACK_B, TEAM_B),
    ]);
    controller = await startController();
    server = await startServer();
    const password = await initialAdminPassword();

    admin = await loggedOutEnv("admin");
    const loggedIn = await moor(["login", server.origin, "--username", "admin", "--password-stdin"], {
      env: admin,
      input: `${password}\n`,
    });
    assert.equal(loggedIn.code, 0, loggedIn.stderr);

    viewer = await loggedOutEnv("viewer");
    const token = await eventually("a viewer token of team-a", async () => {
      const made = await moor(
        ["token", "create", "--project", TEAM_A, "--role", "viewer", "--expires", "1h"],
        {
          env: admin,
        },
      );
      return made.code === 0 ? made.stdout.trim() : undefined;
    });
    const viewerLogin = await moor(["login", server.origin, "--token-stdin"], {
      env: viewer,
      input: `${token}\n`,
    });
    assert.equal(viewerLogin.code, 0, viewerLogin.stderr);
  });

  after(async () => {
    const problems = controller?.logs.filter((l) => l.level === "error") ?? [];
    if (problems.length > 0)
      process.stderr.write(`controller errors:\n${problems.map((l) => JSON.stringify(l)).join("\n")}\n`);
    await server?.stop();
    await controller?.stop();
    await git?.close();
    for (const name of [WEB, OTHER]) {
      await discardApp(name);
    }
    for (const name of [STACK_A, STACK_B]) {
      await kubectl([
        "patch",
        "stack",
        name,
        "-n",
        STACK_NS,
        "--type=merge",
        "-p",
        '{"metadata":{"finalizers":null}}',
      ]);
      await kubectl(["delete", "stack", name, "-n", STACK_NS, "--ignore-not-found", "--wait=false"]);
    }
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
    for (const ns of [NS_A, NS_B, STACK_NS])
      await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("gets an app, syncs it, reads its history and waits for it as with a kubeconfig", async () => {
    const shown = await eventually("the server to serve the app with a comparison", async () => {
      const res = await moor(["app", "get", WEB, "-o", "json"], { env: admin });
      const app = res.code === 0 ? JSON.parse(res.stdout) : undefined;
      return app?.status?.sync?.status === "OutOfSync" ? app : undefined;
    });
    assert.equal(shown.spec.project, TEAM_A);
    const table = await moor(["app", "get", WEB], { env: admin });
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`ConfigMap\\s+${NS_A}\\s+web\\s+OutOfSync`));

    const synced = await moor(["app", "sync", WEB, "--wait", "--timeout", "90s"], { env: admin });
    assert.equal(synced.code, 0, synced.stderr);
    const waited = await moor(["app", "wait", WEB, "--health", "--timeout", "60s"], { env: admin });
    assert.equal(waited.code, 0, waited.stderr);

    const history = await moor(["app", "history", WEB, "-o", "json"], { env: admin });
    assert.equal(history.code, 0, history.stderr);
    assert.deepEqual(
      (JSON.parse(history.stdout) as { id: number; revision: string }[]).map((h) => [h.id, h.revision]),
      [[1, v1]],
    );
    // The table is the one a kubeconfig prints, character for character.
    const viaServer = await moor(["app", "history", WEB], { env: admin });
    const viaCluster = await moor(["app", "history", WEB, "--kubeconfig", runSandboxKubeconfig()], {
      env: admin,
    });
    assert.equal(viaServer.code, 0, viaServer.stderr);
    assert.equal(viaServer.stdout, viaCluster.stdout);
    assert.match(viaServer.stdout, new RegExp(v1.slice(0, 10)));

    const missing = await moor(["app", "wait", `nope-${suffix}`, "--timeout", "5s"], { env: admin });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, new RegExp(`application nope-${suffix} not found in namespace mooring`));
  });

  it("diff exits 0 in sync and 1 with the change once Git moves on; --local needs a kubeconfig", async () => {
    const inSync = await moor(["app", "diff", WEB, "--timeout", "60s"], { env: admin });
    assert.equal(inSync.code, 0, `${inSync.stdout}${inSync.stderr}`);
    assert.equal(inSync.stdout.trim(), "");

    await git.commit("shop", { "web/cm.yaml": configMap("web", "v2") }, "v2");
    const drifted = await eventually("the diff to show the new commit", async () => {
      const res = await moor(["app", "diff", WEB, "--timeout", "60s"], { env: admin });
      return res.code === 1 ? res : undefined;
    });
    assert.match(drifted.stdout, new RegExp(`ConfigMap/${NS_A}/web`));
    assert.match(drifted.stdout, /data\.version: "?v1"? → "?v2"?/);

    // A viewer reads the same last comparison, but may not ask the controller for a new one.
    const read = await moor(["app", "diff", WEB, "--no-refresh"], { env: viewer });
    assert.equal(read.code, 1, read.stderr);
    assert.equal(read.stdout, drifted.stdout);
    const refresh = await moor(["app", "diff", WEB, "--timeout", "20s"], { env: viewer });
    assert.equal(refresh.code, 2);
    assert.match(refresh.stderr, /may not [\s\S]*refresh[\s\S]*pass --no-refresh/);

    const local = await moor(["app", "diff", WEB, "--local", dir], { env: admin });
    assert.equal(local.code, 2);
    assert.match(local.stderr, /moor app diff --local renders the manifests here[\s\S]*needs a kubeconfig/);
  });

  it("lists and shows Stacks; a viewer sees only its project's app and Stack", async () => {
    const all = await eventually("the server to list both Stacks", async () => {
      const res = await moor(["stack", "list", "-n", STACK_NS, "-o", "name"], { env: admin });
      const names = res.stdout.trim().split("\n").sort();
      return names.length === 2 ? names : undefined;
    });
    assert.deepEqual(all, [STACK_B, STACK_A].sort());
    const table = await moor(["stack", "list", "-n", STACK_NS], { env: admin });
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`^${STACK_A}\\s`, "m"));
    const shown = await moor(["stack", "get", STACK_A, "-n", STACK_NS, "-o", "json"], { env: admin });
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(JSON.parse(shown.stdout).spec.project, TEAM_A);
    const summary = await moor(["stack", "get", STACK_A, "-n", STACK_NS], { env: admin });
    assert.equal(summary.code, 0, summary.stderr);
    assert.match(summary.stdout, new RegExp(STACK_A));

    const viewed = await moor(["stack", "list", "-A", "-o", "name"], { env: viewer });
    assert.equal(viewed.code, 0, viewed.stderr);
    assert.deepEqual(viewed.stdout.trim().split("\n"), [STACK_A]);
    const hidden = await moor(["stack", "get", STACK_B, "-n", STACK_NS], { env: viewer });
    assert.equal(hidden.code, 1);
    assert.match(hidden.stderr, new RegExp(`stack ${STACK_B} not found in namespace ${STACK_NS}`));
    const ownApp = await moor(["app", "history", WEB], { env: viewer });
    assert.equal(ownApp.code, 0, ownApp.stderr);
    const otherApp = await moor(["app", "get", OTHER], { env: viewer });
    assert.equal(otherApp.code, 1);
    assert.match(otherApp.stderr, new RegExp(`application ${OTHER} not found`));
  });
});
