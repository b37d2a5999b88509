// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is a build variable reference, written as users write it
import assert from "node:assert/strict";
import { realpath } from "node:fs/promises";
import { join, relative } from "node:path";
import { after, describe, it } from "node:test";
import { buildEnvironment } from "../core/build-env.ts";
import { RenderError } from "./errors.ts";
import { makeRepo, type TestRepo } from "./test-repo.ts";
import { doublestarOrder, resolveValueFiles } from "./value-files.ts";

const repos: TestRepo[] = [];
after(() => Promise.all(repos.map((r) => r.remove())));

const env = buildEnvironment({
  appName: "shop",
  destinationNamespace: "prod",
  repoURL: "file:///r",
  kubeVersion: "v1.36.3",
  apiVersions: [],
});

async function setup(): Promise<{ repo: TestRepo; root: string }> {
  const repo = await makeRepo({
    "chart/Chart.yaml": "name: c\n",
    "chart/values/b.yaml": "b: 1\n",
    "chart/values/a.yaml": "a: 1\n",
    "chart/values/c.yml": "c: 1\n",
    "chart/values/nested/d.yaml": "d: 1\n",
    "envs/prod.yaml": "",
    "envs/eu/prod.yaml": "",
    "envs/eu/west/prod.yaml": "",
    "envs/us/prod.yaml": "",
    "envs/shop.yaml": "",
    "envs/leak.yaml": { link: "../../outside.yaml" },
  });
  repos.push(repo);
  await repo.write({ "outside.yaml": "stolen: true\n" }, repo.scratch);
  return { repo, root: await realpath(repo.root) };
}

/** The files the entries name, relative to the chart's repository; `refs` lends other checkouts. */
async function resolveIn(
  root: string,
  valueFiles: string[],
  ignoreMissing: boolean,
  refs?: ReadonlyMap<string, string>,
): Promise<string[]> {
  const files = await resolveValueFiles({
    repoRoot: root,
    chartDir: join(root, "chart"),
    valueFiles,
    ignoreMissing,
    env,
    ...(refs ? { refs } : {}),
  });
  return files.map((f) => relative(root, f));
}

async function resolve(valueFiles: string[], ignoreMissing = false): Promise<string[]> {
  return resolveIn((await setup()).root, valueFiles, ignoreMissing);
}

async function refused(valueFiles: string[], code: string, message: RegExp, ignoreMissing = false) {
  await assert.rejects(
    () => resolve(valueFiles, ignoreMissing),
    (err) => err instanceof RenderError && err.code === code && message.test(err.message),
  );
}

describe("helm values files", () => {
  it("expands a glob in lexical order, within one folder", async () => {
    assert.deepEqual(await resolve(["values/*.yaml"]), ["chart/values/a.yaml", "chart/values/b.yaml"]);
  });

  it("expands ** across folders, a folder's own files before its subfolders'", async () => {
    assert.deepEqual(await resolve(["/envs/**/prod.yaml"]), [
      "envs/prod.yaml",
      "envs/eu/prod.yaml",
      "envs/eu/west/prod.yaml",
      "envs/us/prod.yaml",
    ]);
  });

  it("keeps a file listed by name at its own position, and passes no file twice", async () => {
    assert.deepEqual(await resolve(["values/*.yaml", "values/a.yaml", "values/*.yaml"]), [
      "chart/values/b.yaml",
      "chart/values/a.yaml",
    ]);
  });

  it("expands build variables in the path first", async () => {
    assert.deepEqual(await resolve(["/envs/$ARGOCD_APP_NAME.yaml", "/envs/${ARGOCD_APP_NAMESPACE}.yaml"]), [
      "envs/shop.yaml",
      "envs/prod.yaml",
    ]);
  });

  it("fails on a glob that matches nothing, naming it", async () => {
    await refused(
      ["values/*.json"],
      "path-not-found",
      /values file glob "values\/\*\.json" matched no files/,
    );
    await refused(["missing/*.yaml"], "path-not-found", /matched no files/);
  });

  it("leaves out what matches nothing when ignoreMissingValueFiles is set", async () => {
    assert.deepEqual(await resolve(["values/*.json", "missing.yaml", "values/a.yaml"], true), [
      "chart/values/a.yaml",
    ]);
  });

  it("never leaves the repository", async () => {
    await refused(["../../*.yaml"], "path-escapes-repo", /leads outside the repository/);
    await refused(["/envs/*.yaml"], "path-escapes-repo", /envs\/leak\.yaml is a symlink/);
    await refused(["../../outside.yaml"], "path-escapes-repo", /leads outside/, true);
  });

  it("refuses URLs, and another source's files when the app lends none", async () => {
    await refused(["https://example.com/v.yaml"], "unsupported-source", /is a URL/);
    await refused(["$values/envs/prod.yaml"], "invalid-source", /names ref \$values, which no source/);
  });
});

