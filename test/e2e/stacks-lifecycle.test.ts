// User stories across a Stack's life, with real OpenTofu and the real kubernetes provider:
// someone edits a resource the Stack manages by hand — the drift check names it, reports it, and
// with remediation puts it back; an Application waits for the Stack it depends on; deleting with
// destroyOnDelete destroys the infrastructure (and without it keeps it, with no stuck finalizer);
// two Stacks run at once; a controller killed mid-apply and restarted leaves state consistent
// and unlocked.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { applyApp, deleteApp, waitForApp } from "../harness/apps.ts";
import { kubectl, kubectlOk, moor } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { runSandboxKubeconfig } from "../harness/env.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";
import {
  condition,
  createStackNamespace,
  grantStackRole,
  type StackView,
  waitStack as waitStackIn,
} from "../harness/stacks.ts";

// The kubernetes provider is configured by nothing but the run's environment: tofu runs
// sandboxed, as the Stack's ServiceAccount, and sees no kubeconfig file.
const K8S_MODULE = `
variable "namespace" {
  type = string
}
provider "kubernetes" {}
resource "kubernetes_config_map" "settings" {
  metadata {
    name      = "db-settings"
    namespace = var.namespace
  }
  data = {
    host = "db.internal"
  }
}
output "host" {
  value = kubernetes_config_map.settings.data.host
}
`;

const SLOW_MODULE = `
variable "n" {
  type = number
}
resource "terraform_data" "slow" {
  input = var.n
  provisioner "local-exec" {
    command = "sleep 4"
  }
}
`;

const ECHO_MODULE = `
variable "region" {
  type = string
}
variable "password" {
  type      = string
  sensitive = true
}
resource "terraform_data" "echo" {
  input = var.region
  provisioner "local-exec" {
    command = "echo provider token is $API_TOKEN"
  }
}
output "region" {
  value = var.region
}
`;

const SMALL_MODULE = `
variable "n" {
  type = number
}
resource "terraform_data" "one" {
  input = var.n
}
`;

