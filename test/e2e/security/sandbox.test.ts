// Attack suite: tofu, kustomize and helm run in a sandbox (src/isolation). Whoever can push to a
// repository that a Stack or an Application reads controls what those tools do, so each attack
// below is a repository trying to reach beyond its own run:
// - a Stack reading the controller's credentials with file(): the in-cluster service-account
//   token path (a marker file put there for the test) and the kubeconfig the controller was
//   started with: the plan fails, the Stack says which file, the content appears nowhere;
// - a local-exec provisioner reading a host file outside its run folder: the apply fails;
// - a local_file resource writing into the toolchain folder: the apply fails, no file appears;
// - a local-exec listing the folder that holds every Stack's run folder: it sees its own only, not the
//   kept folder of a Stack applied next to it;
// - a kustomize configMapGenerator reading `files:` from a URL, and a remote base: the local
//   HTTP server receives no request and the Application stalls with a clear message;
// - a helm chart whose values.schema.json has a $ref to a URL: no request.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { toolchainRoot } from "../../../src/toolchain/paths.ts";
import { condition as appCondition, applyApp, deleteApp, waitForApp } from "../../harness/apps.ts";
import { kubectl, kubectlOk } from "../../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../../harness/controller.ts";
import { runEnv, runHome, runSandboxKubeconfig } from "../../harness/env.ts";
import { type GitServer, startGitServer } from "../../harness/git-server.ts";
import { condition, createStackNamespace, type StackView, waitStack } from "../../harness/stacks.ts";

