// Where the audit trail is kept. The controller and the API server both append; auditors list,
// show, verify and export. Two implementations share this interface and one contract test suite
// (./store-contract.ts): SQLite in a file by default (./sqlite-store.ts), PostgreSQL when several
// replicas share history.
//
// Every store keeps the chain linear however many writers there are: an append reads the head
// and writes the records after it in one transaction that excludes every other writer, so no two
// records ever share a seq or a predecessor. Stores never update or delete a record.
import type { ChainHead } from "../core/audit/chain.ts";
import {
  AUDIT_KINDS,
  AUDIT_TIME,
  type AuditEntry,
  type AuditKind,
  type AuditRecord,
} from "../core/audit/record.ts";

/** What `list` returns records for. Every field is optional; absent means "any". */
export interface AuditQuery {
  /** Records at or after this time (ISO, UTC, as in the records). */
  since?: string;
  /** Records strictly before this time. */
  until?: string;
  project?: string;
  /** Actor name (user, token, controller replica or forge). */
  actor?: string;
  kind?: AuditKind | readonly AuditKind[];
  /** Default "desc": newest first, as an activity list reads. */
  order?: "asc" | "desc";
  /** Page size; default DEFAULT_PAGE_SIZE, at most MAX_PAGE_SIZE. */
  limit?: number;
  /** `nextCursor` of the previous page with the same filters. */
  cursor?: string;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export interface AuditPage {
  records: AuditRecord[];
  /** Present when more records match: pass it as `cursor` for the next page. */
  nextCursor?: string;
}

export interface AuditStore {
  /**
   * Appends entries (already secret-masked) at the end of the chain, atomically: all or none.
   * Returns them as stored, with seq, prevHash and hash.
   */
  append(entries: readonly AuditEntry[]): Promise<AuditRecord[]>;
  /** The newest record's seq and hash; EMPTY_HEAD when there is none. This is what gets anchored. */
  head(): Promise<ChainHead>;
  /** One record by seq, or undefined. */
  get(seq: number): Promise<AuditRecord | undefined>;
  list(query?: AuditQuery): Promise<AuditPage>;
  /** Every record from `fromSeq` (default 1) in seq order, read in pages, for verify and export. */
  iterate(fromSeq?: number): AsyncIterable<AuditRecord>;
  close(): Promise<void>;
}

/** A stable, coded failure, naming what to do. */
export class AuditStoreError extends Error {
  readonly code: "invalid-audit-entry" | "invalid-audit-query" | "audit-store-closed";
  constructor(code: AuditStoreError["code"], message: string) {
    super(message);
    this.name = "AuditStoreError";
    this.code = code;
  }
}

/** Cursors are opaque to callers; inside, the seq the next page starts after. */
export function encodeCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString("base64url");
}

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, "base64url").toString();
  const match = /^seq:(\d{1,15})$/.exec(text);
  if (!match)
    throw new AuditStoreError(
      "invalid-audit-query",
      `audit cursor ${JSON.stringify(cursor)} is not one this server gave out; start again without a cursor`,
    );
  return Number(match[1]);
}

/** Refuses a query whose times or kinds no record can have, saying what was expected. */
export function checkQuery(query: AuditQuery): void {
  for (const field of ["since", "until"] as const) {
    const time = query[field];
    if (time !== undefined && !AUDIT_TIME.test(time))
      throw new AuditStoreError(
        "invalid-audit-query",
        `audit query ${field} ${JSON.stringify(time)} must be a UTC time like 2026-12-02T13:00:00.000Z`,
      );
  }
  const kinds = typeof query.kind === "string" ? [query.kind] : (query.kind ?? []);
  for (const kind of kinds)
    if (!(AUDIT_KINDS as readonly string[]).includes(kind))
      throw new AuditStoreError(
        "invalid-audit-query",
        `audit query kind ${JSON.stringify(kind)} is not one of ${AUDIT_KINDS.join(", ")}`,
      );
}

/** The page size a query asks for, with the default applied; refuses nonsense. */
export function pageSize(query: AuditQuery): number {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE)
    throw new AuditStoreError(
      "invalid-audit-query",
      `audit page size ${limit} must be between 1 and ${MAX_PAGE_SIZE}`,
    );
  return limit;
}
