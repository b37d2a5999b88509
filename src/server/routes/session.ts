// Logging in and out, and who am I.
//
//   POST   /session                 log in with a local account's user name and password
//   GET    /session                 who is calling: name, groups, projects and roles, CSRF token
//   DELETE /session                 log out: the session ends on every replica
//   GET    /auth/oidc/login         single sign-on: redirect to the OpenID provider
//   GET    /auth/oidc/callback      single sign-on: back from the provider, open a session
//
// A browser logs in with `session: "cookie"` (the default) and gets the session in an HttpOnly
// cookie that scripts cannot read, plus the CSRF token to echo in X-CSRF-Token; the CLI asks for
// `session: "token"` and gets the session token in the answer, to send as a Bearer.
//
// Password guessing is slowed per account and per address (LoginThrottle): a slowed attempt is
// answered 429 with Retry-After before the password is even checked. Every failure is audited
// `login-failed` with the user name and why, never the password; a success is audited `login`.
import type { Context } from "hono";
import { z } from "zod";
import { type Subject, visibleProjects } from "../../core/access/authorize.ts";
import { clientAddress, type Identity, personSubject } from "../authenticate.ts";
import type { ServerDeps } from "../context.ts";
import { ApiError } from "../errors.ts";
import { OIDC_FLOW_COOKIE, OIDC_FLOW_TTL_MS, OidcError, type OidcFlow } from "../oidc.ts";
import { defineRoute, type Route } from "../route.ts";
import {
  type IssuedSession,
  isSessionToken,
  readCookie,
  SESSION_COOKIE,
  type SessionClaims,
  sessionCookie,
} from "../sessions.ts";

export function identityOf(deps: ServerDeps): Identity {
  if (deps.identity === undefined) {
    throw new ApiError("upstream-unavailable", "login is not configured on this server");
  }
  return deps.identity;
}

export const whoAmISchema = z.object({
  username: z.string(),
  kind: z.enum(["user", "sso", "token"]),
  groups: z.array(z.string()),
  globalAdmin: z.boolean(),
  projects: z.array(
    z.object({ project: z.string(), roles: z.array(z.string()), verbs: z.array(z.string()) }),
  ),
  csrfToken: z.string().optional(),
  expiresAt: z.string().optional(),
});
export type WhoAmI = z.infer<typeof whoAmISchema>;

/** Who a subject is and what it holds, per project (sorted), for GET /session and GET /account. */
export function whoAmI(subject: Subject, identity: Identity): WhoAmI {
  const all = identity.projectRoles().map((p) => p.name);
  const visible = subject.globalAdmin ? visibleProjects(subject, all) : [];
  const byProject = new Map<string, { roles: Set<string>; verbs: Set<string> }>();
  for (const name of visible)
    byProject.set(name, { roles: new Set(["global-admin"]), verbs: new Set(["*"]) });
  for (const binding of subject.bindings) {
    const entry = byProject.get(binding.project) ?? { roles: new Set(), verbs: new Set() };
    entry.roles.add(binding.role);
    for (const verb of binding.verbs) entry.verbs.add(verb);
    byProject.set(binding.project, entry);
  }
  return {
    username: subject.name,
    kind: subject.kind,
    groups: [...subject.groups],
    globalAdmin: subject.globalAdmin,
    projects: [...byProject.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([project, { roles, verbs }]) => ({ project, roles: [...roles].sort(), verbs: [...verbs] })),
  };
}

/** The session text the request carries (Bearer session token, else the cookie). */
function sessionText(c: Context): string | undefined {
  const auth = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];
  if (auth !== undefined) return isSessionToken(auth) ? auth : undefined;
  return readCookie(c.req.header("cookie"), SESSION_COOKIE);
}

async function currentSession(c: Context, identity: Identity): Promise<SessionClaims | undefined> {
  const text = sessionText(c);
  if (text === undefined) return undefined;
  const checked = await identity.sessions.verify(text);
  return checked.ok ? checked.claims : undefined;
}

/** The address a login attempt counts under: the client behind `proxyHops` proxies, or the peer. */
export function throttledAddress(c: Context, peer: string | undefined, identity: Identity): string {
  return clientAddress(peer ?? "unknown", c.req.header("x-forwarded-for"), identity.proxyHops ?? 0);
}