describe("values files from another source ($ref/path)", () => {
  /** The chart's repository and a values repository lent under the ref `values`. */
  async function resolveWithRef(valueFiles: string[], ignoreMissing = false) {
    const { root } = await setup();
    const lender = await makeRepo({
      "envs/prod.yaml": "replicas: 3\n",
      "envs/eu/prod.yaml": "",
      "envs/leak.yaml": { link: "../../outside.yaml" },
      "linked/env.yaml": { link: "../envs/prod.yaml" },
    });
    repos.push(lender);
    await lender.write({ "outside.yaml": "stolen: true\n" }, lender.scratch);
    const values = await realpath(lender.root);
    const files = await resolveIn(root, valueFiles, ignoreMissing, new Map([["values", values]]));
    const lent = relative(root, values);
    return files.map((f) => (f.startsWith(`${lent}/`) ? `$values/${f.slice(lent.length + 1)}` : f));
  }

  it("reads the path from the root of the ref's checkout, in order with the chart's own files", async () => {
    assert.deepEqual(
      await resolveWithRef(["values/a.yaml", "$values/envs/prod.yaml", "$values/linked/env.yaml"]),
      ["chart/values/a.yaml", "$values/envs/prod.yaml"],
    );
  });

  it("expands globs inside the ref's checkout", async () => {
    assert.deepEqual(await resolveWithRef(["$values/envs/**/prod.yaml"]), [
      "$values/envs/prod.yaml",
      "$values/envs/eu/prod.yaml",
    ]);
  });

  it("never leaves the ref's checkout, by .. or by a symlink, and names the entry", async () => {
    const escapes = async (entry: string, message: RegExp) =>
      assert.rejects(
        () => resolveWithRef([entry]),
        (err) => err instanceof RenderError && err.code === "path-escapes-repo" && message.test(err.message),
      );
    await escapes(
      "$values/../../etc/passwd",
      /values file of \$values "\.\.\/\.\.\/etc\/passwd" leads outside/,
    );
    await escapes(
      "$values/envs/leak.yaml",
      /values file of \$values "envs\/leak\.yaml" is a symlink .* outside/,
    );
    await escapes("$values/*/leak.yaml", /envs\/leak\.yaml is a symlink/);
  });

  it("names a ref the app does not have", async () => {
    await assert.rejects(
      () => resolveWithRef(["$other/envs/prod.yaml"]),
      (err) => err instanceof RenderError && /names ref \$other/.test(err.message),
    );
  });

  it("leaves out a missing file of the ref under ignoreMissingValueFiles", async () => {
    assert.deepEqual(await resolveWithRef(["$values/envs/none.yaml"], true), []);
  });
});

it("orders paths as doublestar returns them", () => {
  const paths = ["a/b/x", "b", "a/x", "a/a/x", "a"].map((p) => p.split("/"));
  assert.deepEqual(
    paths.sort(doublestarOrder).map((p) => p.join("/")),
    ["a", "b", "a/x", "a/a/x", "a/b/x"],
  );
});
