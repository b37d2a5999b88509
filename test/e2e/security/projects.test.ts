// Attack suite: Projects. A team's Applications live under a Project the platform team wrote:
// which repositories they may read, which namespaces they may deploy to, which kinds they may
// apply, and which namespaces their Applications may live in. Each attack is one a team member
// could try with what they control (an Application, the repository it reads):
// - a ClusterRoleBinding in the app's manifests (taking over the cluster);
// - an object aimed at kube-system next to a harmless one;
// - a repository the project does not list, even one spelled to look like a listed one to a
//   string-prefix check: it is never contacted;
// - an Application in a namespace the project does not admit.
// Each time nothing is applied and the Stalled condition names the object, the rule and the
// project. An app in a namespace the project admits syncs; a project narrowed afterwards marks the
// app but never deletes what it already deployed.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { ApplicationSpec } from "../../../src/core/application.ts";
import type { ProjectSpec } from "../../../src/core/project/project.ts";
import { type AppView, condition } from "../../harness/apps.ts";
import { eventually, kubectl, kubectlOk } from "../../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../../harness/controller.ts";
import { type GitServer, startGitServer } from "../../harness/git-server.ts";

const suffix = Date.now().toString(36);
const PROJECT = `team-a-${suffix}`;
const TEAM_NS = `team-a-${suffix}`;
const OTHER_NS = `team-b-${suffix}`;
const DEPLOYER = { server: "*", namespace: TEAM_NS, defaultServiceAccount: "deployer" };

const configMap = (name: string, namespace?: string) =>
  `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
${namespace ? `  namespace: ${namespace}\n` : ""}data:
  colour: blue
`;

const CLUSTER_ROLE_BINDING = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: take-over-${suffix}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: Group
    name: system:authenticated
    apiGroup: rbac.authorization.k8s.io
