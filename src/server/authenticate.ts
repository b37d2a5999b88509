// The API server's authenticator: turns a request's credentials into a Subject (./principal.ts).
//
//   Authorization: Bearer moor_<id>_<secret>   an API token (./tokens.ts, ./token-store.ts): one
//                                              project, one role, that role's current verbs;
//   Authorization: Bearer mss.<...>            a session token, as the CLI sends it;
//   Cookie: mooring_session=mss.<...>          the same session, as a browser sends it; a
//                                              cookie-authenticated POST/PUT/PATCH/DELETE must
//                                              carry X-CSRF-Token (./sessions.ts), else 403
//                                              csrf-refused.
//
// Bearer credentials that fail (revoked, expired, malformed) are refused: 401, audited. A cookie
// that no longer holds a live session reads as no credentials at all, so a browser with a stale
// cookie can still reach the login route; every other route answers it 401 anyway.
//
// The roles a user holds are read from the Projects' spec.roles at every request through
// `projectRoles` (E's informer cache supplies it; `ProjectRolesLister` below until then), so
// editing a Project changes what its members and tokens may do at once. The local `admin` account
// is the global administrator; a single sign-on user called admin is not.
import {
  type Binding,
  bindingsFromProjects,
  type ProjectRole,
  parseProjectRoles,
  roleVerbs,
  type Subject,
} from "../core/access/authorize.ts";
import { LoginThrottle } from "../core/access/throttle.ts";
import { shouldRecordUse, tokenSubject } from "../core/access/tokens.ts";
import type { KubeClient } from "../kube/client.ts";
import type { Logger } from "../util/log.ts";
import type { OidcLogin } from "./oidc.ts";
import type { Authentication, Authenticator, AuthRequest } from "./principal.ts";
import {
  CSRF_HEADER,
  isSessionToken,
  readCookie,
  SESSION_COOKIE,
  type SessionClaims,
  SessionStore,
} from "./sessions.ts";
import { TokenStore } from "./token-store.ts";
import { authenticateToken, parseToken, TOKEN_PREFIX } from "./tokens.ts";
import { ADMIN_USER, UserStore } from "./users.ts";

export type ProjectRoles = () => readonly { name: string; roles: ProjectRole[] }[];

export const UNSAFE_METHODS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** The login route: reachable with a stale or CSRF-less cookie, since it issues a new session. */
const LOGIN_PATH = /\/api\/v1\/session$/;

export interface AuthenticatorDeps {
  sessions: SessionStore;
  users: UserStore;
  tokens: TokenStore;
  projectRoles: ProjectRoles;
  clock: () => number;
  log: Logger;
}

/** The subject of a person: local user or SSO user, with bindings from every project's roles. */
export function personSubject(
  user: { name: string; kind: "user" | "sso"; groups: readonly string[] },
  projects: ReturnType<ProjectRoles>,
): Subject {
  const bindings: Binding[] = bindingsFromProjects({ name: user.name, groups: user.groups }, projects);
  return {
    kind: user.kind,
    name: user.name,
    groups: [...user.groups],
    globalAdmin: user.kind === "user" && user.name === ADMIN_USER,
    bindings,
  };
}

function refused(
  code: "unauthenticated" | "csrf-refused",
  message: string,
  reason: string,
  credential?: string,
): Authentication {
  return {
    ok: false,
    code,
    message,
    refused: true,
    reason,
    ...(credential === undefined ? {} : { credential }),
  };
}

/**
 * The Bearer credential, if any. Other schemes (Basic, a forge's own header on a webhook) are not
 * Mooring credentials and read as none, so a public route still answers them.
 */
function bearer(headers: Headers): string | undefined {
  const value = headers.get("authorization");
  if (value === null || !/^Bearer\s/i.test(value)) return undefined;
  return value.replace(/^Bearer\s+/i, "").trim();
}

export class SessionAuthenticator implements Authenticator {
  readonly #deps: AuthenticatorDeps;

  constructor(deps: AuthenticatorDeps) {
    this.#deps = deps;
  }

  async authenticate(request: AuthRequest): Promise<Authentication> {
    const token = bearer(request.headers);
    if (token !== undefined) {
      if (token.startsWith(TOKEN_PREFIX)) return this.#apiToken(token);
      if (isSessionToken(token)) return this.#session(token, "bearer", request);
      return refused(
        "unauthenticated",
        "Authorization is neither an API token (moor_...) nor a session: run moor login, or copy the token whole",
        "malformed-credential",
      );
    }
    const cookie = readCookie(request.headers.get("cookie"), SESSION_COOKIE);
    if (cookie !== undefined && cookie !== "") return this.#session(cookie, "cookie", request);
    return {
      ok: false,
      code: "unauthenticated",
      message: "log in first: this needs a session or an API token",
    };
  }

