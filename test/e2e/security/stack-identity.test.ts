// Attack suite: a Stack acts as its own ServiceAccount, never as Mooring. Team A may create Stacks
// in namespace team-a, whose `default` ServiceAccount has a Role there (what Stack runs need) and
// nothing in team-b. The controller runs with the sandbox's admin kubeconfig, as the harness
// always starts it; each run still gets only a short-lived token of the Stack's account.
// - a module whose kubernetes provider (configured by nothing but the run's environment) creates
//   a ConfigMap in team-a works, and its state lives in team-a; the same in team-b is refused by
//   RBAC, the Stack says so, and nothing is written in team-b;
// - a module whose override file moves the state backend into team-b is refused before tofu
//   runs: no state in team-b;
// - a Stack whose varsFrom names a Secret its account may not read is refused with the account
//   and the Secret named, and the Secret's value appears nowhere;
// - a Stack whose writeOutputsToSecret names a Secret it did not create leaves that Secret as it
//   was and says why;
// - a Stack of a project that does not list its repository is refused before the repository is
//   contacted; a Stack naming no account runs as the one its project names for its namespace.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { kubectl, kubectlOk } from "../../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../../harness/controller.ts";
import { type GitServer, startGitServer } from "../../harness/git-server.ts";
import {
  condition,
  createStackNamespace,
  grantStackRole,
  type StackView,
  waitStack,
} from "../../harness/stacks.ts";

const suffix = Date.now().toString(36);
const teamA = `team-a-${suffix}`;
const teamB = `team-b-${suffix}`;

/** A ConfigMap made with the kubernetes provider, which is configured by nothing but the environment. */
const configMapModule = (namespace: string) => `
terraform {
  required_providers {
    kubernetes = { source = "hashicorp/kubernetes" }
  }
}
provider "kubernetes" {}
resource "kubernetes_config_map" "note" {
  metadata {
    name      = "note"
    namespace = "${namespace}"
  }
  data = {
    written = "by a Stack of team A"
  }
}
output "written" {
  value = kubernetes_config_map.note.data.written
}
`;

const SMALL_MODULE = `
variable "password" {
  type      = string
  default   = ""
  sensitive = true
}
resource "terraform_data" "a" {
  input = "a"
}
output "a" {
  value = terraform_data.a.output
}
`;

/** An override file sorting after Mooring's own, moving the state to team B. */
const stateMover = (namespace: string) => `
terraform {
  backend "kubernetes" {
    secret_suffix = "stolen"
    namespace     = "${namespace}"
  }
}
`;

