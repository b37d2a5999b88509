// Login sessions. A session is what a successful login (password or single sign-on) hands back:
// a browser keeps it in an HttpOnly cookie, the CLI sends it as `Authorization: Bearer`.
//
// Why signed tokens plus a revocation list, rather than a table of live sessions:
// - the API server runs as several replicas and restarts at any time; a session token that
//   carries its own claims (who, which groups single sign-on gave, when it expires) and an
//   HMAC-SHA256 over them can be checked by any replica with no lookup, and outlives a restart,
//   as long as every replica holds the same key. The key is 32 random bytes in the Secret
//   `mooring-session-key`, created once by the first server that finds none (a create race is
//   settled by the apiserver: the loser reads the winner's key). Deleting that Secret and
//   restarting the servers ends every session at once.
// - logout must end a session for real, not just drop a cookie: the session id is written to the
//   Secret `mooring-revoked-sessions` (id → expiry) and refused from then on. The replica that
//   took the logout refuses it at once; the others re-read the list when their copy is older
//   than `revocationCacheMs` (1 s), before deciding, so a logged-out token is dead everywhere
//   within a second. Entries are dropped once their session would have expired anyway, which
//   bounds the list by the logins of one session lifetime.
// - roles are not in the token: they are read from the Projects at every request
//   (./authenticate.ts), so a role change applies to live sessions at once.
//
// The CSRF token of a session is HMAC(key, "csrf:" + session id): bound to the session, the same
// on every replica, nothing stored. A cookie-authenticated POST/PUT/PATCH/DELETE must echo it in
// `X-CSRF-Token` (a cross-site form cannot read it, so it cannot send it).
//
// Token text: `mss.<base64url(JSON claims)>.<base64url(HMAC)>`; the prefix tells it from an API
// token (`moor_...`). Claims are not secret (like a JWT's), the signature is what counts.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { KubeObject } from "../core/objects.ts";
import { KubeApiError, type KubeClient } from "../kube/client.ts";

export const SESSION_COOKIE = "mooring_session";
export const SESSION_KEY_SECRET = "mooring-session-key";
export const REVOKED_SESSIONS_SECRET = "mooring-revoked-sessions";
export const CSRF_HEADER = "x-csrf-token";
const PREFIX = "mss.";
/** A session lives a day by default, like Argo CD's. */
export const DEFAULT_SESSION_TTL_MS = 24 * 60 * 60 * 1000;

export const SESSION_KINDS = ["user", "sso"] as const;
export type SessionKind = (typeof SESSION_KINDS)[number];

export interface SessionClaims {
  /** Session id: 16 random bytes, hex. Names the session in the audit trail and the revocation list. */
  sid: string;
  /** The user name. */
  sub: string;
  kind: SessionKind;
  /** Groups single sign-on gave at login; local users' groups are read from their account. */
  groups: string[];
  /** Issued at, ms since the epoch. */
  iat: number;
  /** Expires at, ms since the epoch. */
  exp: number;
}

export const SESSION_REFUSALS = [
  "malformed-session",
  "bad-signature",
  "session-expired",
  "session-revoked",
] as const;
export type SessionRefusal = (typeof SESSION_REFUSALS)[number];

export type SessionCheck =
  | { ok: true; claims: SessionClaims }
  | { ok: false; code: SessionRefusal; message: string /** set for a revoked session */; sid?: string };

function mac(key: Buffer, text: string): Buffer {
  return createHmac("sha256", key).update(text, "utf8").digest();
}

/** Signs claims into session token text. */
export function signSession(key: Buffer, claims: SessionClaims): string {
  const payload = `${PREFIX}${Buffer.from(JSON.stringify(claims), "utf8").toString("base64url")}`;
  return `${payload}.${mac(key, payload).toString("base64url")}`;
}

export function isSessionToken(text: string): boolean {
  return text.startsWith(PREFIX);
}

function isClaims(value: unknown): value is SessionClaims {
  const v = value as Partial<SessionClaims> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.sid === "string" &&
    typeof v.sub === "string" &&
    (SESSION_KINDS as readonly string[]).includes(v.kind as string) &&
    Array.isArray(v.groups) &&
    v.groups.every((g) => typeof g === "string") &&
    typeof v.iat === "number" &&
    typeof v.exp === "number"
  );
}

