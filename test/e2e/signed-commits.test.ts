// User story: a platform team makes a Project accept only signed commits. It lists Alice's GPG
// public key and her SSH key in the project's signatureKeys; from then on an Application of the
// project deploys a commit only when Alice signed it (with `git commit -S`, GPG or SSH). An
// unsigned commit, or one signed by Mallory, whose key the project does not list, is never
// rendered or applied: the app stays on the last commit it deployed and says which commit it
// refused and why, a Warning Event says it too, and the audit trail records the refusal. Projects
// without signatureKeys keep deploying unsigned commits as before. Real gpg, ssh-keygen and git
// sign and verify everything.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { openAuditStore } from "../../src/audit/open.ts";
import type { AuditRecord } from "../../src/core/audit/record.ts";
import type { ProjectSpec } from "../../src/core/project/project.ts";
import {
  type AppView,
  applyApp,
  condition,
  deleteApp,
  refreshApp,
  syncedAndHealthy,
  waitForApp,
} from "../harness/apps.ts";
import { eventually, kubectl, kubectlOk } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";
import { createSigningKeys, SigningClone, type SigningKeys } from "../harness/signing.ts";
import { createStackNamespace, condition as stackCondition, waitStack } from "../harness/stacks.ts";

const suffix = Date.now().toString(36);
const PROJECT = `signed-${suffix}`;
const SIGNED_APP = `signed-${suffix}`;
const OPEN_APP = `unsigned-ok-${suffix}`;
const SIGNED_NS = `signed-${suffix}`;
const OPEN_NS = `unsigned-ok-${suffix}`;
const STACK_NS = `signed-stacks-${suffix}`;

const MODULE = (value: string) => `resource "terraform_data" "marker" {
  input = "${value}"
}
`;

