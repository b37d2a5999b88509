// User story: a script (or an attacker) sends the real `moor server` what it should not: bodies
// too large, not JSON, malformed JSON, fields the API does not know, names with `/` or `..`. Each
// gets a clear 4xx naming the problem, nothing reaches the cluster, and the server keeps serving.
// The OpenAPI document the server publishes describes the routes it serves.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { kubectl, kubectlOk } from "../harness/cluster.ts";
import { ensureInstalled } from "../harness/controller.ts";
import { type RunningServer, startServer } from "../harness/server.ts";

const ns = `t-api-bad-${randomBytes(3).toString("hex")}`;

describe("moor server: bad input gets a clear 4xx", () => {
  let server: RunningServer;
  let token = "";

  async function post(path: string, body: string | Buffer, type = "application/json") {
    const res = await server.api(path, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": type },
      body,
    });
    const text = await res.text();
    let code: string | undefined;
    let message = "";
    try {
      const error = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
      code = error?.code;
      message = error?.message ?? "";
    } catch {}
    return { status: res.status, code, message };
  }

  before(async () => {
    await ensureInstalled();
    await kubectlOk(["create", "namespace", ns]);
    await kubectlOk(["apply", "-f", "-"], {
      input: `apiVersion: mooring.dev/v1alpha1
kind: Application
metadata: { name: web, namespace: ${ns} }
spec:
  project: default
  source: { repoURL: "https://git.example.com/web.git", path: ".", targetRevision: main }
  destination: { namespace: ${ns} }
`,
    });
    server = await startServer();
    const encoded = await kubectlOk([
      "get",
      "secret",
      "mooring-initial-admin",
      "-n",
      "mooring",
      "-o",
      "jsonpath={.data.password}",
    ]);
    const res = await server.api("/session", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        username: "admin",
        password: Buffer.from(encoded, "base64").toString("utf8"),
        session: "token",
      }),
    });
    assert.equal(res.status, 200);
    token = String(((await res.json()) as { token: string }).token);
  });

  after(async () => {
    await server?.stop();
    await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
  });

  it("refuses a body over 1 MiB with 413", async () => {
    const answer = await post(`/applications/${ns}/web/sync`, Buffer.alloc(2 * 1024 * 1024, 0x20));
    assert.equal(answer.status, 413);
    assert.equal(answer.code, "body-too-large");
  });

  it("refuses malformed JSON with 400, saying so", async () => {
    const answer = await post(`/applications/${ns}/web/sync`, '{"prune": tru');
    assert.equal(answer.status, 400);
    assert.equal(answer.code, "invalid-body");
    assert.match(answer.message, /malformed JSON/);
  });

  it("refuses a body that is not JSON with 415", async () => {
    const answer = await post(
      `/applications/${ns}/web/sync`,
      "prune=true",
      "application/x-www-form-urlencoded",
    );
    assert.equal(answer.status, 415);
  });

  it("refuses unknown fields with 400 naming them, and the sync is not requested", async () => {
    const answer = await post(
      `/applications/${ns}/web/sync`,
      JSON.stringify({ prune: true, forceEverything: true }),
    );
    assert.equal(answer.status, 400);
    assert.match(answer.message, /forceEverything/);
    const operation = await kubectlOk(["get", "application", "web", "-n", ns, "-o", "jsonpath={.operation}"]);
    assert.equal(operation, "", "nothing reached the cluster");
  });

  it("refuses names with an encoded slash or upper case with 400, and dot segments find no route", async () => {
    for (const name of ["a%2Fb", "..%2F..%2Fsecrets", "Web"]) {
      const answer = await post(`/applications/${ns}/${name}/sync`, "{}");
      assert.equal(answer.status, 400, name);
      assert.equal(answer.code, "invalid-params", name);
    }
    const traversal = await post(`/applications/${ns}/../../sync`, "{}");
    assert.equal(traversal.status, 404);
  });

  it("keeps serving after all of it", async () => {
    const res = await server.api("/healthz");
    assert.equal(res.status, 200);
  });

  it("publishes an OpenAPI 3.1 document describing the routes it serves", async () => {
    const res = await server.api("/openapi.json");
    assert.equal(res.status, 200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    assert.equal(doc.openapi, "3.1.0");
    for (const [path, method] of [
      ["/applications", "get"],
      ["/applications/{namespace}/{name}/sync", "post"],
      ["/stacks/{namespace}/{name}/approve", "post"],
      ["/audit", "get"],
      ["/session", "post"],
      ["/tokens", "post"],
      ["/webhooks/{forge}", "post"],
      ["/stream", "get"],
    ] as const) {
      assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} is in the document`);
    }
  });
});
