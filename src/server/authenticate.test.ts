// Login, sessions, CSRF, API tokens and roles through the real request pipeline (createApiApp),
// on in-memory Secrets: what a browser, the CLI and a CI job observe.
import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { z } from "zod";
import { BUILT_IN_ROLE_VERBS, isResource, isVerb } from "../core/access/roles.ts";
import { LoginThrottle, throttleOptions } from "../core/access/throttle.ts";
import type { AuditEntry } from "../core/audit/record.ts";
import { createLogger } from "../util/log.ts";
import { createApiApp } from "./app.ts";
import { fakeKube } from "./authenticate.test-kube.ts";
import { type Identity, SessionAuthenticator } from "./authenticate.ts";
import type { ServerDeps } from "./context.ts";
import { defineRoute, type Route } from "./route.ts";
import { accountRoutes } from "./routes/account.ts";
import { sessionRoutes } from "./routes/session.ts";
import { tokenRoutes } from "./routes/tokens.ts";
import { SessionStore } from "./sessions.ts";
import { TokenStore } from "./token-store.ts";
import { initialAdminPassword, UserStore } from "./users.ts";

/** GET /probe/{project}/{verb}/{resource}: answers 200 when the caller may, else the 403. */
const probe: Route = defineRoute({
  method: "get",
  path: "/probe/{project}/{verb}/{resource}",
  summary: "probe",
  tag: "test",
  params: z.strictObject({ project: z.string(), verb: z.string(), resource: z.string() }),
  response: z.object({ ok: z.literal(true) }),
  handle: async (ctx) => {
    const { verb, resource, project } = ctx.params;
    assert.ok(isVerb(verb) && isResource(resource));
    ctx.authorize({ verb, resource, project });
    return { ok: true as const };
  },
});

const projects = [
  {
    name: "team-a",
    roles: [{ name: "deployer", verbs: BUILT_IN_ROLE_VERBS.deployer, users: ["alice"], groups: [] }],
  },
  {
    name: "team-b",
    roles: [{ name: "viewer", verbs: BUILT_IN_ROLE_VERBS.viewer, users: [], groups: ["b-team"] }],
  },
];

interface World {
  fetch(
    path: string,
    init?: { method?: string; headers?: Record<string, string>; body?: unknown },
  ): Promise<Response>;
  audit: AuditEntry[];
  kube: ReturnType<typeof fakeKube>;
  users: UserStore;
  adminPassword: string;
  advance(ms: number): void;
}

async function world(options: { proxyHops?: number } = {}): Promise<World> {
  const kube = fakeKube();
  let now = Date.UTC(2026, 0, 1);
  const clock = () => now;
  const log = createLogger({ level: "error" });
  const users = new UserStore(kube.client, "mooring", clock, { cacheMs: 0 });
  await users.bootstrapAdmin();
  const adminPassword = (await initialAdminPassword(kube.client, "mooring")) ?? "";
  const sessions = await SessionStore.open(kube.client, "mooring", clock);
  const tokens = new TokenStore(kube.client, "mooring");
  const projectRoles = () => projects;
  const identity: Identity = {
    sessions,
    users,
    tokens,
    throttle: new LoginThrottle(
      throttleOptions({
        account: { freeFailures: 2, baseDelayMs: 1000, maxDelayMs: 60_000 },
        address: { freeFailures: 4, baseDelayMs: 1000, maxDelayMs: 60_000 },
      }),
    ),
    projectRoles,
    secureCookies: "auto",
    proxyHops: options.proxyHops ?? 0,
  };
  const audit: AuditEntry[] = [];
  const deps: ServerDeps = {
    authenticator: new SessionAuthenticator({ sessions, users, tokens, projectRoles, clock, log }),
    identity,
    audit: { record: (entry) => audit.push(entry) },
    clock,
    log,
    kube: kube.client,
    namespace: "mooring",
  };
  const app = createApiApp(deps, [...sessionRoutes(), ...tokenRoutes(), ...accountRoutes(), probe]);
  return {
    fetch: (path, init = {}) =>
      Promise.resolve(
        app.fetch(
          new Request(`http://mooring.test/api/v1${path}`, {
            method: init.method ?? "GET",
            headers: {
              ...(init.body === undefined ? {} : { "content-type": "application/json" }),
              ...init.headers,
            },
            ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
          }),
        ),
      ),
    audit,
    kube,
    users,
    adminPassword,
    advance: (ms) => {
      now += ms;
    },
  };
}

async function login(w: World, username: string, password: string, session: "cookie" | "token" = "cookie") {
  return w.fetch("/session", { method: "POST", body: { username, password, session } });
}

function cookieOf(res: Response): string {
  const set = res.headers.get("set-cookie") ?? "";
  return set.split(";")[0] ?? "";
}

