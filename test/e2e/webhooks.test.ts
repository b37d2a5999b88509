// User story: "I push to Gitea and my Application is live within seconds, with no polling; a forged
// or replayed delivery changes nothing and is on record." And for a multi-source app (a chart
// taking its values file from a second repository through `$values/...`): a push to the values
// repository alone makes the app deploy the new value within seconds.
//
// Everything is real: Gitea (built by the toolchain) holds the repository and sends the webhook
// itself, signed with the secret from its hook settings; `moor server` receives it; `moor
// controller` deploys to the sandbox cluster. The controller polls Git only once an hour here, so
// nothing but the webhook can explain a change going live within seconds. The forged, replayed
// and oversized deliveries start from a delivery Gitea really sent (its delivery history keeps
// the headers and body).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { defaultAuditDatabase, openAuditStore } from "../../src/audit/open.ts";
import type { HookDelivery } from "../../src/sandbox/gitea.ts";
import { applyApp, deleteApp, getApp, syncedAndHealthy, waitForApp } from "../harness/apps.ts";
import { eventually, kubectl, kubectlOk } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { runEnv } from "../harness/env.ts";
import { sharedGitea, uniqueRepoName } from "../harness/gitea.ts";
import { type RunningServer, startServer } from "../harness/server.ts";
import { getStack } from "../harness/stacks.ts";

const HOOK_SECRET = "e2e-gitea-hook-secret";
const SUFFIX = Date.now().toString(36);
const APP = `hooked-${SUFFIX}`;
const STACK = `hooked-stack-${SUFFIX}`;
const MULTI_APP = `hooked-multi-${SUFFIX}`;
const MULTI_NAMESPACE = `webhooks-multi-${SUFFIX}`;
const NAMESPACE = `webhooks-${SUFFIX}`;
const FORGED_ID = `forged-${SUFFIX}`;
const OVERSIZED_ID = `oversized-${SUFFIX}`;

/** A chart whose one ConfigMap carries `.Values.message`. */
const CHART = {
  "chart/Chart.yaml": "apiVersion: v2\nname: greeter\nversion: 0.1.0\n",
  "chart/values.yaml": "message: from-the-chart\n",
  "chart/templates/configmap.yaml":
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: multi-greeting\ndata:\n  message: {{ .Values.message | quote }}\n",
};

