// Benchmark 9, the audit trail: how fast records go in, and how long `verify` takes over one
// million records. Needs no cluster (BENCH_ONLY=audit runs it alone).
//
// Method. Records look like a controller's sync records (commit, author, three objects changed
// with a field each; ~600 bytes of canonical JSON). Append rate, SQLite (WAL, synchronous=FULL,
// a real file under the system temp dir): 3 runs of 20,000 records appended in batches of 100 (one
// transaction each) on a fresh file, records/s per run; then through the AuditWriter (the
// controller's path: 20,000 entries recorded at once, batched by the writer into appends of up to
// 500), and one record per transaction (500 records) for contrast. PostgreSQL: the same batches of
// 100 on a private PostgreSQL 15 started by the test harness (fsync off, as in the tests: the
// number shows the lock and round-trip cost, not a disk's). Verify: BENCH_AUDIT_RECORDS (default
// 1,000,000) records appended in batches of 1,000 to one SQLite file, then `verifyStore` (the
// same code as `moor audit verify`: read in pages of 1,000, canonical JSON and SHA-256 per record)
// timed 3 times; RSS growth during verify is reported to show memory stays flat.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openPostgresAuditStore } from "../src/audit/postgres-store.ts";
import { openSqliteAuditStore } from "../src/audit/sqlite-store.ts";
import type { AuditStore } from "../src/audit/store.ts";
import { verifyStore } from "../src/audit/verify.ts";
import { AuditWriter } from "../src/audit/writer.ts";
import type { AuditEntry } from "../src/core/audit/record.ts";
import { createLogger } from "../src/util/log.ts";
import { startPostgres } from "../test/harness/postgres.ts";
import { failedRow, type Row, round, rowFromSamples } from "./report.ts";

const RATE_RECORDS = 20_000;
const BATCH = 100;

/** The i-th record of a busy controller: a sync of one of 50 apps. */
function syncEntry(i: number): AuditEntry {
  const app = `app-${i % 50}`;
  return {
    time: new Date(Date.UTC(2026, 11, 2) + i * 10).toISOString(),
    kind: "sync",
    actor: { type: "controller", name: "mooring-controller-0" },
    project: `team-${i % 5}`,
    object: { group: "mooring.dev", kind: "Application", namespace: "mooring", name: app },
    details: {
      revision: (i * 2654435761).toString(16).padStart(40, "0").slice(-40),
      author: "Ann Author <ann@example.com>",
      commitSubject: `web: scale to ${i % 7} replicas`,
      trigger: "automated",
      initiator: "automated",
      phase: "Succeeded",
      created: [],
      changed: ["Deployment", "ConfigMap", "Service"].map((kind) => ({
        object: `${kind}/${app}/web`,
        fields: [{ path: "spec.replicas", from: i % 7, to: (i + 1) % 7 }],
      })),
      pruned: [],
    },
  };
}

async function appendRate(store: AuditStore, from: number, count: number, batch: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i += batch)
    await store.append(Array.from({ length: Math.min(batch, count - i) }, (_, k) => syncEntry(from + i + k)));
  return count / ((performance.now() - started) / 1000);
}