  async #apiToken(text: string): Promise<Authentication> {
    const { tokens, clock, projectRoles, log } = this.#deps;
    const now = clock();
    const result = await authenticateToken(text, (id) => tokens.find(id), now);
    if (!result.ok) {
      const id = parseToken(text)?.id;
      return refused(
        "unauthenticated",
        result.message,
        result.code,
        id === undefined ? undefined : `token:${id}`,
      );
    }
    const record = result.record;
    if (shouldRecordUse(record, now)) {
      tokens.recordUse(record.id, now).catch((err: unknown) => {
        log.warn("cannot record an API token's last use", { token: record.id, error: String(err) });
      });
    }
    const project = projectRoles().find((p) => p.name === record.project);
    const verbs = project === undefined ? undefined : roleVerbs(project.roles, record.role);
    return { ok: true, subject: tokenSubject(record, verbs), credential: `token:${record.id}` };
  }

  async #session(text: string, via: "bearer" | "cookie", request: AuthRequest): Promise<Authentication> {
    const { sessions, users, projectRoles } = this.#deps;
    const anonymous: Authentication = {
      ok: false,
      code: "unauthenticated",
      message: "log in first: the session has ended",
    };
    const checked = await sessions.verify(text);
    if (!checked.ok) {
      const sid = checked.code === "session-revoked" ? checked.sid : undefined;
      return via === "bearer"
        ? refused(
            "unauthenticated",
            checked.message,
            checked.code,
            sid === undefined ? undefined : `session:${sid}`,
          )
        : anonymous;
    }
    const claims: SessionClaims = checked.claims;
    let groups = claims.groups;
    if (claims.kind === "user") {
      // A local account must still exist, and its password must not have changed since login.
      const user = await users.get(claims.sub);
      if (user === undefined || user.passwordChangedAt > claims.iat) {
        const [message, reason] =
          user === undefined
            ? [`account ${claims.sub} no longer exists: log in with another account`, "account-deleted"]
            : ["the password changed since this login: log in again", "password-changed"];
        return via === "bearer"
          ? refused("unauthenticated", message, reason, `session:${claims.sid}`)
          : anonymous;
      }
      groups = user.groups;
    }
    if (
      via === "cookie" &&
      UNSAFE_METHODS.has(request.method.toUpperCase()) &&
      !LOGIN_PATH.test(request.path)
    ) {
      if (!sessions.csrfMatches(claims.sid, request.headers.get(CSRF_HEADER))) {
        return refused(
          "csrf-refused",
          `${request.method.toUpperCase()} with a session cookie needs the header X-CSRF-Token from the login answer or GET /api/v1/session`,
          "csrf-token-missing-or-wrong",
          `session:${claims.sid}`,
        );
      }
    }
    const subject = personSubject({ name: claims.sub, kind: claims.kind, groups }, projectRoles());
    return { ok: true, subject, credential: `session:${claims.sid}` };
  }
}

/**
 * Until the informer cache (src/server/cache.ts) supplies project roles, this lister keeps them:
 * it lists the Projects every `intervalMs` (default 2 s) and parses their spec.roles. A project
 * whose roles are invalid grants nothing (the problems are logged once per change), as the
 * controller refuses a malformed project rather than guess.
 */
export class ProjectRolesLister {
  #projects: { name: string; roles: ProjectRole[] }[] = [];
  #timer: NodeJS.Timeout | undefined;
  #reported = new Set<string>();
  readonly #kube: KubeClient;
  readonly #namespace: string;
  readonly #log: Logger;
  readonly #intervalMs: number;

  constructor(kube: KubeClient, namespace: string, log: Logger, options: { intervalMs?: number } = {}) {
    this.#kube = kube;
    this.#namespace = namespace;
    this.#log = log;
    this.#intervalMs = options.intervalMs ?? 2000;
  }