const suffix = Date.now().toString(36);
const ns = `sandbox-${suffix}`;
const TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/** A local HTTP server that records every request: any request at all is the attack working. */
async function startRecorder(): Promise<{ server: Server; port: number; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.url?.startsWith("/base")) {
      res.setHeader("content-type", "text/yaml");
      res.end("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-remote\ndata:\n  a: b\n");
    } else if (req.url?.startsWith("/schema")) {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ type: "object" }));
    } else {
      res.end(`MARKER-http-${suffix}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port, requests };
}

const fileOutput = (path: string) => `
output "stolen" {
  value = file(${JSON.stringify(path)})
}
`;

const localExecReader = (path: string) => `
resource "terraform_data" "peek" {
  provisioner "local-exec" {
    command = "cat ${path}"
  }
}
`;

const localFileWriter = (path: string) => `
terraform {
  required_providers {
    local = { source = "hashicorp/local" }
  }
}
resource "local_file" "plant" {
  filename = ${JSON.stringify(path)}
  content  = "planted by a Stack"
}
`;

/** Lists the parent of every run folder; the run log shows what the sandbox lets it see. */
const neighbourLister = (workRoot: string) => `
resource "terraform_data" "look" {
  provisioner "local-exec" {
    command = "echo listing-begins; ls -1 ${workRoot}; echo listing-ends"
  }
}
`;

const SMALL_MODULE = `
resource "terraform_data" "a" {
  input = "a"
}
`;

describe("attack: tofu and the renderers reaching beyond their sandbox", () => {
  let git: GitServer;
  let controller: RunningController;
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  let tokenMarker = `MARKER-token-${suffix}`;
  /** The topmost folder of the token path this test made, removed afterwards. */
  let createdTokenRoot: string | undefined;
  const hostSecret = join(runHome(), `host-secret-${suffix}`);
  const hostMarker = `MARKER-host-${suffix}`;
  const planted = join(toolchainRoot(runEnv()), `planted-${suffix}.txt`);
  let kubeconfigMarker = "";

  async function createStack(name: string, path: string): Promise<void> {
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Stack",
        metadata: { name, namespace: ns },
        spec: {
          source: { repoURL: git.url("stacks"), targetRevision: "main", path },
          approvePlan: "auto",
          driftDetection: { interval: "0" },
        },
      }),
    });
  }

  /** Everything a user or operator can read about a Stack: its object, its run log, Events, the controller's logs. */
  async function everythingAbout(name: string): Promise<string> {
    const stack = await kubectlOk(["get", "stack", name, "-n", ns, "-o", "json"]);
    const logs = await kubectl(["get", "configmaps", "-n", ns, "-o", "json"]);
    const events = await kubectl(["get", "events", "-n", ns, "-o", "json"]);
    const secrets = await kubectl(["get", "secrets", "-n", ns, "-o", "json"]);
    const decoded = JSON.parse(secrets.stdout || "{}") as { items?: { data?: Record<string, string> }[] };
    const secretValues = (decoded.items ?? []).flatMap((s) =>
      Object.values(s.data ?? {}).map((v) => Buffer.from(v, "base64").toString("utf8")),
    );
    return [stack, logs.stdout, events.stdout, JSON.stringify(controller.logs), ...secretValues].join("\n");
  }

  const failedPlan = (name: string) =>
    waitStack(
      ns,
      name,
      "to fail its plan",
      (s: StackView) =>
        condition(s, "Ready")?.status === "False" && /plan/i.test(condition(s, "Ready")?.message ?? ""),
      180_000,
    );

  const failedApply = (name: string) =>
    waitStack(
      ns,
      name,
      "to fail its apply",
      (s: StackView) => s.status?.lastApply?.result === "failed",
      180_000,
    );

  before(async () => {
    await ensureInstalled();
    await createStackNamespace(ns);
    if (existsSync(TOKEN_PATH)) {
      tokenMarker = (await readFile(TOKEN_PATH, "utf8")).trim();
    } else {
      createdTokenRoot = await mkdir(join(TOKEN_PATH, ".."), { recursive: true });
      await writeFile(TOKEN_PATH, tokenMarker);
      createdTokenRoot ??= TOKEN_PATH;
    }
    await writeFile(hostSecret, hostMarker);
    // A line of the controller's kubeconfig that holds a credential.
    const kubeconfig = await readFile(runSandboxKubeconfig(), "utf8");
    kubeconfigMarker =
      /(client-key-data|token|password):\s*(\S{16,})/.exec(kubeconfig)?.[2]?.slice(0, 40) ??
      kubeconfig.slice(-60);
    recorder = await startRecorder();
    const base = `http://127.0.0.1:${recorder.port}`;
    git = await startGitServer();
    await git.createRepo(
      "stacks",
      {
        "token/main.tf": fileOutput(TOKEN_PATH),
        "kubeconfig/main.tf": fileOutput(runSandboxKubeconfig()),
        "exec/main.tf": localExecReader(hostSecret),
        "write/main.tf": localFileWriter(planted),
        "lister/main.tf": neighbourLister(join(runHome(), "stacks")),
        "small/main.tf": SMALL_MODULE,
      },
      "modules that reach for the host",
    );
    await git.createRepo(
      "apps",
      {
        "generator/kustomization.yaml": [
          "configMapGenerator:",
          "  - name: stolen",
          "    files:",
          `      - k=${base}/secret`,
          "",
        ].join("\n"),
        "remote-base/kustomization.yaml": ["resources:", `  - ${base}/base`, ""].join("\n"),
        "chart/Chart.yaml": "apiVersion: v2\nname: schema-ref\nversion: 0.1.0\n",
        "chart/values.yaml": "replicas: 1\n",
        "chart/values.schema.json": JSON.stringify({
          $schema: "https://json-schema.org/draft/2020-12/schema",
          $ref: `${base}/schema.json`,
        }),
        "chart/templates/cm.yaml": [
          "apiVersion: v1",
          "kind: ConfigMap",
          "metadata:",
          "  name: chart-cm",
          "data:",
          '  replicas: "{{ .Values.replicas }}"',
          "",
        ].join("\n"),
      },
      "sources that reach for the network",
    );
    controller = await startController();
  });

  after(async () => {
    await controller?.stop();
    await git?.close();
    recorder?.server.close();
    for (const app of ["sandbox-generator", "sandbox-remote-base", "sandbox-chart"])
      await deleteApp(app).catch(() => {});
    await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
    if (createdTokenRoot) await rm(createdTokenRoot, { recursive: true, force: true });
    await rm(hostSecret, { force: true });
    await rm(planted, { force: true });
  });

  it("the controller says at start that Stacks and renders run sandboxed", () => {
    const said = controller.logs.map((entry) => String(entry.msg));
    assert.ok(said.includes("Stacks (tofu) run sandboxed"), JSON.stringify(said.slice(0, 10)));
    assert.ok(said.includes("renders (helm, kustomize) run sandboxed"));
    assert.ok(!said.some((msg) => msg.startsWith("UNSAFE")));
  });

  it("a Stack reading the service-account token with file() fails its plan, and the token appears nowhere", async () => {
    await createStack("token", "token");
    const failed = await failedPlan("token");
    const ready = condition(failed, "Ready");
    assert.match(ready?.message ?? "", /serviceaccount\/token/);
    assert.match(ready?.message ?? "", /no file exists/i);
    assert.equal(failed.status?.lastPlan, undefined, "no plan was stored");
    assert.ok(!(await everythingAbout("token")).includes(tokenMarker), "the token appears nowhere");
  });

  it("a Stack reading the controller's kubeconfig with file() fails its plan, and its credentials appear nowhere", async () => {
    await createStack("kubeconfig", "kubeconfig");
    const failed = await failedPlan("kubeconfig");
    assert.match(condition(failed, "Ready")?.message ?? "", /no file exists/i);
    assert.ok(kubeconfigMarker.length >= 16);
    assert.ok(!(await everythingAbout("kubeconfig")).includes(kubeconfigMarker));
  });

  it("a local-exec reading a host file outside its run folder fails the apply, and the file's content appears nowhere", async () => {
    await createStack("exec", "exec");
    const failed = await failedApply("exec");
    assert.match(failed.status?.lastApply?.message ?? "", /local-exec|No such file/i);
    assert.ok(!(await everythingAbout("exec")).includes(hostMarker));
  });

  it("a local_file writing into the toolchain folder fails the apply, and no file appears", async () => {
    await createStack("write", "write");
    const failed = await failedApply("write");
    assert.match(failed.status?.lastApply?.message ?? "", /read-only file system|permission denied/i);
    assert.equal(existsSync(planted), false, `${planted} was not written`);
  });

  it("a local-exec sees its own run folder only, not the kept folder of a Stack next to it", async () => {
    await createStack("neighbour", "small");
    await waitStack(ns, "neighbour", "to apply", (s) => s.status?.lastApply?.result === "succeeded", 180_000);
    await createStack("lister", "lister");
    await waitStack(ns, "lister", "to apply", (s) => s.status?.lastApply?.result === "succeeded", 180_000);
    const log = await kubectlOk([
      "get",
      "configmap",
      "stack-log-lister",
      "-n",
      ns,
      "-o",
      "jsonpath={.data.log}",
    ]);
    const said = log
      .split("\n")
      .filter((line) => line.includes("(local-exec): "))
      .map((line) => line.slice(line.indexOf("(local-exec): ") + "(local-exec): ".length).trim());
    const entries = said.slice(said.indexOf("listing-begins") + 1, said.indexOf("listing-ends"));
    assert.deepEqual(
      entries.map((e) => e.replace(/-[^-]+$/, "")),
      [`${ns}.lister`],
      `the listing shows the Stack's own folder only: ${JSON.stringify(entries)}`,
    );
  });

  it("kustomize generator files and a remote base given as URLs send no request; the apps stall saying why", async () => {
    const destination = { namespace: ns };
    await applyApp("sandbox-generator", {
      project: "default",
      source: { repoURL: git.url("apps"), targetRevision: "main", path: "generator" },
      destination,
    });
    await applyApp("sandbox-remote-base", {
      project: "default",
      source: { repoURL: git.url("apps"), targetRevision: "main", path: "remote-base" },
      destination,
    });
    const generator = await waitForApp(
      "sandbox-generator",
      "to stall",
      (a) => appCondition(a, "Stalled")?.status === "True",
      120_000,
    );
    const stalled = appCondition(generator, "Stalled");
    assert.equal(stalled?.reason, "RenderFailed");
    assert.match(stalled?.message ?? "", /no network access/);
    const remote = await waitForApp(
      "sandbox-remote-base",
      "to stall",
      (a) => appCondition(a, "Stalled")?.status === "True",
      120_000,
    );
    assert.match(
      appCondition(remote, "Stalled")?.message ?? "",
      new RegExp(`127\\.0\\.0\\.1:${recorder.port}/base`),
    );
    assert.deepEqual(recorder.requests, [], "the test server received no request");
    assert.notEqual(
      (await kubectl(["get", "configmap", "-n", ns, "-o", "name"])).stdout.includes("stolen"),
      true,
    );
  });

  it("a helm chart whose values.schema.json has a $ref to a URL sends no request", async () => {
    await applyApp("sandbox-chart", {
      project: "default",
      source: { repoURL: git.url("apps"), targetRevision: "main", path: "chart" },
      destination: { namespace: ns },
    });
    // Whatever helm makes of the $ref it cannot load, it never reaches the server.
    await waitForApp(
      "sandbox-chart",
      "to be rendered or to stall",
      (a) => appCondition(a, "Stalled")?.status === "True" || a.status?.sync?.status === "OutOfSync",
      120_000,
    );
    assert.deepEqual(recorder.requests, [], "the test server received no request");
  });
});
