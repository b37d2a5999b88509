// Plans are kept in Secrets between plan and apply: large ones are split across several Secrets
// and come back byte for byte; old plans are pruned.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { it } from "node:test";
import { KubeClient } from "../../src/kube/client.ts";
import { loadConfig } from "../../src/kube/kubeconfig.ts";
import { loadPlan, prunePlans, savePlan } from "../../src/terraform/plan-store.ts";
import { kubectlOk, withNamespace } from "../harness/cluster.ts";
import { runSandboxKubeconfig } from "../harness/env.ts";

it("stores a plan larger than a Secret across several, restores it exactly, and prunes old ones", async (t) => {
  const ns = await withNamespace(t);
  const client = new KubeClient(loadConfig({ kubeconfig: runSandboxKubeconfig() }).credentials);
  t.after(() => client.close());
  const stack = { namespace: ns, name: "network" };
  // Random bytes do not compress: 1.5 MiB needs several Secrets.
  const planFile = randomBytes(1536 * 1024);
  await savePlan(client, stack, { planId: "p-big", planFile, text: "Plan: 1 to add" });
  await savePlan(client, stack, { planId: "p-small", planFile: Buffer.from("tiny"), text: "Plan: 0 to add" });
  // Another Secret that names the stack but is no plan (like its outputs) is never pruned.
  await kubectlOk(["create", "secret", "generic", "network-outputs", "-n", ns, "--from-literal=a=b"]);
  await kubectlOk(["label", "secret", "network-outputs", "-n", ns, "mooring.dev/stack=network"]);
  const names = (
    await kubectlOk(["get", "secrets", "-n", ns, "-l", "mooring.dev/plan-id=p-big", "-o", "name"])
  )
    .trim()
    .split("\n");
  assert.ok(names.length >= 3, `split into ${names.length} Secrets`);

  const big = await loadPlan(client, stack, "p-big");
  assert.ok(big?.planFile.equals(planFile), "the plan file comes back byte for byte");
  assert.equal(big?.text, "Plan: 1 to add");
  assert.equal(await loadPlan(client, stack, "p-missing"), null);

  assert.equal(await prunePlans(client, stack, ["p-small"]), names.length);
  assert.equal(await loadPlan(client, stack, "p-big"), null);
  assert.equal((await loadPlan(client, stack, "p-small"))?.planFile.toString(), "tiny");
  await kubectlOk(["get", "secret", "network-outputs", "-n", ns]);
});
