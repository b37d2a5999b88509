// User story: an engineer starts two local clusters side by side with `moor sandbox create`, runs
// real workloads in each, and throws one away without disturbing the other.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { eventually, kubectlOk, moor } from "../harness/cluster.ts";

const DEPLOYMENT = (name: string) => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 2
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports: [{ containerPort: 80 }]
---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  selector: { app: ${name} }
  ports: [{ port: 80, targetPort: 80 }]
`;

interface SandboxJson {
  name: string;
  status: string;
  reason?: string;
  server: string;
  kubeconfig: string;
  kubernetesVersion: string;
}

async function listSandboxes(): Promise<SandboxJson[]> {
  const res = await moor(["sandbox", "list", "-o", "json"]);
  assert.equal(res.code, 0, res.stderr);
  return JSON.parse(res.stdout) as SandboxJson[];
}

async function kubeconfigOf(name: string): Promise<string> {
  const res = await moor(["sandbox", "kubeconfig", name]);
  assert.equal(res.code, 0, res.stderr);
  return res.stdout.trim();
}

/** True when something accepts TCP connections at the URL's host and port. */
function answers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Applies a 2-replica Deployment and its Service, and checks what a user would look at. */
async function runWorkload(kubeconfig: string, name: string): Promise<void> {
  await kubectlOk(["apply", "-f", "-"], { kubeconfig, input: DEPLOYMENT(name) });
  await kubectlOk(["wait", `deployment/${name}`, "--for=condition=Available", "--timeout=90s"], {
    kubeconfig,
  });
  const pods = JSON.parse(
    await kubectlOk(["get", "pods", "-l", `app=${name}`, "-o", "json"], { kubeconfig }),
  );
  const ready = pods.items.filter(
    (p: { status: { phase: string; conditions?: { type: string; status: string }[] } }) =>
      p.status.phase === "Running" &&
      p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
  );
  assert.equal(ready.length, 2, "two pods Running and Ready");
  for (const pod of pods.items) assert.match(pod.spec.nodeName, /^kwok-node-/, "scheduled onto a kwok node");
  const service = JSON.parse(await kubectlOk(["get", "service", name, "-o", "json"], { kubeconfig }));
  assert.match(service.spec.clusterIP, /^10\.96\.\d+\.\d+$/, "a ClusterIP from the service range");
}

describe("moor sandbox", () => {
  after(async () => {
    await moor(["sandbox", "delete", "a", "b", "c", "--ignore-not-found"]);
  });

  it("runs two sandboxes side by side, each running real workloads, and deletes one without touching the other", async () => {
    const [a, b] = await Promise.all([moor(["sandbox", "create", "a"]), moor(["sandbox", "create", "b"])]);
    assert.equal(a.code, 0, `create a: ${a.stderr}`);
    assert.equal(b.code, 0, `create b: ${b.stderr}`);
    assert.match(a.stdout, /export KUBECONFIG=/);

    const listed = (await listSandboxes()).filter((s) => s.name === "a" || s.name === "b");
    assert.deepEqual(
      listed.map((s) => [s.name, s.status]),
      [
        ["a", "Running"],
        ["b", "Running"],
      ],
    );
    assert.notEqual(listed[0]?.server, listed[1]?.server, "each sandbox has its own apiserver port");

    const kubeconfigA = await kubeconfigOf("a");
    const kubeconfigB = await kubeconfigOf("b");
    await Promise.all([runWorkload(kubeconfigA, "web"), runWorkload(kubeconfigB, "web")]);

    const version = JSON.parse(await kubectlOk(["version", "-o", "json"], { kubeconfig: kubeconfigA }));
    assert.equal(version.serverVersion.gitVersion, "v1.36.3");

    const deleted = await moor(["sandbox", "delete", "a"]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(existsSync(kubeconfigA), false, "a's files are removed");
    assert.equal(await answers(listed[0]?.server ?? ""), false, "a's apiserver no longer listens");
    const remaining = (await listSandboxes()).map((s) => s.name).filter((n) => n === "a" || n === "b");
    assert.deepEqual(remaining, ["b"]);

    // b keeps working: its workload is still Available and it takes new changes.
    await kubectlOk(["wait", "deployment/web", "--for=condition=Available", "--timeout=30s"], {
      kubeconfig: kubeconfigB,
    });
    await kubectlOk(["scale", "deployment/web", "--replicas=3"], { kubeconfig: kubeconfigB });
    await eventually("b's deployment to have 3 ready replicas", async () => {
      const d = JSON.parse(
        await kubectlOk(["get", "deployment", "web", "-o", "json"], { kubeconfig: kubeconfigB }),
      );
      return d.status.readyReplicas === 3 ? true : undefined;
    });
  });

  it("refuses a duplicate name and says how to proceed", async () => {
    const first = await moor(["sandbox", "create", "c"]);
    assert.equal(first.code, 0, first.stderr);
    const again = await moor(["sandbox", "create", "c"]);
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      /sandbox "c" already exists \(Running\); delete it first with `moor sandbox delete c`/,
    );
  });

  it("detects a crashed sandbox, and re-creates it on request", async () => {
    const list = await listSandboxes();
    const c = list.find((s) => s.name === "c");
    assert.ok(c, "sandbox c exists from the previous test");
    // Kill its apiserver the way a crash would.
    const { readFile } = await import("node:fs/promises");
    const state = JSON.parse(await readFile(c.kubeconfig.replace(/kubeconfig$/, "state.json"), "utf8"));
    process.kill(state.processes["kube-apiserver"].pid, "SIGKILL");
    const broken = await eventually("c to show as Broken", async () => {
      const found = (await listSandboxes()).find((s) => s.name === "c");
      return found?.status === "Broken" ? found : undefined;
    });
    assert.match(broken.reason ?? "", /not running: kube-apiserver/);

    const plain = await moor(["sandbox", "create", "c"]);
    assert.equal(plain.code, 1);
    assert.match(plain.stderr, /is broken \(not running: kube-apiserver\).*--recreate/);

    const recreated = await moor(["sandbox", "create", "c", "--recreate"]);
    assert.equal(recreated.code, 0, recreated.stderr);
    await kubectlOk(["get", "namespaces"], { kubeconfig: await kubeconfigOf("c") });
    const deleted = await moor(["sandbox", "delete", "c"]);
    assert.equal(deleted.code, 0, deleted.stderr);
  });

  it("names a port that is already in use instead of failing obscurely", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const address = blocker.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      const res = await moor(["sandbox", "create", "d", "--api-port", String(port)]);
      assert.equal(res.code, 1);
      assert.match(
        res.stderr,
        new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use; choose another with --api-port`),
      );
      assert.deepEqual(
        (await listSandboxes()).filter((s) => s.name === "d"),
        [],
        "nothing is left behind",
      );
    } finally {
      blocker.close();
    }
  });

  it("rejects a name that is not a DNS label, and a missing sandbox, with exit code 1", async () => {
    const bad = await moor(["sandbox", "create", "Bad_Name"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid sandbox name "Bad_Name"/);
    const missing = await moor(["sandbox", "kubeconfig", "nope"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no sandbox named "nope"; `moor sandbox list` shows the sandboxes/);
    const usage = await moor(["sandbox", "create"]);
    assert.equal(usage.code, 2, "a missing argument is a usage error");
  });

  it("tells the user how to get the toolchain when it is missing and Go is not there to build it", async () => {
    const emptyToolchain = await mkdtemp(join(tmpdir(), "mooring-empty-toolchain-"));
    const res = await moor(["sandbox", "create", "e"], {
      env: {
        ...process.env,
        MOORING_HOME: emptyToolchain,
        MOORING_TOOLCHAIN: emptyToolchain,
        PATH: "/usr/bin:/bin",
      },
    }).finally(() => rm(emptyToolchain, { recursive: true, force: true }));
    assert.equal(res.code, 1);
    assert.match(
      res.stderr,
      /`go` was not found on PATH; install Go 1\.26 or newer and run `moor toolchain install`/,
    );
  });
});
