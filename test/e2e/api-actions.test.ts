// User story: a team drives its Applications and Stacks through the Mooring API (and `moor app
// ... --server`) instead of a kubeconfig. A deployer of team-a dry-runs a sync, syncs one chosen
// object, then the whole app with prune; rolls back and unpins; stops a sync stuck on a slow hook;
// suspends and resumes the app. An approver approves a Stack's plan by its id (an id that is not
// the current plan is refused with 409), applies the next one, and releases a stuck state lock. The
// admin deletes apps with and without their objects. Each time the controller records who asked.
// Roles hold: a viewer cannot sync and a deployer cannot approve (403), team-a cannot act on team-b
// (404, as for reads: other teams' names are not revealed); every refusal is an audit record. The real server, controller, cluster, git and OpenTofu run.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { saveLogin } from "../../src/cli/api-client.ts";
import type { Stack } from "../../src/core/stack/spec.ts";
import { stackLockLease } from "../../src/terraform/state-backend.ts";
import { initialAdminPassword } from "../harness/admin.ts";
import { type AppView, discardApp, getApp, waitForApp } from "../harness/apps.ts";
import { auditRecordsSince } from "../harness/audit.ts";
import { eventually, kubectl, kubectlOk, moor } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { runEnv } from "../harness/env.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";
import { type RunningServer, startServer } from "../harness/server.ts";
import { slowHookFiles } from "../harness/slow-hooks.ts";
import { createStackNamespace, getStack, waitStack } from "../harness/stacks.ts";

const suffix = Date.now().toString(36);
const TEAM_A = `team-a-${suffix}`;
const TEAM_B = `team-b-${suffix}`;
const NS_A = `actions-a-${suffix}`;
const NS_B = `actions-b-${suffix}`;
const STACK_NS = `actions-stack-${suffix}`;
const WEB = `web-${suffix}`;
const SLOW = `slow-${suffix}`;
const OTHER = `other-${suffix}`;

