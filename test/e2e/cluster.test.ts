// User story: a platform engineer registers a second cluster with `moor cluster add` so that
// Applications can deploy to it. Mooring checks that the cluster answers before storing its
// credentials, lists it with its live version next to the in-cluster default, resolves it for the
// controller (with the controller's own least-privilege identity), and forgets it on
// `moor cluster remove`. Mistakes (a dead server, wrong credentials, a broken Secret, a name that
// is not registered) get errors that name the cluster and say what to do.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import {
  clusterSecret,
  DestinationError,
  type DestinationInfo,
  Destinations,
  serverVersion,
} from "../../src/controller/destinations.ts";
import { KubeClient } from "../../src/kube/client.ts";
import { fromKubeconfigText } from "../../src/kube/kubeconfig.ts";
import { kubectl, kubectlOk, moor } from "../harness/cluster.ts";
import { runSandboxKubeconfig } from "../harness/env.ts";

const DEST = "dest";
/** Every Secret this file creates carries this label, so `after` can remove them all. */
const TEST_LABEL = "mooring-e2e/cluster-test=true";

let destKubeconfig = "";
let scratch = "";
let controller: KubeClient;

/** A client with the controller ServiceAccount's own token: what the controller runs as. */
async function controllerClient(): Promise<KubeClient> {
  const token = (
    await kubectlOk(["create", "token", "mooring-controller", "-n", "mooring", "--duration=10m"])
  ).trim();
  const admin = fromKubeconfigText(await readFile(runSandboxKubeconfig(), "utf8"), runSandboxKubeconfig());
  return new KubeClient({
    server: admin.credentials.server,
    ...(admin.credentials.caPem ? { caPem: admin.credentials.caPem } : {}),
    token,
  });
}

const mooringCluster = () => ["--mooring-kubeconfig", runSandboxKubeconfig()];

/** Names this file registers; the shared cluster may hold other test files' clusters too. */
const OURS = new Set(["in-cluster", DEST, "ghost", "gone", "broken"]);

/** `moor cluster list -o json`, limited to this file's clusters, in the order listed. */
async function listClusters(): Promise<DestinationInfo[]> {
  const res = await moor(["cluster", "list", "--kubeconfig", runSandboxKubeconfig(), "-o", "json"]);
  assert.equal(res.code, 0, res.stderr);
  const all = JSON.parse(res.stdout) as DestinationInfo[];
  assert.equal(all[0]?.name, "in-cluster", "the default destination is listed first");
  return all.filter((c) => OURS.has(c.name));
}

/** A TCP port on loopback that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === "object" && address ? address.port : 1;
}

/** A copy of the destination kubeconfig with some fields changed. */
interface KubeconfigDoc {
  clusters: { cluster: { server: string } }[];
  users: { user: Record<string, string> }[];
}

async function variantKubeconfig(file: string, edit: (config: KubeconfigDoc) => void): Promise<string> {
  const config = parse(await readFile(destKubeconfig, "utf8")) as KubeconfigDoc;
  edit(config);
  const path = join(scratch, file);
  await writeFile(path, stringify(config));
  return path;
}

async function applyTestSecret(secret: ReturnType<typeof clusterSecret>): Promise<void> {
  secret.metadata.labels = { ...secret.metadata.labels, "mooring-e2e/cluster-test": "true" };
  await kubectlOk(["apply", "-f", "-"], { input: JSON.stringify(secret) });
}

