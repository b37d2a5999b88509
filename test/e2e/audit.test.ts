// The audit trail, end to end: a real controller syncing a real repository on a real cluster
// records who changed what (commit, author, objects, field manager of a drift and how fast it was
// healed) in its SQLite file; `moor audit verify` passes; then someone with access to the file
// edits, deletes, inserts, reorders and cuts off records, and verify names the first bad record
// each time — the cut-off newest records through the anchor the controller published as a
// Kubernetes Event. A Secret in the repository never shows up in `moor audit export`.
import assert from "node:assert/strict";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import type { AuditRecord } from "../../src/core/audit/record.ts";
import { applyApp, deleteApp, syncedAndHealthy, waitForApp } from "../harness/apps.ts";
import { eventually, kubectl, kubectlOk, moor } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { runSandboxKubeconfig } from "../harness/env.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";
import { webDeployment } from "../harness/manifests.ts";

const ANN = { name: "Ann Author", email: "ann@example.com" };
const PASSWORD = "hunter2-audit-e2e-password";
const TOKEN = "tok-3f9c-audit-e2e";

const deployment = (replicas: number) => webDeployment({ replicas });

function secret(password: string): string {
  return `apiVersion: v1
kind: Secret
metadata:
  name: db
stringData:
  password: ${password}
data:
  token: ${Buffer.from(TOKEN).toString("base64")}
`;
}

/** Raw SQL on a copy of the audit file, as someone with access to the disk could run it. */
function tamper(path: string, sql: string): void {
  const db = new DatabaseSync(path);
  try {
    db.exec(
      "DROP TRIGGER IF EXISTS audit_records_no_update; DROP TRIGGER IF EXISTS audit_records_no_delete;",
    );
    db.exec(sql);
  } finally {
    db.close();
  }
}

