import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { candidateTargets, followsBranch, needsDefaultBranch } from "./candidates.ts";

describe("which targets follow a pull request's base branch", () => {
  const cases: [string | undefined, string, boolean, boolean][] = [
    ["main", "main", false, true],
    ["refs/heads/main", "main", false, true],
    ["main", "refs/heads/main", false, true],
    ["release", "main", true, false],
    ["", "main", true, true],
    [undefined, "main", true, true],
    ["HEAD", "main", true, true],
    ["HEAD", "develop", false, false],
    ["v1.2.0", "main", true, false],
    ["3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39", "main", true, false],
    ["mainline", "main", false, false],
  ];
  for (const [revision, base, isDefault, expected] of cases) {
    it(`targetRevision ${JSON.stringify(revision)} ${expected ? "follows" : "does not follow"} ${base}${isDefault ? " (the default branch)" : ""}`, () => {
      assert.equal(followsBranch(revision, base, isDefault), expected);
    });
  }

  const one = (name: string, repoURL: string, targetRevision?: string) => ({
    name,
    sources: [{ repoURL, ...(targetRevision === undefined ? {} : { targetRevision }) }],
  });

  it("keeps targets of the same repository however its URL is spelt, and drops other repositories", () => {
    const targets = [
      one("web", "https://git.example/Team/App.git", "main"),
      one("db", "https://git.example/team/app", ""),
      one("other", "https://git.example/team/other", "main"),
      one("pinned", "https://git.example/team/app", "v1"),
      one("elsewhere", "https://evil.example/team/app", "main"),
    ];
    const names = (isDefault: boolean) =>
      candidateTargets("https://git.example/team/app.git/", "main", isDefault, targets).map((t) => t.name);
    assert.deepEqual(names(true), ["web", "db"]);
    assert.deepEqual(names(false), ["web"]);
    assert.deepEqual(candidateTargets("not a url", "main", true, targets), []);
  });

  it("asks for the default branch only when a target's source on the repository follows HEAD", () => {
    const repo = "https://git.example/team/app";
    assert.equal(needsDefaultBranch(repo, [one("a", repo, "main")]), false);
    assert.equal(needsDefaultBranch(repo, [one("a", repo), one("b", repo, "main")]), true);
    assert.equal(needsDefaultBranch(repo, [one("a", "https://git.example/team/other")]), false);
  });
});
