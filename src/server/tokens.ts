// API tokens on the wire and at rest. A token reads `moor_<id>_<secret>`:
// - the `moor_` prefix makes a leaked token recognisable to secret scanners and to people, as
//   GitHub's `ghp_` and GitLab's `glpat-` prefixes do;
// - the id (16 hex digits, 64 random bits) is public: it names the token in lists, audit records
//   and revocation, and finds its record in one lookup; hex has no `_`, so the token splits at
//   the first `_` after the prefix even though the secret is base64url (whose alphabet has `_`);
// - the secret (32 random bytes, base64url) is shown once at creation and never stored: the
//   store keeps its SHA-256. A plain hash suffices here, unlike passwords, because 256 random
//   bits cannot be guessed; a slow hash would only slow every API call.
// Comparison is in constant time over the digests. Whether a found, matching token may be used
// now (expiry, revocation) is decided by the pure src/core/access/tokens.ts.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { decideToken, type TokenRecord, type TokenRefusal } from "../core/access/tokens.ts";

export const TOKEN_PREFIX = "moor_";
const ID_BYTES = 8;
const SECRET_BYTES = 32;
const TOKEN = /^moor_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** A token record as stored: never the secret, only its SHA-256 (hex). */
export interface StoredToken extends TokenRecord {
  secretHash: string;
}

export function hashTokenSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

export interface NewToken {
  project: string;
  role: string;
  createdBy: string;
  description?: string;
  expiresAt: number;
}

/** Makes a token: the text to show once, and the record to store. */
export function createToken(request: NewToken, now: number): { token: string; record: StoredToken } {
  const id = randomBytes(ID_BYTES).toString("hex");
  const secret = randomBytes(SECRET_BYTES).toString("base64url");
  const record: StoredToken = {
    id,
    project: request.project,
    role: request.role,
    createdBy: request.createdBy,
    createdAt: now,
    expiresAt: request.expiresAt,
    secretHash: hashTokenSecret(secret),
  };
  if (request.description !== undefined) record.description = request.description;
  return { token: `${TOKEN_PREFIX}${id}_${secret}`, record };
}

/** Splits a presented token into id and secret; undefined when it is not a Mooring token. */
export function parseToken(text: string): { id: string; secret: string } | undefined {
  const match = TOKEN.exec(text.trim());
  if (match === null) return undefined;
  return { id: match[1] ?? "", secret: match[2] ?? "" };
}

/** Whether `secret` hashes to `secretHash`, compared in constant time. */
export function verifyTokenSecret(secret: string, secretHash: string): boolean {
  const expected = Buffer.from(secretHash, "hex");
  const actual = createHash("sha256").update(secret, "utf8").digest();
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}

export type TokenAuthentication =
  | { ok: true; record: StoredToken }
  | { ok: false; code: "malformed-token" | TokenRefusal; message: string };

/**
 * Authenticates a presented token: parse, find by id, check the secret, then expiry and
 * revocation. A wrong secret reads the same as an unknown id, so a caller learns nothing about
 * which ids exist. `find` is the store lookup (any storage: Secret, SQLite, PostgreSQL).
 */
export async function authenticateToken(
  text: string,
  find: (id: string) => Promise<StoredToken | undefined> | StoredToken | undefined,
  now: number,
): Promise<TokenAuthentication> {
  const parsed = parseToken(text);
  if (parsed === undefined) {
    return {
      ok: false,
      code: "malformed-token",
      message: "API token is not a Mooring token (moor_<id>_<secret>): copy it whole from moor token create",
    };
  }
  const stored = await find(parsed.id);
  const matches = stored !== undefined && verifyTokenSecret(parsed.secret, stored.secretHash);
  const decision = decideToken(matches ? stored : undefined, now);
  return decision.ok ? { ok: true, record: decision.record as StoredToken } : decision;
}
