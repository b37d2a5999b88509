// API tokens for automation, the decisions about them. A token is created for exactly one
// project and one role in it (never a global admin), always with an expiry, and can be revoked
// at any time; the token text is shown once and only its hash is stored (src/server/tokens.ts).
// What it may do is looked up at each request through its role's current verbs, so editing or
// removing a custom role changes every token bound to it at once, as Argo CD's project tokens do.
//
// Times are milliseconds since the epoch and the clock is always passed in.
import type { Subject } from "./authorize.ts";
import type { Verb } from "./roles.ts";

export interface TokenRecord {
  /** Public part of the token, shown in lists and audit records. */
  id: string;
  project: string;
  role: string;
  /** Who created it, for the audit trail and `moor token list`. */
  createdBy: string;
  description?: string;
  createdAt: number;
  expiresAt: number;
  /** Set by revocation; a revoked token stays listed, refused, until it is deleted. */
  revokedAt?: number;
  lastUsedAt?: number;
}

export const TOKEN_STATES = ["active", "expired", "revoked"] as const;
export type TokenState = (typeof TOKEN_STATES)[number];

/** A revoked token reads as revoked even once past its expiry: revocation is the stronger fact. */
export function tokenState(record: TokenRecord, now: number): TokenState {
  if (record.revokedAt !== undefined && record.revokedAt <= now) return "revoked";
  return now >= record.expiresAt ? "expired" : "active";
}

export const TOKEN_REFUSALS = ["unknown-token", "token-revoked", "token-expired"] as const;
export type TokenRefusal = (typeof TOKEN_REFUSALS)[number];

export type TokenDecision =
  | { ok: true; record: TokenRecord }
  | { ok: false; code: TokenRefusal; message: string };

/** Whether a presented token (already found by id, secret already checked) may be used now. */
export function decideToken(record: TokenRecord | undefined, now: number): TokenDecision {
  if (record === undefined) {
    return {
      ok: false,
      code: "unknown-token",
      message: "API token is not known: create one with moor token create",
    };
  }
  switch (tokenState(record, now)) {
    case "active":
      return { ok: true, record };
    case "revoked":
      return {
        ok: false,
        code: "token-revoked",
        message: `API token ${record.id} was revoked at ${new Date(record.revokedAt ?? 0).toISOString()}: create a new one with moor token create`,
      };
    case "expired":
      return {
        ok: false,
        code: "token-expired",
        message: `API token ${record.id} expired at ${new Date(record.expiresAt).toISOString()}: create a new one with moor token create`,
      };
  }
}

/** Minimum time between two writes of lastUsedAt, so a busy CI token does not write at every call. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** Whether a use at `now` should be written back as lastUsedAt. */
export function shouldRecordUse(
  record: TokenRecord,
  now: number,
  resolution = LAST_USED_RESOLUTION_MS,
): boolean {
  return record.lastUsedAt === undefined || now - record.lastUsedAt >= resolution;
}

/**
 * The subject a token acts as: one binding, to its project and role, with the role's current
 * verbs (`roleVerbs` from the project's spec.roles). A role that no longer exists grants nothing.
 */
export function tokenSubject(record: TokenRecord, verbs: readonly Verb[] | undefined): Subject {
  return {
    kind: "token",
    name: `token:${record.id}`,
    groups: [],
    globalAdmin: false,
    bindings: verbs === undefined ? [] : [{ project: record.project, role: record.role, verbs }],
  };
}

export const DAY_MS = 24 * 60 * 60 * 1000;
/** A token lives at most a year by default; a longer-lived secret is a standing risk. */
export const MAX_TOKEN_LIFETIME_MS = 365 * DAY_MS;

export interface TokenRequest {
  project: string;
  role: string;
  /** How long the token lives. */
  lifetimeMs: number;
}

/**
 * Problems with a request to create a token, each saying what to do; empty when it may be made.
 * `roleExists` says whether the role is built-in or defined in the project's spec.roles.
 */
export function validateTokenRequest(
  request: TokenRequest,
  roleExists: boolean,
  maxLifetimeMs = MAX_TOKEN_LIFETIME_MS,
): string[] {
  const problems: string[] = [];
  if (!roleExists) {
    problems.push(
      `project ${request.project} has no role ${request.role}: use viewer, deployer, approver, admin or a role from its spec.roles`,
    );
  }
  if (!Number.isFinite(request.lifetimeMs) || request.lifetimeMs <= 0) {
    problems.push("token lifetime must be positive: give an expiry such as 30d");
  } else if (request.lifetimeMs > maxLifetimeMs) {
    problems.push(
      `token lifetime is longer than the allowed ${Math.floor(maxLifetimeMs / DAY_MS)}d: give a shorter expiry`,
    );
  }
  return problems;
}
