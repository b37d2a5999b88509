// User story: a team signs in with its company's OpenID provider. The operator starts
// `moor server` with --oidc-issuer, --oidc-client-id and --oidc-client-secret-file; a developer in
// the provider's group team-a-devs goes through the authorization code flow with PKCE (in a
// browser, or with `moor login --sso`) and ends with a Mooring session that holds team-a's
// deployer role, because team-a's Project binds that group, and nothing in team-b. A callback
// that did not start at this server is refused and audited.
//
// The provider is the real `oidc-provider` (an OpenID Certified implementation), started by the
// test on 127.0.0.1 with one confidential client and its built-in login and consent pages; the
// test plays the browser over HTTP: it follows redirects and submits those pages.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import Provider from "oidc-provider";
import { auditRecordsSince } from "../harness/audit.ts";
import { eventually, kubectl, kubectlOk, moor } from "../harness/cluster.ts";
import { ensureInstalled } from "../harness/controller.ts";
import { runEnv } from "../harness/env.ts";
import { type RunningServer, startServer } from "../harness/server.ts";

const suffix = randomBytes(3).toString("hex");
const teamA = `team-a-${suffix}`;
const teamB = `team-b-${suffix}`;
const devs = `team-a-devs-${suffix}`;
const CLIENT_SECRET = `client-secret-${randomBytes(8).toString("hex")}`;
const startedAt = new Date().toISOString();
const MOOR = fileURLToPath(new URL("../../bin/moor.js", import.meta.url));

function project(name: string, group: string): string {
  return `apiVersion: mooring.dev/v1alpha1
kind: Project
metadata: { name: ${name}, namespace: mooring }
spec:
  roles:
    - name: deployer
      groups: [${group}]
`;
}

/** A browser in miniature: cookies per origin, redirects followed by hand so each hop is seen. */
class Browser {
  readonly #jar = new Map<string, Map<string, string>>();