export async function auditBench(log: (line: string) => void): Promise<Row[]> {
  // Not "mooring-bench-": a bench run starting elsewhere reaps folders with that prefix.
  const dir = await mkdtemp(join(tmpdir(), "mooring-audit-bench-"));
  const rows: Row[] = [];
  try {
    let file = 0;
    const fresh = () => openSqliteAuditStore({ path: join(dir, `rate-${++file}.db`) });

    const sqliteRates: number[] = [];
    for (let run = 0; run < 3; run++) {
      const store = fresh();
      sqliteRates.push(await appendRate(store, 0, RATE_RECORDS, BATCH));
      await store.close();
    }
    log(`audit: SQLite ${sqliteRates.map((r) => r.toFixed(0)).join(", ")} records/s in batches of ${BATCH}`);
    rows.push(
      rowFromSamples(`9. audit append, SQLite, batches of ${BATCH}`, "records/s", sqliteRates, undefined),
    );

    const writerStore = fresh();
    const writer = new AuditWriter(writerStore, { log: createLogger({ level: "error" }), anchorEveryMs: 0 });
    const writerStarted = performance.now();
    await Promise.all(Array.from({ length: RATE_RECORDS }, (_, i) => writer.record(syncEntry(i))));
    const writerRate = RATE_RECORDS / ((performance.now() - writerStarted) / 1000);
    await writer.close();
    rows.push(
      rowFromSamples("9. audit append, SQLite, through AuditWriter", "records/s", [writerRate], undefined),
    );

    const single = fresh();
    const singleRate = await appendRate(single, 0, 500, 1);
    await single.close();
    rows.push(
      rowFromSamples(
        "9. audit append, SQLite, 1 record per transaction",
        "records/s",
        [singleRate],
        undefined,
      ),
    );

    try {
      const postgres = await startPostgres();
      try {
        const pgRates: number[] = [];
        for (let run = 0; run < 3; run++) {
          const store = await openPostgresAuditStore({
            connectionString: await postgres.createDatabase(`rate_${run}`),
          });
          pgRates.push(await appendRate(store, 0, RATE_RECORDS, BATCH));
          await store.close();
        }
        log(`audit: PostgreSQL ${pgRates.map((r) => r.toFixed(0)).join(", ")} records/s`);
        rows.push(
          rowFromSamples(
            `9. audit append, PostgreSQL, batches of ${BATCH}`,
            "records/s",
            pgRates,
            undefined,
            {
              note: "fsync off (test server)",
            },
          ),
        );
      } finally {
        await postgres.stop();
      }
    } catch (err) {
      log(`audit: PostgreSQL skipped: ${err instanceof Error ? err.message : String(err)}`);
    }

    rows.push(await verifyMillion(dir, log).catch((err) => failedRow("9. audit verify", "", err)));
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function verifyMillion(dir: string, log: (line: string) => void): Promise<Row> {
  const total = Number(process.env.BENCH_AUDIT_RECORDS || 1_000_000);
  const path = join(dir, "million.db");
  const big = openSqliteAuditStore({ path });
  try {
    const fillStarted = performance.now();
    for (let i = 0; i < total; i += 1000) {
      await big.append(Array.from({ length: Math.min(1000, total - i) }, (_, k) => syncEntry(i + k)));
      if (i % 200_000 === 0 && i > 0) log(`audit: ${i} records appended`);
    }
    const fillS = (performance.now() - fillStarted) / 1000;
    const bytes = (await stat(path)).size;
    log(`audit: ${total} records in ${fillS.toFixed(1)} s (${(bytes / 1e6).toFixed(0)} MB); verifying`);
    const times: number[] = [];
    let rssGrowthMb = 0;
    for (let run = 0; run < 3; run++) {
      const rssBefore = process.memoryUsage().rss;
      const started = performance.now();
      const result = await verifyStore(big);
      times.push((performance.now() - started) / 1000);
      rssGrowthMb = Math.max(rssGrowthMb, (process.memoryUsage().rss - rssBefore) / 1e6);
      if (!result.ok || result.count !== total) throw new Error(`verify failed: ${JSON.stringify(result)}`);
    }
    log(`audit: verify of ${total} records: ${times.map((t) => t.toFixed(1)).join(", ")} s`);
    return rowFromSamples(`9. audit verify, ${total} records (SQLite)`, "s", times, undefined, {
      records: total,
      fileMb: round(bytes / 1e6),
      fillSeconds: round(fillS),
      fillRecordsPerSecond: round(total / fillS),
      rssGrowthMb: round(rssGrowthMb),
    });
  } finally {
    await big.close();
  }
}