describe("attack: a Stack reaching beyond its own ServiceAccount", () => {
  let git: GitServer;
  let stranger: GitServer;
  let controller: RunningController;
  const project = `stacks-${suffix}`;

  async function createStack(name: string, spec: Record<string, unknown>): Promise<void> {
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Stack",
        metadata: { name, namespace: teamA },
        spec: { approvePlan: "auto", driftDetection: { interval: "0" }, ...spec },
      }),
    });
  }

  const stackIn = (name: string, what: string, check: (s: StackView) => boolean, timeoutMs = 180_000) =>
    waitStack(teamA, name, what, check, timeoutMs);

  before(async () => {
    await ensureInstalled();
    await createStackNamespace(teamA);
    await kubectlOk(["create", "namespace", teamB]);
    // An account that may keep its state but read no Secret it did not make: no get on Secrets.
    await kubectlOk(["create", "serviceaccount", "no-secrets", "-n", teamA]);
    await grantStackRole(teamA, {
      serviceAccount: "no-secrets",
      name: "no-secrets",
      rules: [
        {
          apiGroups: [""],
          resources: ["configmaps"],
          verbs: ["get", "list", "create", "update", "patch", "delete"],
        },
        { apiGroups: [""], resources: ["secrets"], verbs: ["create", "update", "patch", "delete", "list"] },
        {
          apiGroups: ["coordination.k8s.io"],
          resources: ["leases"],
          verbs: ["get", "create", "update", "patch", "delete"],
        },
      ],
    });
    await kubectlOk([
      "create",
      "secret",
      "generic",
      "db-password",
      "-n",
      teamA,
      `--from-literal=password=hunter2-${suffix}`,
    ]);
    await kubectlOk([
      "create",
      "secret",
      "generic",
      "app-credentials",
      "-n",
      teamA,
      "--from-literal=token=keep-me",
    ]);
    git = await startGitServer();
    stranger = await startGitServer();
    await stranger.createRepo("elsewhere", { "main.tf": SMALL_MODULE }, "a module the project does not list");
    await git.createRepo(
      "team-a",
      {
        "own/main.tf": configMapModule(teamA),
        "cross/main.tf": configMapModule(teamB),
        "small/main.tf": SMALL_MODULE,
        "mover/main.tf": SMALL_MODULE,
        "mover/zz_override.tf": stateMover(teamB),
      },
      "team A's modules",
    );
    await kubectlOk(["apply", "--server-side", "--field-manager=platform-team", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Project",
        metadata: { name: project, namespace: "mooring" },
        spec: {
          sourceRepos: [git.url("team-a")],
          destinations: [{ name: "in-cluster", namespace: teamA }],
          sourceNamespaces: [teamA],
          destinationServiceAccounts: [
            { name: "in-cluster", namespace: teamA, defaultServiceAccount: "no-secrets" },
          ],
        },
      }),
    });
    controller = await startController();
  });

  after(async () => {
    await controller?.stop();
    await git?.close();
    await stranger?.close();
    await kubectl(["delete", "project", project, "-n", "mooring", "--ignore-not-found"]);
    for (const ns of [teamA, teamB])
      await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
  });

  it("a Stack manages what its account may in its namespace, with its state there, as that account", async () => {
    await createStack("own", { source: { repoURL: git.url("team-a"), targetRevision: "main", path: "own" } });
    const done = await stackIn("own", "to apply", (s) => s.status?.lastApply?.result === "succeeded");
    assert.equal(condition(done, "Ready")?.status, "True");
    assert.equal(
      await kubectlOk(["get", "configmap", "note", "-n", teamA, "-o", "jsonpath={.data.written}"]),
      "by a Stack of team A",
    );
    const state = await kubectlOk([
      "get",
      "secret",
      `tfstate-default-${teamA}.own`,
      "-n",
      teamA,
      "-o",
      "name",
    ]);
    assert.match(state, /tfstate-default/);
    // The run's token (a JWT) is in no log: not the Stack's, not the controller's.
    const jwt = /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/;
    const log = await kubectlOk([
      "get",
      "configmap",
      "stack-log-own",
      "-n",
      teamA,
      "-o",
      "jsonpath={.data.log}",
    ]);
    assert.ok(log.length > 0, "the run's log was written, as the Stack's account");
    assert.doesNotMatch(log, jwt);
    assert.ok(!controller.logs.some((l) => jwt.test(JSON.stringify(l))), "no token in the controller's log");
  });

  it("writing into team B is refused by RBAC, the Stack says so, and nothing lands in team B", async () => {
    await createStack("cross", {
      source: { repoURL: git.url("team-a"), targetRevision: "main", path: "cross" },
    });
    const failed = await stackIn(
      "cross",
      "to fail its apply",
      (s) => s.status?.lastApply?.result === "failed",
    );
    const ready = condition(failed, "Ready");
    assert.equal(ready?.status, "False");
    assert.match(ready?.message ?? "", /forbidden/i);
    assert.match(ready?.message ?? "", new RegExp(`system:serviceaccount:${teamA}:default`));
    const inB = await kubectl(["get", "configmap", "note", "-n", teamB]);
    assert.notEqual(inB.code, 0, "no ConfigMap in team B");
  });

  it("an override file that moves the state into team B is refused before tofu runs", async () => {
    await createStack("mover", {
      source: { repoURL: git.url("team-a"), targetRevision: "main", path: "mover" },
    });
    const stalled = await stackIn("mover", "to stall", (s) => condition(s, "Stalled")?.status === "True");
    const reason = condition(stalled, "Stalled");
    assert.equal(reason?.reason, "BackendOverrideRefused");
    assert.match(reason?.message ?? "", /zz_override\.tf declares a backend block/);
    assert.equal(stalled.status?.lastPlan, undefined, "nothing was planned");
    const secrets = await kubectlOk([
      "get",
      "secrets",
      "-n",
      teamB,
      "-o",
      "jsonpath={.items[*].metadata.name}",
    ]);
    assert.doesNotMatch(secrets, /tfstate/);
  });

  it("varsFrom naming a Secret the Stack's account may not read is refused, naming both", async () => {
    await createStack("reader", {
      source: { repoURL: git.url("team-a"), targetRevision: "main", path: "small" },
      serviceAccountName: "no-secrets",
      varsFrom: [{ kind: "Secret", name: "db-password" }],
    });
    const stalled = await stackIn("reader", "to stall", (s) => condition(s, "Stalled")?.status === "True");
    const reason = condition(stalled, "Stalled");
    assert.equal(reason?.reason, "Forbidden");
    assert.match(reason?.message ?? "", new RegExp(`system:serviceaccount:${teamA}:no-secrets`));
    assert.match(reason?.message ?? "", new RegExp(`get Secret ${teamA}/db-password`));
    assert.doesNotMatch(reason?.message ?? "", /not found/);
    assert.equal(stalled.status?.lastPlan, undefined, "nothing was planned");
    assert.doesNotMatch(JSON.stringify(stalled), /hunter2/);
    assert.ok(!controller.logs.some((l) => JSON.stringify(l).includes(`hunter2-${suffix}`)));
  });

  it("writeOutputsToSecret naming a Secret the Stack did not create leaves it alone", async () => {
    await createStack("taker", {
      source: { repoURL: git.url("team-a"), targetRevision: "main", path: "small" },
      writeOutputsToSecret: { name: "app-credentials" },
    });
    const stalled = await stackIn("taker", "to stall", (s) => condition(s, "Stalled")?.status === "True");
    const reason = condition(stalled, "Stalled");
    assert.equal(reason?.reason, "OutputsSecretNotOwned");
    assert.match(
      reason?.message ?? "",
      new RegExp(`Secret ${teamA}/app-credentials, which this Stack did not create`),
    );
    assert.equal(stalled.status?.lastApply, undefined, "nothing was applied");
    const token = await kubectlOk([
      "get",
      "secret",
      "app-credentials",
      "-n",
      teamA,
      "-o",
      "jsonpath={.data.token}",
    ]);
    assert.equal(Buffer.from(token, "base64").toString(), "keep-me");
    const keys = await kubectlOk(["get", "secret", "app-credentials", "-n", teamA, "-o", "jsonpath={.data}"]);
    assert.doesNotMatch(keys, /"a"/);
  });

  it("a Stack of a project that does not list its repository is refused before the repository is contacted", async () => {
    await createStack("unlisted", {
      project,
      source: { repoURL: stranger.url("elsewhere"), targetRevision: "main" },
    });
    const stalled = await stackIn("unlisted", "to stall", (s) => condition(s, "Stalled")?.status === "True");
    const reason = condition(stalled, "Stalled");
    assert.equal(reason?.reason, "ProjectViolation");
    assert.match(reason?.message ?? "", new RegExp(`Stack ${teamA}/unlisted`));
    assert.match(reason?.message ?? "", /sourceRepos/);
    assert.equal(stranger.requests, 0, "the unlisted repository was not contacted");
  });

  it("a Stack waiting on another team's Stack is refused, without learning whether it is Ready", async () => {
    await createStack("peek", {
      source: { repoURL: git.url("team-a"), targetRevision: "main", path: "small" },
      dependsOn: [{ name: "vpc", namespace: teamB }],
    });
    const stalled = await stackIn("peek", "to stall", (s) => condition(s, "Stalled")?.status === "True");
    const reason = condition(stalled, "Stalled");
    assert.equal(reason?.reason, "CrossNamespaceDependency");
    assert.match(
      reason?.message ?? "",
      new RegExp(`^Stack ${teamA}/peek: dependsOn Stack ${teamB}/vpc is in another namespace`),
    );
    assert.doesNotMatch(reason?.message ?? "", /waiting/);
  });

  it("a Stack naming no account runs as the one its project names for its namespace", async () => {
    await createStack("projected", {
      project,
      source: { repoURL: git.url("team-a"), targetRevision: "main", path: "small" },
      varsFrom: [{ kind: "Secret", name: "db-password" }],
    });
    const stalled = await stackIn("projected", "to stall", (s) => condition(s, "Stalled")?.status === "True");
    const reason = condition(stalled, "Stalled");
    assert.equal(reason?.reason, "Forbidden");
    assert.match(reason?.message ?? "", new RegExp(`system:serviceaccount:${teamA}:no-secrets`));
  });
});
