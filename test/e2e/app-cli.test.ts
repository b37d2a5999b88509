// User story: a developer manages Applications with `moor app` the way they would with
// `argocd app`: creates one from flags, sees it listed, asks for a sync, refresh, rollback or
// unpin, reads the diff the controller recorded, prints what it renders from Git or runs live,
// and deletes it with or without its managed objects. No controller runs here (its own tests
// cover it), so each request is checked where the controller reads it, and status is written by
// hand where a command reads it. Every wait must end by itself and say the controller is silent.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { parse } from "yaml";
import type { AppWithOperation } from "../../src/cli/app-client.ts";
import { kubectl, kubectlOk, moor, withNamespace } from "../harness/cluster.ts";
import { runSandboxKubeconfig } from "../harness/env.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";

const FINALIZER = "mooring.dev/resources-finalizer";
const REPO = "https://git.example.com/shop.git";

function app(args: string[]) {
  return moor(["app", ...args, "--kubeconfig", runSandboxKubeconfig()]);
}

/** A unique Application name for this test, deleted (finalizers and all) when the test ends. */
function appName(t: TestContext): string {
  const slug = t.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 30)
    .replace(/^-|-$/g, "");
  const name = `${slug}-${randomBytes(3).toString("hex")}`;
  t.after(async () => {
    await kubectl([
      "patch",
      "applications.mooring.dev",
      name,
      "-n",
      "mooring",
      "--type=merge",
      "-p",
      '{"metadata":{"finalizers":null}}',
    ]);
    await kubectl([
      "delete",
      "applications.mooring.dev",
      name,
      "-n",
      "mooring",
      "--ignore-not-found",
      "--wait=false",
    ]);
  });
  return name;
}

async function appJson(name: string): Promise<AppWithOperation> {
  return JSON.parse(
    await kubectlOk(["get", "applications.mooring.dev", name, "-n", "mooring", "-o", "json"]),
  );
}

/** Writes status as the controller would (the status subresource). */
async function writeStatus(name: string, status: unknown): Promise<void> {
  await kubectlOk([
    "patch",
    "applications.mooring.dev",
    name,
    "-n",
    "mooring",
    "--subresource=status",
    "--type=merge",
    "-p",
    JSON.stringify({ status }),
  ]);
}

async function kubeconfigUser(): Promise<string> {
  const config = parse(await readFile(runSandboxKubeconfig(), "utf8"));
  return config.contexts.find((c: { name: string }) => c.name === config["current-context"]).context.user;
}

const SHA1 = "1111111111aaaaaaaaaabbbbbbbbbbcccccccccc";
const SHA2 = "2222222222aaaaaaaaaabbbbbbbbbbcccccccccc";

function historyEntry(id: number, revision: string, message: string) {
  return {
    id,
    revision,
    author: "Ann Author <ann@example.com>",
    message,
    committedAt: "2026-03-01T10:00:00Z",
    deployedAt: `2026-03-01T1${id}:00:00Z`,
    trigger: "automated",
    source: { repoURL: REPO, path: "deploy", targetRevision: "HEAD" },
  };
}

