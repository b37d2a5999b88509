// Attacks on the source side, each by someone who may write an Application or push to a
// repository one reads, against the real controller and a real cluster:
// - a repoURL whose userinfo makes another host read like the host of stored credentials, and one
//   that carries its own password where stored credentials apply: refused, and the test HTTP
//   server playing the attacker receives nothing at all, let alone a credential;
// - a file:// repository while the controller runs without --allow-local-repos: refused, nothing
//   fetched into the controller's cache;
// - a glob bomb in directory.include, a 50 MB manifest, a render of 100,000 objects: each app
//   gets a clear condition quickly, and the controller stays responsive throughout: its leader
//   Lease keeps being renewed;
// - a Stack asking for a timeout above the controller's maximum: refused before any run.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { parseRepoURL, repoCacheKey } from "../../../src/git/url.ts";
import type { KubeRest } from "../../../src/kube/rest.ts";
import { applyApp, condition, deleteApp, waitForApp } from "../../harness/apps.ts";
import { adminRest, kubectl, kubectlOk } from "../../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../../harness/controller.ts";
import { runHome } from "../../harness/env.ts";
import { type GitServer, startGitServer } from "../../harness/git-server.ts";
import { condition as stackCondition, waitStack } from "../../harness/stacks.ts";

const STORED_PASSWORD = "stored-s3cret-password";
/**
 * The controller renews its Lease every 2 s and loses it after 15 s without renewal; a loaded
 * test machine adds seconds of latency, so "kept being renewed" means no gap of 10 s or more.
 */
const MAX_RENEWAL_GAP_MS = 10_000;
const LABEL = "mooring-e2e/security-sources";

/** An HTTP server that answers 404 to everything and remembers every request it got. */
async function recordingServer(): Promise<{
  url: string;
  requests: { url: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}> {
  const requests: { url: string; headers: IncomingHttpHeaders }[] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ url: req.url ?? "", headers: req.headers });
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Reads the controller's Lease every 250 ms and remembers when its renewTime changed; `maxGapMs`
 * is the longest stretch without a renewal (the controller renews every 2 s when it is healthy).
 */
function watchLease(rest: KubeRest) {
  const changes: number[] = [Date.now()];
  let last = "";
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const lease = await rest
        .request<{ spec?: { renewTime?: string } }>(
          "GET",
          "/apis/coordination.k8s.io/v1/namespaces/mooring/leases/mooring-controller",
        )
        .catch(() => null);
      const renewed = lease?.body?.spec?.renewTime ?? "";
      if (renewed && renewed !== last) {
        last = renewed;
        changes.push(Date.now());
      }
      await sleep(250);
    }
  })();
  return {
    async stop(): Promise<{ renewals: number; maxGapMs: number }> {
      stopped = true;
      await loop;
      changes.push(Date.now());
      let maxGapMs = 0;
      for (let i = 1; i < changes.length; i++)
        maxGapMs = Math.max(maxGapMs, (changes[i] ?? 0) - (changes[i - 1] ?? 0));
      return { renewals: changes.length - 2, maxGapMs };
    },
  };
}

function configMaps(prefix: string, count: number): string {
  let text = "";
  for (let i = 0; i < count; i++)
    text += `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${prefix}-${i}\n`;
  return text;
}

