// The audit trail in an SQLite file (node:sqlite, built into Node 24: no native add-on). This
// is the default store: one file next to the server's other state, shared by the controller
// and the API server when they run on one machine.
//
// Linear under concurrent writers, including several processes on the same file: an append
// takes SQLite's write lock first (BEGIN IMMEDIATE), then reads the head, seals the entries
// after it and inserts them, then commits. A second writer waits for the lock (busy_timeout)
// instead of reading a head that is about to change. The schema backs this up: seq is the
// primary key and prev_hash is unique, so a fork cannot be stored even by a buggy writer.
// WAL mode lets readers (list, verify, export) run while a writer appends.
//
// Each field of a record is its own column, and reading rebuilds the record from the columns
// only, so changing any column in the file is caught by verify. Triggers refuse UPDATE and
// DELETE: that stops mistakes, not someone who can write the file; the hash chain and the
// anchors are what catch them.
//
// The API is synchronous: while another process holds the write lock, an append blocks this
// process's event loop for up to busyTimeoutMs. Appends are short (one transaction per batch),
// so the wait is too; callers that append often should batch.

import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
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

export interface SqliteAuditStoreOptions {
  /** The database file; created with its folder's permissions when missing. */
  path: string;
  /** How long an append waits for another writer's lock before failing. Default 10,000 ms. */
  busyTimeoutMs?: number;
  /** Records per page when iterating. Default 1,000. */
  iteratePageSize?: number;
  /** The chain's hash. Default: SHA-256 from node:crypto. */
  sha256?: Sha256;
}

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_records (
  seq INTEGER PRIMARY KEY CHECK (seq >= 1),
  prev_hash TEXT NOT NULL UNIQUE,
  hash TEXT NOT NULL UNIQUE,
  time TEXT NOT NULL,
  kind TEXT NOT NULL,
  actor_type TEXT NOT NULL,
  actor_name TEXT NOT NULL,
  actor_address TEXT,
  project TEXT NOT NULL,
  object TEXT,
  details TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS audit_records_time ON audit_records (time, seq);
CREATE INDEX IF NOT EXISTS audit_records_project ON audit_records (project, seq);
CREATE INDEX IF NOT EXISTS audit_records_actor ON audit_records (actor_name, seq);
CREATE INDEX IF NOT EXISTS audit_records_kind ON audit_records (kind, seq);
CREATE TRIGGER IF NOT EXISTS audit_records_no_update BEFORE UPDATE ON audit_records
  BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_records_no_delete BEFORE DELETE ON audit_records
  BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
`;

const COLUMNS =
  "seq, prev_hash, hash, time, kind, actor_type, actor_name, actor_address, project, object, details";

/** Opens (and creates or upgrades) the audit store in an SQLite file. */
export function openSqliteAuditStore(options: SqliteAuditStoreOptions): SqliteAuditStore {
  return new SqliteAuditStore(options);
}

export class SqliteAuditStore implements AuditStore {
  readonly path: string;
  #db: DatabaseSync | null;
  readonly #sha256: Sha256;
  readonly #iteratePageSize: number;
  readonly #headStatement: StatementSync;
  readonly #insertStatement: StatementSync;
  readonly #getStatement: StatementSync;
  readonly #pageStatement: StatementSync;
  /** list() statements by SQL text: one per combination of filters, a few dozen at most. */
  readonly #listStatements = new Map<string, StatementSync>();

  constructor(options: SqliteAuditStoreOptions) {
    this.path = options.path;
    this.#sha256 = options.sha256 ?? nodeSha256;
    this.#iteratePageSize = options.iteratePageSize ?? 1000;
    const db = new DatabaseSync(options.path);
    this.#db = db;
    try {
      // busy_timeout first: everything after it may meet another process's lock.
      db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 10_000))}`);
      db.exec("PRAGMA journal_mode = WAL");
      // An acknowledged audit record must survive a power cut, not only a crash of this process.
      db.exec("PRAGMA synchronous = FULL");
      migrate(db);
    } catch (error) {
      db.close();
      throw error;
    }
    this.#headStatement = db.prepare("SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1");
    this.#insertStatement = db.prepare(
      `INSERT INTO audit_records (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#getStatement = db.prepare(`SELECT ${COLUMNS} FROM audit_records WHERE seq = ?`);
    this.#pageStatement = db.prepare(
      `SELECT ${COLUMNS} FROM audit_records WHERE seq >= ? ORDER BY seq LIMIT ?`,
    );
  }

  async append(entries: readonly AuditEntry[]): Promise<AuditRecord[]> {
    const db = this.#open();
    const problems = entries.flatMap(checkEntry);
    if (problems.length > 0)
      throw new AuditStoreError(
        "invalid-audit-entry",
        `${problems.map((p) => p.message).join("; ")}; nothing was appended`,
      );
    if (entries.length === 0) return [];
    db.exec("BEGIN IMMEDIATE");
    try {
      const head = this.#readHead();
      const records = seal(entries, head, this.#sha256);
      for (const r of records) this.#insertStatement.run(...(rowValues(r) as SQLInputValue[]));
      db.exec("COMMIT");
      return records;
    } catch (error) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw error;
    }
  }

  async head(): Promise<ChainHead> {
    this.#open();
    return this.#readHead();
  }

  async get(seq: number): Promise<AuditRecord | undefined> {
    this.#open();
    const row = this.#getStatement.get(seq) as AuditRow | undefined;
    return row ? recordFromRow(row) : undefined;
  }

  async list(query: AuditQuery = {}): Promise<AuditPage> {
    const db = this.#open();
    checkQuery(query);
    const limit = pageSize(query);
    const order = query.order ?? "desc";
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    if (query.since !== undefined) {
      where.push("time >= ?");
      params.push(query.since);
    }
    if (query.until !== undefined) {
      where.push("time < ?");
      params.push(query.until);
    }
    if (query.project !== undefined) {
      where.push("project = ?");
      params.push(query.project);
    }
    if (query.actor !== undefined) {
      where.push("actor_name = ?");
      params.push(query.actor);
    }
    if (query.kind !== undefined) {
      const kinds: readonly AuditKind[] = typeof query.kind === "string" ? [query.kind] : query.kind;
      if (kinds.length === 0) return { records: [] };
      where.push(`kind IN (${kinds.map(() => "?").join(", ")})`);
      params.push(...kinds);
    }
    if (query.cursor !== undefined) {
      where.push(order === "desc" ? "seq < ?" : "seq > ?");
      params.push(decodeCursor(query.cursor));
    }
    const sql = `SELECT ${COLUMNS} FROM audit_records ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq ${order === "desc" ? "DESC" : "ASC"} LIMIT ?`;
    let statement = this.#listStatements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      this.#listStatements.set(sql, statement);
    }
    const rows = statement.all(...params, limit + 1) as unknown as AuditRow[];
    const records = rows.slice(0, limit).map(recordFromRow);
    const last = records.at(-1);
    return rows.length > limit && last ? { records, nextCursor: encodeCursor(last.seq) } : { records };
  }

  async *iterate(fromSeq = 1): AsyncIterable<AuditRecord> {
    let next = fromSeq;
    for (;;) {
      this.#open();
      const rows = this.#pageStatement.all(next, this.#iteratePageSize) as unknown as AuditRow[];
      for (const row of rows) yield recordFromRow(row);
      const last = rows.at(-1);
      if (!last || rows.length < this.#iteratePageSize) return;
      next = Number(last.seq) + 1;
    }
  }

  async close(): Promise<void> {
    this.#db?.close();
    this.#db = null;
  }

  #open(): DatabaseSync {
    if (!this.#db)
      throw new AuditStoreError("audit-store-closed", `audit store ${this.path} is closed; open it again`);
    return this.#db;
  }

  #readHead(): ChainHead {
    const row = this.#headStatement.get() as { seq: number; hash: string } | undefined;
    return row ? { seq: row.seq, hash: row.hash } : EMPTY_HEAD;
  }
}

function migrate(db: DatabaseSync): void {
  // Two processes opening a new file at once: the lock makes one create the schema, the other see it.
  db.exec("BEGIN IMMEDIATE");
  try {
    const { user_version: version } = db.prepare("PRAGMA user_version").get() as { user_version: number };
    if (version > SCHEMA_VERSION)
      throw new Error(
        `audit database ${db.location() ?? ""} has schema version ${version}, newer than this Mooring knows (${SCHEMA_VERSION}); upgrade Mooring`,
      );
    db.exec(SCHEMA);
    if (version < SCHEMA_VERSION) db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec("COMMIT");
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}
