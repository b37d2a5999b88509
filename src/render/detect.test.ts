import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { ApplicationSource } from "../core/application.ts";
import { detectTool, type RenderTool } from "./detect.ts";
import { RenderError } from "./errors.ts";
import { makeRepo, type TestRepo, type Tree } from "./test-repo.ts";

const repos: TestRepo[] = [];
after(() => Promise.all(repos.map((r) => r.remove())));

async function detect(tree: Tree, blocks: Partial<ApplicationSource> = {}): Promise<RenderTool> {
  const repo = await makeRepo(tree);
  repos.push(repo);
  return detectTool(repo.root, { repoURL: "r", ...blocks });
}

describe("choosing the tool", () => {
  const byFiles: [string, Tree, RenderTool][] = [
    ["a Chart.yaml means helm", { "Chart.yaml": "name: c\n" }, "helm"],
    ["kustomization.yaml means kustomize", { "kustomization.yaml": "" }, "kustomize"],
    ["kustomization.yml means kustomize", { "kustomization.yml": "" }, "kustomize"],
    ["Kustomization means kustomize", { Kustomization: "" }, "kustomize"],
    [
      "kustomize wins over a Chart.yaml beside it",
      { "Chart.yaml": "", "kustomization.yaml": "" },
      "kustomize",
    ],
    ["anything else is a plain directory", { "a.yaml": "", "values.yaml": "" }, "directory"],
    ["a Chart.yaml only in a subfolder does not count", { "sub/Chart.yaml": "" }, "directory"],
    ["a folder named Chart.yaml does not count", { "Chart.yaml/x": "" }, "directory"],
  ];
  for (const [behaviour, tree, tool] of byFiles) {
    it(behaviour, async () => assert.equal(await detect(tree), tool));
  }

  it("lets a tool block in the spec win over the files", async () => {
    assert.equal(await detect({ "Chart.yaml": "" }, { directory: {} }), "directory");
    assert.equal(await detect({ "kustomization.yaml": "" }, { helm: {} }), "helm");
    assert.equal(await detect({ "a.yaml": "" }, { kustomize: { namePrefix: "x-" } }), "kustomize");
  });

  it("refuses two tool blocks at once, naming both", async () => {
    await assert.rejects(
      detect({ "Chart.yaml": "" }, { helm: {}, kustomize: {} }),
      (err) =>
        err instanceof RenderError && err.code === "invalid-source" && /kustomize and helm/.test(err.message),
    );
  });
});
