// The request pipeline every route shares: sizes, media types, malformed JSON, unknown fields,
// names with `/` or `..`, 401 without credentials, 403 with an audit record, and the OpenAPI
// document written from the same schemas.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import type { Subject } from "../core/access/authorize.ts";
import type { AuditEntry } from "../core/audit/record.ts";
import type { KubeClient } from "../kube/client.ts";
import { createLogger } from "../util/log.ts";
import { createApiApp, MAX_BODY_BYTES } from "./app.ts";
import type { ServerDeps } from "./context.ts";
import { openApiDocument } from "./openapi.ts";
import type { Authenticator } from "./principal.ts";
import { defineRoute, type Route } from "./route.ts";
import { namespacedParams } from "./schemas.ts";

const viewer: Subject = {
  kind: "user",
  name: "alice",
  groups: [],
  globalAdmin: false,
  bindings: [{ project: "team-a", role: "viewer", verbs: ["get", "list"] }],
};

/** Bearer "alice" is alice; bearer "stale" is a refused credential; nothing is anonymous. */
const authenticator: Authenticator = {
  authenticate: async ({ headers }) => {
    const auth = headers.get("authorization");
    if (auth === "Bearer alice") return { ok: true, subject: viewer };
    if (auth === "Bearer stale")
      return { ok: false, code: "unauthenticated", message: "token expired", refused: true };
    return { ok: false, code: "unauthenticated", message: "log in first" };
  },
};

const routes: Route[] = [
  defineRoute({
    method: "post",
    path: "/things/{namespace}/{name}/sync",
    summary: "sync a thing",
    tag: "things",
    params: namespacedParams,
    body: z.strictObject({ prune: z.boolean().default(false) }),
    response: z.object({ done: z.string() }),
    handle: async (ctx) => {
      ctx.authorize({ verb: "sync", resource: "application", project: "team-a", name: ctx.params.name });
      return { done: `${ctx.params.namespace}/${ctx.params.name} prune=${ctx.body.prune}` };
    },
  }),
  defineRoute({
    method: "get",
    path: "/public",
    summary: "public",
    tag: "things",
    public: true,
    query: z.strictObject({ q: z.string().optional() }),
    response: z.object({ q: z.string() }),
    handle: async (ctx) => ({ q: ctx.query.q ?? "" }),
  }),
];

function setup() {
  const audit: AuditEntry[] = [];
  const deps: ServerDeps = {
    authenticator,
    audit: { record: (entry) => audit.push(entry) },
    clock: () => Date.parse("2026-12-02T10:00:00.000Z"),
    log: createLogger({ level: "error", stream: { write: () => true } as unknown as NodeJS.WritableStream }),
    kube: {} as KubeClient,
    namespace: "mooring",
  };
  const app = createApiApp(deps, routes);
  const call = (path: string, init: RequestInit = {}) =>
    app.fetch(new Request(`http://x/api/v1${path}`, init));
  return { app, audit, call };
}

const json = (body: unknown, token = "alice"): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
  body: typeof body === "string" ? body : JSON.stringify(body),
});

async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  return ((await response.json()) as { error: { code: string; message: string } }).error;
}

describe("API request pipeline", () => {
  it("answers a public route without credentials", async () => {
    const response = await setup().call("/public?q=hi");
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { q: "hi" });
  });

  it("refuses a protected route without credentials with 401 and a WWW-Authenticate header", async () => {
    const response = await setup().call("/things/default/web/sync", { method: "POST" });
    assert.equal(response.status, 401);
    assert.match(response.headers.get("www-authenticate") ?? "", /Bearer/);
    assert.equal((await errorOf(response)).code, "unauthenticated");
  });

  it("audits refused credentials", async () => {
    const { call, audit } = setup();
    const response = await call("/things/default/web/sync", json({}, "stale"));
    assert.equal(response.status, 401);
    assert.equal(audit.length, 1);
    assert.equal(audit[0]?.kind, "api-denied");
  });

  it("answers 403 naming the missing verb, and audits the denial with who and from where", async () => {
    const { call, audit } = setup();
    const response = await call("/things/default/web/sync", json({}));
    assert.equal(response.status, 403);
    const error = await errorOf(response);
    assert.equal(error.code, "forbidden");
    assert.match(error.message, /user alice may not sync application web in project team-a: role viewer/);
    assert.equal(audit.length, 1);
    assert.equal(audit[0]?.kind, "api-denied");
    assert.equal(audit[0]?.actor.name, "alice");
    assert.equal(audit[0]?.time, "2026-12-02T10:00:00.000Z");
    assert.equal(audit[0]?.details.verb, "sync");
  });

  it("refuses malformed JSON with 400 before the handler runs", async () => {
    const response = await setup().call("/things/default/web/sync", json("{prune: tru"));
    assert.equal(response.status, 400);
    const error = await errorOf(response);
    assert.equal(error.code, "invalid-body");
    assert.match(error.message, /malformed JSON/);
  });

  it("refuses unknown fields, naming them", async () => {
    const response = await setup().call("/things/default/web/sync", json({ prune: true, force: true }));
    assert.equal(response.status, 400);
    assert.match((await errorOf(response)).message, /force/);
  });

  it("refuses a body that is not JSON with 415", async () => {
    const response = await setup().call("/things/default/web/sync", {
      method: "POST",
      headers: { "content-type": "text/plain", authorization: "Bearer alice" },
      body: "prune",
    });
    assert.equal(response.status, 415);
  });

  it("refuses a body over 1 MiB with 413", async () => {
    const big = JSON.stringify({ prune: true, pad: "x".repeat(MAX_BODY_BYTES) });
    const response = await setup().call("/things/default/web/sync", json(big));
    assert.equal(response.status, 413);
    assert.equal((await errorOf(response)).code, "body-too-large");
  });

  for (const name of ["..", "%2E%2E"]) {
    it(`answers a path with the segment ${name} as no route (404): URLs resolve dot segments first`, async () => {
      const response = await setup().call(`/things/default/${name}/sync`, json({}));
      assert.equal(response.status, 404);
    });
  }

  for (const name of ["a..b", "UPPER", "a%2Fb", "a%2F..%2Fb", "x%00"]) {
    it(`refuses the object name ${JSON.stringify(name)} with 400`, async () => {
      const response = await setup().call(`/things/default/${name}/sync`, json({}));
      assert.equal(response.status, 400);
      assert.equal((await errorOf(response)).code, "invalid-params");
    });
  }

  it("answers unknown API paths with a JSON 404 pointing at the OpenAPI document", async () => {
    const response = await setup().call("/nothing/here");
    assert.equal(response.status, 404);
    assert.match((await errorOf(response)).message, /openapi\.json/);
  });
});

describe("OpenAPI document", () => {
  it("describes each route's parameters and body from the schemas that validate them", () => {
    const doc = openApiDocument(routes, "0.1.0") as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { parameters: { name: string; in: string }[]; requestBody?: unknown }>
      >;
    };
    assert.equal(doc.openapi, "3.1.0");
    const sync = doc.paths["/things/{namespace}/{name}/sync"]?.post;
    assert.deepEqual(
      sync?.parameters.map((p) => `${p.in}:${p.name}`),
      ["path:namespace", "path:name"],
    );
    assert.match(JSON.stringify(sync?.requestBody), /"prune"/);
    assert.match(JSON.stringify(sync?.requestBody), /"additionalProperties":false/);
    assert.deepEqual(
      doc.paths["/public"]?.get?.parameters.map((p) => `${p.in}:${p.name}`),
      ["query:q"],
    );
  });
});