describe("moor cluster", () => {
  before(async () => {
    const install = await moor(["install", "--kubeconfig", runSandboxKubeconfig()]);
    assert.equal(install.code, 0, install.stderr);
    const created = await moor(["sandbox", "create", DEST]);
    assert.equal(created.code, 0, created.stderr);
    destKubeconfig = (await moor(["sandbox", "kubeconfig", DEST])).stdout.trim();
    scratch = await mkdtemp(join(tmpdir(), "mooring-cluster-test-"));
    controller = await controllerClient();
  });

  after(async () => {
    controller?.close();
    await kubectl([
      "delete",
      "secret",
      "-n",
      "mooring",
      `cluster-${DEST}`,
      "cluster-ghost",
      "--ignore-not-found",
    ]);
    await kubectl(["delete", "secret", "-n", "mooring", "-l", TEST_LABEL]);
    await moor(["sandbox", "delete", DEST, "--ignore-not-found"]);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("registers a second cluster, lists it with its live version and resolves it for the controller", async () => {
    const added = await moor([
      "cluster",
      "add",
      DEST,
      "--kubeconfig",
      destKubeconfig,
      "--namespace-scope",
      "shop,web",
      ...mooringCluster(),
    ]);
    assert.equal(added.code, 0, added.stderr);
    const destServer = fromKubeconfigText(await readFile(destKubeconfig, "utf8"), destKubeconfig).credentials
      .server;
    assert.equal(
      added.stdout.trim(),
      `cluster ${DEST} created (Secret cluster-${DEST}): ${destServer} runs Kubernetes v1.36.3`,
    );

    const secret = JSON.parse(
      await kubectlOk(["get", "secret", `cluster-${DEST}`, "-n", "mooring", "-o", "json"]),
    );
    assert.equal(secret.metadata.labels["mooring.dev/secret-type"], "cluster");
    const text = (k: string) => Buffer.from(secret.data[k], "base64").toString("utf8");
    assert.equal(text("name"), DEST);
    assert.equal(text("server"), destServer);
    assert.equal(text("namespaces"), "shop,web");
    assert.match(text("config"), /client-key-data/, "credentials are embedded in the kubeconfig");
    assert.doesNotMatch(
      text("config"),
      /(certificate-authority|client-certificate|client-key):/,
      "no file references",
    );

    const listed = await listClusters();
    assert.deepEqual(
      listed.map((c) => [c.name, c.version]),
      [
        ["in-cluster", "v1.36.3"],
        [DEST, "v1.36.3"],
      ],
    );
    assert.equal(listed[1]?.server, destServer);
    assert.deepEqual(listed[1]?.namespaces, ["shop", "web"]);
    const table = await moor(["cluster", "list", "--kubeconfig", runSandboxKubeconfig()]);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split("\n");
    assert.match(lines[0] ?? "", /^NAME\s+SERVER\s+VERSION\s+AGE$/);
    assert.match(lines[1] ?? "", /^in-cluster\s+https:\/\/127\.0\.0\.1:\d+\s+v1\.36\.3$/);
    assert.match(
      lines.find((l) => l.startsWith(`${DEST} `)) ?? "",
      new RegExp(`^${DEST}\\s+${destServer.replace(/\./g, "\\.")}\\s+v1\\.36\\.3\\s+\\d+s$`),
    );

    // The controller, with its own token, finds the cluster and works in it.
    const destinations = new Destinations(controller, "mooring");
    try {
      const destination = await destinations.resolve(DEST);
      assert.deepEqual(destination.namespaces, ["shop", "web"]);
      assert.equal(await serverVersion(destination.client), "v1.36.3");
      assert.equal(await destinations.clientFor(DEST), destination.client, "the client is reused");
      await destination.client.apply({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "from-mooring", namespace: "default" },
        data: { cluster: DEST },
      });
      assert.equal(
        await kubectlOk(
          ["get", "configmap", "from-mooring", "-n", "default", "-o", "jsonpath={.data.cluster}"],
          {
            kubeconfig: destKubeconfig,
          },
        ),
        DEST,
        "the object landed in the registered cluster",
      );
      assert.equal(
        (await kubectl(["get", "configmap", "from-mooring", "-n", "default"])).code,
        1,
        "not in-cluster",
      );
      assert.equal(await destinations.clientFor(undefined), controller, "no cluster means in-cluster");
      assert.equal(await destinations.clientFor("in-cluster"), controller);
    } finally {
      destinations.close();
    }
  });

  it("adding the same cluster again changes nothing; other settings need --upsert", async () => {
    const again = await moor([
      "cluster",
      "add",
      DEST,
      "--kubeconfig",
      destKubeconfig,
      "--namespace-scope",
      "shop,web",
      ...mooringCluster(),
    ]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`cluster ${DEST} is already registered`));

    const destinations = new Destinations(controller, "mooring", { listTtlMs: 0 });
    try {
      const before = await destinations.resolve(DEST);
      const changed = await moor([
        "cluster",
        "add",
        DEST,
        "--kubeconfig",
        destKubeconfig,
        ...mooringCluster(),
      ]);
      assert.equal(changed.code, 1);
      assert.match(
        changed.stderr,
        new RegExp(
          `cluster "${DEST}" is already registered \\(Secret mooring/cluster-${DEST}, server https://[^)]+\\) with other settings; pass --upsert to replace them`,
        ),
      );
      const upsert = await moor([
        "cluster",
        "add",
        DEST,
        "--kubeconfig",
        destKubeconfig,
        "--upsert",
        "-o",
        "json",
        ...mooringCluster(),
      ]);
      assert.equal(upsert.code, 0, upsert.stderr);
      assert.equal(JSON.parse(upsert.stdout).action, "configured");
      const after = await destinations.resolve(DEST);
      assert.notEqual(after.client, before.client, "a changed Secret gives a new client");
      assert.equal(after.namespaces, undefined, "the namespace scope was removed");
      assert.equal(await serverVersion(after.client), "v1.36.3");
    } finally {
      destinations.close();
    }
  });

  it("removes a cluster, after which the controller is told to register it", async () => {
    const removed = await moor(["cluster", "remove", DEST, "--kubeconfig", runSandboxKubeconfig()]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(removed.stdout.trim(), `cluster ${DEST} removed (Secret cluster-${DEST} deleted)`);
    assert.deepEqual(
      (await listClusters()).map((c) => c.name),
      ["in-cluster"],
    );

    const destinations = new Destinations(controller, "mooring");
    await assert.rejects(destinations.clientFor(DEST), (err) => {
      assert.ok(err instanceof DestinationError);
      assert.equal(err.code, "cluster-not-found");
      assert.equal(
        err.message,
        `cluster "${DEST}" is not registered in namespace mooring; register it with \`moor cluster add ${DEST} --kubeconfig FILE\` or fix spec.destination.cluster`,
      );
      return true;
    });
    const again = await moor(["cluster", "remove", DEST, "--kubeconfig", runSandboxKubeconfig()]);
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      /cluster "dest" is not registered in namespace mooring; `moor cluster list` shows/,
    );
    const inCluster = await moor(["cluster", "remove", "in-cluster", "--kubeconfig", runSandboxKubeconfig()]);
    assert.equal(inCluster.code, 1);
    assert.match(inCluster.stderr, /"in-cluster" is the cluster Mooring runs in and cannot be removed/);
  });

  it("refuses a dead server, refused credentials, a bad kubeconfig and the reserved name, registering nothing", async () => {
    const port = await closedPort();
    const dead = await variantKubeconfig("dead.yaml", (c) => {
      const [entry] = c.clusters;
      if (entry) entry.cluster.server = `https://127.0.0.1:${port}`;
    });
    const res = await moor(["cluster", "add", "ghost", "--kubeconfig", dead, ...mooringCluster()]);
    assert.equal(res.code, 1);
    assert.match(
      res.stderr,
      new RegExp(
        `cannot reach cluster "ghost" at https://127\\.0\\.0\\.1:${port}: connect ECONNREFUSED .*; check the kubeconfig's server address and that the cluster is running`,
      ),
    );

    // The apiserver answers /version to anyone; the credentials themselves must be accepted too.
    const wrongUser = await variantKubeconfig("wrong-user.yaml", (c) => {
      const [entry] = c.users;
      if (entry) entry.user = { token: "not-a-valid-token" };
    });
    const refused = await moor(["cluster", "add", "ghost", "--kubeconfig", wrongUser, ...mooringCluster()]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /cluster "ghost" at https:\/\/127\.0\.0\.1:\d+ does not accept the credentials \(HTTP 401 Unauthorized\); check the user \(token or client certificate\) of the kubeconfig's context/,
    );
    assert.doesNotMatch(refused.stderr, /not-a-valid-token/, "the token is never printed");

    const broken = join(scratch, "broken.yaml");
    await writeFile(broken, "clusters: [\n");
    const unreadable = await moor(["cluster", "add", "ghost", "--kubeconfig", broken, ...mooringCluster()]);
    assert.equal(unreadable.code, 1);
    assert.match(unreadable.stderr, /kubeconfig .*broken\.yaml is not valid YAML/);

    const reserved = await moor([
      "cluster",
      "add",
      "in-cluster",
      "--kubeconfig",
      destKubeconfig,
      ...mooringCluster(),
    ]);
    assert.equal(reserved.code, 1);
    assert.match(
      reserved.stderr,
      /cluster name "in-cluster" is reserved for the cluster Mooring runs in; choose another name/,
    );

    const noTarget = await moor(["cluster", "add", "ghost", ...mooringCluster()]);
    assert.equal(noTarget.code, 2, "naming no cluster to add is a usage error");

    assert.deepEqual(
      (await listClusters()).map((c) => c.name),
      ["in-cluster"],
      "nothing was registered",
    );
  });

  it("lists a registered cluster that went away as unreachable, and a broken Secret as invalid", async () => {
    const port = await closedPort();
    await applyTestSecret(
      clusterSecret({
        name: "gone",
        credentials: { server: `https://127.0.0.1:${port}`, token: "t" },
        namespace: "mooring",
      }),
    );
    const broken = clusterSecret({
      name: "broken",
      credentials: { server: "https://x" },
      namespace: "mooring",
    });
    (broken.data as Record<string, string>).config = Buffer.from("{{ not yaml").toString("base64");
    await applyTestSecret(broken);

    const listed = await listClusters();
    assert.deepEqual(
      listed.map((c) => c.name),
      ["in-cluster", "broken", "gone"],
    );
    assert.match(
      listed[1]?.error ?? "",
      /^invalid: cluster "broken" \(Secret mooring\/cluster-broken\) cannot be used: data\.config is neither a kubeconfig nor JSON/,
    );
    assert.match(
      listed[2]?.error ?? "",
      new RegExp(`^unreachable: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}`),
    );
    const table = await moor(["cluster", "list", "--kubeconfig", runSandboxKubeconfig()]);
    assert.match(table.stdout, /gone\s+https:\/\/127\.0\.0\.1:\d+\s+unreachable: connect ECONNREFUSED/);

    const destinations = new Destinations(controller, "mooring");
    try {
      await assert.rejects(destinations.clientFor("broken"), (err) => {
        assert.ok(err instanceof DestinationError);
        assert.equal(err.code, "cluster-invalid");
        assert.match(
          err.message,
          /register it again with `moor cluster add broken --kubeconfig FILE --upsert`/,
        );
        return true;
      });
    } finally {
      destinations.close();
    }
    await kubectlOk(["delete", "secret", "-n", "mooring", "-l", TEST_LABEL]);
  });
});
