import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { ChainProblemCode } from "../core/audit/chain.ts";
import { openSqliteAuditStore } from "./sqlite-store.ts";
import { auditStoreContract, sampleEntry } from "./store-contract.ts";
import { verifyStore } from "./verify.ts";

const WORKER = fileURLToPath(new URL("./testdata/append-worker.ts", import.meta.url));

let root = "";
before(async () => {
  root = await mkdtemp(join(tmpdir(), "mooring-audit-"));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

let counter = 0;
async function freshFolder(): Promise<string> {
  const folder = join(root, `store-${++counter}`);
  await mkdir(folder);
  return folder;
}

auditStoreContract("sqlite", async () => {
  const folder = await freshFolder();
  const path = join(folder, "audit.db");
  return {
    open: async () => openSqliteAuditStore({ path }),
    cleanup: () => rm(folder, { recursive: true, force: true }),
  };
});

/** Raw SQL on the file, as someone with access to the disk could run it. */
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

describe("sqlite audit store", () => {
  async function filled(count: number) {
    const path = join(await freshFolder(), "audit.db");
    const store = openSqliteAuditStore({ path });
    await store.append(Array.from({ length: count }, (_, i) => sampleEntry(i)));
    return { path, store };
  }

  it("keeps its file in WAL mode so readers do not wait for writers", async () => {
    const { path, store } = await filled(1);
    const db = new DatabaseSync(path);
    assert.equal(db.prepare("PRAGMA journal_mode").get()?.journal_mode, "wal");
    db.close();
    await store.close();
  });

  it("refuses UPDATE and DELETE on stored records", async () => {
    const { path, store } = await filled(2);
    const db = new DatabaseSync(path);
    assert.throws(() => db.exec("UPDATE audit_records SET project = 'x' WHERE seq = 1"), /append-only/);
    assert.throws(() => db.exec("DELETE FROM audit_records WHERE seq = 2"), /append-only/);
    db.close();
    await store.close();
  });

  it("refuses to store a fork: two records after the same one", async () => {
    const { path, store } = await filled(2);
    const db = new DatabaseSync(path);
    assert.throws(
      () =>
        db.exec(
          "INSERT INTO audit_records SELECT 3, prev_hash, 'x', time, kind, actor_type, actor_name, actor_address, project, object, details FROM audit_records WHERE seq = 2",
        ),
      /UNIQUE constraint failed: audit_records.prev_hash/,
    );
    db.close();
    await store.close();
  });

  const tampering: [string, (head: { hash: string }) => string, ChainProblemCode, number][] = [
    [
      "a project changed in the file",
      () => "UPDATE audit_records SET project = 'team-z' WHERE seq = 7",
      "edited",
      7,
    ],
    [
      "details changed in the file",
      () => `UPDATE audit_records SET details = '{"i":0}' WHERE seq = 3`,
      "edited",
      3,
    ],
    [
      "details made unreadable",
      () => "UPDATE audit_records SET details = '{oops' WHERE seq = 4",
      "edited",
      4,
    ],
    ["a removed address", () => "UPDATE audit_records SET actor_address = NULL WHERE seq = 5", "edited", 5],
    ["a deleted row", () => "DELETE FROM audit_records WHERE seq = 6", "deleted", 6],
    [
      "a deleted row with the rest renumbered",
      () =>
        "DELETE FROM audit_records WHERE seq = 6; UPDATE audit_records SET seq = seq + 1000 WHERE seq > 6; " +
        "UPDATE audit_records SET seq = seq - 1001 WHERE seq > 1000",
      "deleted",
      6,
    ],
    [
      "two rows that swapped seq",
      () =>
        "UPDATE audit_records SET seq = 1000 WHERE seq = 4; UPDATE audit_records SET seq = 4 WHERE seq = 5; " +
        "UPDATE audit_records SET seq = 5 WHERE seq = 1000",
      "reordered",
      4,
    ],
    [
      "a copied row inserted with the rest moved up",
      () =>
        "UPDATE audit_records SET seq = seq + 1000 WHERE seq >= 5; UPDATE audit_records SET seq = seq - 999 WHERE seq > 1000; " +
        "INSERT INTO audit_records SELECT 5, 'x' || prev_hash, 'y' || hash, time, kind, actor_type, actor_name, actor_address, project, object, details FROM audit_records WHERE seq = 2",
      "edited",
      5,
    ],
  ];
  for (const [what, sql, code, seq] of tampering)
    it(`verify names record ${seq} as ${code} after ${what}`, async () => {
      const { path, store } = await filled(10);
      assert.equal((await verifyStore(store)).ok, true);
      tamper(path, sql(await store.head()));
      const result = await verifyStore(store);
      assert.equal(result.ok, false, JSON.stringify(result));
      if (!result.ok)
        assert.deepEqual([result.problem.code, result.problem.seq], [code, seq], result.problem.message);
      await store.close();
    });

  it("verify finds newest records cut off, against an anchor taken before", async () => {
    const { path, store } = await filled(10);
    const anchor = await store.head();
    tamper(path, "DELETE FROM audit_records WHERE seq > 8");
    const result = await verifyStore(store, [anchor]);
    assert.equal(result.ok, false);
    if (!result.ok) assert.deepEqual([result.problem.code, result.problem.seq], ["truncated", 10]);
    await store.close();
  });

  it("keeps one linear chain when two processes append to the same file at once", async (t) => {
    const path = join(await freshFolder(), "audit.db");
    const store = openSqliteAuditStore({ path });
    const batches = 40;
    const size = 5;
    const workers = ["writer-a", "writer-b"].map((name) =>
      spawn(process.execPath, [WORKER, path, name, String(batches), String(size), "2"], { stdio: "pipe" }),
    );
    const output = workers.map(collectOutput);
    await Promise.all(workers.map((w) => waitForLine(w, "ready")));
    for (const w of workers) w.stdin.write("go\n");
    const codes = await Promise.all(workers.map((w) => new Promise((resolve) => w.once("close", resolve))));
    assert.deepEqual(codes, [0, 0], output.map((o) => o.text()).join("\n"));
    for (const o of output) assert.match(o.text(), new RegExp(`done ${batches * size}`));

    const result = await verifyStore(store);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.count, 2 * batches * size);
    const writers: string[] = [];
    for await (const r of store.iterate()) writers.push(r.actor.name);
    assert.equal(writers.filter((w) => w === "writer-a").length, batches * size);
    const switches = writers.filter((w, i) => i > 0 && w !== writers[i - 1]).length;
    t.diagnostic(`the two writers took turns ${switches} times`);
    await store.close();
  });
});

function collectOutput(child: ChildProcessWithoutNullStreams) {
  let text = "";
  child.stdout.on("data", (chunk) => {
    text += chunk;
  });
  child.stderr.on("data", (chunk) => {
    text += chunk;
  });
  return { text: () => text };
}

function waitForLine(child: ChildProcessWithoutNullStreams, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const onData = (chunk: Buffer) => {
      seen += chunk;
      if (seen.split("\n").includes(line)) {
        child.stdout.off("data", onData);
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.once("close", (code) => reject(new Error(`worker exited with ${code} before "${line}": ${seen}`)));
  });
}
