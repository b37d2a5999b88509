// User story: a platform engineer merges an OpenTofu module change. Mooring plans it, shows
// "2 to add" with each resource, and with manual approval changes nothing until that exact plan
// is approved; an approval of an older plan is refused. The approved plan is applied, outputs land
// in a Secret, and state lives in the cluster (Secret + Lease), never on local disk.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eventually, kubectl, kubectlOk, moor } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { runSandboxKubeconfig } from "../harness/env.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";
import { condition, createStackNamespace, waitStack } from "../harness/stacks.ts";

const MODULE = (suffix: string) => `
variable "greeting" {
  type = string
}
variable "replicas" {
  type    = number
  default = 1
}
resource "terraform_data" "db" {
  input = "\${var.greeting}-\${var.replicas}${suffix}"
}
resource "terraform_data" "cache" {
  input = "cache"
}
output "endpoint" {
  value = "db.internal:\${var.replicas}"
}
output "token" {
  value     = "token-for-\${var.greeting}"
  sensitive = true
}
`;

async function approve(ns: string, name: string, id: string, by = "alice"): Promise<void> {
  await kubectlOk([
    "annotate",
    "stack",
    name,
    "-n",
    ns,
    `mooring.dev/approve-plan=${id}`,
    `mooring.dev/approved-by=${by}`,
    "--overwrite",
  ]);
}

