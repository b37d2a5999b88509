// The audit trail in PostgreSQL (the `pg` package), for installs where several controller or
// server replicas share one history. Same interface and contract suite as the SQLite store.
//
// Linear under concurrent writers on any number of machines: an append is one transaction that
// first takes `LOCK TABLE audit_records IN EXCLUSIVE MODE` — which excludes every other writer
// but lets readers (list, verify, export) go on — then reads the head, seals the entries after
// it and inserts them. A second writer waits on the lock instead of reading a head that is about
// to change. As in SQLite, seq is the primary key and prev_hash is unique, so a fork cannot be
// stored even by a buggy writer, and a trigger refuses UPDATE, DELETE and TRUNCATE: that stops
// mistakes, not a superuser; the hash chain and the anchors are what catch those.
//
// Each field of a record is its own column, the JSON parts as text exactly as hashed (jsonb
// would reorder and renumber them), and reading rebuilds the record from the columns only.
// PostgreSQL's bigint comes back from `pg` as a string; seq is turned back into a number here.

import pg from "pg";
import { type ChainHead, EMPTY_HEAD, type Sha256, seal } from "../core/audit/chain.ts";
import { type AuditEntry, type AuditKind, type AuditRecord, checkEntry } from "../core/audit/record.ts";
import { type AuditRow, recordFromRow, rowValues } from "./rows.ts";
import {
  type AuditPage,
  type AuditQuery,
  type AuditStore,
  AuditStoreError,
  checkQuery,
  decodeCursor,
  encodeCursor,
  pageSize,
} from "./store.ts";
import { sha256 as nodeSha256 } from "./verify.ts";

export interface PostgresAuditStoreOptions {
  /** `postgres://user:password@host:port/database`. */
  connectionString: string;
  /** Connections kept open at most; default 4. */
  maxConnections?: number;
  /**
   * How long connecting, and each statement (waiting for another writer's lock included), may
   * take before failing; default 30,000 ms. A database that does not answer fails the append
   * instead of holding every later one behind it.
   */
  timeoutMs?: number;
  /** Records per page when iterating; default 1,000. */
  iteratePageSize?: number;
  /** The chain's hash. Default: SHA-256 from node:crypto. */
  sha256?: Sha256;
}