describe("logging in", () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  it("answers 401 to a caller with no credentials", async () => {
    const res = await w.fetch("/session");
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, "unauthenticated");
  });

  it("refuses a Bearer that is no Mooring credential, but lets other schemes reach public routes", async () => {
    const junk = await w.fetch("/session", { headers: { authorization: "Bearer not-a-token" } });
    assert.equal(junk.status, 401);
    assert.equal(w.audit.at(-1)?.kind, "api-denied");
    const basic = await w.fetch("/session", {
      method: "POST",
      headers: { authorization: "Basic dXNlcjpwdw==" },
      body: { username: "admin", password: w.adminPassword },
    });
    assert.equal(basic.status, 200);
  });

  it("logs the bootstrapped admin in with an HttpOnly cookie, never the token in the answer", async () => {
    const res = await login(w, "admin", w.adminPassword);
    assert.equal(res.status, 200);
    const set = res.headers.get("set-cookie") ?? "";
    assert.match(set, /^mooring_session=mss\.[^;]+; Path=\/; Max-Age=86400; HttpOnly; SameSite=Lax$/);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.token, undefined);
    assert.equal(body.globalAdmin, true);
    assert.equal(typeof body.csrfToken, "string");
    const me = await w.fetch("/session", { headers: { cookie: cookieOf(res) } });
    assert.equal(me.status, 200);
    const who = (await me.json()) as { username: string; csrfToken: string };
    assert.equal(who.username, "admin");
    assert.equal(who.csrfToken, body.csrfToken);
    assert.deepEqual(
      w.audit.map((e) => e.kind),
      ["login"],
    );
  });

  it("refuses a wrong password, audits it without the password, and slows guessing per account", async () => {
    // Two failures are free; the third earns a wait of 1 s.
    for (let i = 0; i < 3; i++) {
      const res = await login(w, "admin", "not-the-password");
      assert.equal(res.status, 401);
    }
    const slowed = await login(w, "admin", w.adminPassword);
    assert.equal(slowed.status, 429, "even the right password waits once the account is slowed");
    assert.equal(slowed.headers.get("retry-after"), "1");
    assert.match(((await slowed.json()) as { error: { message: string } }).error.message, /account admin/);
    const failed = w.audit.filter((e) => e.kind === "login-failed");
    assert.equal(failed.length, 4);
    assert.deepEqual(failed[0]?.details, {
      username: "admin",
      method: "password",
      reason: "wrong user name or password",
    });
    assert.doesNotMatch(JSON.stringify(w.audit), /not-the-password/);
    w.advance(1000);
    assert.equal((await login(w, "admin", w.adminPassword)).status, 200, "after Retry-After it works");
  });

  it("slows many user names tried from one address", async () => {
    for (const name of ["a1", "a2", "a3", "a4", "a5"]) assert.equal((await login(w, name, "x")).status, 401);
    const res = await login(w, "a6", "x");
    assert.equal(res.status, 429);
    assert.match(
      ((await res.json()) as { error: { message: string } }).error.message,
      /too many failed logins from/,
    );
  });
});

describe("behind a reverse proxy", () => {
  it("counts failures per client the proxy names, so one client's guessing does not slow another", async () => {
    const w = await world({ proxyHops: 1 });
    const from = (client: string, name: string) =>
      w.fetch("/session", {
        method: "POST",
        headers: { "x-forwarded-for": client },
        body: { username: name, password: "x" },
      });
    for (const name of ["a1", "a2", "a3", "a4", "a5"])
      assert.equal((await from("198.51.100.7", name)).status, 401);
    assert.equal((await from("198.51.100.7", "a6")).status, 429, "the guessing client is slowed");
    assert.equal(
      (await from("203.0.113.20", "b1")).status,
      401,
      "another client behind the same proxy is not",
    );
  });
});