describe("Stacks: plan, approve, apply with real OpenTofu", () => {
  let git: GitServer;
  let controller: RunningController;
  const ns = `stacks-${Date.now().toString(36)}`;

  before(async () => {
    await ensureInstalled();
    await createStackNamespace(ns);
    git = await startGitServer();
    await git.createRepo(
      "infra",
      { "network/main.tf": MODULE(""), "broken/main.tf": 'resource "terraform_data" "x" {\n  input = \n}\n' },
      "network module",
    );
    controller = await startController();
  });

  after(async () => {
    const problems = controller?.logs.filter((l) => l.level === "warn" || l.level === "error") ?? [];
    if (problems.length > 0)
      process.stderr.write(`controller warnings:\n${problems.map((l) => JSON.stringify(l)).join("\n")}\n`);
    await controller?.stop();
    await git?.close();
    await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
  });

  async function createStack(name: string, spec: Record<string, unknown>): Promise<void> {
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Stack",
        metadata: { name, namespace: ns },
        spec: { source: { repoURL: git.url("infra"), targetRevision: "main", path: "network" }, ...spec },
      }),
    });
  }

  it("plans, waits for approval of that exact plan, refuses an older one, applies and writes outputs", async () => {
    await createStack("network", {
      vars: { greeting: "hello" },
      approvePlan: "manual",
      writeOutputsToSecret: { name: "network-outputs", renames: { endpoint: "DB_HOST" } },
    });
    const planned = await waitStack(
      ns,
      "network",
      "to have a pending plan",
      (s) => s.status?.lastPlan?.pending === true,
    );
    const first = planned.status?.lastPlan;
    assert.deepEqual([first?.summary.add, first?.summary.change, first?.summary.destroy], [2, 0, 0]);
    assert.deepEqual(first?.resources.map((r) => `${r.action} ${r.address}`).sort(), [
      "create terraform_data.cache",
      "create terraform_data.db",
    ]);
    assert.equal(condition(planned, "PlanPending")?.status, "True");
    assert.match(first?.id ?? "", /^p-[0-9a-f]{16}$/);
    // Nothing is applied while the plan waits.
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal((await kubectl(["get", "secret", "network-outputs", "-n", ns])).code, 1);

    // A new commit makes a new plan; approving the old id is refused.
    // (A refresh plans at once at the last commit while it asks the remote for the head; the
    // branch moved, so that plan is dropped and the one recorded is the new commit's.)
    const v2 = await git.commit("infra", { "network/main.tf": MODULE("-v2") }, "db input v2");
    await kubectlOk(["annotate", "stack", "network", "-n", ns, "mooring.dev/refresh=normal", "--overwrite"]);
    const replanned = await waitStack(
      ns,
      "network",
      "to plan the new commit",
      (s) => s.status?.lastPlan?.id !== first?.id && s.status?.lastPlan?.pending === true,
    );
    const second = replanned.status?.lastPlan;
    assert.equal(second?.revision, v2);
    await approve(ns, "network", first?.id ?? "");
    const refused = await eventually("the stale approval to be refused", async () => {
      const events = JSON.parse(
        await kubectlOk([
          "get",
          "events",
          "-n",
          ns,
          "--field-selector",
          "involvedObject.name=network",
          "-o",
          "json",
        ]),
      );
      return events.items.find((e: { reason: string }) => e.reason === "StalePlanApproval");
    });
    assert.match(refused.message, new RegExp(`${first?.id}.*${second?.id}|${second?.id}.*${first?.id}`));
    assert.equal(
      (await kubectl(["get", "secret", "network-outputs", "-n", ns])).code,
      1,
      "still nothing applied",
    );

    // The CLI shows the plan and refuses to approve any id but the pending one.
    const kc = ["-n", ns, "--kubeconfig", runSandboxKubeconfig()];
    const shown = await moor(["stack", "plan", "network", ...kc]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.ok(shown.stdout.includes(second?.id ?? "?"), shown.stdout);
    assert.match(shown.stdout, /terraform_data\.db/);
    const stale = await moor(["stack", "approve", "network", first?.id ?? "", ...kc]);
    assert.equal(stale.code, 1);
    assert.ok(stale.stderr.includes(second?.id ?? "?"), stale.stderr);
    const approved = await moor(["stack", "approve", "network", second?.id ?? "", "--wait", ...kc]);
    assert.equal(approved.code, 0, approved.stderr);
    const applied = await waitStack(
      ns,
      "network",
      "to apply the approved plan",
      (s) => s.status?.lastApply?.planId === second?.id,
    );
    assert.equal(applied.status?.lastApply?.result, "succeeded", applied.status?.lastApply?.message);
    assert.ok(applied.status?.lastApply?.approvedBy, "the approver is recorded");
    const outputsCli = await moor(["stack", "outputs", "network", "-o", "json", ...kc]);
    assert.equal(outputsCli.code, 0, outputsCli.stderr);
    assert.match(outputsCli.stdout, /db\.internal:1/);
    assert.ok(!outputsCli.stdout.includes("token-for-hello"), "sensitive outputs stay hidden by default");
    const logs = await moor(["stack", "logs", "network", ...kc]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /Apply complete/);
    assert.equal(condition(applied, "Ready")?.status, "True");
    const outputsRes = await kubectl(["get", "secret", "network-outputs", "-n", ns, "-o", "json"]);
    assert.equal(
      outputsRes.code,
      0,
      `outputs Secret missing; stack status: ${JSON.stringify(applied.status)}`,
    );
    const outputs = JSON.parse(outputsRes.stdout);
    assert.equal(Buffer.from(outputs.data.DB_HOST, "base64").toString(), "db.internal:1");
    assert.equal(Buffer.from(outputs.data.token, "base64").toString(), "token-for-hello");
    // State lives in the cluster, and the lock was released.
    const stateSecret = `tfstate-default-${ns}.network`;
    assert.equal(
      (await kubectl(["get", "secret", stateSecret, "-n", ns])).code,
      0,
      `state Secret ${stateSecret}`,
    );
    const lease = await kubectl([
      "get",
      "lease",
      `lock-${stateSecret}`,
      "-n",
      ns,
      "-o",
      "jsonpath={.spec.holderIdentity}",
    ]);
    assert.ok(lease.code !== 0 || lease.stdout === "", `lock released (holder: ${lease.stdout})`);
    // The approved plan's files are gone from the cluster.
    const plans = await kubectlOk([
      "get",
      "secrets",
      "-n",
      ns,
      "-l",
      "mooring.dev/stack=network,mooring.dev/plan-id",
      "-o",
      "name",
    ]);
    assert.equal(plans.trim(), "");
  });

  it("applies at once with approvePlan auto", async () => {
    await createStack("auto", { vars: { greeting: "auto" }, approvePlan: "auto", workspace: "blue" });
    const applied = await waitStack(
      ns,
      "auto",
      "to apply by itself",
      (s) => s.status?.lastApply?.result === "succeeded",
    );
    assert.equal(applied.status?.lastApply?.approvedBy, "auto");
    // spec.workspace selects the tofu workspace, and with it the state Secret.
    assert.equal((await kubectl(["get", "secret", `tfstate-blue-${ns}.auto`, "-n", ns])).code, 0);
    assert.equal((await kubectl(["get", "secret", `tfstate-default-${ns}.auto`, "-n", ns])).code, 1);
    await waitStack(
      ns,
      "auto",
      "to be Ready with nothing pending",
      (s) => condition(s, "Ready")?.status === "True" && s.status?.lastPlan?.pending === false,
    );
  });

  it("bad HCL or an undeclared variable gives a clear condition and applies nothing", async () => {
    await createStack("broken", {
      source: { repoURL: git.url("infra"), targetRevision: "main", path: "broken" },
      approvePlan: "auto",
    });
    const broken = await waitStack(
      ns,
      "broken",
      "to stall",
      (s) => condition(s, "Stalled")?.status === "True",
    );
    assert.equal(condition(broken, "Stalled")?.reason, "InvalidConfiguration");
    assert.match(condition(broken, "Stalled")?.message ?? "", /main\.tf/);
    assert.equal(broken.status?.lastApply, undefined);

    await createStack("typo", { vars: { greeting: "x", replcas: 3 }, approvePlan: "auto" });
    const typo = await waitStack(ns, "typo", "to stall", (s) => condition(s, "Stalled")?.status === "True");
    assert.match(condition(typo, "Stalled")?.message ?? "", /replcas/);
    assert.equal(typo.status?.lastApply, undefined);
  });
});