`;

async function applyProject(spec: ProjectSpec): Promise<void> {
  await kubectlOk(
    ["apply", "--server-side", "--force-conflicts", "--field-manager=platform-team", "-f", "-"],
    {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Project",
        metadata: { name: PROJECT, namespace: "mooring" },
        spec,
      }),
    },
  );
}

async function applyAppIn(namespace: string, name: string, spec: ApplicationSpec): Promise<void> {
  await kubectlOk(["apply", "--server-side", "--field-manager=team-a", "-f", "-"], {
    input: JSON.stringify({
      apiVersion: "mooring.dev/v1alpha1",
      kind: "Application",
      metadata: { name, namespace },
      spec,
    }),
  });
}

async function getAppIn(namespace: string, name: string): Promise<AppView> {
  return JSON.parse(await kubectlOk(["get", "application", name, "-n", namespace, "-o", "json"])) as AppView;
}

async function waitForAppIn(
  namespace: string,
  name: string,
  what: string,
  predicate: (app: AppView) => boolean,
): Promise<AppView> {
  let last: AppView | undefined;
  return eventually(`application ${namespace}/${name} ${what}`, async () => {
    last = await getAppIn(namespace, name);
    return predicate(last) ? last : undefined;
  }).catch((err: Error) => {
    throw new Error(`${err.message}; last status: ${JSON.stringify(last?.status ?? null)}`);
  });
}

async function exists(kind: string, name: string, namespace?: string): Promise<boolean> {
  const res = await kubectl(["get", kind, name, ...(namespace ? ["-n", namespace] : []), "-o", "name"]);
  if (res.code === 0) return true;
  assert.match(res.stderr, /NotFound|not found/, `kubectl get ${kind} ${name}: ${res.stderr}`);
  return false;
}

describe("projects keep a team's Applications inside their bounds", () => {
  let git: GitServer;
  /** Serves the repository the project does not list: it must never see a request. */
  let stranger: GitServer;
  /** Listed, but read only by an app whose destination is refused: it must never see a request. */
  let quiet: GitServer;
  let controller: RunningController;
  const apps: [string, string][] = [];

  before(async () => {
    await ensureInstalled();
    git = await startGitServer();
    stranger = await startGitServer();
    quiet = await startGitServer();
    await quiet.createRepo("team-a/config", { "good/settings.yaml": configMap("settings") });
    await git.createRepo("team-a/config", {
      "crb/binding.yaml": CLUSTER_ROLE_BINDING,
      "crb/harmless.yaml": configMap("next-to-binding"),
      "kube-system/planted.yaml": configMap(`planted-${suffix}`, "kube-system"),
      "kube-system/harmless.yaml": configMap("next-to-planted"),
      "good/settings.yaml": configMap("settings"),
    });
    await stranger.createRepo("team-a/config", { "good/settings.yaml": configMap("from-stranger") });
    for (const ns of [TEAM_NS, OTHER_NS]) await kubectlOk(["create", "namespace", ns]);
    // Apps in a team's namespace never act as the controller: they sync as the team's deployer,
    // which may edit its own namespace only.
    await kubectlOk(["create", "serviceaccount", "deployer", "-n", TEAM_NS]);
    await kubectlOk([
      "create",
      "rolebinding",
      "deployer-edit",
      "--clusterrole=edit",
      `--serviceaccount=${TEAM_NS}:deployer`,
      "-n",
      TEAM_NS,
    ]);
    const gitPort = new URL(git.url("x")).port;
    await applyProject({
      description: "team A",
      sourceRepos: [`http://127.0.0.1:${gitPort}/team-a/*`, `${quiet.url("team-a/config")}`],
      destinations: [{ name: "in-cluster", namespace: TEAM_NS }],
      sourceNamespaces: [TEAM_NS],
      destinationServiceAccounts: [DEPLOYER],
    });
    controller = await startController();
  });

  after(async () => {
    for (const [ns, name] of apps) {
      await kubectl([
        "delete",
        "application",
        name,
        "-n",
        ns,
        "--ignore-not-found",
        "--wait=true",
        "--timeout=60s",
      ]);
    }
    await controller?.stop();
    await git?.close();
    await stranger?.close();
    await quiet?.close();
    await kubectl(["delete", "project", PROJECT, "-n", "mooring", "--ignore-not-found"]);
    for (const ns of [TEAM_NS, OTHER_NS])
      await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
    await kubectl(["delete", "clusterrolebinding", `take-over-${suffix}`, "--ignore-not-found"]);
  });

  async function createApp(
    namespace: string,
    name: string,
    repoURL: string,
    path: string,
    destination = TEAM_NS,
    syncOptions: string[] = [],
  ) {
    apps.push([namespace, name]);
    await applyAppIn(namespace, name, {
      project: PROJECT,
      source: { repoURL, targetRevision: "main", path },
      destination: { namespace: destination },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        ...(syncOptions.length > 0 ? { syncOptions } : {}),
      },
    });
  }

  /** Waits for Stalled with `reason`, checks message and Warning event, and returns the app. */
  async function refused(namespace: string, name: string, reason: string, message: RegExp): Promise<AppView> {
    const app = await waitForAppIn(namespace, name, `to be Stalled (${reason})`, (a) => {
      const stalled = condition(a, "Stalled");
      return stalled?.status === "True" && stalled.reason === reason;
    });
    assert.match(condition(app, "Stalled")?.message ?? "", message);
    assert.equal(condition(app, "Ready")?.status, "False");
    const events = JSON.parse(
      await kubectlOk([
        "get",
        "events",
        "-n",
        namespace,
        "--field-selector",
        `involvedObject.name=${name}`,
        "-o",
        "json",
      ]),
    ) as { items: { type: string; reason: string; message: string }[] };
    assert.ok(
      events.items.some((e) => e.type === "Warning" && e.reason === reason && message.test(e.message)),
      `a Warning event ${reason} saying ${message}`,
    );
    return app;
  }

  it("refuses a ClusterRoleBinding in the app's manifests and applies nothing of the sync", async () => {
    await createApp("mooring", `crb-${suffix}`, git.url("team-a/config"), "crb");
    await refused(
      "mooring",
      `crb-${suffix}`,
      "ProjectViolation",
      new RegExp(
        `^Application mooring/crb-${suffix}: ClusterRoleBinding/take-over-${suffix} \\(cluster-scoped kind rbac.authorization.k8s.io/ClusterRoleBinding\\) is not in project ${PROJECT}'s clusterResourceWhitelist; nothing was applied$`,
      ),
    );
    assert.equal(await exists("clusterrolebinding", `take-over-${suffix}`), false);
    assert.equal(
      await exists("configmap", "next-to-binding", TEAM_NS),
      false,
      "the harmless object waits too",
    );
    // Only the project's author can fix this: the app is looked at again at the resync pace (20 s
    // here), not retried in a loop every time its repository is polled (1 s here).
    const attempts = () =>
      controller.logs.filter((l) => l.msg === "reconcile failed" && l.app === `mooring/crb-${suffix}`).length;
    const seen = attempts();
    assert.ok(seen >= 1, "the refusal is logged");
    await sleep(6000);
    assert.ok(attempts() - seen <= 1, `${attempts() - seen} attempts in 6 s`);
  });

  it("refuses CreateNamespace when the project does not allow Namespaces", async () => {
    await createApp("mooring", `ns-${suffix}`, git.url("team-a/config"), "good", TEAM_NS, [
      "CreateNamespace=true",
    ]);
    await refused(
      "mooring",
      `ns-${suffix}`,
      "ProjectViolation",
      new RegExp(
        `Namespace/${TEAM_NS} \\(cluster-scoped kind Namespace\\) is not in project ${PROJECT}'s clusterResourceWhitelist`,
      ),
    );
  });

  it("refuses an object aimed at kube-system, naming the object and the destinations rule", async () => {
    await createApp("mooring", `ks-${suffix}`, git.url("team-a/config"), "kube-system");
    await refused(
      "mooring",
      `ks-${suffix}`,
      "ProjectViolation",
      new RegExp(
        `namespace kube-system is not allowed by project ${PROJECT}'s destinations \\(object ConfigMap/kube-system/planted-${suffix}\\)`,
      ),
    );
    assert.equal(await exists("configmap", `planted-${suffix}`, "kube-system"), false);
    assert.equal(await exists("configmap", "next-to-planted", TEAM_NS), false);
  });

  it("refuses an app whose destination is kube-system before fetching anything", async () => {
    await createApp("mooring", `dest-${suffix}`, quiet.url("team-a/config"), "good", "kube-system");
    await refused(
      "mooring",
      `dest-${suffix}`,
      "ProjectViolation",
      new RegExp(
        `destination in-cluster \\(https://kubernetes.default.svc\\), namespace kube-system is not allowed by project ${PROJECT}'s destinations`,
      ),
    );
    assert.equal(quiet.requests, 0, "the repository was not contacted");
    assert.equal(await exists("configmap", "settings", "kube-system"), false);
  });

  it("never contacts a repository the project does not list, however it is spelled", async () => {
    const listedPort = new URL(git.url("x")).port;
    const strangerHost = new URL(stranger.url("x")).host;
    // To a string-prefix check this starts with the listed `http://127.0.0.1:PORT`; to git it is
    // user `127.0.0.1`, password PORT, on the stranger's server.
    const spoofed = `http://127.0.0.1:${listedPort}@${strangerHost}/team-a/config.git`;
    await createApp("mooring", `unlisted-${suffix}`, stranger.url("team-a/config"), "good");
    await createApp("mooring", `spoofed-${suffix}`, spoofed, "good");
    await refused(
      "mooring",
      `unlisted-${suffix}`,
      "ProjectViolation",
      new RegExp(
        `repository ${stranger.url("team-a/config").replace(/[.]/g, "\\.")} is not in project ${PROJECT}'s sourceRepos`,
      ),
    );
    await refused(
      "mooring",
      `spoofed-${suffix}`,
      "ProjectViolation",
      new RegExp(`is not in project ${PROJECT}'s sourceRepos`),
    );
    assert.equal(stranger.requests, 0, "the unlisted server received no request at all");
    assert.equal(await exists("configmap", "from-stranger", TEAM_NS), false);
  });

  it("syncs an Application living in a namespace the project's sourceNamespaces admits", async () => {
    await createApp(TEAM_NS, "web", git.url("team-a/config"), "good");
    const app = await waitForAppIn(
      TEAM_NS,
      "web",
      "to be Synced and Healthy",
      (a) => a.status?.sync.status === "Synced" && a.status.health.status === "Healthy",
    );
    assert.equal(condition(app, "Ready")?.status, "True");
    assert.equal(await exists("configmap", "settings", TEAM_NS), true);
    const live = JSON.parse(await kubectlOk(["get", "configmap", "settings", "-n", TEAM_NS, "-o", "json"]));
    assert.equal(
      live.metadata.annotations["mooring.dev/tracking-id"],
      `${TEAM_NS}/web:/ConfigMap:${TEAM_NS}/settings`,
    );
  });

  it("refuses an Application in a namespace the project does not admit, and deletes nothing when it goes", async () => {
    await createApp(OTHER_NS, "web", git.url("team-a/config"), "good");
    await refused(
      OTHER_NS,
      "web",
      "ProjectViolation",
      new RegExp(
        `^Application ${OTHER_NS}/web: namespace ${OTHER_NS} is not in project ${PROJECT}'s sourceNamespaces`,
      ),
    );
    // Its status claims the team's ConfigMap, as a forged status could: deleting the app must not
    // delete it.
    await kubectlOk([
      "patch",
      "application",
      "web",
      "-n",
      OTHER_NS,
      "--subresource=status",
      "--type=merge",
      "-p",
      JSON.stringify({
        status: {
          resources: [{ group: "", version: "v1", kind: "ConfigMap", namespace: TEAM_NS, name: "settings" }],
        },
      }),
    ]);
    await kubectlOk(["delete", "application", "web", "-n", OTHER_NS, "--wait=true", "--timeout=60s"]);
    assert.equal(await exists("configmap", "settings", TEAM_NS), true, "another app's object survives");
  });

  it("refuses an app that waits on another team's Stack, without telling it whether that Stack is Ready", async () => {
    apps.push([TEAM_NS, "peek"]);
    await applyAppIn(TEAM_NS, "peek", {
      project: PROJECT,
      source: { repoURL: git.url("team-a/config"), targetRevision: "main", path: "good" },
      destination: { namespace: TEAM_NS },
      dependsOn: [{ kind: "Stack", name: "vpc", namespace: OTHER_NS }],
    });
    const app = await refused(
      TEAM_NS,
      "peek",
      "CrossNamespaceDependency",
      new RegExp(`^Application ${TEAM_NS}/peek: dependsOn Stack ${OTHER_NS}/vpc is in another namespace`),
    );
    assert.doesNotMatch(condition(app, "Stalled")?.message ?? "", /Ready|waiting/);
  });

  it("marks an app whose project was narrowed afterwards, and prunes nothing", async () => {
    await waitForAppIn(TEAM_NS, "web", "to be Synced", (a) => a.status?.sync.status === "Synced");
    await applyProject({
      description: "team A, moved",
      sourceRepos: [`http://127.0.0.1:${new URL(git.url("x")).port}/team-a/*`],
      destinations: [{ name: "in-cluster", namespace: `${TEAM_NS}-new` }],
      sourceNamespaces: [TEAM_NS],
      destinationServiceAccounts: [DEPLOYER],
    });
    // The project change requeues the app at once, long before the 20 s resync.
    const started = Date.now();
    await refused(
      TEAM_NS,
      "web",
      "ProjectViolation",
      new RegExp(`namespace ${TEAM_NS} is not allowed by project ${PROJECT}'s destinations`),
    );
    assert.ok(Date.now() - started < 15_000, "requeued by the project change");
    assert.equal(await exists("configmap", "settings", TEAM_NS), true, "what it deployed stays");
  });

  it("never lends the controller's own rights to an app in a team's namespace", async () => {
    // Single-team mode, and the project allows the destination but names no ServiceAccount.
    await applyProject({
      description: "team A, no deployer",
      sourceRepos: [`http://127.0.0.1:${new URL(git.url("x")).port}/team-a/*`],
      destinations: [{ name: "in-cluster", namespace: TEAM_NS }],
      sourceNamespaces: [TEAM_NS],
    });
    await refused(
      TEAM_NS,
      "web",
      "ServiceAccountRequired",
      /own identity only for Applications in namespace mooring/,
    );
    assert.equal(await exists("configmap", "settings", TEAM_NS), true, "nothing was pruned");
  });
});
