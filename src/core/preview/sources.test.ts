import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { candidateTargets, followingSources } from "./candidates.ts";
import { ownPaths, ownValueFiles, type PreviewSource, refValueReads } from "./sources.ts";

const VALUES = "https://git.example/team/values.git";
const CHARTS = "oci://registry.example/charts";

/** A chart from a registry, its values from the `values` repository, plus a plain folder there. */
const sources: PreviewSource[] = [
  {
    repoURL: CHARTS,
    chart: "web",
    targetRevision: "1.2.0",
    helm: { valueFiles: ["values.yaml", "$values/envs/prod.yaml", "$values/envs/$ARGOCD_APP_NAME.yaml"] },
  },
  { repoURL: "https://git.example/Team/Values", targetRevision: "main", ref: "values" },
  { repoURL: VALUES, targetRevision: "main", path: "extras" },
  { repoURL: VALUES, targetRevision: "v1", ref: "pinned" },
];

describe("what a pull request into a repository can touch in a multi-source app", () => {
  it("give the app the folders they render, and none for a ref source that only lends files", () => {
    assert.deepEqual(ownPaths(sources, [1, 2]), ["extras"]);
    assert.deepEqual(ownPaths(sources, [1]), []);
    assert.deepEqual(ownPaths([{ repoURL: VALUES }], [0]), [""]);
  });

  it("make the app read the files a $ref values entry names in them, a variable's folder for a pattern", () => {
    assert.deepEqual(refValueReads(sources, [1, 2]), ["envs/prod.yaml", "envs"]);
    assert.deepEqual(refValueReads(sources, [2]), []);
  });

  it("never read outside the repository through a $ref entry", () => {
    const escaping: PreviewSource[] = [
      {
        repoURL: CHARTS,
        chart: "web",
        helm: { valueFiles: ["$values/../../etc/passwd", "$values//ok.yaml"] },
      },
      { repoURL: VALUES, ref: "values" },
    ];
    assert.deepEqual(refValueReads(escaping, [1]), ["ok.yaml"]);
  });

  it("leave a source's own values entries to be read from its path", () => {
    assert.deepEqual(ownValueFiles(sources[0] as PreviewSource), ["values.yaml"]);
  });
});

describe("which sources of a multi-source app a pull request changes", () => {
  it("are those on the PR's repository that follow its base branch; a chart or a pinned one never is", () => {
    assert.deepEqual(followingSources(VALUES, "main", false, sources), [1, 2]);
    assert.deepEqual(followingSources(VALUES, "release", false, sources), []);
    assert.deepEqual(followingSources("https://git.example/team/other", "main", false, sources), []);
    // A registry at the same address as a repository is still a registry.
    const chartAtRepo = { ...(sources[0] as PreviewSource), repoURL: VALUES };
    assert.deepEqual(followingSources(VALUES, "1.2.0", false, [chartAtRepo]), []);
  });

  it("make the app a candidate carrying them", () => {
    const [found] = candidateTargets(VALUES, "main", false, [{ name: "shop", sources }]);
    assert.deepEqual(found?.following, [1, 2]);
  });
});