const SCHEMA_VERSION = 1;
/** pg_advisory_xact_lock key that serialises schema creation between replicas starting at once. */
const MIGRATION_LOCK = 7_270_101;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS audit_records (
  seq bigint PRIMARY KEY CHECK (seq >= 1),
  prev_hash text NOT NULL UNIQUE,
  hash text NOT NULL UNIQUE,
  time text NOT NULL,
  kind text NOT NULL,
  actor_type text NOT NULL,
  actor_name text NOT NULL,
  actor_address text,
  project text NOT NULL,
  object text,
  details text NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_records_time ON audit_records (time, seq);
CREATE INDEX IF NOT EXISTS audit_records_project ON audit_records (project, seq);
CREATE INDEX IF NOT EXISTS audit_records_actor ON audit_records (actor_name, seq);
CREATE INDEX IF NOT EXISTS audit_records_kind ON audit_records (kind, seq);
CREATE OR REPLACE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'audit records are append-only'; END $$;
CREATE OR REPLACE TRIGGER audit_records_no_change BEFORE UPDATE OR DELETE ON audit_records
  FOR EACH ROW EXECUTE FUNCTION audit_records_append_only();
CREATE OR REPLACE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records
  FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only();
`;

const COLUMNS =
  "seq, prev_hash, hash, time, kind, actor_type, actor_name, actor_address, project, object, details";
const COLUMN_COUNT = 11;
/** Rows per INSERT statement: 11 parameters each, well under PostgreSQL's 65,535. */
const ROWS_PER_INSERT = 1000;

/** Connects, creates or checks the schema, and returns the store. */
export async function openPostgresAuditStore(
  options: PostgresAuditStoreOptions,
): Promise<PostgresAuditStore> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 4,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs + 5_000,
  });
  // An idle connection the server dropped must not crash the process; the next query says why.
  pool.on("error", () => {});
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return new PostgresAuditStore(pool, options);
}

export class PostgresAuditStore implements AuditStore {
  #pool: pg.Pool | null;
  readonly #sha256: Sha256;
  readonly #iteratePageSize: number;

  constructor(pool: pg.Pool, options: Omit<PostgresAuditStoreOptions, "connectionString">) {
    this.#pool = pool;
    this.#sha256 = options.sha256 ?? nodeSha256;
    this.#iteratePageSize = options.iteratePageSize ?? 1000;
  }

  async append(entries: readonly AuditEntry[]): Promise<AuditRecord[]> {
    const pool = this.#open();
    const problems = entries.flatMap(checkEntry);
    if (problems.length > 0)
      throw new AuditStoreError(
        "invalid-audit-entry",
        `${problems.map((p) => p.message).join("; ")}; nothing was appended`,
      );
    if (entries.length === 0) return [];
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("LOCK TABLE audit_records IN EXCLUSIVE MODE");
      const head = await readHead(client);
      const records = seal(entries, head, this.#sha256);
      for (let from = 0; from < records.length; from += ROWS_PER_INSERT) {
        const chunk = records.slice(from, from + ROWS_PER_INSERT);
        const values = chunk
          .map(
            (_, r) =>
              `(${Array.from({ length: COLUMN_COUNT }, (_, c) => `$${r * COLUMN_COUNT + c + 1}`).join(", ")})`,
          )
          .join(", ");
        await client.query(
          `INSERT INTO audit_records (${COLUMNS}) VALUES ${values}`,
          chunk.flatMap(rowValues),
        );
      }
      await client.query("COMMIT");
      return records;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async head(): Promise<ChainHead> {
    return readHead(this.#open());
  }

  async get(seq: number): Promise<AuditRecord | undefined> {
    const { rows } = await this.#open().query<AuditRow>(
      `SELECT ${COLUMNS} FROM audit_records WHERE seq = $1`,
      [seq],
    );
    return rows[0] ? recordFromRow(rows[0]) : undefined;
  }

  async list(query: AuditQuery = {}): Promise<AuditPage> {
    const pool = this.#open();
    checkQuery(query);
    const limit = pageSize(query);
    const order = query.order ?? "desc";
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.since !== undefined) where.push(`time >= ${param(query.since)}`);
    if (query.until !== undefined) where.push(`time < ${param(query.until)}`);
    if (query.project !== undefined) where.push(`project = ${param(query.project)}`);
    if (query.actor !== undefined) where.push(`actor_name = ${param(query.actor)}`);
    if (query.kind !== undefined) {
      const kinds: readonly AuditKind[] = typeof query.kind === "string" ? [query.kind] : query.kind;
      if (kinds.length === 0) return { records: [] };
      where.push(`kind = ANY(${param([...kinds])}::text[])`);
    }
    if (query.cursor !== undefined)
      where.push(`seq ${order === "desc" ? "<" : ">"} ${param(decodeCursor(query.cursor))}`);
    const sql = `SELECT ${COLUMNS} FROM audit_records ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq ${order === "desc" ? "DESC" : "ASC"} LIMIT ${param(limit + 1)}`;
    const { rows } = await pool.query<AuditRow>(sql, params);
    const records = rows.slice(0, limit).map(recordFromRow);
    const last = records.at(-1);
    return rows.length > limit && last ? { records, nextCursor: encodeCursor(last.seq) } : { records };
  }

  async *iterate(fromSeq = 1): AsyncIterable<AuditRecord> {
    let next = fromSeq;
    for (;;) {
      const { rows } = await this.#open().query<AuditRow>(
        `SELECT ${COLUMNS} FROM audit_records WHERE seq >= $1 ORDER BY seq LIMIT $2`,
        [next, this.#iteratePageSize],
      );
      for (const row of rows) yield recordFromRow(row);
      const last = rows.at(-1);
      if (!last || rows.length < this.#iteratePageSize) return;
      next = Number(last.seq) + 1;
    }
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = null;
    await pool?.end();
  }

  #open(): pg.Pool {
    if (!this.#pool)
      throw new AuditStoreError("audit-store-closed", "audit store (PostgreSQL) is closed; open it again");
    return this.#pool;
  }
}

async function readHead(db: pg.Pool | pg.PoolClient): Promise<ChainHead> {
  const { rows } = await db.query<{ seq: string; hash: string }>(
    "SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1",
  );
  const row = rows[0];
  return row ? { seq: Number(row.seq), hash: row.hash } : EMPTY_HEAD;
}

async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    // Replicas starting at once: one creates the schema, the others wait and then see it.
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    const exists = await client.query("SELECT to_regclass('audit_meta') IS NOT NULL AS present");
    if (exists.rows[0]?.present) {
      const found = await client.query<{ value: string }>(
        "SELECT value FROM audit_meta WHERE key = 'schema_version'",
      );
      const version = Number(found.rows[0]?.value ?? 0);
      if (version > SCHEMA_VERSION)
        throw new Error(
          `audit database has schema version ${version}, newer than this Mooring knows (${SCHEMA_VERSION}); upgrade Mooring`,
        );
      if (version === SCHEMA_VERSION) {
        await client.query("COMMIT");
        return;
      }
    }
    await client.query(SCHEMA);
    await client.query(
      "INSERT INTO audit_meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
      [String(SCHEMA_VERSION)],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
