// User story: a Stack's module runs on a machine with no internet and no provider registry. The
// real `tofu` of the toolchain installs real providers (kubernetes, null, random) from the
// filesystem mirrors that `moor toolchain install` built from the Go module proxy, plans, shows the
// plan as JSON, applies exactly that plan file to the test cluster, keeps its state in the cluster
// (Secret + Lease of the built-in kubernetes backend, lock released afterwards) and destroys what
// it made. A provider that was not built fails `tofu init` at once, naming where it looked.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { TOFU_PROVIDERS } from "../../src/toolchain/catalog.ts";
import { installedTool } from "../../src/toolchain/install.ts";
import { providerMirrors, tofuBinary, tofuEnv, writeProviderCliConfig } from "../../src/toolchain/tofu.ts";
import { type RunResult, runCommand } from "../../src/util/exec.ts";
import { kubectl, kubectlOk, withNamespace } from "../harness/cluster.ts";
import { runEnv, runSandboxKubeconfig } from "../harness/env.ts";

interface Workdir {
  dir: string;
  /** Runs tofu there; fails the test with tofu's own words unless it exits with one of `codes`. */
  tofu(args: string[], codes?: number[]): Promise<RunResult>;
  /** Seconds each tofu step took, in order. */
  timings: [string, number][];
}

/** A temp folder with our CLI config and the given module, and a tofu runner for it. */
async function workdir(t: TestContext, mainTf: string): Promise<Workdir> {
  const dir = await mkdtemp(join(tmpdir(), "mooring-tofu-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const cliConfigFile = await writeProviderCliConfig(join(dir, "tofu.tfrc"), providerMirrors(runEnv()));
  const moduleDir = join(dir, "module");
  await mkdir(moduleDir);
  await writeFile(join(moduleDir, "main.tf"), mainTf);
  const env = tofuEnv({ cliConfigFile, base: runEnv() });
  const timings: [string, number][] = [];
  return {
    dir: moduleDir,
    timings,
    async tofu(args, codes = [0]) {
      const started = Date.now();
      const res = await runCommand(tofuBinary(runEnv()), args, { cwd: moduleDir, env, timeoutMs: 300_000 });
      timings.push([args[0] ?? "", (Date.now() - started) / 1000]);
      assert.ok(
        codes.includes(res.code),
        `tofu ${args.join(" ")} exited ${res.code}:\n${res.stderr || res.stdout}`,
      );
      return res;
    },
  };
}

function module(namespace: string, suffix: string): string {
  const kubeconfig = JSON.stringify(runSandboxKubeconfig());
  return `terraform {
  required_providers {
    kubernetes = { source = "hashicorp/kubernetes" }
    null       = { source = "hashicorp/null" }
    random     = { source = "hashicorp/random" }
  }
  backend "kubernetes" {
    secret_suffix = "${suffix}"
    config_path   = ${kubeconfig}
    namespace     = "${namespace}"
  }
}

provider "kubernetes" {
  config_path = ${kubeconfig}
}

resource "terraform_data" "build" {
  input = "v1"
}

resource "null_resource" "marker" {
  triggers = { build = terraform_data.build.output }
}

resource "random_pet" "name" {}

# The kubernetes provider 1.x names this kubernetes_config_map (2.x added kubernetes_config_map_v1).
resource "kubernetes_config_map" "settings" {
  metadata {
    name      = "settings"
    namespace = "${namespace}"
  }
  data = {
    pet   = random_pet.name.id
    build = terraform_data.build.output
  }
}

output "pet" {
  value = random_pet.name.id
}
`;
}

interface PlanJson {
  resource_changes: { address: string; change: { actions: string[] } }[];
}

interface Lease {
  spec: { holderIdentity?: string };
}

describe("OpenTofu with providers from the toolchain's mirrors", () => {
  it("plans, applies and destroys real resources with state in the cluster", async (t) => {
    for (const tool of TOFU_PROVIDERS) {
      assert.ok(await installedTool(tool, runEnv()), `${tool.name} is installed by the toolchain`);
    }
    const namespace = await withNamespace(t);
    const suffix = "providers";
    const work = await workdir(t, module(namespace, suffix));

    const init = await work.tofu(["init", "-input=false", "-no-color"]);
    for (const line of [
      "Installed hashicorp/kubernetes v1.13.4",
      "Installed hashicorp/null v2.1.2",
      "Installed hashicorp/random v3.6.0",
    ]) {
      assert.match(init.stdout, new RegExp(line.replaceAll(".", "\\.")));
    }

    await work.tofu(["plan", "-input=false", "-no-color", "-out=plan.tfplan"]);
    const shown = await work.tofu(["show", "-json", "-no-color", "plan.tfplan"]);
    const plan = JSON.parse(shown.stdout) as PlanJson;
    assert.deepEqual(plan.resource_changes.map((c) => [c.address, c.change.actions.join(",")]).sort(), [
      ["kubernetes_config_map.settings", "create"],
      ["null_resource.marker", "create"],
      ["random_pet.name", "create"],
      ["terraform_data.build", "create"],
    ]);

    await work.tofu(["apply", "-input=false", "-no-color", "plan.tfplan"]);
    const pet = JSON.parse((await work.tofu(["output", "-json", "pet"])).stdout) as string;
    const configMap = JSON.parse(
      await kubectlOk(["get", "configmap", "settings", "-n", namespace, "-o", "json"]),
    );
    assert.deepEqual(configMap.data, { pet, build: "v1" });

    const secret = JSON.parse(
      await kubectlOk(["get", "secret", `tfstate-default-${suffix}`, "-n", namespace, "-o", "json"]),
    );
    assert.ok(secret.data?.tfstate, "the state Secret holds the state");
    const lease = JSON.parse(
      await kubectlOk(["get", "lease", `lock-tfstate-default-${suffix}`, "-n", namespace, "-o", "json"]),
    ) as Lease;
    assert.equal(lease.spec.holderIdentity, undefined, "the state lock is released after apply");

    // A second plan finds nothing to do: the providers read back what they made.
    await work.tofu(["plan", "-input=false", "-no-color", "-detailed-exitcode"], [0]);

    await work.tofu(["destroy", "-auto-approve", "-input=false", "-no-color"]);
    const gone = await kubectl(["get", "configmap", "settings", "-n", namespace]);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /NotFound/);
    const after = JSON.parse(
      await kubectlOk(["get", "lease", `lock-tfstate-default-${suffix}`, "-n", namespace, "-o", "json"]),
    ) as Lease;
    assert.equal(after.spec.holderIdentity, undefined, "the state lock is released after destroy");

    t.diagnostic(`tofu steps: ${work.timings.map(([step, s]) => `${step} ${s.toFixed(2)}s`).join(", ")}`);
  });

  it("fails init at once for a provider that was not built, naming the mirrors it searched", async (t) => {
    const work = await workdir(
      t,
      `terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}
`,
    );
    const res = await work.tofu(["init", "-input=false", "-no-color"], [1]);
    assert.match(
      res.stderr,
      /registry\.opentofu\.org\/hashicorp\/aws was not found in any of the\s+search locations/,
    );
    assert.match(res.stderr, /tofu-provider-kubernetes-v1\.13\.4-r1\/mirror/);
    assert.ok((work.timings[0]?.[1] ?? 99) < 10, "no network wait");
  });
});