export function secureRequest(c: Context, identity: Identity): boolean {
  if (identity.secureCookies !== "auto") return identity.secureCookies === "always";
  const forwarded = c.req.header("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  return forwarded === "https" || new URL(c.req.url).protocol === "https:";
}

export function setSessionCookie(c: Context, identity: Identity, session: IssuedSession): void {
  c.header(
    "Set-Cookie",
    sessionCookie(SESSION_COOKIE, session.token, {
      secure: secureRequest(c, identity),
      maxAgeSeconds: (session.claims.exp - session.claims.iat) / 1000,
    }),
    { append: true },
  );
}

function clearCookie(c: Context, identity: Identity, name: string, path = "/"): void {
  c.header(
    "Set-Cookie",
    sessionCookie(name, "", { secure: secureRequest(c, identity), maxAgeSeconds: 0, path }),
    {
      append: true,
    },
  );
}

const loginBody = z.strictObject({
  username: z.string().min(1).max(256),
  password: z.string().min(1).max(1024),
  /** cookie: for a browser (HttpOnly cookie, token not in the answer); token: for the CLI. */
  session: z.enum(["cookie", "token"]).default("cookie"),
});

const loginAnswer = whoAmISchema.extend({
  /** Only with session "token". */
  token: z.string().optional(),
  csrfToken: z.string(),
  expiresAt: z.string(),
});

function callbackUrl(c: Context, identity: Identity): string {
  const configured = identity.oidc?.config.redirectUrl;
  if (configured !== undefined) return configured;
  const url = new URL(c.req.url);
  const proto = c.req.header("x-forwarded-proto")?.split(",")[0]?.trim() ?? url.protocol.replace(":", "");
  const host = c.req.header("x-forwarded-host") ?? c.req.header("host") ?? url.host;
  return `${proto}://${host}/api/v1/auth/oidc/callback`;
}

export function sessionRoutes(): Route[] {
  return [
    defineRoute({
      method: "post",
      path: "/session",
      summary: "log in with a local account; answers 429 with Retry-After while logins are slowed",
      tag: "session",
      public: true,
      body: loginBody,
      response: loginAnswer,
      handle: async (ctx) => {
        const identity = identityOf(ctx.deps);
        const { username, password, session: mode } = ctx.body;
        const attempt = {
          account: username,
          address: throttledAddress(ctx.hono, ctx.actor.address, identity),
        };
        const now = ctx.deps.clock();
        const verdict = identity.throttle.check(attempt, now);
        if (!verdict.allowed) {
          const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
          ctx.audit({
            kind: "login-failed",
            project: "",
            details: { username, method: "password", reason: "throttled", scope: verdict.scope },
          });
          const error = new ApiError("too-many-requests", verdict.reason, { retryAfterSeconds: seconds });
          return ctx.hono.json(error.body(), 429, { "Retry-After": String(seconds) });
        }
        const user = await identity.users.verify(username, password);
        if (user === undefined) {
          identity.throttle.failure(attempt, ctx.deps.clock());
          ctx.audit({
            kind: "login-failed",
            project: "",
            details: { username, method: "password", reason: "wrong user name or password" },
          });
          throw new ApiError("unauthenticated", "wrong user name or password");
        }
        identity.throttle.success(attempt);
        const issued = identity.sessions.issue({ name: user.name, kind: "user", groups: user.groups });
        const subject = personSubject(
          { name: user.name, kind: "user", groups: user.groups },
          identity.projectRoles(),
        );
        ctx.deps.audit.record({
          time: new Date(ctx.deps.clock()).toISOString(),
          kind: "login",
          actor: { type: "user", name: user.name, address: ctx.actor.address ?? "unknown" },
          project: "",
          details: { method: "password", session: issued.claims.sid, via: mode },
        });
        if (mode === "cookie") setSessionCookie(ctx.hono, identity, issued);
        return {
          ...whoAmI(subject, identity),
          ...(mode === "token" ? { token: issued.token } : {}),
          csrfToken: issued.csrfToken,
          expiresAt: new Date(issued.claims.exp).toISOString(),
        };
      },
    }),
    defineRoute({
      method: "get",
      path: "/session",
      summary: "who is calling: user, groups, projects and roles, and the session's CSRF token",
      tag: "session",
      response: whoAmISchema,
      handle: async (ctx) => {
        const identity = identityOf(ctx.deps);
        const subject = ctx.subject as Subject;
        const claims = subject.kind === "token" ? undefined : await currentSession(ctx.hono, identity);
        return {
          ...whoAmI(subject, identity),
          ...(claims === undefined
            ? {}
            : {
                csrfToken: identity.sessions.csrfToken(claims.sid),
                expiresAt: new Date(claims.exp).toISOString(),
              }),
        };
      },
    }),
    defineRoute({
      method: "delete",
      path: "/session",
      summary: "log out: the session ends for every replica of the server",
      tag: "session",
      status: 204,
      response: z.null(),
      handle: async (ctx) => {
        const identity = identityOf(ctx.deps);
        const claims = await currentSession(ctx.hono, identity);
        if (claims === undefined) {
          throw new ApiError(
            "bad-request",
            "log out ends a session; an API token is revoked with moor token revoke",
          );
        }
        await identity.sessions.revoke(claims);
        ctx.audit({ kind: "logout", project: "", details: { session: claims.sid } });
        clearCookie(ctx.hono, identity, SESSION_COOKIE);
        return ctx.hono.body(null, 204);
      },
    }),
    defineRoute({
      method: "get",
      path: "/auth/oidc/login",
      summary: "single sign-on: redirects to the OpenID provider (authorization code with PKCE)",
      tag: "session",
      public: true,
      query: z.strictObject({
        cli_port: z.coerce.number().int().min(1024).max(65535).optional(),
        cli_state: z
          .string()
          .regex(/^[A-Za-z0-9_-]{16,128}$/)
          .optional(),
      }),
      response: z.null(),
      handle: async (ctx) => {
        const identity = identityOf(ctx.deps);
        if (identity.oidc === undefined) {
          throw new ApiError(
            "not-found",
            "single sign-on is not configured on this server: log in with a password",
          );
        }
        const { cli_port: port, cli_state: state } = ctx.query;
        if ((port === undefined) !== (state === undefined)) {
          throw new ApiError("invalid-query", "cli_port and cli_state go together");
        }
        let started: { url: URL; flow: OidcFlow };
        try {
          started = await identity.oidc.start(
            callbackUrl(ctx.hono, identity),
            port === undefined || state === undefined ? undefined : { port, state },
          );
        } catch (err) {
          if (err instanceof OidcError) throw new ApiError("upstream-unavailable", err.message);
          throw err;
        }
        const sealed = identity.sessions.seal("oidc-flow", started.flow, OIDC_FLOW_TTL_MS);
        ctx.hono.header(
          "Set-Cookie",
          sessionCookie(OIDC_FLOW_COOKIE, sealed, {
            secure: secureRequest(ctx.hono, identity),
            maxAgeSeconds: OIDC_FLOW_TTL_MS / 1000,
            path: "/api/v1/auth/oidc",
          }),
        );
        return ctx.hono.redirect(started.url.href, 302);
      },
    }),
    defineRoute({
      method: "get",
      path: "/auth/oidc/callback",
      summary: "single sign-on: the OpenID provider's redirect back; opens a session",
      tag: "session",
      public: true,
      query: z.looseObject({
        code: z.string().optional(),
        state: z.string().optional(),
        error: z.string().optional(),
      }),
      response: z.null(),
      handle: async (ctx) => {
        const identity = identityOf(ctx.deps);
        if (identity.oidc === undefined) {
          throw new ApiError("not-found", "single sign-on is not configured on this server");
        }
        const flow = identity.sessions.unseal(
          "oidc-flow",
          readCookie(ctx.hono.req.header("cookie"), OIDC_FLOW_COOKIE),
        ) as OidcFlow | undefined;
        const fail = (reason: string): never => {
          ctx.audit({ kind: "login-failed", project: "", details: { method: "sso", reason } });
          throw new ApiError("unauthenticated", `single sign-on failed: ${reason}`);
        };
        if (flow === undefined)
          fail("the login took too long or did not start here: start again at /api/v1/auth/oidc/login");
        const started = flow as OidcFlow;
        if (ctx.query.error !== undefined) fail(`the provider answered ${ctx.query.error}`);
        let user: { username: string; groups: string[] } | undefined;
        try {
          user = await identity.oidc.finish(new URL(ctx.hono.req.url), started);
        } catch (err) {
          if (err instanceof OidcError) fail(err.message.replace(/^single sign-on failed: /, ""));
          throw err;
        }
        const { username, groups } = user as { username: string; groups: string[] };
        const issued = identity.sessions.issue({ name: username, kind: "sso", groups });
        ctx.deps.audit.record({
          time: new Date(ctx.deps.clock()).toISOString(),
          kind: "login",
          actor: { type: "user", name: username, address: ctx.actor.address ?? "unknown" },
          project: "",
          details: { method: "sso", session: issued.claims.sid, groups },
        });
        clearCookie(ctx.hono, identity, OIDC_FLOW_COOKIE, "/api/v1/auth/oidc");
        if (started.cli !== undefined) {
          const target = new URL(`http://127.0.0.1:${started.cli.port}/callback`);
          target.searchParams.set("state", started.cli.state);
          target.searchParams.set("token", issued.token);
          target.searchParams.set("username", username);
          return ctx.hono.redirect(target.href, 302);
        }
        setSessionCookie(ctx.hono, identity, issued);
        return ctx.hono.redirect("/", 302);
      },
    }),
  ];
}
