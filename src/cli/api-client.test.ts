import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  ApiClientError,
  apiRequest,
  loadLogin,
  loginFilePath,
  normalizeServer,
  removeLogin,
  requireLogin,
  saveLogin,
} from "./api-client.ts";

describe("normalizeServer", () => {
  const cases: [string, string][] = [
    ["127.0.0.1:8080", "https://127.0.0.1:8080"],
    ["http://127.0.0.1:8080/", "http://127.0.0.1:8080"],
    ["https://moor.example.com/api/v1", "https://moor.example.com"],
    ["https://example.com/mooring/", "https://example.com/mooring"],
  ];
  for (const [input, expected] of cases) {
    it(`reads ${input} as ${expected}`, () => assert.equal(normalizeServer(input), expected));
  }
});

describe("stored logins", () => {
  const dir = mkdtempSync(join(tmpdir(), "moor-login-"));
  const env = { MOORING_CONFIG_DIR: dir };
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps the login in a file only its owner can read, and makes it current", () => {
    saveLogin({ server: "http://a:1/", token: "t1", username: "alice" }, env);
    assert.equal(statSync(loginFilePath(env)).mode & 0o777, 0o600);
    assert.deepEqual(loadLogin(undefined, env), { server: "http://a:1", token: "t1", username: "alice" });
    saveLogin({ server: "http://b:2", token: "t2", username: "bob" }, env);
    assert.equal(loadLogin(undefined, env)?.username, "bob");
    assert.equal(loadLogin("http://a:1", env)?.username, "alice");
  });

  it("forgets a login on logout and falls back to another", () => {
    assert.equal(removeLogin("http://b:2", env), true);
    assert.equal(loadLogin("http://b:2", env), undefined);
    assert.equal(loadLogin(undefined, env)?.username, "alice");
    assert.equal(removeLogin("http://b:2", env), false);
  });

  it("says to run moor login when not logged in", () => {
    assert.throws(() => requireLogin("http://c:3", env), /run moor login http:\/\/c:3/);
  });
});

describe("apiRequest", () => {
  const seen: { authorization?: string; path?: string }[] = [];
  const server = createServer((req, res) => {
    seen.push({ authorization: req.headers.authorization, path: req.url });
    if (req.url === "/api/v1/ok") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"hello":"world"}');
    } else {
      res
        .writeHead(403, { "content-type": "application/json" })
        .end('{"error":{"code":"forbidden","message":"no role in project team-b","retryable":false}}');
    }
  });
  after(() => server.close());

  it("sends the token as Bearer and answers the JSON", async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const login = {
      server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      token: "moor_x",
      username: "u",
    };
    assert.deepEqual(await apiRequest(login, "get", "/ok"), { hello: "world" });
    assert.equal(seen.at(-1)?.authorization, "Bearer moor_x");
    const error = await apiRequest(login, "post", "/nope", {}).catch((e: unknown) => e);
    assert.ok(error instanceof ApiClientError);
    assert.equal(error.code, "forbidden");
    assert.equal(error.status, 403);
    assert.doesNotMatch(error.message, /moor_x/);
  });

  it("names the server it cannot reach", async () => {
    const error = await apiRequest(
      { server: "http://127.0.0.1:1", token: "t", username: "u" },
      "get",
      "/x",
    ).catch((e: unknown) => e);
    assert.ok(error instanceof ApiClientError);
    assert.equal(error.code, "unreachable");
  });
});
