// How an audit record maps to a table row, the same in every store: one column per top-level
// field, the actor split in three, the object and details as canonical JSON text. The row a
// store reads back may have been changed by hand (that is what verify is for), so unreadable
// JSON comes back as `{ unreadable: text }` and the chain check names the record.
import {
  type ActorType,
  type AuditActor,
  type AuditKind,
  type AuditRecord,
  canonicalJson,
} from "../core/audit/record.ts";
import type { ObjectRef } from "../core/objects.ts";

/** A row as read from either database; PostgreSQL returns a bigserial seq as a string. */
export interface AuditRow {
  seq: number | string;
  prev_hash: string;
  hash: string;
  time: string;
  kind: string;
  actor_type: string;
  actor_name: string;
  actor_address: string | null;
  project: string;
  object: string | null;
  details: string;
}

/** The row's values, in the order of the stores' column lists. */
export function rowValues(r: AuditRecord): (string | number | null)[] {
  return [
    r.seq,
    r.prevHash,
    r.hash,
    r.time,
    r.kind,
    r.actor.type,
    r.actor.name,
    r.actor.address ?? null,
    r.project,
    r.object ? canonicalJson(r.object) : null,
    canonicalJson(r.details),
  ];
}

export function recordFromRow(row: AuditRow): AuditRecord {
  const actor: AuditActor = { type: row.actor_type as ActorType, name: row.actor_name };
  if (row.actor_address !== null) actor.address = row.actor_address;
  const record: AuditRecord = {
    seq: Number(row.seq),
    time: row.time,
    kind: row.kind as AuditKind,
    actor,
    project: row.project,
    details: readJson(row.details) as AuditRecord["details"],
    prevHash: row.prev_hash,
    hash: row.hash,
  };
  if (row.object !== null) record.object = readJson(row.object) as ObjectRef;
  return record;
}

function readJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { unreadable: text };
  }
}
