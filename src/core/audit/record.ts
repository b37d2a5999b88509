// Audit records. Every change to the platform, and every attempt at one, leaves a record that
// answers "who did what to which object, in which project, when, from where" years later. The
// controller appends records for what it does on its own (syncs, drift healed, Stack applies);
// the API server appends records for what people and automation ask for, allowed or denied.
//
// Records are hashed into a chain (./chain.ts), so the bytes that are hashed must be the same on
// every machine and in every version: `canonicalJson` writes object keys sorted by UTF-16 code
// units at every level, no whitespace, and refuses values JSON cannot carry exactly (undefined in
// arrays, NaN, Infinity, functions, bigint), in the spirit of RFC 8785 (JSON Canonicalization).
//
// The core has no clock: the caller passes the time as an ISO string in UTC with milliseconds,
// exactly as `Date.prototype.toISOString` writes it, so that times also sort as plain text.
import { isPlainObject, type JsonMap } from "../json.ts";
import { formatRef, type ObjectRef } from "../objects.ts";

/** What happened. A closed vocabulary: an unknown kind is refused, never stored. */
export const AUDIT_KINDS = [
  "sync",
  "sync-terminated",
  "refresh",
  "rollback",
  "drift-detected",
  "drift-healed",
  "stack-plan",
  "stack-approve",
  "stack-apply",
  "stack-unlock",
  "api-allowed",
  "api-denied",
  "login",
  "login-failed",
  "logout",
  "token-created",
  "token-revoked",
  "project-changed",
  "role-changed",
  "commit-refused",
  "webhook-received",
  "webhook-refused",
  "preview",
  "preview-plan-requested",
  "appset-generated",
  "appset-deleted-app",
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/**
 * Who acted. `user`: a person logged in (local account or single sign-on); `token`: an API token
 * (its name, never its secret); `controller`: Mooring itself (automated sync, self-heal, drift
 * checks); `webhook`: a forge delivery (the forge and its delivery id).
 */
export const ACTOR_TYPES = ["user", "token", "controller", "webhook"] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

export interface AuditActor {
  type: ActorType;
  /** User name, token name, controller replica or forge name. */
  name: string;
  /** The network address the request came from (`203.0.113.7`, `[2001:db8::1]:443`); absent for the controller. */
  address?: string;
}

/**
 * One thing that happened, as the caller hands it in. `details` must already be secret-masked
 * by the caller (src/core/mask.ts): the audit store keeps what it is given forever, and a hash
 * chain cannot forget a value once it is in it.
 */
export interface AuditEntry {
  /** UTC, `YYYY-MM-DDTHH:MM:SS.sssZ` (Date.prototype.toISOString). */
  time: string;
  kind: AuditKind;
  actor: AuditActor;
  /** The project the object belongs to; "" when there is none (a login, a refused webhook). */
  project: string;
  /** The object acted on: an Application, a Stack, a Project, or one managed object. */
  object?: ObjectRef;
  /** Kind-specific facts: commit SHA, plan id, objects changed, the verb refused and why... */
  details: JsonMap;
}

/** An entry once it is in the chain: its place, the hash of the one before, and its own hash. */
export interface AuditRecord extends AuditEntry {
  /** 1 for the first record, then one more each time, with no gaps. */
  seq: number;
  /** The previous record's hash; GENESIS_HASH for the first record. */
  prevHash: string;
  /** Lower-case hex SHA-256 of prevHash + canonical(record without hash). */
  hash: string;
}

export const AUDIT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export interface AuditEntryProblem {
  code: "invalid-audit-entry";
  message: string;
}

/** The reasons an entry cannot be stored, each naming the field; empty when it can be. */
export function checkEntry(entry: AuditEntry): AuditEntryProblem[] {
  const problems: string[] = [];
  if (typeof entry.time !== "string" || !AUDIT_TIME.test(entry.time))
    problems.push(`time ${JSON.stringify(entry.time)} is not a UTC time as toISOString writes it`);
  if (!(AUDIT_KINDS as readonly string[]).includes(entry.kind))
    problems.push(`kind ${JSON.stringify(entry.kind)} is not one of ${AUDIT_KINDS.join(", ")}`);
  if (!isPlainObject(entry.actor)) problems.push("actor is missing");
  else {
    if (!(ACTOR_TYPES as readonly string[]).includes(entry.actor.type))
      problems.push(`actor type ${JSON.stringify(entry.actor.type)} is not one of ${ACTOR_TYPES.join(", ")}`);
    if (typeof entry.actor.name !== "string" || entry.actor.name === "") problems.push("actor name is empty");
    if (entry.actor.address !== undefined && typeof entry.actor.address !== "string")
      problems.push("actor address must be a string");
  }
  if (typeof entry.project !== "string") problems.push("project must be a string");
  if (entry.object !== undefined) {
    const o = entry.object as unknown as JsonMap;
    if (!isPlainObject(o) || !["group", "kind", "namespace", "name"].every((k) => typeof o[k] === "string"))
      problems.push("object must have string group, kind, namespace and name");
  }
  if (!isPlainObject(entry.details)) problems.push("details must be an object");
  else {
    try {
      canonicalJson(entry.details);
    } catch (error) {
      problems.push(`details ${(error as Error).message}`);
    }
  }
  const what = `audit entry ${entry.kind ?? "?"} at ${entry.time ?? "?"}`;
  return problems.map((p) => ({ code: "invalid-audit-entry", message: `${what}: ${p}` }));
}

/** The entry part of a record (or of an entry with extra members), with exactly the fields the chain hashes. */
export function entryOf(value: AuditEntry): AuditEntry {
  const actor: AuditActor = { type: value.actor.type, name: value.actor.name };
  if (value.actor.address !== undefined) actor.address = value.actor.address;
  const entry: AuditEntry = {
    time: value.time,
    kind: value.kind,
    actor,
    project: value.project,
    details: value.details,
  };
  if (value.object !== undefined) {
    const { group, kind, namespace, name } = value.object;
    entry.object = { group, kind, namespace, name };
  }
  return entry;
}

/** One line for logs and the CLI: `#12 sync alice@203.0.113.7 team-a Application/mooring/web`. */
export function formatRecord(record: AuditRecord): string {
  const who = record.actor.address ? `${record.actor.name}@${record.actor.address}` : record.actor.name;
  const parts = [`#${record.seq}`, record.time, record.kind, `${record.actor.type}:${who}`];
  if (record.project) parts.push(record.project);
  if (record.object) parts.push(formatRef(record.object));
  return parts.join(" ");
}

/**
 * JSON with object keys sorted at every level and no whitespace. Members whose value is
 * undefined are left out (as JSON.stringify does); anything JSON cannot carry exactly throws,
 * naming where it is, because a value that encodes differently tomorrow breaks the chain.
 */
export function canonicalJson(value: unknown): string {
  try {
    return encode(value);
  } catch (error) {
    if (!(error instanceof NotJson)) throw error;
    throw new Error(`has ${error.what} at $${error.path.reverse().join("")}${error.suffix}`);
  }
}

/** Thrown deep inside encode; each level on the way out adds its key, so the happy path builds no paths. */
class NotJson extends Error {
  readonly path: string[] = [];
  readonly what: string;
  readonly suffix: string;
  constructor(what: string, suffix = "") {
    super(what);
    this.what = what;
    this.suffix = suffix;
  }
}

function encode(value: unknown): string {
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new NotJson("a number JSON cannot carry");
      return JSON.stringify(value);
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) {
        let text = "[";
        for (let i = 0; i < value.length; i++) {
          const item = value[i];
          try {
            if (item === undefined) throw new NotJson("undefined in an array");
            text += (i ? "," : "") + encode(item);
          } catch (error) {
            if (error instanceof NotJson) error.path.push(`[${i}]`);
            throw error;
          }
        }
        return `${text}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw new NotJson("a value that is not plain JSON");
      const record = value as JsonMap;
      let text = "{";
      for (const key of Object.keys(record).sort()) {
        const member = record[key];
        if (member === undefined) continue;
        try {
          text += `${text.length > 1 ? "," : ""}${JSON.stringify(key)}:${encode(member)}`;
        } catch (error) {
          if (error instanceof NotJson) error.path.push(`.${key}`);
          throw error;
        }
      }
      return `${text}}`;
    }
    default:
      throw new NotJson(`a ${typeof value}`, ", which JSON cannot carry");
  }
}
