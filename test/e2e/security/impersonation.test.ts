// Attack suite: syncs run as the tenant, not as Mooring. On a cluster shared by several teams the
// controller is started with --multi-tenant: every sync, prune, drift watch and finalize acts as a
// ServiceAccount (the project's, or --default-service-account in the destination namespace), so
// the API server's RBAC for that account decides. The controller here runs with the sandbox's
// admin kubeconfig, as the harness always starts it, and must still act as the ServiceAccount.
// - an app whose account lacks a right: the 403 surfaces as a Stalled condition naming the
//   object, the verb and the account, nothing is applied, and the app is not retried in a storm;
// - an app whose account has a namespace Role syncs, heals drift and is deleted as that account;
//   a finalize the API server refuses keeps the finalizer instead of reading 403 as "gone";
// - in lockdown, an app whose project names no ServiceAccount is refused;
// - a cluster registered with --namespace-scope refuses objects outside its namespaces.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { parse } from "yaml";
import { KubeClient } from "../../../src/kube/client.ts";
import { loadConfig } from "../../../src/kube/kubeconfig.ts";
import {
  type AppView,
  applyApp,
  condition,
  refreshApp,
  syncedAndHealthy,
  waitForApp,
} from "../../harness/apps.ts";
import { eventually, kubectl, kubectlOk, moor } from "../../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../../harness/controller.ts";
import { runSandboxKubeconfig } from "../../harness/env.ts";
import { type GitServer, startGitServer } from "../../harness/git-server.ts";

const suffix = Date.now().toString(36);

const configMap = (name: string, namespace?: string) =>
  `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
${namespace ? `  namespace: ${namespace}\n` : ""}data:
  colour: blue
`;

const SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: not-allowed
stringData:
  token: s3cret
`;

const CLUSTER_ROLE = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: escalate-${suffix}
rules:
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: ["*"]
`;

/** A ServiceAccount with a namespace Role over these resources (all verbs but those left out). */
function tenantAccount(
  namespace: string,
  name: string,
  rules: { apiGroups: string[]; resources: string[]; verbs?: string[] }[],
): string {
  const all = ["get", "list", "watch", "create", "update", "patch", "delete"];
  return JSON.stringify({
    apiVersion: "v1",
    kind: "List",
    items: [
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name, namespace },
        rules: rules.map((r) => ({ ...r, verbs: r.verbs ?? all })),
      },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name, namespace },
        subjects: [{ kind: "ServiceAccount", name, namespace }],
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      },
    ],
  });
}

async function createNamespace(name: string, cleanup: string[]): Promise<string> {
  await kubectlOk(["create", "namespace", name]);
  cleanup.push(name);
  return name;
}

async function exists(kind: string, name: string, namespace: string): Promise<boolean> {
  return (await kubectl(["get", kind, name, "-n", namespace])).code === 0;
}

/** The Warning events of an app with this reason, and how often each was raised. */
async function warningCount(app: string, reason: string): Promise<number> {
  const list = JSON.parse(
    await kubectlOk([
      "get",
      "events",
      "-n",
      "mooring",
      "--field-selector",
      `involvedObject.name=${app},reason=${reason}`,
      "-o",
      "json",
    ]),
  ) as { items: { count?: number }[] };
  return list.items.reduce((sum, e) => sum + (e.count ?? 1), 0);
}

/** The sum of a counter over all its label sets, from the controller's /metrics. */
async function counter(controller: RunningController, name: string): Promise<number> {
  const text = await (await fetch(`${controller.metricsUrl}`)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.split(" ").pop());
  }
  return sum;
}

function stalledWith(reason: string) {
  return (app: AppView) =>
    condition(app, "Stalled")?.status === "True" && condition(app, "Stalled")?.reason === reason;
}

async function deleteAppAndWait(name: string): Promise<void> {
  await kubectl([
    "delete",
    "application",
    name,
    "-n",
    "mooring",
    "--ignore-not-found",
    "--wait=true",
    "--timeout=90s",
  ]);
}

