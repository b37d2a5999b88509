import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { DirectorySource } from "../core/application.ts";
import { RenderError } from "./errors.ts";
import { importsIn, jsonnetArgs, jsonnetObjects } from "./jsonnet.ts";
import { render } from "./render.ts";
import { inputFor, makeRepo, names, type TestRepo, type Tree } from "./test-repo.ts";

describe("jsonnetArgs", () => {
  it("passes libs, tlas and extVars as one argument each, strings and code apart, the file last", () => {
    const args = jsonnetArgs(
      "/repo/app/main.jsonnet",
      {
        tlas: [{ name: "replicas", value: "3", code: true }],
        extVars: [
          { name: "env", value: "prod; rm -rf /" },
          { name: "ports", value: "[80, 443]", code: true },
        ],
      },
      ["/repo/vendor", "/repo/lib"],
    );
    assert.deepEqual(args, [
      "-J",
      "/repo/vendor",
      "-J",
      "/repo/lib",
      "--tla-code",
      "replicas=3",
      "--ext-str",
      "env=prod; rm -rf /",
      "--ext-code",
      "ports=[80, 443]",
      "/repo/app/main.jsonnet",
    ]);
  });

  it("refuses a name that is not an identifier (jsonnet would split it at = or read the environment)", () => {
    assert.throws(
      () => jsonnetArgs("/f.jsonnet", { extVars: [{ name: "a=b", value: "x" }] }, []),
      (err: unknown) =>
        err instanceof RenderError && err.code === "invalid-source" && /"a=b"/.test(err.message),
    );
  });
});

describe("jsonnetObjects", () => {
  const cm = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name } });

  it("reads one object, an array, nested arrays and a List", () => {
    assert.deepEqual(names(jsonnetObjects(JSON.stringify(cm("a")), "a.jsonnet")), ["ConfigMap/a"]);
    const nested = [cm("a"), [cm("b"), [cm("c")]], { apiVersion: "v1", kind: "List", items: [cm("d")] }];
    assert.deepEqual(names(jsonnetObjects(JSON.stringify(nested), "a.jsonnet")), [
      "ConfigMap/a",
      "ConfigMap/b",
      "ConfigMap/c",
      "ConfigMap/d",
    ]);
  });

  it("refuses an object of objects, naming the file and saying to return an array", () => {
    assert.throws(
      () => jsonnetObjects(JSON.stringify({ service: cm("a"), deployment: cm("b") }), "app/x.jsonnet"),
      (err: unknown) =>
        err instanceof RenderError &&
        err.code === "invalid-manifest" &&
        /^app\/x\.jsonnet output is an object of objects \(service, deployment\).*array/.test(err.message),
    );
  });

  it("refuses a value that is not an object, naming the file and the item", () => {
    assert.throws(
      () => jsonnetObjects(JSON.stringify([cm("a"), "text"]), "app/x.jsonnet"),
      (err: unknown) =>
        err instanceof RenderError &&
        err.code === "invalid-manifest" &&
        err.message === "app/x.jsonnet output, item 2 is a string, not a Kubernetes object",
    );
  });
});

describe("importsIn", () => {
  it("finds import, importstr and importbin with every string form, and ignores comments and strings", () => {
    const text = [
      "local a = import 'a.libsonnet';",
      'local b = importstr "b.txt";',
      "local c = importbin @'c''s.bin';",
      "// import 'commented.libsonnet'",
      "# import 'hashed.libsonnet'",
      "/* import 'block.libsonnet' */",
      "local s = \"import 'in-a-string.libsonnet'\";",
      "local t = |||\n  import 'in-a-text-block.libsonnet'\n|||;",
      'local d = import /* why */ "d\\u002elibsonnet";',
      "{}",
    ].join("\n");
    assert.deepEqual(importsIn(text), [
      { keyword: "import", path: "a.libsonnet" },
      { keyword: "importstr", path: "b.txt" },
      { keyword: "importbin", path: "c's.bin" },
      { keyword: "import", path: "d.libsonnet" },
    ]);
  });
});