  async go(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const target = new URL(url);
    const cookies = this.#jar.get(target.host) ?? new Map<string, string>();
    const headers: Record<string, string> = {
      cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; "),
    };
    if (init.form !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
    const res = await fetch(target, {
      method: init.method ?? "GET",
      headers,
      redirect: "manual",
      ...(init.form === undefined ? {} : { body: new URLSearchParams(init.form).toString() }),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "";
      if (expired) cookies.delete(name);
      else cookies.set(name, value);
    }
    this.#jar.set(target.host, cookies);
    return res;
  }

  cookie(host: string, name: string): string | undefined {
    return this.#jar.get(host)?.get(name);
  }

  /**
   * Follows redirects from `url`, logging in as `user` and consenting on the provider's pages,
   * until a redirect leaves for `stopAt` (not followed); answers that Location.
   */
  async signIn(url: string, user: string, stopAt: (location: URL) => boolean): Promise<URL> {
    let res = await this.go(url);
    for (let hop = 0; hop < 20; hop++) {
      const location = res.headers.get("location");
      assert.ok(location, `hop ${hop}: expected a redirect, got ${res.status} ${await res.text()}`);
      const next = new URL(location, res.url || url);
      if (stopAt(next)) return next;
      if (/\/interaction\/[^/]+$/.test(next.pathname)) {
        const page = await (await this.go(next.href)).text();
        const form: Record<string, string> = page.includes('name="login"')
          ? { prompt: "login", login: user, password: "any" }
          : { prompt: "consent" };
        res = await this.go(next.href, { method: "POST", form });
      } else {
        res = await this.go(next.href);
      }
    }
    throw new Error("too many redirects");
  }
}

describe("single sign-on with an OpenID provider", () => {
  let idp: Server;
  let issuer = "";
  let server: RunningServer;
  let origin = "";
  let dir = "";
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();

  before(async () => {
    await ensureInstalled();
    await kubectlOk(["apply", "-f", "-"], {
      input: [project(teamA, devs), project(teamB, `team-b-devs-${suffix}`)].join("---\n"),
    });
    // The provider's port first (its issuer URL is a server flag), the provider itself once the
    // server's callback address is known.
    idp = createServer((req, res) => handler(req, res));
    await new Promise<void>((resolve) => idp.listen(0, "127.0.0.1", resolve));
    issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
    dir = await mkdtemp(join(tmpdir(), "moor-sso-"));
    const secretFile = join(dir, "client-secret");
    await writeFile(secretFile, `${CLIENT_SECRET}\n`, { mode: 0o600 });
    server = await startServer({
      args: ["--oidc-issuer", issuer, "--oidc-client-id", "mooring", "--oidc-client-secret-file", secretFile],
    });
    origin = server.origin;
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: "mooring",
          client_secret: CLIENT_SECRET,
          redirect_uris: [`${origin}/api/v1/auth/oidc/callback`],
          grant_types: ["authorization_code"],
          response_types: ["code"],
        },
      ],
      claims: { openid: ["sub"], profile: ["preferred_username"], email: ["email"], groups: ["groups"] },
      scopes: ["openid", "profile", "email", "groups"],
      conformIdTokenClaims: false,
      pkce: { required: () => true },
      cookies: { keys: [randomBytes(16).toString("hex")] },
      jwks: { keys: [{ ...privateKey.export({ format: "jwk" }), kid: "test", use: "sig", alg: "RS256" }] },
      findAccount: async (_ctx: unknown, id: string) => ({
        accountId: id,
        claims: async () => ({
          sub: id,
          preferred_username: id,
          email: `${id}@example.test`,
          groups: id === "dana" ? [devs, "everyone"] : ["everyone"],
        }),
      }),
    });
    handler = provider.callback();
  });

  after(async () => {
    await server?.stop();
    idp?.close();
    await rm(dir, { recursive: true, force: true });
    await kubectl(["delete", "project", teamA, teamB, "-n", "mooring", "--ignore-not-found"]);
  });

  it("a browser signs in through the provider and holds team-a's deployer role, not team-b's", async () => {
    const browser = new Browser();
    const serverHost = new URL(origin).host;
    const start = await browser.go(`${origin}/api/v1/auth/oidc/login`);
    assert.equal(start.status, 302);
    const authorize = new URL(start.headers.get("location") ?? "");
    assert.equal(authorize.origin, issuer);
    assert.equal(authorize.searchParams.get("code_challenge_method"), "S256");
    for (const param of ["state", "nonce", "code_challenge"])
      assert.ok(authorize.searchParams.get(param), param);
    assert.ok(browser.cookie(serverHost, "mooring_oidc"), "the flow is kept in a cookie for the callback");

    const callback = await browser.signIn(
      authorize.href,
      "dana",
      (u) => u.pathname === "/api/v1/auth/oidc/callback",
    );
    const done = await browser.go(callback.href);
    assert.equal(done.status, 302, await done.clone().text());
    assert.equal(done.headers.get("location"), "/");
    const session = browser.cookie(serverHost, "mooring_session");
    assert.ok(session, "the callback set the session cookie");
    assert.equal(browser.cookie(serverHost, "mooring_oidc"), undefined, "the flow cookie is cleared");

    const me = await eventually("team-a's role from the dana's group", async () => {
      const res = await server.api("/session", { headers: { cookie: `mooring_session=${session}` } });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { projects: { project: string; roles: string[] }[] };
      return body.projects.some((p) => p.project === teamA) ? body : undefined;
    });
    assert.deepEqual(me, {
      ...me,
      username: "dana",
      kind: "sso",
      globalAdmin: false,
      groups: [devs, "everyone"],
    });
    assert.deepEqual(
      (me as { projects: { project: string; roles: string[] }[] }).projects
        .filter((p) => p.project === teamA || p.project === teamB)
        .map((p) => ({ project: p.project, roles: p.roles })),
      [{ project: teamA, roles: ["deployer"] }],
    );
    await eventually("the sign-in in the audit trail", async () =>
      (await auditRecordsSince(server, startedAt)).some(
        (e) => e.kind === "login" && e.actor?.name === "dana" && e.details.method === "sso",
      )
        ? true
        : undefined,
    );
    assert.ok(!JSON.stringify(server.logs).includes(CLIENT_SECRET), "the client secret is not logged");

    // The same callback replayed by another browser (no flow cookie) is refused and audited.
    const replay = await new Browser().go(callback.href);
    assert.equal(replay.status, 401);
    await eventually("the refused callback in the audit trail", async () =>
      (await auditRecordsSince(server, startedAt)).some(
        (e) => e.kind === "login-failed" && e.details.method === "sso",
      )
        ? true
        : undefined,
    );
  });

  it("moor login --sso hands the session to the CLI", async () => {
    const env = { ...runEnv(), MOORING_CONFIG_DIR: dir };
    const child = spawn(process.execPath, [MOOR, "login", origin, "--sso"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      const url = await eventually(
        "the login address on stderr",
        async () => /(http\S+\/auth\/oidc\/login\?\S+)/.exec(stderr)?.[1],
      );
      const browser = new Browser();
      const loopback = await browser.signIn(
        url,
        "dana",
        (u) => u.pathname === "/callback" && u.hostname === "127.0.0.1",
      );
      assert.notEqual(loopback.port, new URL(origin).port, "the session goes to the CLI's own listener");
      const answer = await browser.go(loopback.href);
      assert.equal(answer.status, 200);
      assert.equal(await exited, 0, stderr);
      assert.match(stdout, new RegExp(`logged in to .* as dana \\(${teamA}: deployer`));
      const account = await moor(["account"], { env });
      assert.equal(account.code, 0, account.stderr);
      assert.match(account.stdout, /User: +dana \(single sign-on\)/);
      assert.match(account.stdout, new RegExp(`${teamA} +deployer`));
      assert.doesNotMatch(account.stdout, new RegExp(teamB));
    } finally {
      if (child.exitCode === null) child.kill();
    }
  });
});