const settings = (value: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  version: "${value}"
`;

async function applyProject(spec: ProjectSpec): Promise<void> {
  await kubectlOk(
    ["apply", "--server-side", "--force-conflicts", "--field-manager=platform-team", "-f", "-"],
    {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Project",
        metadata: { name: PROJECT, namespace: "mooring" },
        spec,
      }),
    },
  );
}

/** The deployed ConfigMap's version, or undefined when it does not exist. */
async function deployedVersion(namespace: string): Promise<string | undefined> {
  const res = await kubectl([
    "get",
    "configmap",
    "settings",
    "-n",
    namespace,
    "-o",
    "jsonpath={.data.version}",
  ]);
  if (res.code !== 0) {
    assert.match(res.stderr, /NotFound|not found/, res.stderr);
    return undefined;
  }
  return res.stdout;
}

async function warningEvents(name: string): Promise<{ reason: string; message: string }[]> {
  const events = JSON.parse(
    await kubectlOk([
      "get",
      "events",
      "-n",
      "mooring",
      "--field-selector",
      `involvedObject.name=${name},type=Warning`,
      "-o",
      "json",
    ]),
  ) as { items: { reason: string; message: string }[] };
  return events.items;
}

describe("a project that requires signed commits", () => {
  let git: GitServer;
  let controller: RunningController;
  let alice: SigningKeys;
  let mallory: SigningKeys;
  let byAlice: SigningClone;
  let dir: string;
  let database: string;
  let unsignedStart: string;

  before(async () => {
    await ensureInstalled();
    [alice, mallory] = await Promise.all([
      createSigningKeys("Alice", "alice@example.com"),
      createSigningKeys("Mallory", "mallory@example.com"),
    ]);
    dir = await mkdtemp(join(tmpdir(), "mooring-signed-commits-"));
    database = join(dir, "audit.db");
    git = await startGitServer();
    unsignedStart = await git.createRepo(
      "team/config",
      { "app/settings.yaml": settings("unsigned-1") },
      "unsigned start",
    );
    await git.createRepo("team/open", { "app/settings.yaml": settings("open-1") }, "unsigned start");
    await git.createRepo("team/infra", { "stack/main.tf": MODULE("unsigned") }, "unsigned start");
    byAlice = await SigningClone.open(git.path("team/config"), alice);
    await createStackNamespace(STACK_NS);
    await applyProject({
      sourceRepos: ["*"],
      destinations: [
        { name: "in-cluster", namespace: SIGNED_NS },
        { name: "in-cluster", namespace: STACK_NS },
      ],
      sourceNamespaces: [STACK_NS],
      clusterResourceWhitelist: [{ group: "", kind: "Namespace" }],
      signatureKeys: [{ gpg: alice.gpgPublicKey }, { ssh: `alice@example.com ${alice.sshPublicKey}` }],
    });
    controller = await startController({ args: ["--database", database] });
  });

  after(async () => {
    await deleteApp(SIGNED_APP);
    await deleteApp(OPEN_APP);
    await controller?.stop();
    await kubectl(["delete", "projects.mooring.dev", PROJECT, "-n", "mooring", "--ignore-not-found"]);
    for (const ns of [SIGNED_NS, OPEN_NS, STACK_NS])
      await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
    await byAlice?.remove();
    await git?.close();
    await Promise.all([alice?.dispose(), mallory?.dispose()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The commit-refused records the controller wrote for `sha`. */
  async function refusals(sha: string): Promise<AuditRecord[]> {
    const store = await openAuditStore(database);
    try {
      const page = await store.list({ kind: "commit-refused" });
      return page.records.filter((r) => r.details.revision === sha);
    } finally {
      await store.close();
    }
  }

  /** Waits until the app is Stalled refusing `sha` for `reason`; checks the Event and the audit. */
  async function refused(sha: string, reason: string, why: RegExp): Promise<AppView> {
    const app = await waitForApp(SIGNED_APP, `to refuse ${sha.slice(0, 10)} (${reason})`, (a) => {
      const stalled = condition(a, "Stalled");
      return stalled?.status === "True" && stalled.reason === reason && stalled.message.includes(sha);
    });
    const message = condition(app, "Stalled")?.message ?? "";
    assert.match(message, new RegExp(`^Application mooring/${SIGNED_APP}: commit ${sha} `));
    assert.match(message, why);
    assert.match(
      message,
      new RegExp(`project ${PROJECT} requires commits signed by one of its spec.signatureKeys`),
    );
    assert.equal(condition(app, "Ready")?.status, "False");
    assert.ok(
      (await warningEvents(SIGNED_APP)).some((e) => e.reason === reason && e.message === message),
      `a Warning event ${reason} saying ${message}`,
    );
    const records = await eventually(`a commit-refused audit record for ${sha}`, async () => {
      const found = await refusals(sha);
      return found.length > 0 ? found : undefined;
    });
    assert.equal(records.length, 1, "one record per refused commit, not one per look");
    assert.equal(records[0]?.project, PROJECT);
    assert.deepEqual(records[0]?.object, {
      group: "mooring.dev",
      kind: "Application",
      namespace: "mooring",
      name: SIGNED_APP,
    });
    assert.equal(records[0]?.details.reason, reason);
    return app;
  }

  it("refuses an unsigned commit: nothing is rendered or applied, and the app says which commit and why", async () => {
    await applyApp(SIGNED_APP, {
      project: PROJECT,
      source: { repoURL: git.url("team/config"), targetRevision: "main", path: "app" },
      destination: { namespace: SIGNED_NS },
      syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] },
    });
    const app = await refused(unsignedStart, "UnsignedCommit", /is not signed/);
    assert.equal(app.status?.history?.length ?? 0, 0, "nothing was deployed");
    const ns = await kubectl(["get", "namespace", SIGNED_NS, "-o", "name"]);
    assert.notEqual(ns.code, 0, "not even the namespace of the sync was created");
  });

  it("applies a commit signed by an allowed GPG key and records the signer", async () => {
    const sha = await byAlice.commit({ "app/settings.yaml": settings("gpg-2") }, "signed with GPG", "gpg");
    await refreshApp(SIGNED_APP);
    const app = await waitForApp(
      SIGNED_APP,
      "to deploy the GPG-signed commit",
      syncedAndHealthy(sha),
      90_000,
    );
    assert.equal(await deployedVersion(SIGNED_NS), "gpg-2");
    const entry = app.status?.history.at(-1);
    assert.equal(entry?.revision, sha);
    assert.deepEqual(entry?.signer, {
      format: "gpg",
      identity: "Alice <alice@example.com>",
      key: alice.gpgFingerprint,
    });
    assert.deepEqual(app.status?.commit?.signer, entry?.signer);
    assert.equal(condition(app, "Stalled"), undefined);
    const synced = await eventually("the sync's audit record", async () => {
      const store = await openAuditStore(database);
      try {
        const page = await store.list({ kind: "sync", project: PROJECT });
        return page.records.find((r) => r.details.revision === sha);
      } finally {
        await store.close();
      }
    });
    assert.equal(synced.details.signer, `GPG key ${alice.gpgFingerprint} (Alice <alice@example.com>)`);
  });

  it("applies a commit signed by an allowed SSH key", async () => {
    const sha = await byAlice.commit({ "app/settings.yaml": settings("ssh-3") }, "signed with SSH", "ssh");
    await refreshApp(SIGNED_APP);
    const app = await waitForApp(
      SIGNED_APP,
      "to deploy the SSH-signed commit",
      syncedAndHealthy(sha),
      90_000,
    );
    assert.equal(await deployedVersion(SIGNED_NS), "ssh-3");
    const signer = app.status?.history.at(-1)?.signer;
    assert.equal(signer?.format, "ssh");
    assert.equal(signer?.identity, "alice@example.com");
    assert.match(signer?.key ?? "", /^SHA256:/);
  });

  it("refuses a commit signed by a key the project does not list, and keeps the last good sync", async () => {
    const byMallory = await SigningClone.open(git.path("team/config"), mallory);
    try {
      const before = (await waitForApp(SIGNED_APP, "to be synced", syncedAndHealthy())).status?.history ?? [];
      const sha = await byMallory.commit(
        { "app/settings.yaml": settings("mallory-4") },
        "looks legit",
        "gpg",
      );
      await refreshApp(SIGNED_APP);
      const app = await refused(
        sha,
        "UntrustedSignature",
        new RegExp(
          `is signed by GPG key ${mallory.gpgFingerprint.slice(-16)}, which is not one of the project's signatureKeys`,
        ),
      );
      assert.equal(await deployedVersion(SIGNED_NS), "ssh-3", "what the last good sync applied stays");
      assert.deepEqual(app.status?.history, before);
      assert.equal(app.status?.resources.length, 1, "the app still lists what it manages");
    } finally {
      await byMallory.remove();
    }
  });

  it("keeps deploying unsigned commits in a project without signatureKeys", async () => {
    await applyApp(OPEN_APP, {
      source: { repoURL: git.url("team/open"), targetRevision: "main", path: "app" },
      destination: { namespace: OPEN_NS },
      syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] },
    });
    const first = await waitForApp(OPEN_APP, "to deploy the unsigned commit", syncedAndHealthy(), 90_000);
    assert.equal(await deployedVersion(OPEN_NS), "open-1");
    assert.equal(first.status?.history.at(-1)?.signer, undefined);
    const sha = await git.commit("team/open", { "app/settings.yaml": settings("open-2") }, "unsigned again");
    await refreshApp(OPEN_APP);
    await waitForApp(OPEN_APP, "to deploy the next unsigned commit", syncedAndHealthy(sha), 90_000);
    assert.equal(await deployedVersion(OPEN_NS), "open-2");
  });

  it("plans a Stack only from a commit signed by an allowed key", async () => {
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Stack",
        metadata: { name: "infra", namespace: STACK_NS },
        spec: {
          project: PROJECT,
          source: { repoURL: git.url("team/infra"), targetRevision: "main", path: "stack" },
          approvePlan: "manual",
        },
      }),
    });
    const stalled = await waitStack(STACK_NS, "infra", "to refuse the unsigned commit", (s) => {
      const c = stackCondition(s, "Stalled");
      return c?.status === "True" && c.reason === "UnsignedCommit";
    });
    assert.match(
      stackCondition(stalled, "Stalled")?.message ?? "",
      new RegExp(`^Stack ${STACK_NS}/infra: commit [0-9a-f]{40} is not signed; project ${PROJECT} requires`),
    );
    assert.equal(stalled.status?.lastPlan, undefined, "nothing was planned");

    const byAliceInfra = await SigningClone.open(git.path("team/infra"), alice);
    try {
      const sha = await byAliceInfra.commit({ "stack/main.tf": MODULE("signed") }, "signed module", "ssh");
      await kubectlOk([
        "annotate",
        "stack",
        "infra",
        "-n",
        STACK_NS,
        "mooring.dev/refresh=normal",
        "--overwrite",
      ]);
      const planned = await waitStack(
        STACK_NS,
        "infra",
        "to plan the signed commit",
        (s) => s.status?.lastPlan?.revision === sha && s.status.lastPlan.pending,
        120_000,
      );
      assert.equal(stackCondition(planned, "Stalled"), undefined);
      assert.deepEqual(
        planned.status?.lastPlan?.resources.map((r) => `${r.action} ${r.address}`),
        ["create terraform_data.marker"],
      );
    } finally {
      await byAliceInfra.remove();
      await kubectl(["delete", "stack", "infra", "-n", STACK_NS, "--ignore-not-found", "--wait=false"]);
    }
  });
});
