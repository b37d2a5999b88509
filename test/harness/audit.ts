// The audit records a `moor server` of this run wrote: the `audit` lines of its log (while it
// logs them) and the run's default audit database (`$MOORING_HOME/audit/audit.db`) once the server
// writes one, from a time on, so a test sees its own records in a database shared by the run.
import { existsSync } from "node:fs";
import { defaultAuditDatabase, openAuditStore } from "../../src/audit/open.ts";
import { runEnv } from "./env.ts";
import type { RunningServer } from "./server.ts";

export interface Audited {
  kind: string;
  actor?: { type: string; name: string; address?: string };
  details: Record<string, unknown>;
}

export async function auditRecordsSince(server: RunningServer, since: string): Promise<Audited[]> {
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
    for await (const record of store.iterate()) if (record.time >= since) stored.push(record);
    return [...fromLog, ...stored];
  } finally {
    await store.close();
  }
}
