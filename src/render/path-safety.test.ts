import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { ApplicationSource } from "../core/application.ts";
import { RenderError } from "./errors.ts";
import { isInside } from "./path-safety.ts";
import { render } from "./render.ts";
import { configMap, inputFor, makeRepo, names, type TestRepo, type Tree } from "./test-repo.ts";

const repos: TestRepo[] = [];
after(() => Promise.all(repos.map((r) => r.remove())));

const SECRET = "password=hunter2";

/** A repo whose scratch folder also holds files outside the repository, one of them secret. */
async function repoWith(tree: Tree): Promise<TestRepo> {
  const repo = await makeRepo();
  repos.push(repo);
  await repo.write(
    {
      "outside/secret.yaml": `${configMap("stolen", { secret: SECRET })}`,
      "outside/dir/x.yaml": configMap("stolen-dir"),
    },
    repo.scratch,
  );
  await repo.write(tree);
  return repo;
}

async function renderError(repo: TestRepo, source: Partial<ApplicationSource>): Promise<RenderError> {
  try {
    await render(inputFor(repo, { source: { repoURL: "r", ...source } }));
  } catch (err) {
    assert.ok(err instanceof RenderError, `expected a RenderError, got ${err}`);
    return err;
  }
  assert.fail("render succeeded");
}

describe("keeping reads inside the repository", () => {
  it("refuses a source path that climbs out with ..", async () => {
    const repo = await repoWith({ "app/a.yaml": configMap("a") });
    const err = await renderError(repo, { path: "app/../../outside" });
    assert.equal(err.code, "path-escapes-repo");
    assert.match(err.message, /source path "app\/\.\.\/\.\.\/outside"/);
  });

  it("refuses a source path that is a symlink to a folder outside", async () => {
    const repo = await repoWith({ "app/link": { link: "../../outside" } });
    const err = await renderError(repo, { path: "app/link" });
    assert.equal(err.code, "path-escapes-repo");
    assert.match(err.message, /"app\/link"/);
  });

  it("treats a leading / as the repository root, not the machine's", async () => {
    const repo = await repoWith({ "etc/a.yaml": configMap("in-repo") });
    const result = await render(inputFor(repo, { source: { repoURL: "r", path: "/etc" } }));
    assert.deepEqual(names(result.objects), ["ConfigMap/in-repo"]);
  });

  it("reports a source path that does not exist", async () => {
    const repo = await repoWith({ "app/a.yaml": configMap("a") });
    const err = await renderError(repo, { path: "apps/missing" });
    assert.equal(err.code, "path-not-found");
    assert.match(err.message, /"apps\/missing"/);
  });

  it("reports a source path that is a file rather than a folder", async () => {
    const repo = await repoWith({ "app/a.yaml": configMap("a") });
    const err = await renderError(repo, { path: "app/a.yaml" });
    assert.equal(err.code, "path-not-found");
  });

  it("refuses a manifest symlinked to a file outside, without showing its content", async () => {
    const repo = await repoWith({
      "app/a.yaml": configMap("a"),
      "app/leak.yaml": { link: "../../outside/secret.yaml" },
    });
    const err = await renderError(repo, { path: "app" });
    assert.equal(err.code, "path-escapes-repo");
    assert.match(err.message, /^app\/leak\.yaml is a symlink that points outside the repository/);
    assert.doesNotMatch(err.message, /hunter2/);
  });

  it("refuses a folder symlinked outside once recursion would enter it", async () => {
    const repo = await repoWith({ "app/a.yaml": configMap("a"), "app/sub": { link: "../../outside/dir" } });
    assert.deepEqual(
      names((await render(inputFor(repo, { source: { repoURL: "r", path: "app" } }))).objects),
      ["ConfigMap/a"],
    );
    const err = await renderError(repo, { path: "app", directory: { recurse: true } });
    assert.equal(err.code, "path-escapes-repo");
    assert.match(err.message, /^app\/sub is a symlink/);
  });

  it("ignores an outside symlink that would not be read: another extension, or excluded", async () => {
    const repo = await repoWith({
      "app/a.yaml": configMap("a"),
      "app/LICENSE": { link: "../../outside/secret.yaml" },
      "app/skip.yaml": { link: "../../outside/secret.yaml" },
    });
    const result = await render(
      inputFor(repo, { source: { repoURL: "r", path: "app", directory: { exclude: "skip.yaml" } } }),
    );
    assert.deepEqual(names(result.objects), ["ConfigMap/a"]);
  });

  it("follows symlinks that stay inside the repository", async () => {
    const repo = await repoWith({
      "shared/common.yaml": configMap("common"),
      "app/common.yaml": { link: "../shared/common.yaml" },
      "app/more": { link: "../shared" },
    });
    const result = await render(
      inputFor(repo, { source: { repoURL: "r", path: "app", directory: { recurse: true } } }),
    );
    assert.deepEqual(names(result.objects), ["ConfigMap/common", "ConfigMap/common"]);
  });

  it("does not loop on a symlink back to a parent folder", async () => {
    const repo = await repoWith({ "app/a.yaml": configMap("a"), "app/sub/up": { link: ".." } });
    const result = await render(
      inputFor(repo, { source: { repoURL: "r", path: "app", directory: { recurse: true } } }),
    );
    assert.deepEqual(names(result.objects), ["ConfigMap/a"]);
  });

  it("reports a checkout folder that does not exist", async () => {
    const repo = await repoWith({});
    const err = await render(inputFor(repo, { repoDir: `${repo.root}-gone` })).catch((e) => e);
    assert.equal(err.code, "path-not-found");
  });
});

describe("isInside", () => {
  const cases: [string, string, boolean][] = [
    ["/r/repo", "/r/repo", true],
    ["/r/repo", "/r/repo/a/b", true],
    ["/r/repo", "/r/repo/..a", true],
    ["/r/repo", "/r/repository", false],
    ["/r/repo", "/r", false],
    ["/r/repo", "/etc/passwd", false],
  ];
  for (const [root, candidate, expected] of cases) {
    it(`${candidate} is ${expected ? "" : "not "}inside ${root}`, () => {
      assert.equal(isInside(root, candidate), expected);
    });
  }
});