/** Checks a session token's signature and expiry (not revocation: that needs the store). */
export function verifySession(key: Buffer, text: string, now: number): SessionCheck {
  const malformed = {
    ok: false as const,
    code: "malformed-session" as const,
    message: "session token is malformed: log in again",
  };
  if (!isSessionToken(text)) return malformed;
  const dot = text.lastIndexOf(".");
  if (dot <= PREFIX.length) return malformed;
  const payload = text.slice(0, dot);
  const given = Buffer.from(text.slice(dot + 1), "base64url");
  const expected = mac(key, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, code: "bad-signature", message: "session is not valid on this server: log in again" };
  }
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload.slice(PREFIX.length), "base64url").toString("utf8"));
  } catch {
    return malformed;
  }
  if (!isClaims(claims)) return malformed;
  if (now >= claims.exp) {
    return {
      ok: false,
      code: "session-expired",
      message: `session expired at ${new Date(claims.exp).toISOString()}: log in again`,
    };
  }
  return { ok: true, claims };
}

/** The CSRF token bound to a session id. */
export function csrfTokenFor(key: Buffer, sid: string): string {
  return mac(key, `csrf:${sid}`).toString("base64url");
}

/** Whether `given` is the CSRF token of session `sid`, compared in constant time. */
export function csrfMatches(key: Buffer, sid: string, given: string | undefined | null): boolean {
  if (given === undefined || given === null || given === "") return false;
  const expected = Buffer.from(csrfTokenFor(key, sid), "utf8");
  const actual = Buffer.from(given, "utf8");
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export interface CookieOptions {
  secure: boolean;
  maxAgeSeconds: number;
  /** Default Lax: sent on top-level navigations (the SSO callback), never on cross-site POSTs. */
  sameSite?: "Lax" | "Strict";
  path?: string;
}

/** A Set-Cookie value; an empty value with maxAge 0 clears the cookie. */
export function sessionCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [
    `${name}=${value}`,
    `Path=${options.path ?? "/"}`,
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
    "HttpOnly",
    `SameSite=${options.sameSite ?? "Lax"}`,
  ];
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}

// ---- the store ----------------------------------------------------------------------------

export interface SessionStoreOptions {
  /** Session lifetime; default DEFAULT_SESSION_TTL_MS. */
  ttlMs?: number;
  /** How stale this replica's copy of the revocation list may be; default 1 s. */
  revocationCacheMs?: number;
}

function b64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

function fromB64(text: string | undefined): string {
  return text === undefined ? "" : Buffer.from(text, "base64").toString("utf8");
}

function isConflict(err: unknown): boolean {
  return err instanceof KubeApiError && (err.status === 409 || err.reason === "AlreadyExists");
}

/** Creates the Secret once; when another server created it first, answers the one stored. */
export async function ensureSecret(
  kube: KubeClient,
  namespace: string,
  name: string,
  build: () => Record<string, string>,
  labels: Record<string, string> = {},
): Promise<KubeObject> {
  const existing = await kube.get("v1", "Secret", namespace, name);
  if (existing !== null) return existing;
  try {
    return await kube.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name, namespace, labels: { "app.kubernetes.io/part-of": "mooring", ...labels } },
      type: "Opaque",
      data: build(),
    } as KubeObject);
  } catch (err) {
    if (!isConflict(err)) throw err;
    const winner = await kube.get("v1", "Secret", namespace, name);
    if (winner === null) throw err;
    return winner;
  }
}

export interface IssuedSession {
  token: string;
  claims: SessionClaims;
  csrfToken: string;
}

export class SessionStore {
  readonly ttlMs: number;
  readonly #key: Buffer;
  readonly #kube: KubeClient;
  readonly #namespace: string;
  readonly #clock: () => number;
  readonly #cacheMs: number;
  #revoked = new Map<string, number>();
  #readAt = Number.NEGATIVE_INFINITY;
  #reading: Promise<void> | undefined;

  private constructor(
    kube: KubeClient,
    namespace: string,
    key: Buffer,
    clock: () => number,
    options: SessionStoreOptions,
  ) {
    this.#kube = kube;
    this.#namespace = namespace;
    this.#key = key;
    this.#clock = clock;
    this.ttlMs = options.ttlMs ?? DEFAULT_SESSION_TTL_MS;
    this.#cacheMs = options.revocationCacheMs ?? 1000;
  }

  /** Reads (or creates, once for all replicas) the signing key. */
  static async open(
    kube: KubeClient,
    namespace: string,
    clock: () => number,
    options: SessionStoreOptions = {},
  ): Promise<SessionStore> {
    const secret = await ensureSecret(
      kube,
      namespace,
      SESSION_KEY_SECRET,
      () => ({ key: randomBytes(32).toString("base64") }),
      { "mooring.dev/secret-type": "session-key" },
    );
    const data = (secret as { data?: Record<string, string> }).data ?? {};
    const key = Buffer.from(data.key ?? "", "base64");
    if (key.length < 32) {
      throw new Error(
        `Secret ${namespace}/${SESSION_KEY_SECRET} holds no 32-byte key: delete it and restart moor server to make a new one (every session ends)`,
      );
    }
    return new SessionStore(kube, namespace, key, clock, options);
  }

