import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { DirectorySource } from "../core/application.ts";
import { RenderError } from "./errors.ts";
import { render } from "./render.ts";
import { configMap, inputFor, makeRepo, names, type TestRepo, type Tree } from "./test-repo.ts";

const repos: TestRepo[] = [];
after(() => Promise.all(repos.map((r) => r.remove())));

async function renderTree(tree: Tree, path = "app", directory?: DirectorySource) {
  const repo = await makeRepo(tree);
  repos.push(repo);
  const result = await render(inputFor(repo, { source: { repoURL: "r", path, directory } }));
  assert.equal(result.tool, "directory");
  return result.objects;
}

async function renderError(tree: Tree, path = "app", directory?: DirectorySource): Promise<RenderError> {
  try {
    await renderTree(tree, path, directory);
  } catch (err) {
    assert.ok(err instanceof RenderError, `expected a RenderError, got ${err}`);
    return err;
  }
  assert.fail("render succeeded");
}

describe("rendering a plain directory", () => {
  it("reads every document of a multi-document file and skips empty ones", async () => {
    const objects = await renderTree({
      "app/all.yaml": `---\n${configMap("one")}---\n---\n# only a comment\n---\n${configMap("two")}\n---\n`,
    });
    assert.deepEqual(names(objects), ["ConfigMap/one", "ConfigMap/two"]);
  });

  it("reads .yml and .json files and ignores other files", async () => {
    const objects = await renderTree({
      "app/a.yml": configMap("from-yml"),
      "app/b.json": JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "from-json" } }),
      "app/README.md": "# not a manifest\n",
      "app/notes.txt": "apiVersion: nope\n",
    });
    assert.deepEqual(names(objects), ["ConfigMap/from-yml", "Secret/from-json"]);
  });

  it("reads files in byte order of their names, whatever order they were written in", async () => {
    const objects = await renderTree({
      "app/b.yaml": configMap("b"),
      "app/a.yaml": configMap("a"),
      "app/B.yaml": configMap("upper-b"),
      "app/a-2.yaml": configMap("a-2"),
    });
    assert.deepEqual(names(objects), ["ConfigMap/upper-b", "ConfigMap/a-2", "ConfigMap/a", "ConfigMap/b"]);
  });

  it("flattens kind List and typed lists into their items", async () => {
    const list = {
      apiVersion: "v1",
      kind: "List",
      items: [
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "in-list" } },
        {
          apiVersion: "v1",
          kind: "ConfigMapList",
          items: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "in-nested-list" } }],
        },
      ],
    };
    const objects = await renderTree({ "app/list.json": JSON.stringify(list) });
    assert.deepEqual(names(objects), ["ConfigMap/in-list", "ConfigMap/in-nested-list"]);
  });

  it("keeps a kind that merely ends in List when it has no items", async () => {
    const objects = await renderTree({
      "app/allow.yaml":
        "apiVersion: policy.example.com/v1\nkind: AllowList\nmetadata:\n  name: ips\nspec: {}\n",
    });
    assert.deepEqual(names(objects), ["AllowList/ips"]);
  });

  it("reads YAML as kubectl does: on and yes are booleans, 0755 is octal, dates and 10:30 stay strings", async () => {
    const [cm] = await renderTree({
      "app/cm.yaml":
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  on: yes\n  mode: 0755\n  date: 2024-01-01\n  time: 10:30\n  quoted: 'on'\n",
    });
    assert.deepEqual(cm?.data, { true: true, mode: 493, date: "2024-01-01", time: "10:30", quoted: "on" });
  });

  it("reads only the top folder unless recurse is on", async () => {
    const tree = { "app/top.yaml": configMap("top"), "app/sub/deep/nested.yaml": configMap("nested") };
    assert.deepEqual(names(await renderTree(tree)), ["ConfigMap/top"]);
    assert.deepEqual(names(await renderTree(tree, "app", { recurse: true })), [
      "ConfigMap/nested",
      "ConfigMap/top",
    ]);
  });

  it("descends depth first, visiting a folder where its name sorts among the files", async () => {
    const objects = await renderTree(
      { "app/a.yaml": configMap("a"), "app/b/x.yaml": configMap("b-x"), "app/c.yaml": configMap("c") },
      "app",
      { recurse: true },
    );
    assert.deepEqual(names(objects), ["ConfigMap/a", "ConfigMap/b-x", "ConfigMap/c"]);
  });

  it("applies include and exclude globs to paths relative to the source path", async () => {
    const tree = {
      "app/deploy.yaml": configMap("deploy"),
      "app/service.yaml": configMap("service"),
      "app/config.json": JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "json" } }),
      "app/prod/extra.yaml": configMap("prod-extra"),
      "app/dev/extra.yaml": configMap("dev-extra"),
    };
    const include = await renderTree(tree, "app", { recurse: true, include: "{deploy.yaml,prod/*}" });
    assert.deepEqual(names(include), ["ConfigMap/deploy", "ConfigMap/prod-extra"]);
    const exclude = await renderTree(tree, "app", { recurse: true, exclude: "{*.json,dev/*}" });
    assert.deepEqual(names(exclude), ["ConfigMap/deploy", "ConfigMap/prod-extra", "ConfigMap/service"]);
  });

  it("lets * in a glob match across folders, as Argo CD does", async () => {
    const tree = { "app/a.yaml": configMap("a"), "app/sub/b.yaml": configMap("b"), "app/sub/c.json": "{}" };
    const objects = await renderTree(tree, "app", { recurse: true, exclude: "*.json" });
    assert.deepEqual(names(objects), ["ConfigMap/a", "ConfigMap/b"]);
  });

  it("renders the repository root when no path is given", async () => {
    const objects = await renderTree({ "root.yaml": configMap("root") }, "");
    assert.deepEqual(names(objects), ["ConfigMap/root"]);
  });
});