  /** Lists once, then keeps listing until stop(). */
  async start(): Promise<void> {
    await this.refresh().catch((err: unknown) =>
      this.#log.warn("cannot list Projects for roles; retrying", { error: String(err) }),
    );
    const tick = () => {
      this.#timer = setTimeout(() => {
        this.refresh()
          .catch((err: unknown) => this.#log.warn("cannot list Projects for roles", { error: String(err) }))
          .finally(() => {
            if (this.#timer !== undefined) tick();
          });
      }, this.#intervalMs);
      this.#timer.unref();
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async refresh(): Promise<void> {
    const { items } = await this.#kube.list("mooring.dev/v1alpha1", "Project", {
      namespace: this.#namespace,
    });
    const next: { name: string; roles: ProjectRole[] }[] = [];
    for (const item of items) {
      const name = item.metadata.name ?? "";
      const parsed = parseProjectRoles(name, (item as { spec?: { roles?: unknown } }).spec?.roles);
      if (parsed.ok) {
        next.push({ name, roles: parsed.roles });
        continue;
      }
      next.push({ name, roles: [] });
      const key = `${name}@${item.metadata.resourceVersion}`;
      if (!this.#reported.has(key)) {
        this.#reported.add(key);
        this.#log.warn("project roles are invalid; they grant nothing until fixed", {
          project: name,
          problems: parsed.problems,
        });
      }
    }
    this.#projects = next;
  }

  readonly projectRoles: ProjectRoles = () => this.#projects;
}

/** Everything the login, token and account routes use; `moor server` builds it once. */
export interface Identity {
  sessions: SessionStore;
  users: UserStore;
  tokens: TokenStore;
  throttle: LoginThrottle;
  projectRoles: ProjectRoles;
  /** Mark cookies Secure: always, never, or when the request came over https (X-Forwarded-Proto too). */
  secureCookies: "always" | "never" | "auto";
  /** Single sign-on, when configured. */
  oidc?: OidcLogin;
  /**
   * Reverse proxies in front of the server (an ingress: 1). The login throttle then counts the
   * client the last proxy names in X-Forwarded-For, not the proxy itself; default 0 (no proxy).
   */
  proxyHops?: number;
}

/**
 * The address a login attempt is counted under. Behind `hops` proxies, each appends the address
 * it received the request from to X-Forwarded-For, so the client is the hops-th entry from the
 * end; entries further left were written by the client and cannot be trusted. Without proxies, or
 * without the header, the socket's peer.
 */
export function clientAddress(peer: string, forwardedFor: string | undefined | null, hops: number): string {
  if (hops <= 0 || !forwardedFor) return peer;
  const entries = forwardedFor
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  if (entries.length === 0) return peer;
  return entries[Math.max(0, entries.length - hops)] ?? peer;
}

export interface IdentityOptions {
  /** Default auto. */
  secureCookies?: Identity["secureCookies"];
  /** Session lifetime; default a day (./sessions.ts). */
  sessionTtlMs?: number;
  /** Reverse proxies in front of the server; default 0. */
  proxyHops?: number;
  oidc?: OidcLogin;
}

/**
 * Builds the identity services and the authenticator for a server. `projectRoles` comes from the
 * server's informer cache when it has one; otherwise a ProjectRolesLister polls the Projects
 * (stopped by `stop`).
 */
export async function openIdentity(
  parts: {
    kube: KubeClient;
    namespace: string;
    log: Logger;
    clock: () => number;
    projectRoles?: ProjectRoles;
  },
  options: IdentityOptions = {},
): Promise<{ identity: Identity; authenticator: Authenticator; stop(): void }> {
  const { kube, namespace, log, clock } = parts;
  let lister: ProjectRolesLister | undefined;
  let projectRoles = parts.projectRoles;
  if (projectRoles === undefined) {
    lister = new ProjectRolesLister(kube, namespace, log);
    await lister.start();
    projectRoles = lister.projectRoles;
  }
  const sessions = await SessionStore.open(
    kube,
    namespace,
    clock,
    options.sessionTtlMs === undefined ? {} : { ttlMs: options.sessionTtlMs },
  );
  const users = new UserStore(kube, namespace, clock);
  const tokens = new TokenStore(kube, namespace);
  const identity: Identity = {
    sessions,
    users,
    tokens,
    throttle: new LoginThrottle(),
    projectRoles,
    secureCookies: options.secureCookies ?? "auto",
    ...(options.oidc === undefined ? {} : { oidc: options.oidc }),
    proxyHops: options.proxyHops ?? 0,
  };
  const authenticator = new SessionAuthenticator({ sessions, users, tokens, projectRoles, clock, log });
  return { identity, authenticator, stop: () => lister?.stop() };
}