  issue(user: { name: string; kind: SessionKind; groups: readonly string[] }): IssuedSession {
    const now = this.#clock();
    const claims: SessionClaims = {
      sid: randomBytes(16).toString("hex"),
      sub: user.name,
      kind: user.kind,
      groups: [...user.groups],
      iat: now,
      exp: now + this.ttlMs,
    };
    return { token: signSession(this.#key, claims), claims, csrfToken: csrfTokenFor(this.#key, claims.sid) };
  }

  /** Signs a short-lived value for a purpose (the SSO flow cookie); readable by any replica. */
  seal(purpose: string, value: unknown, ttlMs: number): string {
    const body = Buffer.from(JSON.stringify({ v: value, exp: this.#clock() + ttlMs }), "utf8").toString(
      "base64url",
    );
    return `${body}.${mac(this.#key, `${purpose}:${body}`).toString("base64url")}`;
  }

  /** The sealed value when the signature holds for this purpose and it has not expired. */
  unseal(purpose: string, text: string | undefined): unknown {
    if (text === undefined) return undefined;
    const dot = text.lastIndexOf(".");
    if (dot <= 0) return undefined;
    const body = text.slice(0, dot);
    const given = Buffer.from(text.slice(dot + 1), "base64url");
    const expected = mac(this.#key, `${purpose}:${body}`);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const parsed = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as {
        v: unknown;
        exp: number;
      };
      return typeof parsed.exp === "number" && parsed.exp > this.#clock() ? parsed.v : undefined;
    } catch {
      return undefined;
    }
  }

  csrfToken(sid: string): string {
    return csrfTokenFor(this.#key, sid);
  }

  csrfMatches(sid: string, given: string | null | undefined): boolean {
    return csrfMatches(this.#key, sid, given);
  }

  /** Signature, expiry, then revocation. */
  async verify(text: string): Promise<SessionCheck> {
    const checked = verifySession(this.#key, text, this.#clock());
    if (!checked.ok) return checked;
    await this.#refresh();
    if (this.#revoked.has(checked.claims.sid)) {
      return {
        ok: false,
        code: "session-revoked",
        message: "session ended at logout: log in again",
        sid: checked.claims.sid,
      };
    }
    return checked;
  }

  /** Ends a session for every replica: its id goes into the revocation Secret. */
  async revoke(claims: SessionClaims): Promise<void> {
    this.#revoked.set(claims.sid, claims.exp);
    for (let attempt = 0; ; attempt++) {
      const now = this.#clock();
      const existing = await this.#kube.get("v1", "Secret", this.#namespace, REVOKED_SESSIONS_SECRET);
      const data: Record<string, string> = {};
      for (const [sid, exp] of Object.entries(
        (existing as { data?: Record<string, string> } | null)?.data ?? {},
      )) {
        if (Number(fromB64(exp)) > now) data[sid] = exp;
      }
      data[claims.sid] = b64(String(claims.exp));
      try {
        if (existing === null) {
          await this.#kube.create({
            apiVersion: "v1",
            kind: "Secret",
            metadata: {
              name: REVOKED_SESSIONS_SECRET,
              namespace: this.#namespace,
              labels: {
                "app.kubernetes.io/part-of": "mooring",
                "mooring.dev/secret-type": "revoked-sessions",
              },
            },
            type: "Opaque",
            data,
          } as KubeObject);
        } else {
          await this.#kube.replace({ ...existing, data } as KubeObject);
        }
        this.#readAt = Number.NEGATIVE_INFINITY;
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 5) throw err;
      }
    }
  }

  async #refresh(): Promise<void> {
    if (this.#clock() - this.#readAt < this.#cacheMs) return;
    this.#reading ??= (async () => {
      try {
        const secret = await this.#kube.get("v1", "Secret", this.#namespace, REVOKED_SESSIONS_SECRET);
        const next = new Map<string, number>();
        for (const [sid, exp] of Object.entries(
          (secret as { data?: Record<string, string> } | null)?.data ?? {},
        )) {
          next.set(sid, Number(fromB64(exp)));
        }
        // Keep what this replica revoked itself, even if its write is not visible yet.
        for (const [sid, exp] of this.#revoked) if (!next.has(sid) && exp > this.#clock()) next.set(sid, exp);
        this.#revoked = next;
        this.#readAt = this.#clock();
      } finally {
        this.#reading = undefined;
      }
    })();
    await this.#reading;
  }
}
