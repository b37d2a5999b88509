import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { TofuError, TofuRunner } from "./runner.ts";
import {
  BACKEND_OVERRIDE_FILE,
  clusterKubeconfig,
  hclString,
  renderBackendOverride,
  stackLockLease,
  stateLeaseName,
  stateSecretName,
  stateSecretSuffix,
  writeBackendOverride,
} from "./state-backend.ts";

const stack = { namespace: "shop", name: "db" };

describe("state backend names", () => {
  it("keeps each Stack's state in its own Secret and Lease", () => {
    assert.equal(stateSecretName(stack, "default"), "tfstate-default-shop.db");
    assert.equal(stateLeaseName(stack, "staging"), "lock-tfstate-staging-shop.db");
    const db = { metadata: { namespace: "shop", name: "db" }, spec: {} };
    assert.deepEqual(stackLockLease(db), { namespace: "shop", name: "lock-tfstate-default-shop.db" });
    assert.equal(stackLockLease({ ...db, spec: { workspace: "blue" } }).name, "lock-tfstate-blue-shop.db");
  });

  it("shortens a suffix too long for a label value and keeps it unique", () => {
    const long = {
      namespace: "team-with-a-rather-long-namespace-name",
      name: "stack-with-an-equally-long-name",
    };
    const other = { ...long, name: `${long.name}-2` };
    const suffix = stateSecretSuffix(long);
    assert.ok(suffix.length <= 63, suffix);
    assert.match(suffix, /^[a-z0-9][-a-z0-9.]*[a-z0-9]$/);
    assert.notEqual(suffix, stateSecretSuffix(other));
  });
});

describe("renderBackendOverride", () => {
  it("points the kubernetes backend at the Stack's namespace, the run's token coming from KUBE_TOKEN", () => {
    const text = renderBackendOverride({ stack, access: { clusterFile: "/run/cluster.kubeconfig" } });
    assert.match(text, /backend "kubernetes" \{/);
    assert.match(text, /secret_suffix\s+= "shop\.db"/);
    assert.match(text, /namespace\s+= "shop"/);
    assert.match(text, /in_cluster_config\s+= false/);
    assert.match(text, /config_path\s+= "\/run\/cluster\.kubeconfig"/);
    assert.match(text, /host\s+= ""/);
    assert.match(text, /username\s+= ""/);
    assert.match(text, /insecure\s+= false/);
    // Left out, so that the backend reads it from the environment the runner builds.
    assert.doesNotMatch(text, /\btoken\b/);
  });

  it("uses a kubeconfig's own credentials for tofu run by hand", () => {
    const text = renderBackendOverride({
      stack,
      namespace: "mooring",
      access: { kubeconfig: "/home/me/.kube/config", context: "dev" },
    });
    assert.match(text, /in_cluster_config\s+= false/);
    assert.match(text, /config_path\s+= "\/home\/me\/\.kube\/config"/);
    assert.match(text, /config_context\s+= "dev"/);
    assert.match(text, /token\s+= ""/);
    assert.match(text, /namespace\s+= "mooring"/);
  });

  it("writes a kubeconfig naming the API server and its CA, and no credentials", () => {
    const config = JSON.parse(clusterKubeconfig({ server: "https://10.0.0.1:6443", caPem: "PEM" }));
    assert.deepEqual(config.clusters, [
      { name: "mooring", cluster: { server: "https://10.0.0.1:6443", "certificate-authority-data": "UEVN" } },
    ]);
    assert.deepEqual(config.users, [{ name: "stack", user: {} }]);
    assert.equal(config["current-context"], "mooring");
  });

  it("quotes strings so HCL reads them literally", () => {
    assert.equal(hclString('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(hclString(["x$", "{y} %", "{z}"].join("")), ['"x$$', "{y} %%", '{z}"'].join(""));
  });
});

describe("the override file with real tofu", () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), "mooring-backend-"));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it("gives a module without a backend block the kubernetes backend of the run, whatever the Stack's env says", async () => {
    const dir = join(work, "module");
    await mkdir(dir);
    await writeFile(join(dir, "main.tf"), 'resource "terraform_data" "a" {\n  input = 1\n}\n');
    // Nothing listens on port 1: tofu fails fast, and its error shows which server it tried.
    const clusterFile = join(work, "cluster.kubeconfig");
    await writeFile(clusterFile, clusterKubeconfig({ server: "https://127.0.0.1:1" }));
    const elsewhere = join(work, "elsewhere.kubeconfig");
    await writeFile(elsewhere, clusterKubeconfig({ server: "https://127.0.0.8:3" }));
    const path = await writeBackendOverride(dir, { stack, access: { clusterFile } });
    assert.equal(path, join(dir, BACKEND_OVERRIDE_FILE));
    await writeFile(join(work, "cli.tfrc"), "\n");
    const runner = new TofuRunner({
      stack: "shop/db",
      cliConfigFile: join(work, "cli.tfrc"),
      homeDir: join(work, "home"),
      env: {
        KUBE_HOST: "https://127.0.0.9:2",
        KUBE_TOKEN: "stack-token-for-another-cluster",
        KUBE_CONFIG_PATH: elsewhere,
        KUBE_CONFIG_PATHS: elsewhere,
        KUBE_CTX: "other",
      },
      kubeAccess: { host: "https://127.0.0.1:1", token: "the-run-token" },
      timeoutMs: 60_000,
    });
    assert.equal(runner.environment(dir).KUBE_TOKEN, "the-run-token");
    assert.equal(runner.environment(dir).KUBE_HOST, "https://127.0.0.1:1");
    const err = await runner.init(dir).then(
      () => assert.fail("init should fail: no cluster there"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof TofuError);
    assert.equal(err.code, "init-failed");
    assert.match(err.message, /127\.0\.0\.1:1\/api\/v1\/namespaces\/shop\/secrets/);
    assert.doesNotMatch(err.message, /127\.0\.0\.[89]/);
    assert.doesNotMatch(err.log + err.message, /the-run-token/);
  });
});
