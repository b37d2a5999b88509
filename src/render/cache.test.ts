// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is a build variable reference, written as users write it
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { canonicalJson, RenderCache, renderCacheKey } from "./cache.ts";
import { type RenderInput, type RenderResult, render } from "./render.ts";
import { configMap, inputFor, makeRepo, names, type TestRepo } from "./test-repo.ts";

const repos: TestRepo[] = [];
after(() => Promise.all(repos.map((r) => r.remove())));

const SHA = "3f786850e387550fdab836ed7e6dc881de23001b";

async function chartRepo(): Promise<TestRepo> {
  const repo = await makeRepo({
    "chart/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 1.0.0\n",
    "chart/templates/cm.yaml":
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  kube: {{ .Capabilities.KubeVersion.Version | quote }}\n",
    "plain/cm.yaml": configMap("plain"),
  });
  repos.push(repo);
  return repo;
}

/** A cache over the real renderer that counts how often it actually renders. */
function countingCache(maxEntries?: number) {
  const calls: RenderInput[] = [];
  const cache = new RenderCache({
    maxEntries,
    render: (input) => {
      calls.push(input);
      return render(input);
    },
  });
  return { cache, calls };
}

function helmInput(repo: TestRepo, overrides: Partial<RenderInput> = {}): RenderInput {
  return inputFor(repo, { source: { repoURL: "r", path: "chart", helm: {} }, ...overrides });
}

describe("the render cache", () => {
  it("answers a repeat render from memory with equal objects, without running helm again", async () => {
    const repo = await chartRepo();
    const { cache, calls } = countingCache();
    const first = await cache.render(SHA, helmInput(repo));
    const second = await cache.render(SHA, helmInput(repo));
    assert.equal(calls.length, 1);
    assert.deepEqual(second, first);
    assert.deepEqual(names(second.objects), ["ConfigMap/shop"]);
    assert.deepEqual(cache.stats(), { hits: 1, misses: 1, entries: 1 });
  });

  it("hands out copies, so a caller changing its objects cannot change the next caller's", async () => {
    const repo = await chartRepo();
    const { cache } = countingCache();
    const tamper = (result: RenderResult) => {
      const object = result.objects[0];
      assert.ok(object);
      object.metadata.name = "tampered";
      object.metadata.labels = { x: "y" };
      result.objects.push(object);
    };
    tamper(await cache.render(SHA, helmInput(repo))); // the result of the render itself
    tamper(await cache.render(SHA, helmInput(repo))); // a result served from memory
    const third = await cache.render(SHA, helmInput(repo));
    assert.deepEqual(names(third.objects), ["ConfigMap/shop"]);
    assert.equal(third.objects[0]?.metadata.labels, undefined);
  });

  it("keeps its own copy, apart from the renderer's", async () => {
    const shared: RenderResult = {
      tool: "directory",
      objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } }],
    };
    const cache = new RenderCache({ render: async () => shared });
    const repo = await chartRepo();
    await cache.render(SHA, helmInput(repo));
    shared.objects.length = 0;
    assert.deepEqual(names((await cache.render(SHA, helmInput(repo))).objects), ["ConfigMap/a"]);
  });

  it("renders again when the commit, path, parameters or destination differ", async () => {
    const repo = await chartRepo();
    const { cache, calls } = countingCache();
    await cache.render(SHA, helmInput(repo));
    await cache.render("0".repeat(40), helmInput(repo));
    await cache.render(SHA, helmInput(repo, { source: { repoURL: "r", path: "plain" } }));
    await cache.render(
      SHA,
      helmInput(repo, { source: { repoURL: "r", path: "chart", helm: { releaseName: "eu" } } }),
    );
    const older = await cache.render(SHA, helmInput(repo, { kubeVersion: "v1.33.0" }));
    await cache.render(SHA, helmInput(repo, { apiVersions: ["v1"] }));
    await cache.render(SHA, helmInput(repo, { appName: "other" }));
    assert.equal(calls.length, 7);
    assert.equal(older.objects[0]?.data && (older.objects[0].data as Record<string, string>).kube, "v1.33.0");
  });

  it("does not care about the order of apiVersions, or about repoURL and targetRevision", async () => {
    const repo = await chartRepo();
    const { cache, calls } = countingCache();
    await cache.render(SHA, helmInput(repo, { apiVersions: ["v1", "apps/v1"] }));
    await cache.render(SHA, helmInput(repo, { apiVersions: ["apps/v1", "v1", "v1"] }));
    const moved = {
      repoURL: "https://mirror.example.com/shop.git",
      targetRevision: "v1.0",
      path: "chart",
      helm: {},
    };
    await cache.render(SHA, helmInput(repo, { apiVersions: ["v1", "apps/v1"], source: moved }));
    assert.equal(calls.length, 1);
  });

  it("drops the least recently used entry beyond its size", async () => {
    const repo = await chartRepo();
    const { cache, calls } = countingCache(2);
    const plain = (sha: string) =>
      cache.render(sha, helmInput(repo, { source: { repoURL: "r", path: "plain" } }));
    await plain("a");
    await plain("b");
    await plain("a"); // a is now the most recently used
    await plain("c"); // evicts b
    assert.equal(calls.length, 3);
    await plain("a");
    assert.equal(calls.length, 3);
    await plain("b");
    assert.equal(calls.length, 4);
    assert.equal(cache.stats().entries, 2);
  });

  it("runs one render for concurrent asks of the same key", async () => {
    const repo = await chartRepo();
    const { cache, calls } = countingCache();
    const results = await Promise.all([1, 2, 3].map(() => cache.render(SHA, helmInput(repo))));
    assert.equal(calls.length, 1);
    assert.notEqual(results[0], results[1]);
    assert.deepEqual(results[0], results[2]);
  });

  it("does not remember failures", async () => {
    let attempts = 0;
    const cache = new RenderCache({
      render: async (): Promise<RenderResult> => {
        attempts++;
        if (attempts === 1) throw new Error("helm timed out");
        return { tool: "directory", objects: [] };
      },
    });
    const repo = await chartRepo();
    await assert.rejects(cache.render(SHA, helmInput(repo)), /timed out/);
    assert.deepEqual(await cache.render(SHA, helmInput(repo)), { tool: "directory", objects: [] });
    assert.equal(attempts, 2);
  });

  it("peeks without rendering", async () => {
    const repo = await chartRepo();
    const { cache, calls } = countingCache();
    assert.equal(cache.peek(SHA, helmInput(repo)), undefined);
    await cache.render(SHA, helmInput(repo));
    assert.deepEqual(names(cache.peek(SHA, helmInput(repo))?.objects ?? []), ["ConfigMap/shop"]);
    assert.equal(calls.length, 1);
  });
});

