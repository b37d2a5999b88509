// The audit trail on a real PostgreSQL 15 (Debian's, started privately by test/harness/postgres.ts):
// the same contract suite the SQLite store passes, two processes appending at once, and the
// table refusing UPDATE, DELETE and TRUNCATE. Needs no cluster.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { openAuditStore } from "../../src/audit/open.ts";
import { openPostgresAuditStore } from "../../src/audit/postgres-store.ts";
import { auditStoreContract, sampleEntry } from "../../src/audit/store-contract.ts";
import { verifyStore } from "../../src/audit/verify.ts";
import { type RunningPostgres, startPostgres } from "../harness/postgres.ts";

const WORKER = fileURLToPath(new URL("../../src/audit/testdata/append-worker.ts", import.meta.url));

let postgres: RunningPostgres;
let counter = 0;
before(async () => {
  postgres = await startPostgres();
});
after(async () => {
  await postgres?.stop();
});

const freshDatabase = () => postgres.createDatabase(`audit_${process.pid}_${++counter}`);

auditStoreContract("postgres", async () => {
  const url = await freshDatabase();
  return {
    open: () => openPostgresAuditStore({ connectionString: url }),
    // Each test's database is left to die with the server; dropping it costs time for nothing.
    cleanup: async () => {},
  };
});

describe("postgres audit store", () => {
  it("opens from a postgres:// --database value", async () => {
    const url = await freshDatabase();
    const store = await openAuditStore(url);
    await store.append([sampleEntry(0)]);
    assert.equal((await store.head()).seq, 1);
    await store.close();
  });

  it("refuses UPDATE, DELETE and TRUNCATE on stored records", async () => {
    const url = await freshDatabase();
    const store = await openPostgresAuditStore({ connectionString: url });
    await store.append([sampleEntry(0), sampleEntry(1)]);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    for (const sql of [
      "UPDATE audit_records SET project = 'x' WHERE seq = 1",
      "DELETE FROM audit_records WHERE seq = 2",
      "TRUNCATE audit_records",
    ])
      await assert.rejects(client.query(sql), /append-only/, sql);
    await client.end();
    assert.equal((await verifyStore(store)).count, 2);
    await store.close();
  });

  it("keeps one linear chain when two processes append at once", async (t) => {
    const url = await freshDatabase();
    // The schema exists before the workers start, as it would once a controller ran.
    const store = await openPostgresAuditStore({ connectionString: url });
    const batches = 40;
    const size = 5;
    const workers = ["writer-a", "writer-b"].map((name) =>
      spawn(process.execPath, [WORKER, url, name, String(batches), String(size), "2"], { stdio: "pipe" }),
    );
    const output = workers.map((w) => {
      let text = "";
      w.stdout.on("data", (chunk) => {
        text += chunk;
      });
      w.stderr.on("data", (chunk) => {
        text += chunk;
      });
      return () => text;
    });
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const lines = createInterface({ input: w.stdout });
            lines.on("line", (line) => {
              if (line === "ready") resolve();
            });
            w.once("close", (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
          }),
      ),
    );
    for (const w of workers) w.stdin.write("go\n");
    const codes = await Promise.all(workers.map((w) => new Promise((resolve) => w.once("close", resolve))));
    assert.deepEqual(codes, [0, 0], output.map((o) => o()).join("\n"));

    const result = await verifyStore(store);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.count, 2 * batches * size);
    const writers: string[] = [];
    for await (const r of store.iterate()) writers.push(r.actor.name);
    assert.equal(writers.filter((w) => w === "writer-a").length, batches * size);
    t.diagnostic(
      `the two writers took turns ${writers.filter((w, i) => i > 0 && w !== writers[i - 1]).length} times`,
    );
    await store.close();
  });
});