describe("sessions and CSRF", () => {
  let w: World;
  let cookie: string;
  let csrf: string;
  beforeEach(async () => {
    w = await world();
    const res = await login(w, "admin", w.adminPassword);
    cookie = cookieOf(res);
    csrf = ((await res.json()) as { csrfToken: string }).csrfToken;
  });

  it("refuses a cookie POST without the CSRF header, and audits it", async () => {
    const body = { project: "team-a", role: "viewer" };
    const refused = await w.fetch("/tokens", { method: "POST", headers: { cookie }, body });
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, "csrf-refused");
    assert.equal(w.audit.at(-1)?.kind, "api-denied");
    const wrong = await w.fetch("/tokens", {
      method: "POST",
      headers: { cookie, "x-csrf-token": "x" },
      body,
    });
    assert.equal(wrong.status, 403);
    const allowed = await w.fetch("/tokens", {
      method: "POST",
      headers: { cookie, "x-csrf-token": csrf },
      body,
    });
    assert.equal(allowed.status, 201);
  });

  it("ends the session at logout, for the cookie and the same token as a Bearer", async () => {
    const cli = await login(w, "admin", w.adminPassword, "token");
    const token = ((await cli.json()) as { token: string }).token;
    assert.match(token, /^mss\./);
    assert.equal(cli.headers.get("set-cookie"), null, "the CLI gets no cookie");
    const out = await w.fetch("/session", { method: "DELETE", headers: { cookie, "x-csrf-token": csrf } });
    assert.equal(out.status, 204);
    assert.match(out.headers.get("set-cookie") ?? "", /^mooring_session=; Path=\/; Max-Age=0/);
    assert.equal((await w.fetch("/session", { headers: { cookie } })).status, 401);
    assert.equal((await w.fetch("/session", { headers: { authorization: `Bearer ${token}` } })).status, 200);
    assert.equal(
      (await w.fetch("/session", { method: "DELETE", headers: { authorization: `Bearer ${token}` } })).status,
      204,
    );
    const after = await w.fetch("/session", { headers: { authorization: `Bearer ${token}` } });
    assert.equal(after.status, 401);
    const ended = (await after.json()) as { error: { message: string; reason: string } };
    assert.match(ended.error.message, /ended at logout/);
    assert.equal(ended.error.reason, "session-revoked");
    assert.deepEqual(w.audit.filter((e) => e.kind === "logout").length, 2);
  });

  it("ends earlier sessions when the password changes", async () => {
    const headers = { cookie, "x-csrf-token": csrf };
    const short = await w.fetch("/account/password", {
      method: "PUT",
      headers,
      body: { currentPassword: w.adminPassword, newPassword: "short" },
    });
    assert.equal(short.status, 400);
    w.advance(1);
    const changed = await w.fetch("/account/password", {
      method: "PUT",
      headers,
      body: { currentPassword: w.adminPassword, newPassword: "a much longer password" },
    });
    assert.equal(changed.status, 200);
    w.advance(1);
    assert.equal((await w.fetch("/account", { headers: { cookie } })).status, 401);
    assert.equal((await login(w, "admin", "a much longer password")).status, 200);
    assert.equal((await login(w, "admin", w.adminPassword)).status, 401);
  });
});

describe("roles from the projects", () => {
  it("gives a local user the roles its name holds, and no others", async () => {
    const w = await world();
    await w.users.put({
      name: "alice",
      passwordHash: (await w.users.get("admin"))?.passwordHash ?? "",
      groups: [],
      passwordChangedAt: 0,
    });
    const res = await login(w, "alice", w.adminPassword, "token");
    const token = ((await res.json()) as { token: string }).token;
    const auth = { authorization: `Bearer ${token}` };
    const me = (await (await w.fetch("/account", { headers: auth })).json()) as Record<string, unknown>;
    assert.deepEqual(me.projects, [
      { project: "team-a", roles: ["deployer"], verbs: [...BUILT_IN_ROLE_VERBS.deployer] },
    ]);
    assert.equal(me.globalAdmin, false);
    assert.equal((await w.fetch("/probe/team-a/sync/application", { headers: auth })).status, 200);
    assert.equal((await w.fetch("/probe/team-a/approve/stack", { headers: auth })).status, 403);
    assert.equal((await w.fetch("/probe/team-b/list/application", { headers: auth })).status, 403);
    assert.equal(
      (
        await w.fetch("/tokens", {
          method: "POST",
          headers: auth,
          body: { project: "team-a", role: "viewer" },
        })
      ).status,
      403,
      "a deployer cannot manage tokens",
    );
  });
});

