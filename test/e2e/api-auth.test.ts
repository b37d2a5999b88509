// User story: an operator logs in to `moor server` with the bootstrapped admin account, hands a
// CI job an API token for one project and role, and relies on the server to keep everyone else
// out: no credentials is 401; a wrong password is audited and password guessing is slowed per
// account and per address (429 with Retry-After); a browser session cannot be ridden by a
// cross-site form (CSRF); logout ends a session on every replica; a token for team-a's deployer
// sees team-a and nothing of team-b, cannot approve a plan, and is refused once revoked; no
// password, token or hash appears in an answer, the server log or the audit trail.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { auditRecordsSince } from "../harness/audit.ts";
import { eventually, kubectl, kubectlOk, moor } from "../harness/cluster.ts";
import { ensureInstalled } from "../harness/controller.ts";
import { runEnv } from "../harness/env.ts";
import { type RunningServer, startServer } from "../harness/server.ts";

const suffix = randomBytes(3).toString("hex");
const teamA = `team-a-${suffix}`;
const teamB = `team-b-${suffix}`;
const ns = `t-api-auth-${suffix}`;

function project(name: string): string {
  return `apiVersion: mooring.dev/v1alpha1
kind: Project
metadata: { name: ${name}, namespace: mooring }
spec:
  sourceRepos: ["*"]
  destinations: [{ server: "*", namespace: "*" }]
  sourceNamespaces: [${ns}]
  roles:
    - name: deployer
      groups: [${name}-devs]
`;
}

function app(name: string, proj: string): string {
  return `apiVersion: mooring.dev/v1alpha1
kind: Application
metadata: { name: ${name}, namespace: ${ns} }
spec:
  project: ${proj}
  source: { repoURL: "https://git.example.com/${proj}.git", path: ".", targetRevision: main }
  destination: { namespace: ${ns} }
`;
}

