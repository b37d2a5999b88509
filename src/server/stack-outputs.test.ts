// GET /stacks/{namespace}/{name}/outputs: the outputs a Stack wrote to its Secret, served to whoever
// may get the Stack, with every value tofu marks sensitive hidden (and all of them when the Secret
// does not say which are), and a clear answer when the server may not read that Secret.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Subject } from "../core/access/authorize.ts";
import type { KubeObject } from "../core/objects.ts";
import { SENSITIVE_OUTPUTS_ANNOTATION } from "../core/stack/spec.ts";
import { KubeApiError, type KubeClient } from "../kube/client.ts";
import { createLogger } from "../util/log.ts";
import { createApiApp } from "./app.ts";
import { ServerCache } from "./cache.ts";
import type { ServerDeps } from "./context.ts";
import type { Authenticator } from "./principal.ts";
import { stackRoutes } from "./routes/stacks.ts";

const b64 = (text: string) => Buffer.from(text).toString("base64");

function stack(name: string, project: string, outputsSecret?: string): KubeObject {
  return {
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Stack",
    metadata: { namespace: "infra", name },
    spec: { project, source: { repoURL: "https://git.example/org/infra.git", path: name } },
    status: outputsSecret ? { outputsSecret } : { conditions: [] },
  };
}

const STACKS = [
  stack("db", "team-a", "db-outputs"),
  stack("cache", "team-a", "cache-outputs"),
  stack("queue", "team-a", "forbidden-outputs"),
  stack("fresh", "team-a"),
  stack("gone", "team-a", "missing-outputs"),
  stack("other", "team-b", "other-outputs"),
];

const SECRETS: Record<string, KubeObject> = {
  "db-outputs": {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      namespace: "infra",
      name: "db-outputs",
      annotations: { [SENSITIVE_OUTPUTS_ANNOTATION]: "password" },
    },
    data: { host: b64("db.internal"), password: b64("hunter22") },
  } as KubeObject,
  "cache-outputs": {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { namespace: "infra", name: "cache-outputs" },
    data: { url: b64("redis://user:pass@cache") },
  } as KubeObject,
};

const fakeKube = {
  list: async (_apiVersion: string, kind: string) => ({
    items: kind === "Stack" ? STACKS : [],
    resourceVersion: "1",
  }),
  watch: (_a: string, _kind: string, _o: unknown, _on: never, signal: AbortSignal) =>
    new Promise((resolve) =>
      signal.addEventListener("abort", () => resolve({ resourceVersion: "1", expired: false })),
    ),
  get: async (_apiVersion: string, _kind: string, _namespace: string, name: string) => {
    if (name === "forbidden-outputs") throw new KubeApiError(403, "Forbidden", "secrets is forbidden");
    return SECRETS[name] ?? null;
  },
} as unknown as KubeClient;

const viewer: Subject = {
  kind: "user",
  name: "team-a-user",
  groups: [],
  globalAdmin: false,
  bindings: [{ project: "team-a", role: "viewer", verbs: ["get", "list"] }],
};
const authenticator: Authenticator = {
  authenticate: async ({ headers }) =>
    headers.get("authorization") === "Bearer a"
      ? { ok: true, subject: viewer }
      : { ok: false, code: "unauthenticated", message: "log in" },
};

describe("a Stack's outputs through the server", () => {
  const cache = new ServerCache(fakeKube, { namespace: "mooring", log: createLogger({ level: "error" }) });
  const deps: ServerDeps = {
    authenticator,
    audit: { record: () => {} },
    clock: () => 0,
    log: createLogger({ level: "error" }),
    kube: fakeKube,
    namespace: "mooring",
    cache,
  };
  const api = createApiApp(deps, stackRoutes());
  const get = async (name: string) => {
    const res = await api.fetch(
      new Request(`http://x/api/v1/stacks/infra/${name}/outputs`, { headers: { authorization: "Bearer a" } }),
    );
    const text = await res.text();
    return { status: res.status, text, body: JSON.parse(text) as Record<string, unknown> };
  };

  before(async () => {
    cache.start();
    assert.equal(await cache.waitForSync(5000), true);
  });
  after(() => cache.stop());

  const cases: { name: string; stack: string; body: Record<string, unknown> }[] = [
    {
      name: "serves plain outputs and hides the ones the Secret marks sensitive",
      stack: "db",
      body: {
        secret: "db-outputs",
        found: true,
        outputs: { host: "db.internal", password: "(sensitive)" },
        sensitiveListed: true,
      },
    },
    {
      name: "hides every output when the Secret does not say which are sensitive",
      stack: "cache",
      body: { secret: "cache-outputs", found: true, outputs: { url: "(sensitive)" }, sensitiveListed: false },
    },
    {
      name: "answers no Secret while the status names none",
      stack: "fresh",
      body: { secret: null, found: false, outputs: {}, sensitiveListed: false },
    },
    {
      name: "says the Secret is missing when it is",
      stack: "gone",
      body: { secret: "missing-outputs", found: false, outputs: {}, sensitiveListed: false },
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const answer = await get(c.stack);
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, c.body);
      assert.doesNotMatch(answer.text, /hunter22|user:pass/);
    });
  }

  it("says why when the server may not read the outputs Secret", async () => {
    const answer = await get("queue");
    assert.equal(answer.status, 200);
    assert.match(String(answer.body.withheld), /may not read Secret forbidden-outputs in namespace infra/);
  });

  it("answers 404 for a Stack of a project the caller holds no role in", async () => {
    assert.equal((await get("other")).status, 404);
  });
});