describe("API tokens", () => {
  it("acts as its one project and role, is listed without secrets, and is refused once revoked", async () => {
    const w = await world();
    const res = await login(w, "admin", w.adminPassword, "token");
    const admin = { authorization: `Bearer ${((await res.json()) as { token: string }).token}` };
    const created = await w.fetch("/tokens", {
      method: "POST",
      headers: admin,
      body: { project: "team-a", role: "deployer", expiresIn: "7d", description: "ci" },
    });
    assert.equal(created.status, 201);
    const { token, record } = (await created.json()) as {
      token: string;
      record: { id: string; state: string };
    };
    assert.match(token, /^moor_[0-9a-f]{16}_/);
    assert.equal(record.state, "active");
    const stored = JSON.stringify([...w.kube.objects.values()]);
    assert.doesNotMatch(stored, new RegExp(token.slice(22)), "the token's secret is not stored");
    assert.equal(w.audit.at(-1)?.kind, "token-created");
    assert.doesNotMatch(JSON.stringify(w.audit), new RegExp(token));

    const ci = { authorization: `Bearer ${token}` };
    assert.equal((await w.fetch("/probe/team-a/list/application", { headers: ci })).status, 200);
    assert.equal((await w.fetch("/probe/team-a/approve/stack", { headers: ci })).status, 403);
    assert.equal((await w.fetch("/probe/team-b/list/application", { headers: ci })).status, 403);

    // The last use is written back at most once a minute.
    const writes = () => w.kube.calls.filter((c) => c === `patch Secret/mooring-token-${record.id}`).length;
    assert.equal(writes(), 1);
    w.advance(30_000);
    await w.fetch("/probe/team-a/list/application", { headers: ci });
    assert.equal(writes(), 1);
    w.advance(30_000);
    await w.fetch("/probe/team-a/list/application", { headers: ci });
    assert.equal(writes(), 2);

    const list = await w.fetch("/tokens?project=team-a", { headers: admin });
    const text = await list.text();
    assert.match(text, new RegExp(record.id));
    assert.doesNotMatch(text, /secretHash|moor_/);

    const bad = await w.fetch("/tokens", {
      method: "POST",
      headers: admin,
      body: { project: "team-a", role: "nobody" },
    });
    assert.equal(bad.status, 400);
    const tooLong = await w.fetch("/tokens", {
      method: "POST",
      headers: admin,
      body: { project: "team-a", role: "viewer", expiresIn: "400d" },
    });
    assert.equal(tooLong.status, 400);

    const revoked = await w.fetch(`/tokens/${record.id}`, { method: "DELETE", headers: admin });
    assert.equal(revoked.status, 200);
    assert.equal(((await revoked.json()) as { record: { state: string } }).record.state, "revoked");
    assert.equal(w.audit.at(-1)?.kind, "token-revoked");
    const refused = await w.fetch("/probe/team-a/list/application", { headers: ci });
    assert.equal(refused.status, 401);
    const body = (await refused.json()) as { error: { message: string; reason: string } };
    assert.match(body.error.message, /was revoked/);
    assert.equal(body.error.reason, "token-revoked");
    const denied = w.audit.at(-1);
    assert.equal(denied?.kind, "api-denied");
    assert.equal(denied?.details.refusal, "token-revoked");
    assert.equal(
      denied?.details.credential,
      `token:${record.id}`,
      "the audit names the token, never its secret",
    );
  });
});

describe("local accounts", () => {
  it("a global admin creates, resets and deletes accounts; their sessions end with them", async () => {
    const w = await world();
    const adminLogin = await login(w, "admin", w.adminPassword, "token");
    const admin = { authorization: `Bearer ${((await adminLogin.json()) as { token: string }).token}` };
    const created = await w.fetch("/accounts", {
      method: "POST",
      headers: admin,
      body: { name: "carol", groups: ["b-team"] },
    });
    assert.equal(created.status, 201);
    const { password } = (await created.json()) as { password: string };
    assert.ok(password.length >= 16, "a generated password is answered once");
    assert.equal(
      (await w.fetch("/accounts", { method: "POST", headers: admin, body: { name: "carol" } })).status,
      409,
    );
    const listed = await (await w.fetch("/accounts", { headers: admin })).text();
    assert.match(listed, /"carol"/);
    assert.doesNotMatch(listed, /scrypt|passwordHash/);

    const carolLogin = await login(w, "carol", password, "token");
    assert.equal(carolLogin.status, 200);
    const carol = { authorization: `Bearer ${((await carolLogin.json()) as { token: string }).token}` };
    const me = (await (await w.fetch("/account", { headers: carol })).json()) as { projects: unknown[] };
    assert.deepEqual(
      me.projects,
      [{ project: "team-b", roles: ["viewer"], verbs: ["get", "list"] }],
      "by group",
    );
    const denied = await w.fetch("/accounts", { headers: carol });
    assert.equal(denied.status, 403, "only a global admin manages accounts");

    w.advance(1);
    const reset = await w.fetch("/accounts/carol/password", {
      method: "PUT",
      headers: admin,
      body: { newPassword: "correct horse battery" },
    });
    assert.equal(reset.status, 200);
    w.advance(1);
    assert.equal(
      (await w.fetch("/account", { headers: carol })).status,
      401,
      "the reset ended carol's session",
    );
    const again = await login(w, "carol", "correct horse battery", "token");
    const carol2 = { authorization: `Bearer ${((await again.json()) as { token: string }).token}` };
    assert.equal((await w.fetch("/accounts/admin", { method: "DELETE", headers: admin })).status, 400);
    assert.equal((await w.fetch("/accounts/carol", { method: "DELETE", headers: admin })).status, 204);
    assert.equal(
      (await w.fetch("/account", { headers: carol2 })).status,
      401,
      "a deleted account's session ends",
    );
  });
});