describe("moor app", () => {
  before(async () => {
    const res = await moor(["install", "--kubeconfig", runSandboxKubeconfig()]);
    assert.equal(res.code, 0, res.stderr);
  });

  it("creates an application from flags, refuses to overwrite a different one without --upsert, and lists it", async (t) => {
    const name = appName(t);
    const create = (extra: string[]) =>
      app([
        "create",
        name,
        "--repo",
        REPO,
        "--dest-namespace",
        "shop",
        "--sync-policy",
        "automated",
        "--self-heal",
        ...extra,
      ]);
    const first = await create([
      "--path",
      "deploy",
      "--sync-option",
      "CreateNamespace=true",
      "--sync-option",
      "PruneLast=true",
    ]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, `application ${name} created\n`);

    const got = await app(["get", name, "-o", "json"]);
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(JSON.parse(got.stdout).spec, {
      // The API server fills in the default project.
      project: "default",
      source: { repoURL: REPO, path: "deploy" },
      destination: { namespace: "shop" },
      syncPolicy: { automated: { selfHeal: true }, syncOptions: ["CreateNamespace=true", "PruneLast=true"] },
    });
    const managers = JSON.parse(
      await kubectlOk([
        "get",
        "applications.mooring.dev",
        name,
        "-n",
        "mooring",
        "-o",
        "json",
        "--show-managed-fields",
      ]),
    ).metadata.managedFields.map(
      (m: { manager: string; operation: string }) => `${m.manager}/${m.operation}`,
    );
    assert.ok(managers.includes("moor-cli/Apply"), `managers: ${managers}`);

    const again = await create([
      "--path",
      "deploy",
      "--sync-option",
      "CreateNamespace=true",
      "--sync-option",
      "PruneLast=true",
    ]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, `application ${name} unchanged\n`);

    const different = await create(["--path", "other"]);
    assert.equal(different.code, 1);
    assert.match(
      different.stderr,
      new RegExp(
        `application ${name} already exists in namespace mooring with a different spec; pass --upsert to replace it`,
      ),
    );
    assert.equal((await appJson(name)).spec.source?.path, "deploy", "the existing app is untouched");

    const upsert = await create(["--path", "other", "--upsert"]);
    assert.equal(upsert.code, 0, upsert.stderr);
    assert.equal(upsert.stdout, `application ${name} updated\n`);
    const updated = await appJson(name);
    assert.equal(updated.spec.source?.path, "other");
    assert.equal(
      updated.spec.syncPolicy?.syncOptions,
      undefined,
      "fields the new apply leaves out are removed",
    );

    const list = await app(["list"]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^NAME\s+SYNC\s+HEALTH\s+REVISION\s+REPO\s+PATH\s+AGE\s+STATUS/);
    assert.match(
      list.stdout,
      new RegExp(`^${name}\\s+Unknown\\s+Unknown\\s+${REPO.replace(/\./g, "\\.")}\\s+other\\s`, "m"),
    );
    const names = await app(["list", "-o", "name"]);
    assert.ok(names.stdout.split("\n").includes(name));

    const summary = await app(["get", name]);
    assert.equal(summary.code, 0, summary.stderr);
    assert.match(summary.stdout, new RegExp(`^Name:\\s+mooring/${name}$`, "m"));
    assert.match(summary.stdout, /^Sync policy:\s+automated \(self-heal\)$/m);
    assert.match(summary.stdout, /no resources yet/);

    const missing = await app(["get", `${name}-nope`]);
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      new RegExp(`application ${name}-nope not found in namespace mooring; \`moor app list -n mooring\``),
    );
    const usage = await app(["create", name, "--sync-policy", "sometimes", "--repo", REPO]);
    assert.equal(usage.code, 2);
  });

  it("writes sync, refresh, rollback and unpin requests where the controller reads them", async (t) => {
    const name = appName(t);
    assert.equal((await app(["create", name, "--repo", REPO])).code, 0);
    const user = await kubeconfigUser();

    const sync = await app(["sync", name, "--revision", "main", "--prune"]);
    assert.equal(sync.code, 0, sync.stderr);
    assert.match(
      sync.stdout,
      new RegExp(`sync of application ${name} requested at revision main with prune`),
    );
    assert.deepEqual((await appJson(name)).operation, {
      sync: { revision: "main", prune: true },
      initiatedBy: { username: user },
    });

    const refresh = await app(["refresh", name, "--hard", "--no-wait"]);
    assert.equal(refresh.code, 0, refresh.stderr);
    assert.equal((await appJson(name)).metadata.annotations?.["mooring.dev/refresh"], "hard");

    const started = Date.now();
    const waited = await app(["refresh", name, "--timeout", "2s"]);
    assert.equal(waited.code, 1);
    assert.match(waited.stderr, /the controller did not answer within 2s: is it running\?/);
    assert.ok(Date.now() - started < 20_000, "the wait is bounded by --timeout");
    assert.equal(
      (await appJson(name)).metadata.annotations?.["mooring.dev/refresh"],
      "hard",
      "a pending hard refresh stays hard",
    );

    const rollback = await app(["rollback", name, "1"]);
    assert.equal(rollback.code, 0, rollback.stderr);
    assert.match(
      rollback.stdout,
      new RegExp(
        `stays pinned to that revision until a new commit arrives on HEAD or \`moor app unpin ${name}\``,
      ),
    );
    assert.deepEqual(
      (await appJson(name)).operation,
      { rollback: { id: 1 }, initiatedBy: { username: user } },
      "the sync request is replaced",
    );

    const syncWait = await app(["sync", name, "--wait", "--timeout", "1s"]);
    assert.equal(syncWait.code, 1);
    assert.match(syncWait.stderr, /the controller did not answer within 1s/);

    const unpin = await app(["unpin", name]);
    assert.equal(unpin.code, 0, unpin.stderr);
    assert.deepEqual((await appJson(name)).operation, { unpin: true, initiatedBy: { username: user } });

    const badId = await app(["rollback", name, "first"]);
    assert.equal(badId.code, 2);
  });

  it("shows the diff, history and standing the controller recorded, and exits as diff does", async (t) => {
    const name = appName(t);
    assert.equal((await app(["create", name, "--repo", REPO, "--path", "deploy"])).code, 0);
    const { generation } = (await appJson(name)).metadata;
    const outOfSync = {
      observedGeneration: generation,
      sync: { status: "OutOfSync", revision: SHA2 },
      health: { status: "Healthy" },
      conditions: [
        {
          type: "Ready",
          status: "False",
          reason: "OutOfSync",
          message: "1 objects differ from 2222222222",
          lastTransitionTime: "2026-03-01T12:00:00Z",
          observedGeneration: generation,
        },
      ],
      resources: [
        {
          group: "apps",
          version: "v1",
          kind: "Deployment",
          namespace: "shop",
          name: "web",
          status: "OutOfSync",
          health: { status: "Healthy" },
          diff: [{ path: "spec.replicas", live: 1, desired: 3 }],
        },
        {
          group: "",
          version: "v1",
          kind: "Service",
          namespace: "shop",
          name: "web",
          status: "Synced",
          health: { status: "Healthy" },
        },
      ],
      history: [historyEntry(1, SHA1, "first deploy\n\nwith a body"), historyEntry(2, SHA2, "scale up")],
      pin: { revision: SHA1, historyId: 1, headAtPin: SHA2, pinnedAt: "2026-03-01T12:30:00Z" },
      reconciledAt: new Date().toISOString(),
    };
    await writeStatus(name, outOfSync);

    const diff = await app(["diff", name, "--no-refresh"]);
    assert.equal(diff.code, 1, diff.stderr);
    assert.equal(diff.stdout, "Deployment/shop/web\n  spec.replicas: 1 → 3\n");

    const started = Date.now();
    const silent = await app(["diff", name, "--timeout", "2s"]);
    assert.equal(silent.code, 2);
    assert.match(silent.stderr, /the controller did not answer within 2s: is it running\?/);
    assert.match(silent.stderr, /pass --no-refresh to show the diff of its last comparison/);
    assert.ok(Date.now() - started < 20_000, "the wait is bounded by --timeout");
    assert.equal(
      (await appJson(name)).metadata.annotations?.["mooring.dev/refresh"],
      "normal",
      "diff asked for a refresh",
    );

    const get = await app(["get", name]);
    assert.match(get.stdout, /^Sync:\s+OutOfSync to 2222222222$/m);
    assert.match(get.stdout, /^Ready:\s+False \(OutOfSync\) 1 objects differ from 2222222222$/m);
    assert.match(get.stdout, /^Pinned:\s+1111111111 \(history 1\)/m);
    assert.match(get.stdout, /^KIND\s+NAMESPACE\s+NAME\s+STATUS\s+HEALTH\s+MESSAGE$/m);
    assert.match(get.stdout, /^Deployment\s+shop\s+web\s+OutOfSync\s+Healthy$/m);

    const history = await app(["history", name]);
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout, /^ID\s+DEPLOYED\s+REVISION\s+AUTHOR\s+MESSAGE\s+TRIGGER$/m);
    assert.match(
      history.stdout,
      /^1\*\s+2026-03-01 11:00:00 UTC\s+1111111111\s+Ann Author <ann@example.com>\s+first deploy\s+automated$/m,
    );
    assert.match(history.stdout, /^2\s+2026-03-01 12:00:00 UTC\s+2222222222\s+.*scale up/m);
    const rollbackMissing = await app(["rollback", name, "7"]);
    assert.equal(rollbackMissing.code, 1);
    assert.match(rollbackMissing.stderr, /has no history entry 7 \(it has 1, 2\)/);

    const wait = await app(["wait", name, "--timeout", "1s"]);
    assert.equal(wait.code, 1);
    assert.match(
      wait.stderr,
      /timed out after 1s \(last seen: application .*: sync OutOfSync, health Healthy/,
    );
    const waitHealth = await app(["wait", name, "--health", "--timeout", "5s"]);
    assert.equal(waitHealth.code, 0, waitHealth.stderr);

    await writeStatus(name, {
      conditions: [
        ...outOfSync.conditions,
        {
          type: "Stalled",
          status: "True",
          reason: "RenderFailed",
          message: "deploy/kustomization.yaml: unknown field",
          lastTransitionTime: "2026-03-01T12:00:00Z",
          observedGeneration: generation,
        },
      ],
    });
    const stalledStarted = Date.now();
    const stalled = await app(["wait", name, "--timeout", "1m"]);
    assert.equal(stalled.code, 1);
    assert.match(stalled.stderr, /is stalled \(RenderFailed\): deploy\/kustomization.yaml: unknown field/);
    assert.ok(Date.now() - stalledStarted < 20_000, "a stalled app ends the wait at once");

    await writeStatus(name, {
      sync: { status: "Synced", revision: SHA2 },
      resources: outOfSync.resources.map(({ diff: _diff, ...r }) => ({ ...r, status: "Synced" })),
      conditions: null,
    });
    const inSync = await app(["diff", name, "--no-refresh"]);
    assert.equal(inSync.code, 0, inSync.stderr);
    assert.equal(inSync.stdout, "");
  });

  it("deletes an application but keeps what it manages with --cascade=false", async (t) => {
    const name = appName(t);
    assert.equal((await app(["create", name, "--repo", REPO])).code, 0);
    await kubectlOk([
      "patch",
      "applications.mooring.dev",
      name,
      "-n",
      "mooring",
      "--type=merge",
      "-p",
      JSON.stringify({ metadata: { finalizers: [FINALIZER] } }),
    ]);

    const held = await app(["delete", name, "--wait", "--timeout", "2s"]);
    assert.equal(held.code, 1);
    assert.match(held.stdout, /the controller deletes its managed objects first/, held.stderr);
    assert.match(held.stderr, /the controller did not answer within 2s/);
    assert.match(held.stderr, new RegExp(`moor app delete ${name} --cascade=false`));
    assert.ok((await appJson(name)).metadata.deletionTimestamp, "deletion was requested");

    const orphan = await app(["delete", name, "--cascade=false", "--wait", "--timeout", "20s"]);
    assert.equal(orphan.code, 0, orphan.stderr);
    assert.match(orphan.stdout, new RegExp(`application ${name} deleted; its managed objects were kept`));
    const gone = await kubectl(["get", "applications.mooring.dev", name, "-n", "mooring"]);
    assert.match(gone.stderr, /NotFound/);
  });

  describe("with a Git repository", () => {
    let git: GitServer;
    let url: string;
    const SECRET_VALUE = "c3VwZXItc2VjcmV0"; // base64 of "super-secret"

    before(async () => {
      git = await startGitServer();
      await git.createRepo("shop", {
        "deploy/config.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: '2'\n",
        "deploy/secret.yaml": `apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ndata:\n  password: ${SECRET_VALUE}\n`,
      });
      url = git.url("shop");
    });
    after(async () => {
      await git?.close();
    });

    it("prints the manifests it renders from Git and the live ones, Secret values masked", async (t) => {
      const ns = await withNamespace(t);
      const name = appName(t);
      assert.equal(
        (await app(["create", name, "--repo", url, "--path", "deploy", "--dest-namespace", ns])).code,
        0,
      );

      const rendered = await app(["manifests", name]);
      assert.equal(rendered.code, 0, rendered.stderr);
      const docs = rendered.stdout
        .split(/^---\n/m)
        .filter((d) => d.trim())
        .map((d) => parse(d));
      assert.deepEqual(
        docs.map((d) => `${d.kind}/${d.metadata.name}`),
        ["ConfigMap/cfg", "Secret/creds"],
      );
      assert.deepEqual(docs[1].data, { password: "++++++++" });
      assert.doesNotMatch(rendered.stdout, new RegExp(SECRET_VALUE));

      await kubectlOk(["create", "configmap", "cfg", "-n", ns, "--from-literal=a=1"]);
      await kubectlOk([
        "create",
        "secret",
        "generic",
        "creds",
        "-n",
        ns,
        "--from-literal=password=super-secret",
      ]);
      await writeStatus(name, {
        sync: { status: "OutOfSync" },
        resources: [
          { group: "", version: "v1", kind: "ConfigMap", namespace: ns, name: "cfg", status: "OutOfSync" },
          { group: "", version: "v1", kind: "Secret", namespace: ns, name: "creds", status: "Synced" },
          { group: "", version: "v1", kind: "ConfigMap", namespace: ns, name: "gone", status: "OutOfSync" },
        ],
      });
      const live = await app(["manifests", name, "--source", "live"]);
      assert.equal(live.code, 0, live.stderr);
      assert.doesNotMatch(live.stdout, new RegExp(SECRET_VALUE));
      assert.doesNotMatch(live.stdout, /managedFields/);
      const liveDocs = live.stdout
        .split(/^---\n/m)
        .filter((d) => d.trim())
        .map((d) => parse(d));
      assert.deepEqual(
        liveDocs.map((d) => [d.kind, d.metadata.name, d.data]),
        [
          ["ConfigMap", "cfg", { a: "1" }],
          ["Secret", "creds", { password: "++++++++" }],
        ],
      );
      assert.match(live.stderr, new RegExp(`not found in the cluster: ConfigMap/${ns}/gone`));
    });

    it("computes the diff itself against a local folder or another revision", async (t) => {
      const ns = await withNamespace(t);
      const name = appName(t);
      assert.equal(
        (await app(["create", name, "--repo", url, "--path", "deploy", "--dest-namespace", ns])).code,
        0,
      );
      await kubectlOk(["create", "configmap", "cfg", "-n", ns, "--from-literal=a=1"]);

      const fromGit = await app(["diff", name, "--revision", "main"]);
      assert.equal(fromGit.code, 1, fromGit.stderr);
      assert.match(
        fromGit.stdout,
        new RegExp(`^ConfigMap/${ns}/cfg\\n(  .*\\n)*  data\\.a: "1" → "2"$`, "m"),
      );
      assert.match(fromGit.stdout, new RegExp(`^Secret/${ns}/creds \\(create\\)$`, "m"));
      assert.match(fromGit.stdout, /data\.password: \(absent\) → "\+\+\+\+\+\+\+\+ \(1\)"/);
      assert.doesNotMatch(fromGit.stdout, new RegExp(SECRET_VALUE));

      const dir = await mkdtemp(join(tmpdir(), "moor-app-local-"));
      t.after(() => rm(dir, { recursive: true, force: true }));
      await writeFile(
        join(dir, "config.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: '3'\n",
      );
      const local = await app(["diff", name, "--local", dir]);
      assert.equal(local.code, 1, local.stderr);
      assert.match(local.stdout, /data\.a: "1" → "3"/);
      assert.doesNotMatch(local.stdout, /Secret/);

      const missing = await app(["diff", name, "--revision", "no-such-branch"]);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, new RegExp(`application ${name}: .*no-such-branch`));
    });
  });
});
