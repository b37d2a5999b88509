// A second process appending to the same audit store, for the concurrency tests in
// ../sqlite-store.test.ts and test/e2e/audit-postgres.test.ts.
// Usage: append-worker.ts <db file or postgres:// URL> <writer name> <batches> <batch size> [pause ms between batches]
// It opens the store, prints "ready", waits for a line on stdin (so both writers start together),
// appends, prints "done <records>" and exits.
import { createInterface } from "node:readline";
import type { AuditEntry } from "../../core/audit/record.ts";
import { isPostgresUrl } from "../open.ts";
import { openPostgresAuditStore } from "../postgres-store.ts";
import { openSqliteAuditStore } from "../sqlite-store.ts";

const [path, writer, batches, size, pause = "0"] = process.argv.slice(2);
if (!path || !writer || !batches || !size) {
  process.stderr.write("usage: append-worker.ts <db file> <writer name> <batches> <batch size>\n");
  process.exit(2);
}
const store = isPostgresUrl(path)
  ? await openPostgresAuditStore({ connectionString: path })
  : openSqliteAuditStore({ path, busyTimeoutMs: 30_000 });
process.stdout.write("ready\n");
const lines = createInterface({ input: process.stdin });
await new Promise((resolve) => lines.once("line", resolve));
lines.close();
let written = 0;
for (let b = 0; b < Number(batches); b++) {
  const entries: AuditEntry[] = Array.from({ length: Number(size) }, (_, i) => ({
    time: new Date().toISOString(),
    kind: "api-allowed",
    actor: { type: "controller", name: writer },
    project: "team-a",
    details: { batch: b, index: i },
  }));
  written += (await store.append(entries)).length;
  // Real writers append now and then; one looping flat out would hold the lock most of the time.
  if (Number(pause) > 0) await new Promise((resolve) => setTimeout(resolve, Number(pause)));
}
await store.close();
process.stdout.write(`done ${written}\n`);
