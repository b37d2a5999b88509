// User story: a platform team lets plans apply on their own (approvePlan: auto) but wants drift
// on its infrastructure shown, not silently undone. With driftDetection.mode: report, a hand
// edit of a managed resource is found by the drift check, reported in status and as an Event with
// the plan id that would put it back, and left in place; only approving that id, or switching to
// mode remediate, puts it back. Real OpenTofu, the real kubernetes provider, real ConfigMaps.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { kubectl, kubectlOk } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";
import {
  condition,
  createStackNamespace,
  type StackView,
  waitStack as waitStackIn,
} from "../harness/stacks.ts";

const MODULE = `
variable "namespace" {
  type = string
}
provider "kubernetes" {}
resource "kubernetes_config_map" "settings" {
  metadata {
    name      = "report-settings"
    namespace = var.namespace
  }
  data = {
    host = "db.internal"
  }
}
`;

describe("Stack drift in report mode", () => {
  let git: GitServer;
  let controller: RunningController;
  const ns = `driftreport-${Date.now().toString(36)}`;

  const waitStack = (what: string, check: (s: StackView) => boolean) =>
    waitStackIn(ns, "infra", what, check, 120_000);
  const host = () =>
    kubectlOk(["get", "configmap", "report-settings", "-n", ns, "-o", "jsonpath={.data.host}"]);
  const requestDriftCheck = async () => {
    const at = new Date().toISOString();
    await kubectlOk(["annotate", "stack", "infra", "-n", ns, `mooring.dev/drift-check=${at}`, "--overwrite"]);
    return at;
  };
  const editByHand = async () => {
    const edit = await kubectl(["edit", "configmap", "report-settings", "-n", ns], {
      env: { EDITOR: "sed -i s/db.internal/db.hacked/" },
    });
    assert.equal(edit.code, 0, edit.stderr);
  };

  before(async () => {
    await ensureInstalled();
    await createStackNamespace(ns);
    git = await startGitServer();
    await git.createRepo("infra", { "main.tf": MODULE }, "module");
    controller = await startController();
  });

  after(async () => {
    await controller?.stop();
    await git?.close();
    await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
  });

  it("auto approval keeps reported drift in place and names the plan that would put it back; remediate puts it back", async () => {
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Stack",
        metadata: { name: "infra", namespace: ns },
        spec: {
          source: { repoURL: git.url("infra"), targetRevision: "main" },
          vars: { namespace: ns },
          approvePlan: "auto",
          driftDetection: { mode: "report", interval: "0" },
        },
      }),
    });
    await waitStack("to apply", (s) => s.status?.lastApply?.result === "succeeded");
    assert.equal(await host(), "db.internal");

    await editByHand();
    const asked = await requestDriftCheck();
    const reported = await waitStack(
      "to report drift",
      (s) =>
        (s.status?.drift?.checkedAt ?? "") > asked &&
        condition(s, "Drifted")?.status === "True" &&
        condition(s, "Ready")?.reason === "Drifted",
    );
    const planId = reported.status?.lastPlan?.id ?? "";
    assert.equal(reported.status?.lastPlan?.purpose, "drift");
    assert.equal(reported.status?.lastPlan?.pending, true);
    assert.deepEqual(
      reported.status?.drift?.resources.map((r) => r.address),
      ["kubernetes_config_map.settings"],
    );
    const ready = condition(reported, "Ready");
    assert.equal(ready?.status, "False");
    assert.match(ready?.message ?? "", /left in place \(driftDetection\.mode: report\)/);
    assert.match(ready?.message ?? "", new RegExp(`moor stack approve infra ${planId}`));

    // Given time, auto approval still does not apply the drift plan: the hand edit stays.
    await new Promise((r) => setTimeout(r, 5000));
    assert.equal(await host(), "db.hacked", "report mode left the drift in place");
    const later = await waitStack("to still report drift", () => true);
    assert.notEqual(later.status?.lastApply?.planId, planId, "the drift plan was never applied");

    const events = await kubectlOk([
      "get",
      "events",
      "-n",
      ns,
      "--field-selector",
      "involvedObject.kind=Stack,involvedObject.name=infra,reason=DriftDetected",
      "-o",
      "jsonpath={.items[*].message}",
    ]);
    assert.match(events, /kubernetes_config_map\.settings/);
    assert.match(events, new RegExp(`left in place.*plan ${planId}`));

    // An explicit approval of that id puts it back.
    await kubectlOk([
      "annotate",
      "stack",
      "infra",
      "-n",
      ns,
      `mooring.dev/approve-plan=${planId}`,
      "mooring.dev/approved-by=bob",
    ]);
    await waitStack(
      "to apply the approved drift plan",
      (s) => s.status?.lastApply?.planId === planId && s.status.lastApply.result === "succeeded",
    );
    assert.equal(await host(), "db.internal");

    // Remediate mode puts drift back by itself, even with approvals otherwise manual.
    const patchedAt = new Date().toISOString();
    await kubectlOk([
      "patch",
      "stack",
      "infra",
      "-n",
      ns,
      "--type=merge",
      "-p",
      JSON.stringify({
        spec: { approvePlan: "manual", driftDetection: { mode: "remediate", interval: "0" } },
      }),
    ]);
    await waitStack(
      "to plan the new spec (nothing to change)",
      (s) =>
        ((s.status?.lastPlan as { createdAt?: string } | undefined)?.createdAt ?? "") > patchedAt &&
        s.status?.lastPlan?.pending === false,
    );
    await editByHand();
    const again = await requestDriftCheck();
    await waitStack(
      "to remediate the drift",
      (s) =>
        (s.status?.drift?.checkedAt ?? "") > again &&
        s.status?.lastApply?.approvedBy === "drift-remediation" &&
        s.status.lastApply.result === "succeeded" &&
        condition(s, "Drifted") === undefined,
    );
    assert.equal(await host(), "db.internal");
  });
});