describe("rejecting what is not a manifest", () => {
  it("names the file and the parser's line and column for malformed YAML", async () => {
    const err = await renderError({
      "app/bad.yaml": `${configMap("ok")}---\nkind: ConfigMap\nmetadata: [a,\n  b: c\n`,
    });
    assert.equal(err.code, "invalid-manifest");
    assert.match(err.message, /^app\/bad\.yaml: invalid YAML at line \d+, column \d+: /);
  });

  it("points at the line of the mistake", async () => {
    const err = await renderError({
      "app/bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n name: b\n",
    });
    assert.match(err.message, /at line 5, column/);
  });

  it("names the file, the document and the missing field when apiVersion is absent", async () => {
    const err = await renderError({
      "app/cm.yaml": `${configMap("fine")}---\nkind: ConfigMap\nmetadata:\n  name: x\n`,
    });
    assert.equal(err.code, "invalid-manifest");
    assert.match(err.message, /^app\/cm\.yaml document 2 has no apiVersion; /);
  });

  it("lists every missing field at once", async () => {
    const err = await renderError({ "app/cm.yaml": `${configMap("a")}---\ndata:\n  a: b\n` });
    assert.match(err.message, /document 2 has no apiVersion, kind, metadata; /);
  });

  it("says when a name is not a string, as happens to an unquoted y or on", async () => {
    const err = await renderError({
      "app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n",
    });
    assert.equal(err.code, "invalid-manifest");
    assert.match(
      err.message,
      /^app\/cm\.yaml document 1 metadata\.name is the boolean true where a string is needed; quote/,
    );
  });

  it("accepts metadata.generateName in place of a name, as hooks use", async () => {
    const objects = await renderTree({
      "app/job.yaml": "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: migrate-\nspec: {}\n",
    });
    assert.equal(objects[0]?.metadata.generateName, "migrate-");
  });

  it("refuses a document that is a list or a plain value beside objects in the same file", async () => {
    const list = await renderError({ "app/x.yaml": `- a\n- b\n---\n${configMap("a")}` });
    assert.match(list.message, /^app\/x\.yaml document 1 is a list, not a Kubernetes object/);
    const scalar = await renderError({ "app/x.yaml": `${configMap("a")}---\njust text\n` });
    assert.match(scalar.message, /document 2 is a string/);
  });

  it("skips files that hold no Kubernetes objects, as Argo CD does, and lists them", async () => {
    const repo = await makeRepo({
      "app/cm.yaml": configMap("kept"),
      "app/values.yaml": "replicas: 2\nimage:\n  tag: v1\n",
      "app/hosts.yaml": "- a.example.com\n---\n- b.example.com\n",
      "app/package.json": '{"name": "tooling"}',
      "app/empty.yaml": "# nothing\n",
    });
    repos.push(repo);
    const result = await render(inputFor(repo, { source: { repoURL: "r", path: "app" } }));
    assert.deepEqual(names(result.objects), ["ConfigMap/kept"]);
    assert.deepEqual(
      result.skipped?.map((s) => s.path),
      ["app/hosts.yaml", "app/package.json", "app/values.yaml"],
    );
    assert.match(result.skipped?.[0]?.reason ?? "", /no document has apiVersion or kind/);
  });

  it("names files that hold no Kubernetes object as unrendered when nothing else rendered", async () => {
    const repo = await makeRepo({
      "app/values.yaml": "replicas: 2\n",
      "app/app.cue": "x",
    });
    repos.push(repo);
    const result = await render(inputFor(repo, { source: { repoURL: "r", path: "app" } }));
    assert.deepEqual(result.objects, []);
    assert.deepEqual(result.unrendered, ["app/app.cue", "app/values.yaml (holds no Kubernetes object)"]);
  });

  it("lists no more than the status limit of skipped files, and says how many more there are", async () => {
    const tree: Tree = { "app/cm.yaml": configMap("kept") };
    for (let i = 10; i < 35; i++) tree[`app/values-${i}.yaml`] = `n: ${i}\n`;
    const repo = await makeRepo(tree);
    repos.push(repo);
    const result = await render(inputFor(repo, { source: { repoURL: "r", path: "app" } }));
    assert.equal(result.skipped?.length, 20);
    assert.match(result.skipped?.[19]?.reason ?? "", /\(5 more skipped files are not listed\)/);
    const plain = await render(
      inputFor(repo, { source: { repoURL: "r", path: "app", directory: { exclude: "values-*" } } }),
    );
    assert.equal(plain.skipped, undefined);
  });

  it("still refuses a document that has a kind but is not a valid object", async () => {
    const err = await renderError({ "app/cm.yaml": "kind: ConfigMap\ndata: {}\n" });
    assert.match(err.message, /^app\/cm\.yaml document 1 has no apiVersion, metadata; /);
  });

  it("names the List item at fault", async () => {
    const list = { apiVersion: "v1", kind: "List", items: [{ kind: "ConfigMap", metadata: { name: "x" } }] };
    const err = await renderError({ "app/list.json": JSON.stringify(list) });
    assert.match(err.message, /^app\/list\.json, item 1 has no apiVersion/);
  });

  it("reports malformed JSON with its position", async () => {
    const err = await renderError({ "app/x.json": '{\n  "apiVersion": "v1",\n}\n' });
    assert.equal(err.code, "invalid-manifest");
    assert.match(err.message, /^app\/x\.json: invalid JSON: .*line 3/);
  });

  it("refuses a malformed include glob", async () => {
    const err = await renderError({ "app/a.yaml": configMap("a") }, "app", { include: "{a.yaml,b.yaml" });
    assert.equal(err.code, "invalid-source");
  });
});