function stack(name: string, proj: string): string {
  return `apiVersion: mooring.dev/v1alpha1
kind: Stack
metadata: { name: ${name}, namespace: ${ns} }
spec:
  project: ${proj}
  source: { repoURL: "https://git.example.com/${proj}-infra.git", path: ".", targetRevision: main }
`;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

describe("moor server: login, sessions, CSRF, API tokens and roles", () => {
  let server: RunningServer;
  let adminPassword = "";
  /** Every answer body seen, to check no secret ever left the server except where meant to. */
  const answers: string[] = [];

  async function call(
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
    on: RunningServer = server,
  ): Promise<Answer> {
    const res = await on.api(path, {
      method: init.method ?? "GET",
      headers: {
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
        ...init.headers,
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const text = await res.text();
    answers.push(text);
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {}
    return { status: res.status, headers: res.headers, text, json };
  }

  const code = (a: Answer) => (a.json.error as { code?: string } | undefined)?.code;
  const login = (username: string, password: string, session: "cookie" | "token" = "token", on = server) =>
    call("/session", { method: "POST", body: { username, password, session } }, on);
  const startedAt = new Date().toISOString();
  const allAudits = () => auditRecordsSince(server, startedAt);
  const audits = async (kind: string) => (await allAudits()).filter((entry) => entry.kind === kind);

  before(async () => {
    await ensureInstalled();
    const encoded = await kubectlOk([
      "get",
      "secret",
      "mooring-initial-admin",
      "-n",
      "mooring",
      "-o",
      "jsonpath={.data.password}",
    ]);
    adminPassword = Buffer.from(encoded, "base64").toString("utf8");
    assert.ok(adminPassword.length >= 16, "moor install bootstrapped the admin with a random password");
    await kubectlOk(["create", "namespace", ns]);
    await kubectlOk(["apply", "-f", "-"], {
      input: [
        project(teamA),
        project(teamB),
        app("shop", teamA),
        app("billing", teamB),
        stack("infra", teamA),
      ].join("---\n"),
    });
    server = await startServer();
  });

  after(async () => {
    await server?.stop();
    await kubectl(["delete", "project", teamA, teamB, "-n", "mooring", "--ignore-not-found"]);
    await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
  });

  it("answers 401 without credentials and with a made-up token", async () => {
    const none = await call("/applications");
    assert.equal(none.status, 401);
    assert.equal(code(none), "unauthenticated");
    const forged = await call("/applications", {
      headers: { authorization: `Bearer moor_0123456789abcdef_${"x".repeat(43)}` },
    });
    assert.equal(forged.status, 401);
  });

  it("refuses a wrong password and audits the failure without the password", async () => {
    const wrong = await login("admin", "wrong-password-123");
    assert.equal(wrong.status, 401);
    await eventually("the login-failed audit record", async () =>
      (await audits("login-failed")).some((e) => e.details.username === "admin") ? true : undefined,
    );
  });

  it("logs the admin in with a cookie; a cookie POST without the CSRF header is refused and audited", async () => {
    const res = await login("admin", adminPassword, "cookie");
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.token, undefined, "a browser session is only in the HttpOnly cookie");
    const setCookie = res.headers.get("set-cookie") ?? "";
    assert.match(setCookie, /^mooring_session=mss\.[^;]+;.*HttpOnly; SameSite=Lax/);
    const cookie = setCookie.split(";")[0] ?? "";
    const csrf = String(res.json.csrfToken);

    const me = await call("/session", { headers: { cookie } });
    assert.equal(me.status, 200);
    assert.equal(me.json.username, "admin");
    assert.equal(me.json.globalAdmin, true);
    assert.equal(me.json.csrfToken, csrf);

    const body = { project: teamA, role: "viewer", expiresIn: "1d" };
    const refused = await call("/tokens", { method: "POST", headers: { cookie }, body });
    assert.equal(refused.status, 403);
    assert.equal(code(refused), "csrf-refused");
    await eventually("the csrf refusal in the audit trail", async () =>
      (await audits("api-denied")).some((e) => e.details.code === "csrf-refused") ? true : undefined,
    );
    const allowed = await call("/tokens", {
      method: "POST",
      headers: { cookie, "x-csrf-token": csrf },
      body,
    });
    assert.equal(allowed.status, 201, allowed.text);

    const out = await call("/session", { method: "DELETE", headers: { cookie, "x-csrf-token": csrf } });
    assert.equal(out.status, 204);
    assert.equal((await call("/session", { headers: { cookie } })).status, 401, "logout ended the session");
  });

  it("keeps sessions across a restart and on a second replica, and ends them on both at logout", async () => {
    const res = await login("admin", adminPassword);
    const bearer = { authorization: `Bearer ${String(res.json.token)}` };
    const replica = await startServer();
    try {
      assert.equal((await call("/session", { headers: bearer }, replica)).status, 200);
      assert.equal((await call("/session", { method: "DELETE", headers: bearer }, replica)).status, 204);
      assert.equal((await call("/session", { headers: bearer }, replica)).status, 401);
      await eventually(
        "the first replica to refuse the logged-out session",
        async () => ((await call("/session", { headers: bearer })).status === 401 ? true : undefined),
        5_000,
      );
    } finally {
      await replica.stop();
    }
  });

  it("gives a token for team-a's deployer team-a's apps only; it cannot approve or see team-b, and dies when revoked", async () => {
    const res = await login("admin", adminPassword);
    const admin = { authorization: `Bearer ${String(res.json.token)}` };
    const created = await call("/tokens", {
      method: "POST",
      headers: admin,
      body: { project: teamA, role: "deployer", expiresIn: "1d", description: "ci" },
    });
    assert.equal(created.status, 201, created.text);
    const token = String(created.json.token);
    const id = (created.json.record as { id: string }).id;
    const ci = { authorization: `Bearer ${token}` };

    const names = await eventually("team-a's application in the token's list", async () => {
      const list = await call(`/applications?project=${teamA}`, { headers: ci });
      assert.equal(list.status, 200, list.text);
      const items = (list.json.items as { name: string }[]).map((i) => i.name);
      return items.includes("shop") ? items : undefined;
    });
    assert.deepEqual(names, ["shop"]);
    const all = await call("/applications", { headers: ci });
    assert.ok(!(all.json.items as { name: string; project: string }[]).some((i) => i.project === teamB));
    const other = await call(`/applications/${ns}/billing`, { headers: ci });
    assert.ok([403, 404].includes(other.status), `team-b's app: ${other.status}`);
    const approve = await call(`/stacks/${ns}/infra/approve`, {
      method: "POST",
      headers: ci,
      body: { planId: "p-0123456789abcdef" },
    });
    assert.equal(approve.status, 403, approve.text);
    assert.equal(code(approve), "forbidden");
    const mint = await call("/tokens", {
      method: "POST",
      headers: ci,
      body: { project: teamA, role: "admin" },
    });
    assert.equal(mint.status, 403, "a deployer token cannot mint tokens");

    const listed = await call(`/tokens?project=${teamA}`, { headers: admin });
    assert.match(listed.text, new RegExp(id));
    assert.doesNotMatch(listed.text, /secretHash|moor_/);

    const revoked = await call(`/tokens/${id}`, { method: "DELETE", headers: admin });
    assert.equal(revoked.status, 200, revoked.text);
    const after = await call("/applications", { headers: ci });
    assert.equal(after.status, 401);
    assert.match(String((after.json.error as { message: string }).message), /revoked/);
    assert.equal((after.json.error as { reason: string }).reason, "token-revoked");
    await eventually("the token-created and token-revoked records", async () =>
      (await audits("token-created")).some((e) => e.details.token === id) &&
      (await audits("token-revoked")).some((e) => e.details.token === id)
        ? true
        : undefined,
    );

    // The Secret keeps the hash, never the token.
    const secret = await kubectlOk(["get", "secret", `mooring-token-${id}`, "-n", "mooring", "-o", "json"]);
    const tokenSecret = token.slice("moor_".length + 17);
    const decoded = Object.values((JSON.parse(secret) as { data: Record<string, string> }).data)
      .map((v) => Buffer.from(v, "base64").toString("utf8"))
      .join("\n");
    assert.doesNotMatch(decoded, new RegExp(tokenSecret.replace(/[-]/g, "\\-")));

    // The token text appeared in its creation answer only; no secret reached the log or the audit.
    assert.equal(answers.filter((a) => a.includes(tokenSecret)).length, 1);
    const log = JSON.stringify(server.logs);
    assert.doesNotMatch(log, new RegExp(tokenSecret.replace(/[-]/g, "\\-")));
    assert.ok(!log.includes(adminPassword), "the admin password is not in the server log");
    assert.ok(!answers.some((a) => a.includes(adminPassword)), "nor in any answer");
    const trail = JSON.stringify(await allAudits());
    assert.ok(!trail.includes(tokenSecret) && !trail.includes(adminPassword), "nor in the audit trail");
  });

  it("moor login, account, account create|list|delete, token create|list|revoke and logout work against the server", async () => {
    const dir = await mkdtemp(join(tmpdir(), "moor-cli-login-"));
    const env = { ...runEnv(), MOORING_CONFIG_DIR: dir };
    const cli = (args: string[], input?: string) =>
      moor(args, { env, ...(input === undefined ? {} : { input }) });
    try {
      const origin = server.url.replace(/\/api\/v1$/, "");
      const loggedIn = await cli(
        ["login", origin, "--username", "admin", "--password-stdin"],
        `${adminPassword}\n`,
      );
      assert.equal(loggedIn.code, 0, loggedIn.stderr);
      assert.match(loggedIn.stdout, /logged in to .* as admin \(global admin\)/);
      assert.equal((await stat(join(dir, "logins.json"))).mode & 0o777, 0o600);

      const account = await cli(["account"]);
      assert.equal(account.code, 0, account.stderr);
      assert.match(account.stdout, /User: +admin \(local account, global admin\)/);

      const created = await cli([
        "token",
        "create",
        "--project",
        teamA,
        "--role",
        "viewer",
        "--expires",
        "1h",
      ]);
      assert.equal(created.code, 0, created.stderr);
      const token = created.stdout.trim();
      assert.match(token, /^moor_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/, "stdout is the token alone");
      const id = token.slice(5, 21);
      const ciDir = await mkdtemp(join(tmpdir(), "moor-cli-token-"));
      const ci = await moor(["login", origin, "--token-stdin"], {
        env: { ...env, MOORING_CONFIG_DIR: ciDir },
        input: `${token}\n`,
      });
      await rm(ciDir, { recursive: true, force: true });
      assert.equal(ci.code, 0, ci.stderr);
      assert.match(ci.stdout, new RegExp(`as token:${id} \\(${teamA}: viewer\\)`));
      const list = await cli(["token", "list", "--project", teamA]);
      assert.match(list.stdout, new RegExp(`${id} +${teamA} +viewer +active`));
      assert.doesNotMatch(list.stdout, /moor_/);
      const revoke = await cli(["token", "revoke", id]);
      assert.equal(revoke.code, 0, revoke.stderr);
      assert.equal((await call("/session", { headers: { authorization: `Bearer ${token}` } })).status, 401);

      const erin = `erin-${suffix}`;
      const made = await cli(["account", "create", erin, "--group", `${teamA}-devs`]);
      assert.equal(made.code, 0, made.stderr);
      const erinPassword = /password: (\S+)/.exec(made.stdout)?.[1] ?? "";
      assert.ok(erinPassword.length >= 16, made.stdout);
      const erinLogin = await login(erin, erinPassword);
      assert.equal(erinLogin.status, 200);
      assert.deepEqual(
        (erinLogin.json.projects as { project: string; roles: string[] }[]).map((p) => [p.project, p.roles]),
        [[teamA, ["deployer"]]],
        "erin holds team-a's deployer role through the group",
      );
      assert.match((await cli(["account", "list"])).stdout, new RegExp(`${erin} +${teamA}-devs`));
      assert.equal((await cli(["account", "delete", erin])).code, 0);
      const erinSession = { authorization: `Bearer ${String(erinLogin.json.token)}` };
      assert.equal(
        (await call("/session", { headers: erinSession })).status,
        401,
        "a deleted account's session ends",
      );

      const logout = await cli(["logout"]);
      assert.equal(logout.code, 0, logout.stderr);
      const gone = await cli(["account"]);
      assert.equal(gone.code, 1);
      assert.match(gone.stderr, /not logged in to any Mooring server: run moor login SERVER/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("slows password guessing per account, then per address, with 429 and Retry-After", async () => {
    const victim = `victim-${suffix}`;
    let throttled: Answer | undefined;
    for (let i = 0; i < 8 && throttled === undefined; i++) {
      const res = await login(victim, `guess-${i}`);
      if (res.status === 429) throttled = res;
      else assert.equal(res.status, 401);
    }
    assert.ok(throttled, "the account was slowed within 8 guesses");
    assert.ok(Number(throttled.headers.get("retry-after")) >= 1);
    assert.match(
      String((throttled.json.error as { message: string }).message),
      new RegExp(`account ${victim}`),
    );

    let sprayed: Answer | undefined;
    for (let i = 0; i < 30 && sprayed === undefined; i++) {
      const res = await login(`spray-${i}-${suffix}`, "Winter2026!");
      if (res.status === 429) sprayed = res;
    }
    assert.ok(sprayed, "many user names from one address were slowed within 30 tries");
    assert.ok(Number(sprayed.headers.get("retry-after")) >= 1);
    assert.match(String((sprayed.json.error as { message: string }).message), /too many failed logins from/);
    await eventually("a throttled login in the audit trail", async () =>
      (await audits("login-failed")).some((e) => e.details.reason === "throttled") ? true : undefined,
    );
  });
});