describe("lockdown: syncs act as --default-service-account", () => {
  let git: GitServer;
  let controller: RunningController;
  const namespaces: string[] = [];
  const apps: string[] = [];

  before(async () => {
    await ensureInstalled();
    git = await startGitServer();
    await git.createRepo(
      "tenant",
      {
        "allowed/config.yaml": configMap("settings"),
        "mixed/config.yaml": configMap("allowed"),
        "mixed/secret.yaml": SECRET,
      },
      "initial",
    );
    controller = await startController({
      args: ["--multi-tenant", "--default-service-account", "deployer"],
    });
  });

  after(async () => {
    for (const app of apps) {
      // Drop the finalizer so a failed test cannot leave an app stuck behind RBAC.
      await kubectl([
        "patch",
        "application",
        app,
        "-n",
        "mooring",
        "--type=merge",
        "-p",
        '{"metadata":{"finalizers":null}}',
      ]);
      await kubectl(["delete", "application", app, "-n", "mooring", "--ignore-not-found", "--wait=false"]);
    }
    await controller?.stop();
    await git?.close();
    for (const ns of namespaces)
      await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
  });

  async function app(name: string, path: string, namespace: string, cluster?: string): Promise<void> {
    apps.push(name);
    await applyApp(name, {
      source: { repoURL: git.url("tenant"), targetRevision: "main", path },
      destination: { namespace, ...(cluster ? { cluster } : {}) },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    } as never);
  }

  it("the API server sees an impersonating client as the ServiceAccount, with the account's groups", async (t) => {
    const ns = await createNamespace(`imp-who-${suffix}`, namespaces);
    const admin = new KubeClient(loadConfig({ kubeconfig: runSandboxKubeconfig() }).credentials);
    t.after(() => admin.close());
    const client = admin.impersonating({ namespace: ns, name: "deployer" });
    assert.equal(admin.impersonating({ namespace: ns, name: "deployer" }), client, "one client per account");
    const review = await client.rest.request<{
      status: { userInfo: { username: string; groups: string[] } };
    }>("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {
      body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    });
    assert.equal(review.body.status.userInfo.username, `system:serviceaccount:${ns}:deployer`);
    assert.deepEqual(
      [...review.body.status.userInfo.groups].sort(),
      ["system:authenticated", "system:serviceaccounts", `system:serviceaccounts:${ns}`],
      "the server adds the account's own groups",
    );
    // The admin's rights are not carried over: the account has none yet.
    const refused = await client.rest.get(`/api/v1/namespaces/${ns}/configmaps`);
    assert.equal(refused.status, 403);
  });

  it("an app whose ServiceAccount has a namespace Role syncs, heals drift and is deleted as that account", async () => {
    const ns = await createNamespace(`imp-ok-${suffix}`, namespaces);
    await kubectlOk(["apply", "-f", "-"], {
      input: tenantAccount(ns, "deployer", [{ apiGroups: [""], resources: ["configmaps"] }]),
    });
    await app("imp-ok", "allowed", ns);
    await waitForApp("imp-ok", "to sync as the deployer account", syncedAndHealthy());
    assert.equal(
      (await kubectlOk(["get", "configmap", "settings", "-n", ns, "-o", "jsonpath={.data.colour}"])).trim(),
      "blue",
    );

    // The drift watch runs as the account too, in its namespace: a manual edit is reverted.
    await kubectlOk([
      "patch",
      "configmap",
      "settings",
      "-n",
      ns,
      "--type=merge",
      "-p",
      '{"data":{"colour":"red"}}',
    ]);
    await eventually("the manual edit to be reverted", async () => {
      const colour = await kubectlOk([
        "get",
        "configmap",
        "settings",
        "-n",
        ns,
        "-o",
        "jsonpath={.data.colour}",
      ]);
      return colour.trim() === "blue" ? true : undefined;
    });

    // Without the right to delete, deleting the app keeps its finalizer and says why: a 403 is
    // never read as "already gone".
    await kubectlOk(["apply", "-f", "-"], {
      input: tenantAccount(ns, "deployer", [
        { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch", "patch"] },
      ]),
    });
    await kubectlOk(["delete", "application", "imp-ok", "-n", "mooring", "--wait=false"]);
    const blocked = await waitForApp(
      "imp-ok",
      "to say why its objects cannot be deleted",
      stalledWith("Forbidden"),
    );
    const message = condition(blocked, "Stalled")?.message ?? "";
    assert.match(message, new RegExp(`system:serviceaccount:${ns}:deployer`));
    assert.match(message, /cannot delete resource "configmaps"/);
    assert.match(message, /keeps its finalizer/);
    assert.ok(await exists("configmap", "settings", ns), "the object is still there");
    assert.ok(await exists("application", "imp-ok", "mooring"), "the app is still there, finalizer and all");
    const finalizers = await kubectlOk([
      "get",
      "application",
      "imp-ok",
      "-n",
      "mooring",
      "-o",
      "jsonpath={.metadata.finalizers}",
    ]);
    assert.match(finalizers, /mooring\.dev\/resources-finalizer/);

    // Granting the right lets the deletion finish, as the account.
    await kubectlOk(["apply", "-f", "-"], {
      input: tenantAccount(ns, "deployer", [{ apiGroups: [""], resources: ["configmaps"] }]),
    });
    await eventually(
      "the app and its ConfigMap to be deleted",
      async () => ((await exists("application", "imp-ok", "mooring")) ? undefined : true),
      90_000,
    );
    assert.equal(await exists("configmap", "settings", ns), false);
  });

  it("an app whose ServiceAccount lacks a right: Forbidden naming object, verb and account, nothing applied, no retry storm", async () => {
    const ns = await createNamespace(`imp-403-${suffix}`, namespaces);
    await kubectlOk(["apply", "-f", "-"], {
      input: tenantAccount(ns, "deployer", [{ apiGroups: [""], resources: ["configmaps"] }]),
    });
    await app("imp-forbidden", "mixed", ns);
    const stalled = await waitForApp("imp-forbidden", "to stall on the 403", stalledWith("Forbidden"));
    const message = condition(stalled, "Stalled")?.message ?? "";
    assert.match(message, /^nothing was applied: /);
    assert.match(
      message,
      new RegExp(
        `secrets "not-allowed" is forbidden: User "system:serviceaccount:${ns}:deployer" cannot (get|patch) resource "secrets"`,
      ),
    );
    assert.match(
      message,
      new RegExp(
        `ServiceAccount ${ns}/deployer \\(from the controller's --default-service-account\\); grant it the missing right`,
      ),
    );
    assert.equal(condition(stalled, "Ready")?.status, "False");
    // Nothing beyond what Kubernetes allowed, and not even the allowed half of the app.
    assert.equal(await exists("secret", "not-allowed", ns), false);
    assert.equal(await exists("configmap", "allowed", ns), false);
    assert.ok(!JSON.stringify(stalled.status).includes("s3cret"));

    // No retry storm: over 20 s the app is looked at a few times at most (the resync is 20 s in
    // these tests; the repository poll, every second, does not wake a stalled app).
    const eventsBefore = await warningCount("imp-forbidden", "Forbidden");
    const reconcilesBefore = await counter(controller, "mooring_app_reconcile_total");
    const syncsBefore = await counter(controller, "mooring_app_sync_total");
    await sleep(20_000);
    const eventsAfter = await warningCount("imp-forbidden", "Forbidden");
    const reconciles = (await counter(controller, "mooring_app_reconcile_total")) - reconcilesBefore;
    assert.ok(
      eventsAfter - eventsBefore <= 2,
      `Forbidden raised ${eventsAfter - eventsBefore} times in 20 s`,
    );
    assert.ok(reconciles <= 4, `${reconciles} reconciles in 20 s`);
    assert.equal(await counter(controller, "mooring_app_sync_total"), syncsBefore, "no sync was attempted");
    assert.equal(await exists("configmap", "allowed", ns), false);

    // Once the account is granted the right, a refresh syncs the whole app.
    await kubectlOk(["apply", "-f", "-"], {
      input: tenantAccount(ns, "deployer", [{ apiGroups: [""], resources: ["configmaps", "secrets"] }]),
    });
    await refreshApp("imp-forbidden");
    await waitForApp("imp-forbidden", "to sync once the account may", syncedAndHealthy(), 60_000);
    assert.ok(await exists("secret", "not-allowed", ns));
    await deleteAppAndWait("imp-forbidden");
  });

  it("a prune the account may not do: the sync stops there, Stalled Forbidden, and is not retried in a loop", async () => {
    const ns = await createNamespace(`imp-prune-${suffix}`, namespaces);
    await kubectlOk(["apply", "-f", "-"], {
      input: tenantAccount(ns, "deployer", [
        { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch", "create", "patch"] },
      ]),
    });
    await git.commit(
      "tenant",
      { "prune/a.yaml": configMap("a"), "prune/b.yaml": configMap("b") },
      "two objects",
    );
    await app("imp-prune", "prune", ns);
    await waitForApp("imp-prune", "to sync both objects", syncedAndHealthy());

    const syncsBefore = await counter(controller, "mooring_app_sync_total");
    await git.commit("tenant", { "prune/b.yaml": null }, "drop b");
    const stalled = await waitForApp("imp-prune", "to stall on the refused prune", stalledWith("Forbidden"));
    const message = condition(stalled, "Stalled")?.message ?? "";
    assert.match(
      message,
      new RegExp(`User "system:serviceaccount:${ns}:deployer" cannot delete resource "configmaps"`),
    );
    assert.match(message, /grant it the missing right/);
    assert.equal(stalled.status?.operationState?.phase, "Failed");
    // Kubernetes refused the delete: b is still there, and a was left as it was.
    assert.ok(await exists("configmap", "b", ns));
    assert.ok(await exists("configmap", "a", ns));

    await sleep(15_000);
    const syncs = (await counter(controller, "mooring_app_sync_total")) - syncsBefore;
    assert.ok(syncs <= 2, `${syncs} sync attempts in about 15 s after a 403`);
  });

  it("a hook the account may not run: the sync stops before the objects after it, Stalled Forbidden", async () => {
    const ns = await createNamespace(`imp-hook-${suffix}`, namespaces);
    await kubectlOk(["apply", "-f", "-"], {
      input: tenantAccount(ns, "deployer", [{ apiGroups: [""], resources: ["configmaps"] }]),
    });
    await git.commit(
      "tenant",
      {
        "hook/config.yaml": configMap("after-hook"),
        "hook/migrate.yaml": `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations:
    mooring.dev/hook: PreSync
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{ name: migrate, image: busybox }]
`,
      },
      "a PreSync hook",
    );
    await app("imp-hook", "hook", ns);
    const stalled = await waitForApp("imp-hook", "to stall on the refused hook", stalledWith("Forbidden"));
    const message = condition(stalled, "Stalled")?.message ?? "";
    assert.match(
      message,
      new RegExp(`User "system:serviceaccount:${ns}:deployer" cannot \\w+ resource "jobs"`),
    );
    assert.equal(await exists("job", "migrate", ns), false);
    assert.equal(
      await exists("configmap", "after-hook", ns),
      false,
      "nothing after the refused hook was applied",
    );
  });

  it("a cluster registered with --namespace-scope refuses objects outside its namespaces and cluster-scoped ones", async (t) => {
    const inside = await createNamespace(`imp-in-${suffix}`, namespaces);
    const outside = await createNamespace(`imp-out-${suffix}`, namespaces);
    await kubectlOk(["apply", "-f", "-"], {
      input: tenantAccount(inside, "deployer", [{ apiGroups: [""], resources: ["configmaps"] }]),
    });
    const cluster = `scoped-${suffix}`;
    const added = await moor([
      "cluster",
      "add",
      cluster,
      "--kubeconfig",
      runSandboxKubeconfig(),
      "--mooring-kubeconfig",
      runSandboxKubeconfig(),
      "--namespace-scope",
      inside,
    ]);
    assert.equal(added.code, 0, added.stderr);
    t.after(() => moor(["cluster", "remove", cluster, "--kubeconfig", runSandboxKubeconfig()]));
    await git.commit(
      "tenant",
      {
        "scoped/inside.yaml": configMap("inside"),
        "scoped/outside.yaml": configMap("outside", outside),
        "scoped/clusterrole.yaml": CLUSTER_ROLE,
      },
      "an app that reaches outside its namespace",
    );
    await app("imp-scope", "scoped", inside, cluster);
    const stalled = await waitForApp(
      "imp-scope",
      "to be refused by the scope",
      stalledWith("OutsideNamespaceScope"),
    );
    const message = condition(stalled, "Stalled")?.message ?? "";
    assert.match(message, new RegExp(`cluster ${cluster} may only be used in namespaces ${inside}`));
    assert.match(message, new RegExp(`ConfigMap/${outside}/outside \\(namespace ${outside}\\)`));
    assert.match(message, new RegExp(`ClusterRole/escalate-${suffix} \\(cluster-scoped\\)`));
    assert.equal(await exists("configmap", "inside", inside), false, "nothing was applied, not even inside");
    assert.equal(await exists("configmap", "outside", outside), false);
    assert.equal((await kubectl(["get", "clusterrole", `escalate-${suffix}`])).code, 1);
  });
});

describe("lockdown: an app without a ServiceAccount", () => {
  let git: GitServer;
  let controller: RunningController;
  const namespaces: string[] = [];
  const apps: string[] = [];

  before(async () => {
    await ensureInstalled();
    git = await startGitServer();
    await git.createRepo("plain", { "app/config.yaml": configMap("plain") }, "initial");
    controller = await startController({ args: ["--multi-tenant"] });
  });

  after(async () => {
    for (const app of apps) {
      await kubectl([
        "patch",
        "application",
        app,
        "-n",
        "mooring",
        "--type=merge",
        "-p",
        '{"metadata":{"finalizers":null}}',
      ]);
      await kubectl(["delete", "application", app, "-n", "mooring", "--ignore-not-found", "--wait=false"]);
    }
    await kubectl(["delete", "project", `team-${suffix}`, "-n", "mooring", "--ignore-not-found"]);
    await controller?.stop();
    await git?.close();
    for (const ns of namespaces)
      await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
  });

  it("is refused, naming the app, the project and what to set; its project's ServiceAccount lets it sync", async () => {
    const ns = await createNamespace(`imp-none-${suffix}`, namespaces);
    apps.push("imp-none");
    await applyApp("imp-none", {
      source: { repoURL: git.url("plain"), targetRevision: "main", path: "app" },
      destination: { namespace: ns },
      syncPolicy: { automated: { prune: true } },
    } as never);
    const refused = await waitForApp("imp-none", "to be refused", stalledWith("ServiceAccountRequired"));
    const message = condition(refused, "Stalled")?.message ?? "";
    assert.match(message, /Application mooring\/imp-none/);
    assert.match(message, /project default names no ServiceAccount for cluster in-cluster, namespace/);
    assert.match(message, /destinationServiceAccounts/);
    assert.equal(
      await exists("configmap", "plain", ns),
      false,
      "nothing was applied with the controller's rights",
    );

    // The platform team gives the team a project whose destination has a ServiceAccount.
    await kubectlOk(["apply", "-f", "-"], {
      input: tenantAccount(ns, "team-deployer", [{ apiGroups: [""], resources: ["configmaps"] }]),
    });
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Project",
        metadata: { name: `team-${suffix}`, namespace: "mooring" },
        spec: {
          sourceRepos: ["*"],
          destinations: [{ name: "in-cluster", namespace: ns }],
          destinationServiceAccounts: [
            { name: "in-cluster", namespace: ns, defaultServiceAccount: "team-deployer" },
          ],
        },
      }),
    });
    await applyApp("imp-none", {
      project: `team-${suffix}`,
      source: { repoURL: git.url("plain"), targetRevision: "main", path: "app" },
      destination: { namespace: ns },
      syncPolicy: { automated: { prune: true } },
    } as never);
    await waitForApp("imp-none", "to sync as the project's account", syncedAndHealthy(), 60_000);
    assert.ok(await exists("configmap", "plain", ns));
    await deleteAppAndWait("imp-none");
    assert.equal(await exists("configmap", "plain", ns), false);
  });
});

