// Which audit store a command uses, from one `--database` value shared by `moor controller`,
// `moor server` and `moor audit`: a `postgres://` (or `postgresql://`) URL opens PostgreSQL, for
// several replicas sharing one history; anything else is the path of an SQLite file; nothing at
// all is the default SQLite file under MOORING_HOME, so a controller and `moor audit` on one
// machine meet without configuration.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { mooringHome } from "../util/home.ts";
import { openPostgresAuditStore } from "./postgres-store.ts";
import { openSqliteAuditStore } from "./sqlite-store.ts";
import type { AuditStore } from "./store.ts";

/** The default audit file: `$MOORING_HOME/audit/audit.db`. */
export function defaultAuditDatabase(env: NodeJS.ProcessEnv = process.env): string {
  return join(mooringHome(env), "audit", "audit.db");
}

/** True when `database` names a PostgreSQL server rather than an SQLite file. */
export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//i.test(database);
}

/** What a `--database` value names, for messages: the URL without its password, or the file. */
export function describeDatabase(database: string): string {
  if (!isPostgresUrl(database)) return database;
  try {
    const url = new URL(database);
    if (url.password) url.password = "****";
    return url.toString();
  } catch {
    return "postgres://(unreadable URL)";
  }
}

/** Opens (creating when needed) the audit store `database` names; see the module comment. */
export async function openAuditStore(database?: string): Promise<AuditStore> {
  const target = database || defaultAuditDatabase();
  if (isPostgresUrl(target)) return openPostgresAuditStore({ connectionString: target });
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  return openSqliteAuditStore({ path: target });
}
