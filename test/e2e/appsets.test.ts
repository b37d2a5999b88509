// ApplicationSets end to end: a real controller stamps Applications out of one template, from a
// list, from the registered clusters (each a Secret; here several Secrets point at the same
// sandbox API server under different names and labels), from the folders of a real Git
// repository served over HTTP, and from a matrix of both; it follows clusters added and folders
// removed as the set's policy allows; a template naming a missing parameter stalls the set and
// creates nothing; `moor appset preview` shows the Applications without creating them.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { syncedAndHealthy, waitForApp } from "../harness/apps.ts";
import {
  applySet as applySetAs,
  deleteSets,
  discardSetApps,
  getSet,
  SET_LABEL,
  type SetView,
  setEventReasons,
} from "../harness/appsets.ts";
import { eventually, kubectl, kubectlOk, moor } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { runSandboxKubeconfig } from "../harness/env.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";

const RUN = Date.now().toString(36).slice(-5);

const configMap = (name: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
  greeting: hello
`;

/** A Job whose one Pod fails (kwok plays the kubelet): its app turns Degraded after the sync. */
const FAILING_JOB = `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations:
        pod-container-failed.stage.kwok.x-k8s.io/name: main
    spec:
      restartPolicy: Never
      containers: [{ name: main, image: busybox }]
`;

const applySet = (name: string, spec: Record<string, unknown>) => applySetAs(name, spec, { run: RUN });

/** The names of the Applications a set owns now, sorted. */
async function appsOf(set: string): Promise<string[]> {
  const out = await kubectlOk([
    "get",
    "applications",
    "-n",
    "mooring",
    "-l",
    `${SET_LABEL}=${set}`,
    "-o",
    "name",
  ]);
  return out
    .split("\n")
    .filter(Boolean)
    .map((line) => line.replace(/^application[^/]*\//, ""))
    .sort();
}

function waitForApps(set: string, expected: string[], timeoutMs = 90_000): Promise<string[]> {
  let last: string[] = [];
  return eventually(
    `applicationset ${set} owning ${expected.join(", ")}`,
    async () => {
      last = await appsOf(set);
      return JSON.stringify(last) === JSON.stringify([...expected].sort()) ? last : undefined;
    },
    timeoutMs,
  ).catch(async (err: Error) => {
    throw new Error(
      `${err.message}; owns ${last.join(", ")}; status ${JSON.stringify((await getSet(set)).status ?? null)}`,
    );
  });
}

/** A registered cluster: a Secret naming the sandbox's own API server, with these labels. */
async function registerCluster(
  name: string,
  labels: Record<string, string>,
  annotations: Record<string, string> = {},
): Promise<void> {
  const kubeconfig = await readFile(runSandboxKubeconfig(), "utf8");
  const server = (parse(kubeconfig) as { clusters: { cluster: { server: string } }[] }).clusters[0]?.cluster
    .server;
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: `cluster-${name}`,
      namespace: "mooring",
      labels: { "mooring.dev/secret-type": "cluster", "e2e-run": RUN, ...labels },
      annotations,
    },
    stringData: { name, server, config: kubeconfig },
  };
  await kubectlOk(["apply", "-f", "-"], { input: JSON.stringify(secret) });
}

describe("ApplicationSets: one template, many Applications", () => {
  let git: GitServer;
  let controller: RunningController;
  const repo = `fleet-${RUN}`;
  const folders = ["alpha", "bravo", "charlie", "delta"];

  before(async () => {
    await ensureInstalled();
    git = await startGitServer();
    const files: Record<string, string> = {};
    for (const f of folders) files[`apps/${f}/config.yaml`] = configMap(`${f}-config`);
    files["jobs/broken/job.yaml"] = FAILING_JOB;
    await git.createRepo(repo, files, "four apps");
    for (const [i, env] of [
      ["1", "prod"],
      ["2", "prod"],
      ["3", "prod"],
      ["4", "staging"],
    ] as const)
      await registerCluster(`c${i}-${RUN}`, { env, "fleet-run": RUN });
    controller = await startController();
  });

  after(async () => {
    await deleteSets(RUN, ["mooring"]);
    await controller?.stop();
    await discardSetApps(["mooring"], RUN);
    await kubectl(["delete", "secrets", "-n", "mooring", "-l", `e2e-run=${RUN}`, "--ignore-not-found"]);
    for (const ns of ["as-alpha", "as-bravo", "r-r1", "r-r2", "r-r3"])
      await kubectl(["delete", "namespace", `${ns}-${RUN}`, "--wait=false", "--ignore-not-found"]);
    await git?.close();
  });

  const source = (path: string) => ({ repoURL: git.url(repo), targetRevision: "main", path });
  const autoSync = { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] };

  it("previews the Applications of a list generator without creating any, then creates both and they reach Synced", async (t) => {
    const name = `list-${RUN}`;
    const spec = {
      generators: [{ list: { elements: [{ app: "alpha" }, { app: "bravo" }] } }],
      template: {
        metadata: { name: `{{app}}-${RUN}` },
        spec: {
          source: source("apps/{{app}}"),
          destination: { namespace: `as-{{app}}-${RUN}` },
          syncPolicy: autoSync,
        },
      },
    };
    const dir = await mkdtemp(join(tmpdir(), "appset-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, `${name}.yaml`);
    await writeFile(
      file,
      JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "ApplicationSet",
        metadata: { name },
        spec,
      }),
    );
    const preview = await moor([
      "appset",
      "preview",
      "-f",
      file,
      "--kubeconfig",
      runSandboxKubeconfig(),
      "-o",
      "name",
    ]);
    assert.equal(preview.code, 0, preview.stderr);
    assert.deepEqual(preview.stdout.trim().split("\n"), [`alpha-${RUN}`, `bravo-${RUN}`]);
    assert.deepEqual(await appsOf(name), [], "preview creates nothing");

    const created = await moor(["appset", "create", "-f", file, "--kubeconfig", runSandboxKubeconfig()]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout.trim(), `applicationset ${name} created in namespace mooring`);
    await waitForApps(name, [`alpha-${RUN}`, `bravo-${RUN}`]);
    await waitForApp(`alpha-${RUN}`, "Synced and Healthy", syncedAndHealthy(), 120_000);
    await waitForApp(`bravo-${RUN}`, "Synced and Healthy", syncedAndHealthy(), 120_000);
    await kubectlOk(["get", "configmap", "alpha-config", "-n", `as-alpha-${RUN}`]);
    // Generated again on every change of its apps' status, the set leaves unchanged apps alone.
    const events = await setEventReasons(name);
    assert.deepEqual(events.sort(), ["ApplicationCreated", "ApplicationCreated"]);
    const listed = await moor(["appset", "list", "--kubeconfig", runSandboxKubeconfig()]);
    assert.match(listed.stdout, new RegExp(`^${name}\\s+2\\s+Ready\\s+sync$`, "m"));
  });

  it("makes one Application per registered cluster its selector picks, and follows a cluster added later", async () => {
    const name = `clusters-${RUN}`;
    await applySet(name, {
      generators: [{ clusters: { selector: { matchLabels: { env: "prod", "fleet-run": RUN } } } }],
      template: {
        metadata: { name: "web-{{name}}" },
        spec: {
          source: source("apps/alpha"),
          destination: { cluster: "{{name}}", namespace: "as-{{name}}" },
        },
      },
    });
    const prod = ["1", "2", "3"].map((i) => `web-c${i}-${RUN}`);
    await waitForApps(name, prod);
    await registerCluster(`c5-${RUN}`, { env: "prod", "fleet-run": RUN });
    await waitForApps(name, [...prod, `web-c5-${RUN}`]);
    const app = JSON.parse(
      await kubectlOk(["get", "application", `web-c5-${RUN}`, "-n", "mooring", "-o", "json"]),
    );
    assert.deepEqual(app.spec.destination, { cluster: `c5-${RUN}`, namespace: `as-c5-${RUN}` });
  });

  it("follows a repository's folders: deletes an app whose folder goes under sync, keeps it under create-update", async () => {
    const generator = {
      git: { repoURL: git.url(repo), revision: "main", directories: [{ path: "apps/*" }] },
    };
    const template = (prefix: string) => ({
      metadata: { name: `${prefix}-{{path.basename}}-${RUN}` },
      spec: { source: source("{{path}}"), destination: { namespace: `${prefix}-{{path.basename}}-${RUN}` } },
    });
    await applySet(`dirs-${RUN}`, { generators: [generator], template: template("d") });
    await applySet(`keep-${RUN}`, {
      generators: [generator],
      template: template("k"),
      syncPolicy: { applicationsSync: "create-update" },
    });
    await waitForApps(
      `dirs-${RUN}`,
      folders.map((f) => `d-${f}-${RUN}`),
    );
    await waitForApps(
      `keep-${RUN}`,
      folders.map((f) => `k-${f}-${RUN}`),
    );

    await git.commit(repo, { "apps/delta/config.yaml": null }, "delta goes");
    await waitForApps(
      `dirs-${RUN}`,
      ["alpha", "bravo", "charlie"].map((f) => `d-${f}-${RUN}`),
    );
    assert.deepEqual(
      await appsOf(`keep-${RUN}`),
      folders.map((f) => `k-${f}-${RUN}`),
      "create-update never deletes",
    );
  });

  it("makes the matrix of a repository's folders and the staging clusters", async () => {
    const name = `matrix-${RUN}`;
    await applySet(name, {
      generators: [
        {
          matrix: {
            generators: [
              {
                git: {
                  repoURL: git.url(repo),
                  revision: "main",
                  directories: [{ path: "apps/alpha" }, { path: "apps/bravo" }],
                },
              },
              { clusters: { selector: { matchLabels: { env: "staging", "fleet-run": RUN } } } },
            ],
          },
        },
      ],
      template: {
        metadata: { name: "m-{{path.basename}}-{{name}}" },
        spec: {
          source: source("{{path}}"),
          destination: { cluster: "{{name}}", namespace: "m-{{path.basename}}" },
        },
      },
    });
    await waitForApps(name, [`m-alpha-c4-${RUN}`, `m-bravo-c4-${RUN}`]);
  });

  it("stalls a set whose template names a missing parameter, naming it, and creates nothing", async () => {
    const name = `broken-${RUN}`;
    await applySet(name, {
      generators: [{ list: { elements: [{ app: "alpha" }] } }],
      template: {
        metadata: { name: `{{app}}-{{region}}-${RUN}` },
        spec: { source: source("apps/{{app}}"), destination: { namespace: "broken" } },
      },
    });
    const stalled = await eventually(
      `applicationset ${name} Stalled`,
      async () => {
        const set = await getSet(name);
        return set.status?.conditions?.find((c) => c.type === "Stalled" && c.status === "True");
      },
      60_000,
    );
    assert.match(stalled.message, /region/);
    assert.match(stalled.message, /spec\.template\.metadata\.name/);
    const ready = (await getSet(name)).status?.conditions?.find((c) => c.type === "Ready");
    assert.equal(ready?.status, "False");
    assert.deepEqual(await appsOf(name), []);
  });

  it("rolls out step by step over three clusters and stops at the step whose app is Degraded", async () => {
    const name = `rollout-${RUN}`;
    const waves = [
      ["r1", "one", "apps/alpha"],
      ["r2", "two", "jobs/broken"],
      ["r3", "three", "apps/bravo"],
    ] as const;
    for (const [cluster, wave, path] of waves)
      await registerCluster(`${cluster}-${RUN}`, { wave, "roll-run": RUN }, { path });
    await applySet(name, {
      generators: [{ clusters: { selector: { matchLabels: { "roll-run": RUN } } } }],
      template: {
        metadata: { name: "roll-{{name}}", labels: { wave: "{{metadata.labels.wave}}" } },
        spec: {
          source: source("{{metadata.annotations.path}}"),
          destination: { cluster: "{{name}}", namespace: "r-{{name}}" },
          syncPolicy: autoSync,
        },
      },
      strategy: {
        type: "RollingSync",
        rollingSync: {
          steps: ["one", "two", "three"].map((w) => ({
            matchExpressions: [{ key: "wave", operator: "In", values: [w] }],
          })),
        },
      },
    });
    let last: SetView | undefined;
    const stopped = await eventually(
      `applicationset ${name} stopping its rollout`,
      async () => {
        const set = await getSet(name);
        const rollout = set.status?.conditions?.find((c) => c.type === "RolloutProgressing");
        last = set;
        return rollout?.reason === "ApplicationDegraded" ? { set, rollout } : undefined;
      },
      120_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last status ${JSON.stringify(last?.status ?? null)}`);
    });
    assert.equal(stopped.rollout.status, "False");
    assert.match(stopped.rollout.message, new RegExp(`roll-r2-${RUN} in step 2 is Degraded`));
    const rows = Object.fromEntries(
      (stopped.set.status?.applicationStatus ?? []).map((r) => [r.application, r]),
    );
    assert.equal(rows[`roll-r1-${RUN}`]?.status, "Healthy");
    assert.equal(rows[`roll-r1-${RUN}`]?.step, "1");
    assert.match(rows[`roll-r2-${RUN}`]?.message ?? "", /^Degraded/);
    assert.equal(rows[`roll-r3-${RUN}`]?.status, "Waiting");
    // Generated without automated sync, step three's app was never synced.
    const third = JSON.parse(
      await kubectlOk(["get", "application", `roll-r3-${RUN}`, "-n", "mooring", "-o", "json"]),
    );
    assert.equal(third.spec.syncPolicy?.automated, undefined);
    assert.equal(third.status?.operationState, undefined);
    assert.equal((await kubectl(["get", "configmap", "bravo-config", "-n", `r-r3-${RUN}`])).code, 1);
    await kubectlOk(["get", "configmap", "alpha-config", "-n", `r-r1-${RUN}`]);
    // `moor appset get` shows the rollout step by step, and where it stopped.
    const shown = await moor(["appset", "get", name, "--kubeconfig", runSandboxKubeconfig()]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^Rollout \(3 steps\):$/m);
    assert.match(shown.stdout, /^ {2}step 1: 1\/1 Healthy {2}\(wave In \(one\)\)$/m);
    assert.match(
      shown.stdout,
      /^ {2}step 2: 0\/1 Healthy, 1 Progressing {2}<- current {2}\(wave In \(two\)\)$/m,
    );
    assert.match(shown.stdout, /^ {2}step 3: 0\/1 Healthy, 1 Waiting {2}\(wave In \(three\)\)$/m);
  });
});