describe("a Stack's life", () => {
  let git: GitServer;
  let controller: RunningController;
  const ns = `stacklife-${Date.now().toString(36)}`;

  const waitStack = (name: string, what: string, check: (s: StackView) => boolean, timeoutMs?: number) =>
    waitStackIn(ns, name, what, check, timeoutMs);
  /** Asks for a drift check now, as `kubectl annotate` would; returns the time asked. */
  const requestDriftCheck = async (name: string) => {
    const at = new Date().toISOString();
    await kubectlOk(["annotate", "stack", name, "-n", ns, `mooring.dev/drift-check=${at}`, "--overwrite"]);
    return at;
  };

  async function createStack(name: string, path: string, spec: Record<string, unknown>): Promise<void> {
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Stack",
        metadata: { name, namespace: ns },
        spec: { source: { repoURL: git.url("life"), targetRevision: "main", path }, ...spec },
      }),
    });
  }

  before(async () => {
    await ensureInstalled();
    await createStackNamespace(ns);
    git = await startGitServer();
    await git.createRepo(
      "life",
      {
        "db/main.tf": K8S_MODULE,
        "slow/main.tf": SLOW_MODULE,
        "small/main.tf": SMALL_MODULE,
        "echo/main.tf": ECHO_MODULE,
      },
      "modules",
    );
    controller = await startController();
  });

  after(async () => {
    await controller?.stop();
    await git?.close();
    await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
  });

  it("an Application waits for the Stack it depends on, then deploys", async () => {
    const appNs = `${ns}-app`;
    await applyApp("waits-for-db", {
      source: { repoURL: git.url("life"), targetRevision: "main", path: "small" },
      destination: { namespace: appNs },
      syncPolicy: { automated: {}, syncOptions: ["CreateNamespace=true"] },
      dependsOn: [{ kind: "Stack", name: "db", namespace: ns }],
    });
    const waiting = await waitForApp("waits-for-db", "to wait for the Stack", (a) =>
      (a.status?.conditions ?? []).some((c) => c.reason === "DependencyNotReady"),
    );
    assert.match(
      waiting.status?.conditions.find((c) => c.type === "Ready")?.message ?? "",
      new RegExp(`Stack ${ns}/db`),
    );
    await createStack("db", "db", {
      vars: { namespace: ns },
      approvePlan: "auto",
      driftDetection: { mode: "remediate" },
      writeOutputsToSecret: { name: "db-outputs" },
    });
    await waitStack("db", "to be Ready", (s) => condition(s, "Ready")?.status === "True");
    assert.equal(
      await kubectlOk(["get", "configmap", "db-settings", "-n", ns, "-o", "jsonpath={.data.host}"]),
      "db.internal",
    );
    // The app only went ahead once the Stack was Ready. (Its path holds an HCL file only, so it
    // renders to nothing; what matters is that it left the waiting state.)
    await waitForApp(
      "waits-for-db",
      "to stop waiting",
      (a) => !(a.status?.conditions ?? []).some((c) => c.reason === "DependencyNotReady"),
    );
    await deleteApp("waits-for-db");
    await kubectl(["delete", "namespace", appNs, "--wait=false", "--ignore-not-found"]);
  });

  it("a kubectl edit of a managed resource is reported as drift, and remediated on request", async () => {
    // Untouched, nothing has drifted — although the kubernetes provider reads labels,
    // annotations and binary_data back as {} where the state has null, and reports that to tofu.
    const requested = await requestDriftCheck("db");
    const quiet = await waitStack(
      "db",
      "to run a drift check",
      (s) => (s.status?.drift?.checkedAt ?? "") > requested && s.status?.lastPlan?.purpose === "drift",
    );
    assert.equal(quiet.status?.drift?.drifted, false, JSON.stringify(quiet.status?.drift));
    assert.deepEqual(quiet.status?.drift?.resources, []);
    assert.equal(condition(quiet, "Drifted"), undefined);
    assert.equal(quiet.status?.lastPlan?.pending, false);

    const edit = await kubectl(["edit", "configmap", "db-settings", "-n", ns], {
      env: { EDITOR: "sed -i s/db.internal/db.hacked/" },
    });
    assert.equal(edit.code, 0, edit.stderr);
    await requestDriftCheck("db");
    const drifted = await waitStack(
      "db",
      "to report drift",
      (s) => condition(s, "Drifted")?.status === "True",
    );
    assert.deepEqual(
      drifted.status?.drift?.resources.map((r) => r.address),
      ["kubernetes_config_map.settings"],
    );
    assert.equal(drifted.status?.lastPlan?.purpose, "drift");
    // Remediate mode: the drift plan is applied as it would be after `moor stack approve`.
    await waitStack(
      "db",
      "to put it back",
      (s) =>
        s.status?.lastApply?.planId === s.status?.lastPlan?.id && s.status?.lastApply?.result === "succeeded",
    );
    assert.equal(
      await kubectlOk(["get", "configmap", "db-settings", "-n", ns, "-o", "jsonpath={.data.host}"]),
      "db.internal",
    );
    await waitStack("db", "to clear Drifted", (s) => condition(s, "Drifted") === undefined);
  });

  it("in report mode, drift is named and waits for its plan to be approved like any other", async () => {
    const auditNs = `${ns}-audit`;
    await kubectlOk(["create", "namespace", auditNs]);
    // The module manages a ConfigMap in another namespace: the Stack's ServiceAccount needs a right there.
    await grantStackRole(auditNs, {
      accountNamespace: ns,
      rules: [
        {
          apiGroups: [""],
          resources: ["configmaps"],
          verbs: ["get", "list", "create", "update", "patch", "delete"],
        },
      ],
    });
    await createStack("audited", "db", {
      vars: { namespace: auditNs },
      approvePlan: "manual",
      driftDetection: { mode: "report", interval: "0" },
    });
    const first = await waitStack("audited", "to plan", (s) => s.status?.lastPlan?.pending === true);
    await kubectlOk([
      "annotate",
      "stack",
      "audited",
      "-n",
      ns,
      `mooring.dev/approve-plan=${first.status?.lastPlan?.id}`,
      "mooring.dev/approved-by=bob",
    ]);
    await waitStack("audited", "to apply", (s) => s.status?.lastApply?.result === "succeeded");

    const edit = await kubectl(["edit", "configmap", "db-settings", "-n", auditNs], {
      env: { EDITOR: "sed -i s/db.internal/db.hacked/" },
    });
    assert.equal(edit.code, 0, edit.stderr);
    await requestDriftCheck("audited");
    const drifted = await waitStack(
      "audited",
      "to report drift",
      (s) => condition(s, "Drifted")?.status === "True" && s.status?.lastPlan?.pending === true,
    );
    assert.equal(drifted.status?.lastPlan?.purpose, "drift");
    assert.match(condition(drifted, "Drifted")?.message ?? "", /kubernetes_config_map\.settings/);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(
      await kubectlOk(["get", "configmap", "db-settings", "-n", auditNs, "-o", "jsonpath={.data.host}"]),
      "db.hacked",
      "report mode changes nothing by itself",
    );
    const approved = await moor([
      "stack",
      "approve",
      "audited",
      drifted.status?.lastPlan?.id ?? "",
      "--wait",
      "-n",
      ns,
      "--kubeconfig",
      runSandboxKubeconfig(),
    ]);
    assert.equal(approved.code, 0, approved.stderr);
    assert.equal(
      await kubectlOk(["get", "configmap", "db-settings", "-n", auditNs, "-o", "jsonpath={.data.host}"]),
      "db.internal",
    );
    await waitStack("audited", "to clear Drifted", (s) => condition(s, "Drifted") === undefined);
    await kubectl(["delete", "namespace", auditNs, "--wait=false"]);
  });

  it("destroyOnDelete destroys the infrastructure; without it the Stack goes away and keeps it", async () => {
    await createStack("keep", "small", { vars: { n: 1 }, approvePlan: "auto" });
    await waitStack("keep", "to apply", (s) => s.status?.lastApply?.result === "succeeded");
    await kubectlOk([
      "patch",
      "stack",
      "db",
      "-n",
      ns,
      "--type=merge",
      "-p",
      '{"spec":{"destroyOnDelete":true}}',
    ]);
    await waitStack("db", "to carry the destroy finalizer", (s) =>
      (s.metadata.finalizers ?? []).includes("mooring.dev/stack-destroy"),
    );

    await kubectlOk(["delete", "stack", "keep", "-n", ns, "--timeout=30s"]);
    const stateOfKeep = await kubectl(["get", "secret", `tfstate-default-${ns}.keep`, "-n", ns]);
    assert.equal(stateOfKeep.code, 0, "state is kept");

    await kubectlOk(["delete", "stack", "db", "-n", ns, "--timeout=90s"]);
    assert.notEqual(
      (await kubectl(["get", "configmap", "db-settings", "-n", ns])).code,
      0,
      "the ConfigMap was destroyed",
    );
  });

  it("takes variables and provider credentials from ConfigMaps and Secrets, and never logs the secret ones", async () => {
    await kubectlOk(["create", "configmap", "echo-vars", "-n", ns, "--from-literal=region=eu-west-9"]);
    await kubectlOk([
      "create",
      "secret",
      "generic",
      "echo-secrets",
      "-n",
      ns,
      "--from-literal=password=hunter2-secret",
      "--from-literal=token=tok-123456789",
    ]);
    await createStack("echo", "echo", {
      approvePlan: "auto",
      varsFrom: [
        { kind: "ConfigMap", name: "echo-vars" },
        { kind: "Secret", name: "echo-secrets", varsKeys: ["password"] },
      ],
      env: [{ name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "echo-secrets", key: "token" } } }],
      writeOutputsToSecret: { name: "echo-outputs" },
    });
    await waitStack("echo", "to apply", (s) => s.status?.lastApply?.result === "succeeded");
    const out = JSON.parse(await kubectlOk(["get", "secret", "echo-outputs", "-n", ns, "-o", "json"]));
    assert.equal(Buffer.from(out.data.region, "base64").toString(), "eu-west-9");
    const log = await kubectlOk([
      "get",
      "configmap",
      "stack-log-echo",
      "-n",
      ns,
      "-o",
      "jsonpath={.data.log}",
    ]);
    assert.match(log, /provider token is \*\*\*/, "the provisioner ran with the token, which the log masks");
    const everything = [
      log,
      await kubectlOk(["get", "stack", "echo", "-n", ns, "-o", "json"]),
      JSON.stringify(controller.logs),
    ].join("\n");
    for (const secret of ["tok-123456789", "hunter2-secret"])
      assert.ok(!everything.includes(secret), `${secret} leaked`);
  });

  it("a plan id set in spec.approvePlan, as committed to Git, approves that plan and no other", async () => {
    await createStack("pinned", "small", { vars: { n: 5 }, approvePlan: "manual" });
    const planned = await waitStack("pinned", "to plan", (s) => s.status?.lastPlan?.pending === true);
    const id = planned.status?.lastPlan?.id ?? "";
    await kubectlOk([
      "patch",
      "stack",
      "pinned",
      "-n",
      ns,
      "--type=merge",
      "-p",
      JSON.stringify({ spec: { approvePlan: id } }),
    ]);
    const applied = await waitStack(
      "pinned",
      "to apply the plan named in the spec",
      (s) => s.status?.lastApply?.planId === id,
    );
    assert.equal(applied.status?.lastApply?.result, "succeeded");
    assert.equal(applied.status?.lastApply?.approvedBy, "git");
  });

  it("runs two Stacks at once", async () => {
    const started = Date.now();
    await Promise.all([
      createStack("slow-a", "slow", { vars: { n: 1 }, approvePlan: "auto" }),
      createStack("slow-b", "slow", { vars: { n: 2 }, approvePlan: "auto" }),
    ]);
    await Promise.all([
      waitStack("slow-a", "to apply", (s) => s.status?.lastApply?.result === "succeeded"),
      waitStack("slow-b", "to apply", (s) => s.status?.lastApply?.result === "succeeded"),
    ]);
    // Each apply sleeps 4 s; one after the other would take 8 s or more.
    const took = Date.now() - started;
    assert.ok(took < 14_000, `both applied in ${took} ms`);
  });

  it("a run that outlives its timeout is stopped, reported, and leaves the state unlocked", async () => {
    await createStack("late", "slow", { vars: { n: 7 }, approvePlan: "auto", timeout: "2s" });
    const failed = await waitStack(
      "late",
      "to report the timeout",
      (s) => s.status?.lastApply?.result === "failed",
    );
    assert.match(failed.status?.lastApply?.message ?? "", /time|interrupt/i);
    const lease = await kubectl([
      "get",
      "lease",
      `lock-tfstate-default-${ns}.late`,
      "-n",
      ns,
      "-o",
      "jsonpath={.spec.holderIdentity}",
    ]);
    assert.ok(
      lease.code !== 0 || lease.stdout === "",
      `state unlocked after the interrupt (holder: ${lease.stdout})`,
    );
    // With enough time the same Stack applies.
    await kubectlOk(["patch", "stack", "late", "-n", ns, "--type=merge", "-p", '{"spec":{"timeout":"60s"}}']);
    await waitStack(
      "late",
      "to apply with more time",
      (s) => s.status?.lastApply?.result === "succeeded",
      120_000,
    );
  });

  it("a controller killed mid-apply and restarted leaves state consistent and unlocked", async () => {
    await createStack("crash", "slow", { vars: { n: 1 }, approvePlan: "auto" });
    await waitStack("crash", "to start applying", (s) =>
      (s.status?.conditions ?? []).some((c) => c.type === "Reconciling" && /applying/.test(c.message)),
    );
    await controller.kill();
    controller = await startController();
    const done = await waitStack(
      "crash",
      "to be Ready again",
      (s) => condition(s, "Ready")?.status === "True",
      120_000,
    );
    assert.equal(done.status?.lastPlan?.pending, false);
    const lease = await kubectl([
      "get",
      "lease",
      `lock-tfstate-default-${ns}.crash`,
      "-n",
      ns,
      "-o",
      "jsonpath={.spec.holderIdentity}",
    ]);
    assert.ok(lease.code !== 0 || lease.stdout === "", `state unlocked (holder: ${lease.stdout})`);
    // Applying again changes nothing: the state matches the module.
    await kubectlOk(["annotate", "stack", "crash", "-n", ns, "mooring.dev/refresh=normal", "--overwrite"]);
    const before = done.status?.lastPlan;
    const replanned = await waitStack(
      "crash",
      "to plan again",
      (s) =>
        s.status?.lastPlan !== undefined &&
        JSON.stringify(s.status.lastPlan) !== JSON.stringify(before) &&
        s.status.lastPlan.pending === false,
    );
    assert.equal(condition(replanned, "Ready")?.status, "True");
  });
});