function configMap(value: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: greeting\ndata:\n  message: ${value}\n`;
}

type Audited = { kind: string; details: Record<string, unknown> };

/**
 * The webhook audit records `moor server` wrote: to its log while it has no audit store, and to
 * the run's default audit database (`$MOORING_HOME/audit/audit.db`) once it has one.
 */
async function auditEntries(server: RunningServer): Promise<Audited[]> {
  const fromLog = server.logs.flatMap((line) =>
    line.msg === "audit" && typeof line.audit === "object" && line.audit !== null
      ? [line.audit as Audited]
      : [],
  );
  const file = defaultAuditDatabase(runEnv());
  if (!existsSync(file)) return fromLog;
  const store = await openAuditStore(file);
  try {
    const stored: Audited[] = [];
    for await (const record of store.iterate()) if (record.kind.startsWith("webhook-")) stored.push(record);
    return [...fromLog, ...stored];
  } finally {
    await store.close();
  }
}

function auditRecord(
  server: RunningServer,
  kind: string,
  match: (details: Record<string, unknown>) => boolean,
) {
  return eventually(
    `a ${kind} audit record`,
    async () => (await auditEntries(server)).find((e) => e.kind === kind && match(e.details)),
    10_000,
  );
}

/** Headers of a recorded delivery that a forge sends (Gitea also records Content-Length and such). */
function forgeHeaders(delivery: HookDelivery, overrides: Record<string, string> = {}): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(delivery.request?.headers ?? {})) {
    if (/^x-/i.test(name) || /^content-type$/i.test(name)) headers.set(name, value);
  }
  for (const [name, value] of Object.entries(overrides)) headers.set(name, value);
  return headers;
}

describe("webhooks from a real Gitea", { timeout: 300_000 }, () => {
  let server: RunningServer;
  let controller: RunningController;
  let gitea: Awaited<ReturnType<typeof sharedGitea>>;
  let owner = "";
  let repo = "";
  let cloneURL = "";
  let hookId = 0;

  /** The delivery Gitea made for the push that moved a ref to `sha`, once it was answered. */
  function deliveryOf(sha: string, hook = hookId): Promise<HookDelivery> {
    return eventually(
      `Gitea's delivery of the push of ${sha.slice(0, 8)}`,
      async () =>
        gitea
          .hookDeliveries(hook)
          .find((d) => d.delivered && d.request !== null && JSON.parse(d.request.body).after === sha),
      20_000,
    );
  }

  before(async () => {
    await ensureInstalled();
    gitea = await sharedGitea();
    await kubectlOk(["apply", "--server-side", "--field-manager=test", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "mooring-webhook", namespace: "mooring" },
        stringData: { gitea: HOOK_SECRET },
      }),
    });
    server = await startServer();
    // Git is polled once an hour: only the webhook can make a push go live within seconds.
    controller = await startController({ args: ["--repo-poll-interval", "1h", "--resync", "1h"] });
    const created = await gitea.client.createRepo(uniqueRepoName("apps"));
    owner = created.owner;
    repo = created.name;
    cloneURL = created.cloneURL;
    await gitea.client.commit({
      owner,
      repo,
      branch: "main",
      files: { "app/greeting.yaml": configMap("v1"), "stack/main.tf": "", ...CHART },
      message: "first",
    });
    hookId = await gitea.client.createHook(owner, repo, {
      url: `${server.url}/webhooks/gitea`,
      secret: HOOK_SECRET,
    });
    await applyApp(APP, {
      source: { repoURL: cloneURL, targetRevision: "main", path: "app" },
      destination: { namespace: NAMESPACE },
      syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] },
    });
    await waitForApp(APP, "synced and healthy", syncedAndHealthy());
  });

  after(async () => {
    await deleteApp(APP).catch(() => {});
    await deleteApp(MULTI_APP).catch(() => {});
    await kubectl(["delete", "namespace", MULTI_NAMESPACE, "--ignore-not-found", "--wait=false"]);
    await kubectl(["delete", "stack", STACK, "-n", "mooring", "--ignore-not-found", "--wait=false"]);
    await kubectl(["delete", "namespace", NAMESPACE, "--ignore-not-found", "--wait=false"]);
    await kubectl(["delete", "secret", "mooring-webhook", "-n", "mooring", "--ignore-not-found"]);
    await controller?.stop();
    await server?.stop();
  });

  let pushedDelivery: HookDelivery;

  it("a push to the followed branch is live within seconds, refreshed by Gitea's signed delivery", async () => {
    const sha = await gitea.client.commit({
      owner,
      repo,
      branch: "main",
      files: { "app/greeting.yaml": configMap("v2") },
      message: "say v2",
    });
    const pushed = Date.now();
    await waitForApp(APP, `synced at ${sha.slice(0, 8)}`, syncedAndHealthy(sha), 30_000);
    const seconds = (Date.now() - pushed) / 1000;
    const live = await kubectlOk([
      "get",
      "configmap",
      "greeting",
      "-n",
      NAMESPACE,
      "-o",
      "jsonpath={.data.message}",
    ]);
    assert.equal(live, "v2");
    process.stderr.write(`webhooks e2e: push to live in ${seconds.toFixed(1)} s\n`);

    pushedDelivery = await deliveryOf(sha);
    assert.equal(pushedDelivery.status, 200, pushedDelivery.responseBody);
    const answer = JSON.parse(pushedDelivery.responseBody) as { refreshed: { kind: string; name: string }[] };
    assert.deepEqual(
      answer.refreshed.map((r) => `${r.kind}/${r.name}`),
      [`Application/${APP}`],
    );
    const received = await auditRecord(
      server,
      "webhook-received",
      (d) => d.deliveryId === pushedDelivery.uuid,
    );
    assert.deepEqual(received.details.refreshed, [`Application/mooring/${APP}`]);
    assert.deepEqual(received.details.refs, ["refs/heads/main"]);
  });

  it("a push to another branch refreshes nothing", async () => {
    const before = await getApp(APP);
    const sha = await gitea.client.commit({
      owner,
      repo,
      branch: "feature",
      from: "main",
      files: { "app/greeting.yaml": configMap("feature") },
      message: "not for main",
    });
    const delivery = await deliveryOf(sha);
    assert.equal(delivery.status, 200, delivery.responseBody);
    assert.deepEqual((JSON.parse(delivery.responseBody) as { refreshed: unknown[] }).refreshed, []);
    const now = await getApp(APP);
    assert.equal(now.metadata.annotations?.["mooring.dev/refresh"], undefined);
    assert.equal(now.status?.sync.revision, before.status?.sync.revision);
    const live = await kubectlOk([
      "get",
      "configmap",
      "greeting",
      "-n",
      NAMESPACE,
      "-o",
      "jsonpath={.data.message}",
    ]);
    assert.equal(live, "v2");
  });

  it("a tampered delivery is refused with 401 and audited, and refreshes nothing", async () => {
    const request = pushedDelivery.request;
    assert.ok(request);
    // Same signature, body changed to point the branch elsewhere; a fresh delivery id.
    const body = request.body.replace(/"after":\s*"[0-9a-f]+"/, `"after":"${"1".repeat(40)}"`);
    assert.notEqual(body, request.body);
    const res = await fetch(`${server.url}/webhooks/gitea`, {
      method: "POST",
      headers: forgeHeaders(pushedDelivery, { "X-Gitea-Delivery": FORGED_ID }),
      body,
    });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, "bad-signature");
    // The delivery id of an unverified request is only the sender's word, and recorded as such.
    const refused = await auditRecord(server, "webhook-refused", (d) => d.claimedDeliveryId === FORGED_ID);
    assert.equal(refused.details.code, "bad-signature");
    assert.equal((await getApp(APP)).metadata.annotations?.["mooring.dev/refresh"], undefined);
  });

  it("a replayed delivery is refused with 409 and audited", async () => {
    const request = pushedDelivery.request;
    assert.ok(request);
    const res = await fetch(`${server.url}/webhooks/gitea`, {
      method: "POST",
      headers: forgeHeaders(pushedDelivery),
      body: request.body,
    });
    assert.equal(res.status, 409);
    const refused = await auditRecord(
      server,
      "webhook-refused",
      (d) => d.deliveryId === pushedDelivery.uuid && d.code === "replayed-delivery",
    );
    assert.equal(refused.details.code, "replayed-delivery");
  });

  it("a body over 1 MiB is refused with 413 and audited", async () => {
    const request = pushedDelivery.request;
    assert.ok(request);
    const res = await fetch(`${server.url}/webhooks/gitea`, {
      method: "POST",
      headers: forgeHeaders(pushedDelivery, { "X-Gitea-Delivery": OVERSIZED_ID }),
      body: request.body + " ".repeat(1024 * 1024),
    });
    assert.equal(res.status, 413);
    const refused = await auditRecord(server, "webhook-refused", (d) => d.claimedDeliveryId === OVERSIZED_ID);
    assert.equal(refused.details.code, "body-too-large");
  });

  it("a push asks a Stack following the branch to refresh", async () => {
    await kubectlOk(["apply", "--server-side", "--field-manager=test", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Stack",
        metadata: { name: STACK, namespace: "mooring" },
        // Suspended: the controller leaves it alone, so the refresh request stays visible.
        spec: { source: { repoURL: cloneURL, targetRevision: "main", path: "stack" }, suspend: true },
      }),
    });
    const sha = await gitea.client.commit({
      owner,
      repo,
      branch: "main",
      files: { "stack/main.tf": "# touched\n" },
      message: "touch the stack",
    });
    const delivery = await deliveryOf(sha);
    const answer = JSON.parse(delivery.responseBody) as { refreshed: { kind: string; name: string }[] };
    assert.deepEqual(
      answer.refreshed.map((r) => `${r.kind}/${r.name}`).sort(),
      [`Application/${APP}`, `Stack/${STACK}`].sort(),
    );
    const stack = await getStack("mooring", STACK);
    assert.equal(stack.metadata.annotations?.["mooring.dev/refresh"], "normal");
  });

  it("a push to the values repository of a two-source app deploys the new value within seconds", async () => {
    const values = await gitea.client.createRepo(uniqueRepoName("values"));
    await gitea.client.commit({
      owner: values.owner,
      repo: values.name,
      branch: "main",
      files: { "envs/prod.yaml": "message: prod-v1\n" },
      message: "prod values",
    });
    const valuesHook = await gitea.client.createHook(values.owner, values.name, {
      url: `${server.url}/webhooks/gitea`,
      secret: HOOK_SECRET,
    });
    await applyApp(MULTI_APP, {
      sources: [
        {
          repoURL: cloneURL,
          targetRevision: "main",
          path: "chart",
          helm: { valueFiles: ["$values/envs/prod.yaml"] },
        },
        { repoURL: values.cloneURL, targetRevision: "main", ref: "values" },
      ],
      destination: { namespace: MULTI_NAMESPACE },
      syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] },
    });
    await waitForApp(MULTI_APP, "synced and healthy", syncedAndHealthy(), 120_000);
    const message = () =>
      kubectlOk([
        "get",
        "configmap",
        "multi-greeting",
        "-n",
        MULTI_NAMESPACE,
        "-o",
        "jsonpath={.data.message}",
      ]);
    assert.equal(await message(), "prod-v1");

    const sha = await gitea.client.commit({
      owner: values.owner,
      repo: values.name,
      branch: "main",
      files: { "envs/prod.yaml": "message: prod-v2\n" },
      message: "prod says v2",
    });
    // Git is polled once an hour: only the values repository's webhook explains this.
    const synced = await waitForApp(
      MULTI_APP,
      `synced with the values at ${sha.slice(0, 8)}`,
      (app) => syncedAndHealthy()(app) && app.status?.sync.revisions?.[1] === sha,
      30_000,
    );
    assert.equal(await message(), "prod-v2");
    // The chart's source did not move: its revision is the one it had.
    assert.equal(synced.status?.sync.revisions?.length, 2);
    const delivery = await deliveryOf(sha, valuesHook);
    assert.equal(delivery.status, 200, delivery.responseBody);
    const answer = JSON.parse(delivery.responseBody) as { refreshed: { kind: string; name: string }[] };
    assert.deepEqual(
      answer.refreshed.map((r) => `${r.kind}/${r.name}`),
      [`Application/${MULTI_APP}`],
    );
  });
});