describe("source attacks are refused with a clear condition and the controller stays responsive", () => {
  let git: GitServer;
  let attacker: Awaited<ReturnType<typeof recordingServer>>;
  let controller: RunningController;
  let rest: KubeRest;
  const apps: string[] = [];
  const namespaces: string[] = [];

  before(async () => {
    await ensureInstalled();
    attacker = await recordingServer();
    git = await startGitServer();
    const manyFiles: Record<string, string> = {};
    for (let f = 0; f < 10; f++) manyFiles[`many/part-${f}.yaml`] = configMaps(`cm-${f}`, 10_000);
    await git.createRepo(
      "sources",
      {
        [`bomb/${"a".repeat(40)}.yaml`]: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n",
        "bomb/ok.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n",
        // 50 MB in one ConfigMap's data: one line of text, which git stores compressed.
        "huge/big.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: "${"x".repeat(50 * 1024 * 1024)}"\n`,
        ...manyFiles,
      },
      "sources under attack",
    );
    // A credential template for a host the attacker's URLs will pretend to be.
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
          name: "creds-git-example",
          namespace: "mooring",
          labels: { "mooring.dev/secret-type": "repo-creds", [LABEL]: "true" },
        },
        stringData: { url: "http://git.example.com", username: "deploy", password: STORED_PASSWORD },
      }),
    });
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
          name: "creds-attacker-team",
          namespace: "mooring",
          labels: { "mooring.dev/secret-type": "repo-creds", [LABEL]: "true" },
        },
        stringData: { url: `http://${attacker.url}/team`, username: "deploy", password: STORED_PASSWORD },
      }),
    });
    rest = await adminRest();
    controller = await startController();
  });

  after(async () => {
    for (const app of apps) await deleteApp(app);
    await controller?.stop();
    await kubectl(["delete", "secret", "-n", "mooring", "-l", LABEL, "--ignore-not-found"]);
    for (const ns of namespaces)
      await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
    rest?.close();
    await attacker?.close();
    await git?.close();
  });

  async function create(name: string, source: Record<string, unknown>, namespace = name): Promise<void> {
    apps.push(name);
    namespaces.push(namespace);
    await kubectl(["create", "namespace", namespace]);
    await applyApp(name, {
      source: { targetRevision: "main", path: ".", ...source } as never,
      destination: { namespace },
      syncPolicy: { automated: { prune: true } },
    });
  }

  async function stalled(name: string, reason: string, timeoutMs = 60_000) {
    const app = await waitForApp(
      name,
      `to be Stalled (${reason})`,
      (a) => condition(a, "Stalled")?.status === "True",
      timeoutMs,
    );
    assert.equal(condition(app, "Stalled")?.reason, reason, JSON.stringify(app.status?.conditions));
    return condition(app, "Stalled")?.message ?? "";
  }

  it("a repoURL whose userinfo disguises another host as a credential host is refused and nothing is sent there", async () => {
    await create("disguised", { repoURL: `http://git.example.com:x@${attacker.url}/r.git` });
    const message = await stalled("disguised", "RepositoryURLRefused");
    assert.match(message, /points at host 127\.0\.0\.1/);
    assert.match(message, /Secret creds-git-example/);
    assert.doesNotMatch(message, new RegExp(`${STORED_PASSWORD}|git\\.example\\.com:x@`));
    assert.deepEqual(attacker.requests, [], "the attacker's server received no request at all");
  });

  it("a repoURL with its own password where stored credentials apply is refused before any request", async () => {
    await create("own-password", { repoURL: `http://me:mine@${attacker.url}/team/app.git` });
    const message = await stalled("own-password", "RepositoryURLRefused");
    assert.match(
      message,
      /stored credentials of Secret creds-attacker-team apply to it: remove the userinfo/,
    );
    assert.doesNotMatch(message, /mine/);
    const leaked = attacker.requests.filter((r) =>
      String(r.headers.authorization ?? "").includes(
        Buffer.from(`deploy:${STORED_PASSWORD}`).toString("base64"),
      ),
    );
    assert.deepEqual(leaked, []);
    assert.deepEqual(attacker.requests, []);
  });

  it("a file:// repository is refused without --allow-local-repos, and nothing is fetched", async () => {
    const url = `file://${git.path("sources")}`;
    await create("local-repo", { repoURL: url });
    const message = await stalled("local-repo", "RepositoryURLRefused");
    assert.match(message, /--allow-local-repos/);
    const mirror = join(runHome(), "git", "repos", repoCacheKey(parseRepoURL(url, "/")));
    assert.equal(existsSync(mirror), false, "no mirror of the local repository was made");
  });

  it("a glob bomb in directory.include is matched at once while the Lease keeps being renewed", async (t) => {
    const lease = watchLease(rest);
    const started = Date.now();
    await create("glob-bomb", {
      repoURL: git.url("sources"),
      path: "bomb",
      directory: { include: `${"*a".repeat(12)}*b` },
    });
    const app = await waitForApp("glob-bomb", "to be Synced", (a) => a.status?.sync.status === "Synced");
    assert.deepEqual(app.status?.resources ?? [], [], "the pattern matches no file");
    await sleep(6000);
    const { renewals, maxGapMs } = await lease.stop();
    t.diagnostic(`Lease renewed ${renewals} times, longest gap ${maxGapMs} ms`);
    assert.ok(Date.now() - started < 60_000);
    assert.ok(renewals >= 2, `the Lease was renewed ${renewals} times`);
    assert.ok(maxGapMs < MAX_RENEWAL_GAP_MS, `the Lease went ${maxGapMs} ms without renewal`);
  });

  it("a 50 MB manifest and a 100,000-object render stall with clear errors while the Lease keeps being renewed", async (t) => {
    const lease = watchLease(rest);
    await create("huge-manifest", { repoURL: git.url("sources"), path: "huge" });
    await create("many-objects", { repoURL: git.url("sources"), path: "many" });
    const huge = await stalled("huge-manifest", "RenderTooLarge", 120_000);
    assert.match(
      huge,
      /^huge\/big\.yaml is 50 MiB, more than the limit of 10 MiB per manifest file \(--max-manifest-size\): split the application/,
    );
    const many = await stalled("many-objects", "RenderTooLarge", 120_000);
    assert.match(many, /the render holds more than 10000 objects .*--max-render-objects/);
    await sleep(4000);
    const { renewals, maxGapMs } = await lease.stop();
    t.diagnostic(`Lease renewed ${renewals} times, longest gap ${maxGapMs} ms`);
    assert.ok(renewals >= 2, `the Lease was renewed ${renewals} times`);
    assert.ok(maxGapMs < MAX_RENEWAL_GAP_MS, `the Lease went ${maxGapMs} ms without renewal`);
    const configMaps = await kubectlOk(["get", "configmaps", "-n", "many-objects", "-o", "name"]);
    assert.doesNotMatch(configMaps, /cm-/, "nothing of the oversized render was applied");
  });

  it("a Stack asking for more time than --max-stack-timeout allows is refused before it runs", async () => {
    const ns = `stack-timeout-${Date.now().toString(36)}`;
    namespaces.push(ns);
    await kubectlOk(["create", "namespace", ns]);
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Stack",
        metadata: { name: "slow", namespace: ns },
        spec: {
          source: { repoURL: git.url("sources"), targetRevision: "main", path: "bomb" },
          timeout: "5h",
        },
      }),
    });
    const stack = await waitStack(
      ns,
      "slow",
      "to be Stalled",
      (s) => stackCondition(s, "Stalled")?.status === "True",
    );
    const stall = stackCondition(stack, "Stalled");
    assert.equal(stall?.reason, "InvalidSpec");
    assert.match(
      stall?.message ?? "",
      /spec\.timeout: "5h" is above this controller's limit of 2h \(--max-stack-timeout\)/,
    );
    assert.equal(stack.status?.lastPlan, undefined, "nothing was planned");
    await kubectl(["delete", "stack", "slow", "-n", ns, "--wait=false"]);
  });
});