const configMap = (name: string, version: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  version: "${version}"\n`;

const MODULE = (input: string) => `resource "terraform_data" "db" {\n  input = "${input}"\n}\n`;

interface Answer {
  status: number;
  body: { message?: string; request?: Record<string, unknown>; error?: { code: string; message: string } };
}

describe("actions through the API: the same requests as the CLI, behind roles", () => {
  let git: GitServer;
  let controller: RunningController;
  let server: RunningServer;
  let configDir: string;
  const tokens: Record<string, string> = {};

  async function call(
    token: string | undefined,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Answer> {
    const response = await server.api(path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Answer["body"] };
  }

  const appAction = (token: string, name: string, action: string, body: unknown = {}) =>
    call(token, "POST", `/applications/mooring/${name}/${action}`, body);

  /** Audit records written since this file began: the server's log lines, or the run's audit database. */
  const began = new Date().toISOString();
  async function audits(): Promise<
    { kind: string; actor: { name: string }; project: string; details: Record<string, unknown> }[]
  > {
    return (await auditRecordsSince(server, began)) as never;
  }

  async function applyObjects(objects: unknown[]): Promise<void> {
    await kubectlOk(
      ["apply", "--server-side", "--force-conflicts", "--field-manager=platform-team", "-f", "-"],
      {
        input: JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }),
      },
    );
  }

  const project = (name: string, namespace: string) => ({
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Project",
    metadata: { name, namespace: "mooring" },
    spec: { sourceRepos: ["*"], destinations: [{ name: "in-cluster", namespace }] },
  });

  const application = (name: string, projectName: string, namespace: string, path: string) => ({
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Application",
    metadata: { name, namespace: "mooring" },
    spec: {
      project: projectName,
      source: { repoURL: git.url("shop"), targetRevision: "main", path },
      destination: { namespace },
    },
  });

  async function token(projectName: string, role: string): Promise<string> {
    return eventually(`a ${role} token for project ${projectName}`, async () => {
      const answer = await call(tokens.admin, "POST", "/tokens", {
        project: projectName,
        role,
        expiresIn: "1h",
      });
      if (answer.status !== 201) throw new Error(JSON.stringify(answer.body));
      return (answer.body as { token: string }).token;
    });
  }

  before(async () => {
    await ensureInstalled();
    configDir = await mkdtemp(join(tmpdir(), "mooring-login-"));
    git = await startGitServer();
    await git.createRepo(
      "shop",
      {
        "web/one.yaml": configMap("one", "v1"),
        "web/two.yaml": configMap("two", "v1"),
        ...slowHookFiles("slow", 120),
        "other/cm.yaml": configMap("other", "v1"),
      },
      "v1",
    );
    await git.createRepo("infra", { "db/main.tf": MODULE("v1") }, "module v1");
    for (const ns of [NS_A, NS_B]) await kubectlOk(["create", "namespace", ns]);
    await createStackNamespace(STACK_NS);
    await applyObjects([project(TEAM_A, NS_A), project(TEAM_B, NS_B)]);
    await applyObjects([
      application(WEB, TEAM_A, NS_A, "web"),
      application(SLOW, TEAM_A, NS_A, "slow"),
      application(OTHER, TEAM_B, NS_B, "other"),
    ]);
    controller = await startController();
    server = await startServer();
    const password = await initialAdminPassword();
    const login = await call(undefined, "POST", "/session", {
      username: "admin",
      password,
      session: "token",
    });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    tokens.admin = (login.body as { token: string }).token;
    tokens.viewerA = await token(TEAM_A, "viewer");
    tokens.deployerA = await token(TEAM_A, "deployer");
    tokens.deployerDefault = await token("default", "deployer");
    tokens.approverDefault = await token("default", "approver");
  });

  after(async () => {
    const problems = controller?.logs.filter((l) => l.level === "error") ?? [];
    if (problems.length > 0)
      process.stderr.write(`controller errors:\n${problems.map((l) => JSON.stringify(l)).join("\n")}\n`);
    await server?.stop();
    await controller?.stop();
    await git?.close();
    for (const name of [WEB, SLOW, OTHER]) {
      await discardApp(name);
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
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  const op = (app: AppView) =>
    app.status?.operationState as
      | (NonNullable<NonNullable<AppView["status"]>["operationState"]> & {
          dryRun?: boolean;
          selection?: unknown[];
          initiatedBy?: { username?: string };
        })
      | undefined;

  /** Waits for an operation that started after `since` to end. */
  const finishedAfter = (name: string, since: number, what: string) =>
    waitForApp(
      name,
      what,
      (app) => {
        const state = op(app);
        return (
          state !== undefined &&
          Date.parse(state.startedAt) >= since &&
          (state.phase === "Succeeded" || state.phase === "Failed")
        );
      },
      120_000,
    );

  async function configMapVersion(name: string, namespace = NS_A): Promise<string | undefined> {
    const res = await kubectl(["get", "configmap", name, "-n", namespace, "-o", "jsonpath={.data.version}"]);
    return res.code === 0 ? res.stdout : undefined;
  }

  it("refuses without a login (401), a viewer's sync (403) and team-b's app to team-a's deployer (404), audited", async () => {
    assert.equal((await appAction("", WEB, "sync")).status, 401);
    const viewer = await appAction(tokens.viewerA ?? "", WEB, "sync");
    assert.equal(viewer.status, 403, JSON.stringify(viewer.body));
    assert.equal(viewer.body.error?.code, "forbidden");
    assert.match(viewer.body.error?.message ?? "", /may not sync application .* role viewer/);
    // Team-b's app is refused as if it did not exist, so its name is not revealed; still audited.
    const foreign = await appAction(tokens.deployerA ?? "", OTHER, "sync");
    assert.equal(foreign.status, 404, JSON.stringify(foreign.body));
    assert.equal(foreign.body.error?.code, "not-found");
    await eventually("both refusals in the audit trail", async () => {
      const denied = (await audits()).filter((a) => a.kind === "api-denied" && a.details.verb === "sync");
      return denied.some((a) => a.project === TEAM_A) && denied.some((a) => a.project === TEAM_B)
        ? true
        : undefined;
    });
    const missing = await appAction(tokens.deployerA ?? "", `nothing-${suffix}`, "sync");
    assert.equal(missing.status, 404);
    const unknownField = await appAction(tokens.deployerA ?? "", WEB, "sync", { force: true });
    assert.equal(unknownField.status, 400);
  });

  it("dry-runs a sync, syncs one chosen object, then the whole app with prune, recording who asked", async () => {
    await waitForApp(WEB, "to be compared", (app) => app.status?.sync?.status === "OutOfSync");
    let since = Date.now();
    const dry = await appAction(tokens.deployerA ?? "", WEB, "sync", { dryRun: true });
    assert.equal(dry.status, 202, JSON.stringify(dry.body));
    assert.match(dry.body.message ?? "", /dry-run sync of application/);
    let app = await finishedAfter(WEB, since, "to finish the dry run");
    assert.equal(op(app)?.phase, "Succeeded", op(app)?.message);
    assert.equal(op(app)?.dryRun, true);
    assert.deepEqual(
      op(app)
        ?.resources.filter((r) => r.kind === "ConfigMap")
        .map((r) => `${r.name}:${r.result}`)
        .sort(),
      ["one:created", "two:created"],
    );
    assert.equal(await configMapVersion("one"), undefined, "a dry run changes nothing");
    assert.equal(app.status?.history?.length ?? 0, 0, "a dry run leaves no history");

    since = Date.now();
    const chosen = await appAction(tokens.deployerA ?? "", WEB, "sync", {
      resources: [{ group: "", kind: "ConfigMap", namespace: NS_A, name: "one" }],
    });
    assert.equal(chosen.status, 202, JSON.stringify(chosen.body));
    app = await finishedAfter(WEB, since, "to sync the chosen object");
    assert.equal(op(app)?.phase, "Succeeded", op(app)?.message);
    assert.equal(await configMapVersion("one"), "v1");
    assert.equal(await configMapVersion("two"), undefined, "objects not chosen are left alone");
    const initiator = op(app)?.initiatedBy?.username;
    const allowed = (await audits()).filter((a) => a.kind === "api-allowed" && a.details.action === "sync");
    assert.ok(allowed.length >= 2, JSON.stringify(allowed));
    assert.equal(initiator, allowed.at(-1)?.actor.name, "the controller records the API caller as who asked");

    since = Date.now();
    assert.equal((await appAction(tokens.deployerA ?? "", WEB, "sync")).status, 202);
    app = await finishedAfter(WEB, since, "to sync the whole app");
    assert.equal(op(app)?.phase, "Succeeded", op(app)?.message);
    assert.equal(await configMapVersion("two"), "v1");
    assert.equal(app.status?.history?.length, 1);

    const v2 = await git.commit(
      "shop",
      { "web/one.yaml": configMap("one", "v2"), "web/two.yaml": null },
      "v2 drops two",
    );
    since = Date.now();
    const pruning = await appAction(tokens.deployerA ?? "", WEB, "sync", { prune: true });
    assert.equal(pruning.status, 202);
    assert.match(pruning.body.message ?? "", /with prune/);
    app = await finishedAfter(WEB, since, "to sync v2 with prune");
    assert.equal(op(app)?.phase, "Succeeded", JSON.stringify(op(app)));
    assert.equal(op(app)?.revision, v2);
    assert.equal(await configMapVersion("one"), "v2");
    assert.equal(await configMapVersion("two"), undefined, `pruned: ${JSON.stringify(op(app)?.resources)}`);
    assert.equal(app.status?.history?.length, 2);
  });

  it("rolls back to a history entry and unpins, audited as a rollback", async () => {
    const since = Date.now();
    const rollback = await appAction(tokens.deployerA ?? "", WEB, "rollback", { id: 1 });
    assert.equal(rollback.status, 202, JSON.stringify(rollback.body));
    let app = await finishedAfter(WEB, since, "to roll back");
    assert.equal(op(app)?.trigger, "rollback");
    assert.equal(op(app)?.phase, "Succeeded", op(app)?.message);
    assert.equal(await configMapVersion("one"), "v1");
    assert.ok(app.status?.pin, "pinned to the rolled-back revision");
    assert.ok((await audits()).some((a) => a.kind === "rollback" && a.details.id === 1));
    const absent = await appAction(tokens.deployerA ?? "", WEB, "rollback", { id: 99 });
    assert.equal(absent.status, 404, JSON.stringify(absent.body));

    assert.equal((await appAction(tokens.deployerA ?? "", WEB, "unpin")).status, 202);
    app = await waitForApp(WEB, "to be unpinned", (a) => !a.status?.pin);
    assert.equal(app.status?.pin, undefined);
  });

  it("terminates a sync waiting on a slow hook; with none running, terminate is a conflict", async () => {
    const idle = await appAction(tokens.deployerA ?? "", SLOW, "terminate");
    assert.equal(idle.status, 409, JSON.stringify(idle.body));
    assert.equal(idle.body.error?.code, "conflict");
    const since = Date.now();
    assert.equal((await appAction(tokens.deployerA ?? "", SLOW, "sync")).status, 202);
    await waitForApp(
      SLOW,
      "to wait on its PreSync hook",
      (app) =>
        op(app)?.phase === "Running" &&
        op(app)?.startedAt !== undefined &&
        Date.parse(op(app)?.startedAt ?? "") >= since &&
        Boolean(op(app)?.waitingFor),
      90_000,
    );
    const stop = await appAction(tokens.deployerA ?? "", SLOW, "terminate");
    assert.equal(stop.status, 202, JSON.stringify(stop.body));
    const app = await finishedAfter(SLOW, since, "to end terminated");
    assert.equal(op(app)?.phase, "Failed");
    assert.match(op(app)?.message ?? "", /terminated by/);
  });

  it("suspends and resumes an app; a suspended app refuses a sync with 409", async () => {
    const suspended = await appAction(tokens.deployerA ?? "", WEB, "suspend");
    assert.equal(suspended.status, 202, JSON.stringify(suspended.body));
    assert.equal((await getApp(WEB)).spec.suspend, true);
    const refused = await appAction(tokens.deployerA ?? "", WEB, "sync");
    assert.equal(refused.status, 409);
    assert.match(refused.body.error?.message ?? "", /is suspended/);
    assert.equal((await appAction(tokens.deployerA ?? "", WEB, "resume")).status, 202);
    assert.equal((await getApp(WEB)).spec.suspend, false);
  });

  it("`moor app sync NAME --server URL` acts through the API with a saved token login", async () => {
    const env = { ...runEnv(), MOORING_CONFIG_DIR: configDir };
    saveLogin({ server: server.origin, token: tokens.deployerA ?? "", username: "deployer-token" }, env);
    const since = Date.now();
    const synced = await moor(["app", "sync", WEB, "--server", server.origin, "--wait", "--timeout", "90s"], {
      env,
    });
    assert.equal(synced.code, 0, synced.stderr);
    assert.match(synced.stdout, new RegExp(`sync of application ${WEB} requested`));
    const app = await finishedAfter(WEB, since, "to sync as asked through the server");
    assert.equal(op(app)?.phase, "Succeeded", op(app)?.message);
    const refreshed = await moor(["app", "refresh", WEB, "--server", server.origin, "--timeout", "60s"], {
      env,
    });
    assert.equal(refreshed.code, 0, refreshed.stderr);
    assert.match(refreshed.stdout, new RegExp(`application ${WEB}: (Synced|OutOfSync)`));
    // Reads go through the server too, and show only the projects the login holds a role in.
    const listed = await moor(["app", "list", "--server", server.origin, "-o", "name"], { env });
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(listed.stdout.trim().split("\n").sort(), [SLOW, WEB].sort());
    const table = await moor(["app", "list", "--server", server.origin], { env });
    assert.match(table.stdout, new RegExp(`^${WEB}\\s+(Synced|OutOfSync)\\s`, "m"));
    const shown = await moor(["app", "get", WEB, "--server", server.origin, "-o", "json"], { env });
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(JSON.parse(shown.stdout).spec.project, TEAM_A);
    const asViewer = { ...env, MOORING_CONFIG_DIR: join(configDir, "viewer") };
    saveLogin({ server: server.origin, token: tokens.viewerA ?? "", username: "viewer-token" }, asViewer);
    const refused = await moor(["app", "sync", WEB, "--server", server.origin], { env: asViewer });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /may not sync/);
  });

  it("deletes apps only as admin: without cascade the objects stay, with cascade they go", async () => {
    const deployer = await call(tokens.deployerA, "DELETE", `/applications/mooring/${WEB}?cascade=false`);
    assert.equal(deployer.status, 403);
    const kept = await call(tokens.admin, "DELETE", `/applications/mooring/${WEB}?cascade=false`);
    assert.equal(kept.status, 202, JSON.stringify(kept.body));
    await eventually("the app to be gone", async () =>
      (await kubectl(["get", "application", WEB, "-n", "mooring"])).code !== 0 ? true : undefined,
    );
    assert.ok((await configMapVersion("one")) !== undefined, "its objects stay");

    // The global admin may act in every project: team-b's app is synced, then deleted with its objects.
    const since = Date.now();
    assert.equal((await appAction(tokens.admin ?? "", OTHER, "sync")).status, 202);
    await finishedAfter(OTHER, since, "to sync as the admin asked");
    assert.equal(await configMapVersion("other", NS_B), "v1");
    const cascaded = await call(tokens.admin, "DELETE", `/applications/mooring/${OTHER}`);
    assert.equal(cascaded.status, 202, JSON.stringify(cascaded.body));
    await eventually(
      "the app and its objects to be gone",
      async () =>
        (await kubectl(["get", "application", OTHER, "-n", "mooring"])).code !== 0 &&
        (await configMapVersion("other", NS_B)) === undefined
          ? true
          : undefined,
      90_000,
    );
  });

  it("approves a Stack's plan by id (a stale id is 409, a deployer 403), applies the next plan, and releases a stuck lock", async () => {
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Stack",
        metadata: { name: "db", namespace: STACK_NS },
        spec: {
          source: { repoURL: git.url("infra"), targetRevision: "main", path: "db" },
          approvePlan: "manual",
        },
      }),
    });
    const planned = await waitStack(
      STACK_NS,
      "db",
      "to have a pending plan",
      (s) => s.status?.lastPlan?.pending === true,
      180_000,
    );
    const planId = planned.status?.lastPlan?.id ?? "";
    const stackPath = `/stacks/${STACK_NS}/db`;

    const byDeployer = await call(tokens.deployerDefault, "POST", `${stackPath}/approve`, { planId });
    assert.equal(byDeployer.status, 403, JSON.stringify(byDeployer.body));
    const stale = await call(tokens.approverDefault, "POST", `${stackPath}/approve`, {
      planId: "p-0123456789abcdef",
    });
    assert.equal(stale.status, 409, JSON.stringify(stale.body));
    assert.ok(stale.body.error?.message.includes(planId), "the refusal names the current plan");
    const approved = await call(tokens.approverDefault, "POST", `${stackPath}/approve`, { planId });
    assert.equal(approved.status, 202, JSON.stringify(approved.body));
    const applied = await waitStack(
      STACK_NS,
      "db",
      "to apply the approved plan",
      (s) => s.status?.lastApply?.planId === planId && s.status.lastApply.result === "succeeded",
      180_000,
    );
    const approver = (await audits()).find((a) => a.kind === "stack-approve" && a.details.planId === planId);
    assert.ok(approver, "the approval is audited");
    assert.equal(
      applied.status?.lastApply?.approvedBy,
      approver?.actor.name,
      "the controller records the approver",
    );

    await git.commit("infra", { "db/main.tf": MODULE("v2") }, "module v2");
    const replan = await call(tokens.approverDefault, "POST", `${stackPath}/plan`, {});
    assert.equal(replan.status, 202, JSON.stringify(replan.body));
    const second = await waitStack(
      STACK_NS,
      "db",
      "to plan v2",
      (s) => s.status?.lastPlan?.pending === true && s.status.lastPlan.id !== planId,
      180_000,
    );
    // The approver reviews and applies it with the CLI, through the server.
    const env = { ...runEnv(), MOORING_CONFIG_DIR: join(configDir, "approver") };
    saveLogin(
      { server: server.origin, token: tokens.approverDefault ?? "", username: "approver-token" },
      env,
    );
    const remote = ["-n", STACK_NS, "--server", server.origin];
    const shown = await moor(["stack", "plan", "db", ...remote], { env });
    assert.equal(shown.code, 0, shown.stderr);
    assert.ok(shown.stdout.includes(second.status?.lastPlan?.id ?? "?"), shown.stdout);
    assert.match(shown.stdout, /terraform_data\.db/);
    const applied2 = await moor(["stack", "apply", "db", ...remote, "--wait", "--timeout", "3m"], { env });
    assert.equal(applied2.code, 0, applied2.stderr);
    assert.match(applied2.stdout, new RegExp(`plan ${second.status?.lastPlan?.id} of stack db approved by`));
    const done = await getStack(STACK_NS, "db");
    assert.equal(done.status?.lastApply?.planId, second.status?.lastPlan?.id);
    assert.equal(done.status?.lastApply?.result, "succeeded");
    const nothing = await call(tokens.approverDefault, "POST", `${stackPath}/apply`, {});
    assert.equal(nothing.status, 409, "nothing pending to apply");

    // Someone's tofu left the state locked; the approver releases that very lock.
    const lease = stackLockLease((await getStack(STACK_NS, "db")) as unknown as Stack);
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: {
          name: lease.name,
          namespace: lease.namespace,
          annotations: {
            "app.terraform.io/lock-info": JSON.stringify({
              ID: "lock-by-hand",
              Who: "alice@laptop",
              Operation: "OperationTypeApply",
            }),
          },
        },
        spec: { holderIdentity: "lock-by-hand" },
      }),
    });
    const wrong = await call(tokens.approverDefault, "POST", `${stackPath}/unlock`, {
      lockId: "not-the-lock",
    });
    assert.equal(wrong.status, 409, JSON.stringify(wrong.body));
    const unlock = await call(tokens.approverDefault, "POST", `${stackPath}/unlock`, {
      lockId: "lock-by-hand",
    });
    assert.equal(unlock.status, 202, JSON.stringify(unlock.body));
    await eventually(
      "the lock to be released",
      async () => {
        const holder = await kubectlOk([
          "get",
          "lease",
          lease.name,
          "-n",
          lease.namespace,
          "-o",
          "jsonpath={.spec.holderIdentity}",
        ]);
        return holder === "" ? true : undefined;
      },
      90_000,
    );
    assert.ok((await audits()).some((a) => a.kind === "stack-unlock" && a.details.lockId === "lock-by-hand"));
  });
});