describe("moor install --multi-tenant", () => {
  const SA = "system:serviceaccount:mooring:mooring-controller";
  const can = async (args: string[]) =>
    (await kubectl(["auth", "can-i", ...args, `--as=${SA}`])).stdout.trim();

  after(async () => {
    // Leave the shared cluster with the default installation.
    await moor(["install", "--kubeconfig", runSandboxKubeconfig()]);
  });

  it("leaves the controller no cluster-admin role, only its own work and impersonation", async () => {
    await ensureInstalled();
    assert.equal(
      await can(["create", "deployments.apps", "-n", "default"]),
      "yes",
      "single-team: the manager role",
    );
    const res = await moor([
      "install",
      "--kubeconfig",
      runSandboxKubeconfig(),
      "--multi-tenant",
      "-o",
      "json",
    ]);
    assert.equal(res.code, 0, res.stderr);
    const result = JSON.parse(res.stdout) as { objects: { object: string; action: string }[] };
    assert.deepEqual(
      result.objects.filter((o) => o.action === "deleted").map((o) => o.object),
      ["ClusterRoleBinding/mooring-manager", "ClusterRole/mooring-manager"],
    );
    assert.equal((await kubectl(["get", "clusterrolebinding", "mooring-manager"])).code, 1);
    assert.equal(await can(["create", "deployments.apps", "-n", "default"]), "no");
    assert.equal(await can(["get", "secrets", "-n", "default"]), "no");
    assert.equal(await can(["impersonate", "serviceaccounts", "-n", "default"]), "yes");
    assert.equal(await can(["create", "serviceaccounts", "--subresource=token", "-n", "default"]), "yes");
    assert.equal(await can(["impersonate", "users"]), "no");
    assert.equal(await can(["impersonate", "groups"]), "no");
    assert.equal(
      await can(["patch", "applications.mooring.dev", "--subresource=status", "-n", "mooring"]),
      "yes",
    );

    // Installing again in multi-tenant mode changes nothing.
    const again = await moor(["install", "--kubeconfig", runSandboxKubeconfig(), "--multi-tenant"]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /nothing changed/);
  });

  it("a controller with only its own least-privilege account syncs apps as their project's ServiceAccount", async (t) => {
    // What runs in a Pod of a multi-tenant install: the controller's own token, no manager role.
    const installed = await moor(["install", "--kubeconfig", runSandboxKubeconfig(), "--multi-tenant"]);
    assert.equal(installed.code, 0, installed.stderr);
    const dir = await mkdtemp(join(tmpdir(), "mooring-sa-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const token = (
      await kubectlOk(["create", "token", "mooring-controller", "-n", "mooring", "--duration=1h"])
    ).trim();
    const config = parse(await readFile(runSandboxKubeconfig(), "utf8"));
    const server = new URL(config.clusters[0].cluster.server);
    await writeFile(join(dir, "token"), token);
    await writeFile(
      join(dir, "ca.crt"),
      Buffer.from(config.clusters[0].cluster["certificate-authority-data"], "base64"),
    );
    await writeFile(join(dir, "namespace"), "mooring");

    const ns = `imp-pod-${suffix}`;
    await kubectlOk(["create", "namespace", ns]);
    t.after(() => kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]));
    await kubectlOk(["apply", "-f", "-"], {
      input: tenantAccount(ns, "deployer", [{ apiGroups: [""], resources: ["configmaps"] }]),
    });
    const git = await startGitServer();
    t.after(() => git.close());
    await git.createRepo("pod", { "app/config.yaml": configMap("from-pod") }, "initial");

    // A multi-tenant default project allows nothing: the team gets its own.
    const project = `pod-${suffix}`;
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Project",
        metadata: { name: project, namespace: "mooring" },
        spec: {
          sourceRepos: [git.url("pod")],
          destinations: [{ name: "in-cluster", namespace: ns }],
          destinationServiceAccounts: [
            { name: "in-cluster", namespace: ns, defaultServiceAccount: "deployer" },
          ],
        },
      }),
    });
    t.after(() => kubectl(["delete", "project", project, "-n", "mooring", "--ignore-not-found"]));

    const controller = await startController({
      kubeconfig: null,
      args: ["--multi-tenant"],
      env: {
        KUBECONFIG: "",
        HOME: dir,
        KUBERNETES_SERVICE_HOST: server.hostname,
        KUBERNETES_SERVICE_PORT: server.port,
        MOORING_SERVICE_ACCOUNT_DIR: dir,
      },
    });
    t.after(() => controller.stop());
    t.after(async () => {
      await kubectl([
        "patch",
        "application",
        "imp-pod",
        "-n",
        "mooring",
        "--type=merge",
        "-p",
        '{"metadata":{"finalizers":null}}',
      ]);
      await kubectl([
        "delete",
        "application",
        "imp-pod",
        "-n",
        "mooring",
        "--ignore-not-found",
        "--wait=false",
      ]);
    });
    await applyApp("imp-pod", {
      project,
      source: { repoURL: git.url("pod"), targetRevision: "main", path: "app" },
      destination: { namespace: ns },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    } as never);
    await waitForApp("imp-pod", "to sync as the deployer account", syncedAndHealthy());
    assert.ok(await exists("configmap", "from-pod", ns));
    await deleteAppAndWait("imp-pod");
    assert.equal(await exists("configmap", "from-pod", ns), false);
  });
});