describe("rendering .jsonnet files of a directory source (real jsonnet, sandboxed)", () => {
  const repos: TestRepo[] = [];
  after(() => Promise.all(repos.map((r) => r.remove())));
  const renderTree = async (tree: Tree, path: string, directory: DirectorySource = {}) => {
    const repo = await makeRepo(tree);
    repos.push(repo);
    return render(inputFor(repo, { source: { repoURL: "r", path, directory } }));
  };
  const failure = (code: string, message: RegExp) => (err: unknown) =>
    err instanceof RenderError && err.code === code && message.test(err.message);

  it("evaluates a file with an import, a tla, ext vars and a lib folder", async () => {
    const result = await renderTree(
      {
        "vendor/labels.libsonnet": "{ team: 'shop' }",
        "app/params.libsonnet": "{ name: 'web' }",
        "app/main.jsonnet": [
          "local params = import 'params.libsonnet';",
          "local labels = import 'labels.libsonnet';",
          "function(replicas) [{ apiVersion: 'v1', kind: 'ConfigMap',",
          "  metadata: { name: params.name, labels: labels },",
          "  data: { replicas: std.toString(replicas + 1), env: std.extVar('env'), ports: std.toString(std.extVar('ports')) } }]",
        ].join("\n"),
        "app/params.libsonnet.txt": "not read",
      },
      "app",
      {
        jsonnet: {
          tlas: [{ name: "replicas", value: "2", code: true }],
          extVars: [
            { name: "env", value: "prod" },
            { name: "ports", value: "[80]", code: true },
          ],
          libs: ["vendor"],
        },
      },
    );
    assert.deepEqual(names(result.objects), ["ConfigMap/web"]);
    assert.deepEqual(result.objects[0]?.data, { replicas: "3", env: "prod", ports: "[80]" });
    assert.deepEqual(result.objects[0]?.metadata.labels, { team: "shop" });
  });

  it("expands build variables in tla and extVar values, as Argo CD does", async () => {
    const result = await renderTree(
      {
        "app/main.jsonnet":
          "function(app) { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: app }, data: { ns: std.extVar('ns') } }",
      },
      "app",
      {
        jsonnet: {
          tlas: [{ name: "app", value: "$ARGOCD_APP_NAME" }],
          // biome-ignore lint/suspicious/noTemplateCurlyInString: ${NAME} is a build variable reference, written as users write it
          extVars: [{ name: "ns", value: "${ARGOCD_APP_NAMESPACE}-x" }],
        },
      },
    );
    assert.deepEqual(names(result.objects), ["ConfigMap/shop"]);
    assert.deepEqual(result.objects[0]?.data, { ns: "shop-x" });
  });

  it("refuses an import that climbs out of the repository, naming the file", async () => {
    await assert.rejects(
      renderTree({ "app/main.jsonnet": "import '../../../../../../etc/hosts'" }, "app"),
      failure(
        "path-escapes-repo",
        /^app\/main\.jsonnet: import "\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc\/hosts" leads outside/,
      ),
    );
  });

  it("refuses an absolute import, also from an imported library", async () => {
    await assert.rejects(
      renderTree(
        { "app/main.jsonnet": "import 'lib.libsonnet'", "app/lib.libsonnet": "importstr '/etc/hosts'" },
        "app",
      ),
      failure("path-escapes-repo", /^app\/lib\.libsonnet: importstr "\/etc\/hosts" is an absolute path/),
    );
  });

  it("counts imported files against the size limit per manifest file", async () => {
    const repo = await makeRepo({
      "app/main.jsonnet": "import 'big.libsonnet'",
      "app/big.libsonnet": `{ padding: '${"x".repeat(2000)}' }`,
    });
    repos.push(repo);
    await assert.rejects(
      render(inputFor(repo, { source: { repoURL: "r", path: "app" } }), {
        limits: { maxManifestFileBytes: 1000 },
      }),
      failure(
        "too-large",
        /^app\/big\.libsonnet is 2 KiB, more than the limit of 1000 bytes per manifest file/,
      ),
    );
  });

  it("refuses a lib folder outside the repository, naming the entry", async () => {
    await assert.rejects(
      renderTree({ "app/main.jsonnet": "{}" }, "app", { jsonnet: { libs: ["../outside"] } }),
      failure(
        "path-escapes-repo",
        /directory\.jsonnet\.libs entry "\.\.\/outside" leads outside the repository/,
      ),
    );
  });

  it("reports jsonnet's error with the repository file's name and no host path", async () => {
    const repo = await makeRepo({ "app/main.jsonnet": "{ a: error 'no params given' }" });
    repos.push(repo);
    await assert.rejects(
      render(inputFor(repo, { source: { repoURL: "r", path: "app" } })),
      (err: unknown) => {
        assert.ok(err instanceof RenderError);
        assert.equal(err.code, "render-failed");
        assert.match(err.message, /^jsonnet failed: app\/main\.jsonnet: RUNTIME ERROR: no params given/);
        assert.ok(!err.message.includes(repo.root), err.message);
        return true;
      },
    );
  });

  it("lists the files it does not render when nothing is rendered, but not dotfiles", async () => {
    const result = await renderTree(
      { "app/app.cue": "x", "app/README.txt": "x", "app/.gitkeep": "", "app/.ksonnet/app.yaml": "x: 1" },
      "app",
    );
    assert.deepEqual(result.objects, []);
    assert.deepEqual(result.unrendered, ["app/.ksonnet/", "app/README.txt", "app/app.cue"]);
  });

  it("reports nothing unrendered when objects were rendered, or the folder is empty", async () => {
    const some = await renderTree(
      {
        "app/a.jsonnet": "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }",
        "app/README.txt": "",
      },
      "app",
    );
    assert.equal(some.unrendered, undefined);
    const empty = await renderTree({ "app/.gitkeep": "" }, "app");
    assert.equal(empty.unrendered, undefined);
  });
});