describe("render cache keys", () => {
  it("are the same whatever order the spec's fields were written in", () => {
    const a = renderCacheKey(SHA, {
      repoDir: "/x",
      appName: "shop",
      kubeVersion: "v1.36.3",
      apiVersions: [],
      source: { repoURL: "r", path: "chart", helm: { releaseName: "eu", values: "a: 1" } },
    });
    const b = renderCacheKey(SHA, {
      source: { helm: { values: "a: 1", releaseName: "eu" }, path: "chart", repoURL: "r" },
      apiVersions: [],
      kubeVersion: "v1.36.3",
      appName: "shop",
      repoDir: "/elsewhere",
    });
    assert.equal(a, b);
    assert.match(a, new RegExp(`^${SHA}:chart:[0-9a-f]{64}$`));
  });

  it("keep the path as written, so an escaping path is never answered from the cache", () => {
    const base = { repoDir: "/x", appName: "a", kubeVersion: "v1", apiVersions: [] };
    const inside = renderCacheKey(SHA, { ...base, source: { repoURL: "r", path: "app" } });
    const escaping = renderCacheKey(SHA, { ...base, source: { repoURL: "r", path: "/../app" } });
    assert.notEqual(inside, escaping);
  });

  it("cover the checkouts other sources lend by ref, so a new values commit is a new render", () => {
    const base = {
      repoDir: "/x",
      appName: "a",
      kubeVersion: "v1",
      apiVersions: [],
      source: { repoURL: "r" },
    };
    const alone = renderCacheKey(SHA, base);
    const lent = renderCacheKey(SHA, { ...base, refs: { values: "/checkouts/values/aaa" } });
    const newer = renderCacheKey(SHA, { ...base, refs: { values: "/checkouts/values/bbb" } });
    assert.notEqual(alone, lent);
    assert.notEqual(lent, newer);
  });

  it("include the repository, target revision and Project only when the spec refers to build variables", () => {
    const key = (helm: Record<string, unknown>, source: Record<string, string>, project?: string) =>
      renderCacheKey(SHA, {
        repoDir: "/x",
        appName: "shop",
        kubeVersion: "v1.36.3",
        apiVersions: [],
        ...(project ? { project } : {}),
        source: { repoURL: "r", path: "chart", ...source, helm },
      });
    const plain = { values: "a: 1" };
    assert.equal(key(plain, { targetRevision: "main" }, "a"), key(plain, { targetRevision: "v1" }, "b"));
    const tagged = { parameters: [{ name: "tag", value: "$ARGOCD_APP_SOURCE_TARGET_REVISION" }] };
    assert.notEqual(key(tagged, { targetRevision: "main" }), key(tagged, { targetRevision: "v1" }));
    const byProject = { values: "team: ${ARGOCD_APP_PROJECT_NAME}" };
    assert.notEqual(key(byProject, {}, "a"), key(byProject, {}, "b"));
  });

  it("are built from canonical JSON: sorted keys, no undefined fields", () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: undefined } }),
      '{"a":{"d":[2,{"e":0,"f":1}]},"b":1}',
    );
  });
});
