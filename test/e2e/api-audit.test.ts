// User story: a compliance officer reads the audit trail through the API. Logins, failed logins
// and refusals are in it with who and from where; a team's viewer reads only their project's
// records, never the records outside any project (other tenants' logins and addresses) and never
// another team's; the global admin verifies the whole chain. The server writes to the same
// hash-chained store as the controller (`--database`).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { eventually, kubectl, kubectlOk, moor } from "../harness/cluster.ts";
import { ensureInstalled } from "../harness/controller.ts";
import { runEnv } from "../harness/env.ts";
import { type RunningServer, startServer } from "../harness/server.ts";

const suffix = randomBytes(3).toString("hex");
const teamA = `audit-a-${suffix}`;
const teamB = `audit-b-${suffix}`;

function project(name: string): string {
  return `apiVersion: mooring.dev/v1alpha1
kind: Project
metadata: { name: ${name}, namespace: mooring }
spec:
  sourceRepos: ["*"]
  destinations: [{ server: "*", namespace: "*" }]
  roles:
    - name: viewer
      users: [nobody-${suffix}]
`;
}

interface AuditRecordView {
  seq: number;
  kind: string;
  project: string;
  actor: { type: string; name: string; address?: string };
  details: Record<string, unknown>;
}

describe("moor server: the audit trail over the API", () => {
  let server: RunningServer;
  let dir = "";
  let adminToken = "";
  let viewerToken = "";
  let adminPassword = "";

  async function call(
    path: string,
    token: string | undefined,
    init: { method?: string; body?: unknown } = {},
  ) {
    const res = await server.api(path, {
      method: init.method ?? "GET",
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const text = await res.text();
    return { status: res.status, text, json: JSON.parse(text) as Record<string, unknown> };
  }

  before(async () => {
    await ensureInstalled();
    dir = await mkdtemp(join(tmpdir(), "mooring-api-audit-"));
    await kubectlOk(["apply", "-f", "-"], { input: [project(teamA), project(teamB)].join("---\n") });
    server = await startServer({ args: ["--database", join(dir, "audit.db")] });
    const encoded = await kubectlOk([
      "get",
      "secret",
      "mooring-initial-admin",
      "-n",
      "mooring",
      "-o",
      "jsonpath={.data.password}",
    ]);
    const password = Buffer.from(encoded, "base64").toString("utf8");
    adminPassword = password;
    const login = await call("/session", undefined, {
      method: "POST",
      body: { username: "admin", password, session: "token" },
    });
    assert.equal(login.status, 200, login.text);
    adminToken = String(login.json.token);
    const created = await call("/tokens", adminToken, {
      method: "POST",
      body: { project: teamA, role: "viewer", expiresIn: "1h", description: "auditor" },
    });
    assert.equal(created.status, 201, created.text);
    viewerToken = String(created.json.token);
  });

  after(async () => {
    await server?.stop();
    await kubectl(["delete", "project", teamA, teamB, "-n", "mooring", "--ignore-not-found"]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("lists a failed login with the account and the address it came from, never the password", async () => {
    const wrong = `wrong-${suffix}`;
    const failed = await call("/session", undefined, {
      method: "POST",
      body: { username: "admin", password: wrong, session: "token" },
    });
    assert.equal(failed.status, 401);
    const record = await eventually("the login-failed record", async () => {
      const page = await call("/audit?kind=login-failed", adminToken);
      assert.equal(page.status, 200, page.text);
      assert.ok(!page.text.includes(wrong), "the password is not in the trail");
      const records = page.json.records as AuditRecordView[];
      return records.find((r) => r.details.username === "admin");
    });
    assert.match(record.actor.address ?? "", /127\.0\.0\.1/);
  });

  it("shows a team's viewer only that team's records, and refuses the rest with 403", async () => {
    const own = await call(`/audit?project=${teamA}`, viewerToken);
    assert.equal(own.status, 200, own.text);
    for (const record of own.json.records as AuditRecordView[]) assert.equal(record.project, teamA);
    const other = await call(`/audit?project=${teamB}`, viewerToken);
    assert.equal(other.status, 403);
    const everything = await call("/audit", viewerToken);
    assert.equal(everything.status, 403, "records outside any project are the global admin's");
    await eventually("the viewer's refusals in the trail", async () => {
      const page = await call("/audit?kind=api-denied", adminToken);
      const records = page.json.records as AuditRecordView[];
      return records.some((r) => r.project === teamB && r.actor.type === "token") ? true : undefined;
    });
  });

  it("reads one record by its place in the chain, and refuses unknown places to others alike", async () => {
    const page = await call("/audit?limit=1", adminToken);
    const newest = (page.json.records as AuditRecordView[])[0];
    assert.ok(newest);
    const one = await call(`/audit/records/${newest.seq}`, adminToken);
    assert.equal(one.status, 200);
    assert.equal(one.json.seq, newest.seq);
    assert.equal((await call("/audit/records/99999999", adminToken)).status, 404);
    assert.equal((await call("/audit/records/99999999", viewerToken)).status, 403);
    assert.equal((await call("/audit/records/0", adminToken)).status, 400);
  });

  it("verifies the whole chain for the global admin only", async () => {
    const verified = await call("/audit/verify", adminToken);
    assert.equal(verified.status, 200, verified.text);
    assert.equal(verified.json.ok, true, verified.text);
    assert.equal((await call("/audit/verify", viewerToken)).status, 403);
    assert.equal((await call("/audit/verify", undefined)).status, 401);
  });

  it("moor audit list, show and verify go through the server once logged in", async () => {
    const env = { ...runEnv(), MOORING_CONFIG_DIR: join(dir, "cli") };
    const loggedIn = await moor(["login", server.origin, "--username", "admin", "--password-stdin"], {
      env,
      input: `${adminPassword}\n`,
    });
    assert.equal(loggedIn.code, 0, loggedIn.stderr);
    const listed = await moor(
      ["audit", "list", "--server", server.origin, "--kind", "login,login-failed", "-o", "json"],
      {
        env,
      },
    );
    assert.equal(listed.code, 0, listed.stderr);
    const records = JSON.parse(listed.stdout) as AuditRecordView[];
    assert.ok(records.some((r) => r.kind === "login" && r.actor.name === "admin"));
    assert.ok(records.every((r) => r.kind === "login" || r.kind === "login-failed"));
    const first = records.at(-1);
    assert.ok(first);
    const shown = await moor(["audit", "show", String(first.seq), "--server", server.origin, "-o", "json"], {
      env,
    });
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal((JSON.parse(shown.stdout) as AuditRecordView).seq, first.seq);
    const verified = await moor(["audit", "verify", "--server", server.origin], { env });
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /^OK: \d+ records, head #\d+ [0-9a-f]{64}; .*verified by the server/);
  });
});