describe("audit trail: the controller records syncs and drift, and verify catches tampering", () => {
  let git: GitServer;
  let controller: RunningController | undefined;
  let dir = "";
  let database = "";
  let revision = "";
  const app = `audited-${Date.now().toString(36)}`;
  const ns = app;

  const audit = (args: string[]) => moor(["audit", ...args, "--database", database]);
  async function exported(path = database): Promise<{ text: string; records: AuditRecord[] }> {
    const res = await moor(["audit", "export", "--database", path]);
    assert.equal(res.code, 0, res.stderr);
    return {
      text: res.stdout,
      records: res.stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as AuditRecord),
    };
  }

  before(async () => {
    await ensureInstalled();
    dir = await mkdtemp(join(tmpdir(), "mooring-audit-e2e-"));
    database = join(dir, "audit.db");
    git = await startGitServer();
    await git.createRepo(
      app,
      { "web/deployment.yaml": deployment(1), "web/secret.yaml": secret(PASSWORD) },
      "web and its database password",
      ANN,
    );
    controller = await startController({ args: ["--database", database, "--audit-anchor-interval", "1s"] });
  });

  after(async () => {
    await deleteApp(app);
    await controller?.stop();
    await git?.close();
    await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
    await rm(dir, { recursive: true, force: true });
  });

  it("records a sync with its commit, author and objects, and a healed drift with its field manager", async () => {
    await applyApp(app, {
      source: { repoURL: git.url(app), targetRevision: "main", path: "web" },
      destination: { namespace: ns },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=true"] },
    });
    await waitForApp(app, "to be Synced and Healthy", syncedAndHealthy());
    revision = await git.commit(
      app,
      { "web/deployment.yaml": deployment(2), "web/secret.yaml": secret(`${PASSWORD}-rotated`) },
      "two replicas, new password",
      ANN,
    );
    await waitForApp(app, `to run ${revision.slice(0, 7)}`, syncedAndHealthy(revision));
    await kubectlOk(["scale", "deployment/web", "-n", ns, "--replicas=4"]);
    await waitForApp(app, "to heal the drift", (a) =>
      (a.status?.drift ?? []).some((d) => d.kind === "Deployment" && d.correctedAt),
    );

    const { records } = await eventually(
      "the drift to reach the audit trail",
      async () => {
        const found = await exported();
        return found.records.some((r) => r.kind === "drift-healed") ? found : undefined;
      },
      15_000,
    );
    const syncs = records.filter((r) => r.kind === "sync" && r.object?.name === app);
    const second = syncs.find((r) => r.details.revision === revision);
    assert.ok(second, `a sync of ${revision}: ${JSON.stringify(syncs)}`);
    assert.equal(second.project, "default");
    assert.deepEqual(second.actor.type, "controller");
    assert.equal(second.details.author, "Ann Author <ann@example.com>");
    assert.equal(second.details.initiator, "automated");
    assert.equal(second.details.phase, "Succeeded");
    const changed = second.details.changed as {
      object: string;
      fields: { path: string; from?: unknown; to?: unknown }[];
    }[];
    assert.deepEqual(
      changed
        .find((c) => c.object === `Deployment/${ns}/web`)
        ?.fields.find((f) => f.path === "spec.replicas"),
      { path: "spec.replicas", from: 1, to: 2 },
    );
    const secretChange = changed.find((c) => c.object === `Secret/${ns}/db`);
    assert.ok(secretChange, `the Secret is listed as changed: ${JSON.stringify(changed)}`);
    const first = syncs.find((r) => r.details.revision !== revision);
    assert.ok(
      ((first?.details.created ?? []) as string[]).includes(`Secret/${ns}/db`),
      JSON.stringify(first),
    );

    const healed = records.find((r) => r.kind === "drift-healed");
    assert.equal(healed?.details.object, `Deployment/${ns}/web`);
    assert.match(String(healed?.details.manager), /kubectl/);
    assert.equal(typeof healed?.details.timeToHealMs, "number");
    assert.ok(
      records.some((r) => r.kind === "drift-detected" && r.details.object === `Deployment/${ns}/web`),
    );
  });

  it("records a sync someone asked for as theirs", async () => {
    // What `moor app sync` and the API server write: the operation, with who asked.
    await kubectlOk([
      "patch",
      "application",
      app,
      "-n",
      "mooring",
      "--type",
      "merge",
      "-p",
      JSON.stringify({ operation: { sync: {}, initiatedBy: { username: "alice" } } }),
    ]);
    const manual = await eventually(
      "the manual sync to reach the audit trail",
      async () => (await exported()).records.find((r) => r.kind === "sync" && r.details.trigger === "manual"),
      30_000,
    );
    assert.deepEqual(manual.actor, { type: "user", name: "alice" });
    assert.equal(manual.details.initiator, "alice");
    assert.equal(manual.details.revision, revision);
  });

  it("never lets a Secret's values into the exported trail", async () => {
    const { text } = await exported();
    for (const value of [PASSWORD, `${PASSWORD}-rotated`, TOKEN, Buffer.from(TOKEN).toString("base64")])
      assert.ok(!text.includes(value), `the export holds ${value}`);
    for (const value of [PASSWORD, Buffer.from(PASSWORD).toString("base64")])
      assert.ok(!text.includes(value));
  });

  it("lists and shows records by kind and project", async () => {
    const list = await audit(["list", "--kind", "drift-healed", "--project", "default", "-o", "json"]);
    assert.equal(list.code, 0, list.stderr);
    const listed = JSON.parse(list.stdout) as AuditRecord[];
    assert.ok(listed.length >= 1 && listed.every((r) => r.kind === "drift-healed"));
    const show = await audit(["show", String(listed[0]?.seq), "-o", "json"]);
    assert.equal(show.code, 0, show.stderr);
    assert.equal((JSON.parse(show.stdout) as AuditRecord).hash, listed[0]?.hash);
  });

  it("verifies the untouched trail against the anchors the controller published as Events", async () => {
    await eventually(
      "an AuditAnchor Event",
      async () => {
        const events = await kubectlOk([
          "get",
          "events",
          "-n",
          "mooring",
          "--field-selector",
          "reason=AuditAnchor",
          "-o",
          "name",
        ]);
        return events.trim() ? true : undefined;
      },
      15_000,
    );
    const res = await audit(["verify", "--kubeconfig", runSandboxKubeconfig()]);
    assert.equal(res.code, 0, `${res.stdout}${res.stderr}`);
    assert.match(res.stdout, /^OK: \d+ records, head #\d+ [0-9a-f]{64}; [1-9]\d* of \d+ anchors checked/);
  });

  describe("after tampering with the file", () => {
    let count = 0;
    before(async () => {
      // Deleted while the controller runs (its finalizer needs it); then a stopped controller has
      // appended everything and anchored its last record.
      await deleteApp(app);
      await controller?.stop();
      controller = undefined;
      count = (await exported()).records.length;
      assert.ok(count >= 5, `enough records to tamper with (${count})`);
    });

    const cases: [string, (n: number) => string, (n: number) => number, string][] = [
      [
        "a record's details edited",
        () => `UPDATE audit_records SET details = '{"revision":"0"}' WHERE seq = 2`,
        () => 2,
        "edited",
      ],
      ["a record deleted", () => "DELETE FROM audit_records WHERE seq = 3", () => 3, "deleted"],
      [
        "a record inserted",
        () =>
          "UPDATE audit_records SET seq = seq + 1000 WHERE seq >= 4; UPDATE audit_records SET seq = seq - 999 WHERE seq > 1000; " +
          "INSERT INTO audit_records SELECT 4, 'x' || substr(prev_hash, 2), 'y' || substr(hash, 2), time, kind, actor_type, actor_name, actor_address, project, object, details FROM audit_records WHERE seq = 3",
        () => 4,
        "",
      ],
      [
        "two records swapped",
        () =>
          "UPDATE audit_records SET seq = 100000 WHERE seq = 2; UPDATE audit_records SET seq = 2 WHERE seq = 3; UPDATE audit_records SET seq = 3 WHERE seq = 100000",
        () => 2,
        "reordered",
      ],
      [
        "the newest record cut off",
        (n) => `DELETE FROM audit_records WHERE seq = ${n}`,
        (n) => n,
        "truncated",
      ],
    ];
    for (const [what, sql, seq, code] of cases)
      it(`verify fails naming the right record after ${what}`, async () => {
        const copy = join(dir, `tampered-${what.replace(/\W+/g, "-")}.db`);
        await copyFile(database, copy);
        tamper(copy, sql(count));
        const res = await moor([
          "audit",
          "verify",
          "--database",
          copy,
          "--kubeconfig",
          runSandboxKubeconfig(),
        ]);
        assert.equal(res.code, 1, `${res.stdout}${res.stderr}`);
        assert.match(
          res.stdout,
          new RegExp(`^FAILED at record ${seq(count)} \\(${code || "\\w+"}\\)`),
          res.stdout,
        );
      });

    it("finds the cut-off records only through the anchor: without the cluster's anchors the rest looks whole", async () => {
      const copy = join(dir, "cut-no-anchors.db");
      await copyFile(database, copy);
      tamper(copy, `DELETE FROM audit_records WHERE seq = ${count}`);
      const res = await moor(["audit", "verify", "--database", copy, "--cluster-anchors=false"]);
      assert.equal(res.code, 0, `${res.stdout}${res.stderr}`);
      assert.match(res.stdout, new RegExp(`^OK: ${count - 1} records`));
    });
  });
});
