import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Application } from "../application.ts";
import type { Stack } from "../stack/spec.ts";
import { revisionFollowsUpdate, specSources, targetsRefreshedBy, type WatchedSource } from "./match.ts";
import type { PushEvent, RefUpdate } from "./push.ts";

const SHA = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c";

function branch(name: string): RefUpdate {
  return { ref: `refs/heads/${name}`, after: SHA, deleted: false };
}
function tag(name: string): RefUpdate {
  return { ref: `refs/tags/${name}`, after: SHA, deleted: false };
}

describe("revisionFollowsUpdate", () => {
  const cases: [
    name: string,
    targetRevision: string | undefined,
    update: RefUpdate,
    defaultBranch: string | undefined,
    follows: boolean,
  ][] = [
    ["HEAD follows a push to the default branch", "HEAD", branch("main"), "main", true],
    ["an empty targetRevision means HEAD", undefined, branch("main"), "main", true],
    ["HEAD does not follow another branch", "HEAD", branch("feature"), "main", false],
    ["HEAD does not follow a tag", "HEAD", tag("main"), "main", false],
    [
      "HEAD follows any branch when the payload does not name the default branch",
      "HEAD",
      branch("feature"),
      undefined,
      true,
    ],
    ["HEAD never follows a tag, even without a default branch", "", tag("v1"), undefined, false],
    ["a branch name follows that branch", "main", branch("main"), "main", true],
    [
      "a branch name follows a tag of the same name, which git could resolve it to",
      "release",
      tag("release"),
      "main",
      true,
    ],
    ["a branch name does not follow another branch", "main", branch("mainline"), "main", false],
    ["refs are compared case-sensitively", "Main", branch("main"), "main", false],
    ["a full branch ref follows only that branch", "refs/heads/release", branch("release"), "main", true],
    [
      "a full branch ref does not follow a tag of the same name",
      "refs/heads/release",
      tag("release"),
      "main",
      false,
    ],
    ["a full tag ref follows that tag", "refs/tags/v1.2.0", tag("v1.2.0"), "main", true],
    [
      "a full tag ref does not follow a branch of the same name",
      "refs/tags/v1.2.0",
      branch("v1.2.0"),
      "main",
      false,
    ],
    ["a tag name follows that tag", "v1.2.0", tag("v1.2.0"), "main", true],
    ["a commit id never follows a push", SHA, branch(SHA), "main", false],
    ["a SHA-256 commit id never follows a push", "a".repeat(64), tag("a".repeat(64)), "main", false],
    ["a branch with a slash in its name", "team/feature", branch("team/feature"), "main", true],
    ["surrounding blanks are ignored", " main ", branch("main"), "main", true],
    [
      "a deleted branch is still followed",
      "gone",
      { ref: "refs/heads/gone", after: "0".repeat(40), deleted: true },
      "main",
      true,
    ],
  ];
  for (const [name, targetRevision, update, defaultBranch, follows] of cases)
    it(name, () => assert.equal(revisionFollowsUpdate(targetRevision, update, defaultBranch), follows));
});

describe("targetsRefreshedBy", () => {
  const push: PushEvent = {
    kind: "push",
    forge: "gitea",
    deliveryId: "d1",
    repoURLs: [
      "http://127.0.0.1:3000/team/platform.git",
      "ssh://git@127.0.0.1:2222/team/platform.git",
      "http://127.0.0.1:3000/team/platform",
    ],
    defaultBranch: "main",
    updates: [branch("main")],
  };

  interface Target {
    name: string;
    sources: WatchedSource[];
  }
  const one = (name: string, repoURL: string, targetRevision?: string): Target => ({
    name,
    sources: [targetRevision === undefined ? { repoURL } : { repoURL, targetRevision }],
  });
  const refreshed = (event: PushEvent, targets: Target[]) =>
    targetsRefreshedBy(event, targets, (t) => t.sources).map((m) => m.target.name);

  it("refreshes sources naming the repository by any address and spelling", () => {
    const targets = [
      one("clone-url", "http://127.0.0.1:3000/team/platform.git"),
      one("web-url", "http://127.0.0.1:3000/team/platform"),
      one("upper-case-and-slash", "HTTP://127.0.0.1:3000/Team/Platform.git/", "HEAD"),
      one("https-behind-a-proxy", "https://127.0.0.1/team/platform"),
      one("scp-like", "git@127.0.0.1:team/platform.git", "main"),
      one("with-userinfo", "http://ci:token@127.0.0.1:3000/team/platform.git", "main"),
    ];
    assert.deepEqual(
      refreshed(push, targets),
      targets.map((t) => t.name),
    );
  });

  it("leaves out other repositories, other hosts, local paths and unreadable URLs", () => {
    const targets = [
      one("other-repo", "http://127.0.0.1:3000/team/platform-tools.git"),
      one("prefix-only", "http://127.0.0.1:3000/team"),
      one("deeper", "http://127.0.0.1:3000/team/platform/sub"),
      one("other-host", "http://gitea.example/team/platform.git"),
      one("local", "file:///srv/git/team/platform.git"),
      one("unreadable", "ftp://127.0.0.1/team/platform"),
    ];
    assert.deepEqual(refreshed(push, targets), []);
  });

  it("leaves out sources whose revision the push did not move", () => {
    const targets = [
      one("head", "http://127.0.0.1:3000/team/platform.git"),
      one("develop", "http://127.0.0.1:3000/team/platform.git", "develop"),
      one("pinned", "http://127.0.0.1:3000/team/platform.git", SHA),
      one("tag", "http://127.0.0.1:3000/team/platform.git", "refs/tags/main"),
    ];
    assert.deepEqual(refreshed(push, targets), ["head"]);
  });

  it("refreshes a target once when several of its sources match, with the matching update", () => {
    const event: PushEvent = { ...push, updates: [branch("develop"), tag("v1")] };
    const target: Target = {
      name: "multi",
      sources: [
        { repoURL: "https://elsewhere.example/x.git", targetRevision: "develop" },
        { repoURL: "http://127.0.0.1:3000/team/platform.git", targetRevision: "v1" },
        { repoURL: "http://127.0.0.1:3000/team/platform.git", targetRevision: "develop" },
      ],
    };
    assert.deepEqual(
      targetsRefreshedBy(event, [target], (t) => t.sources),
      [{ target, ref: "refs/tags/v1", after: SHA, deleted: false }],
    );
  });

  it("matches each ref of a multi-ref push, HEAD following any branch when the default is unknown", () => {
    const event: PushEvent = {
      kind: "push",
      forge: "bitbucket",
      deliveryId: "d2",
      repoURLs: ["https://bitbucket.org/team/deploy", "git@bitbucket.org:team/deploy.git"],
      updates: [
        branch("feature"),
        { ref: "refs/heads/old", after: "0".repeat(40), deleted: true },
        tag("v2"),
      ],
    };
    const targets = [
      one("head", "https://bitbucket.org/team/deploy.git"),
      one("old", "git@bitbucket.org:team/deploy.git", "old"),
      one("v2", "https://bitbucket.org/team/deploy", "v2"),
      one("v3", "https://bitbucket.org/team/deploy", "v3"),
    ];
    assert.deepEqual(
      targetsRefreshedBy(event, targets, (t) => t.sources).map((m) => [m.target.name, m.ref, m.deleted]),
      [
        ["head", "refs/heads/feature", false],
        ["old", "refs/heads/old", true],
        ["v2", "refs/tags/v2", false],
      ],
    );
  });

  it("refreshes nothing when the payload names no readable repository", () => {
    const event: PushEvent = { ...push, repoURLs: ["not a url"] };
    assert.deepEqual(refreshed(event, [one("any", "not a url")]), []);
  });
});

describe("specSources", () => {
  it("reads the source of an Application and of a Stack from spec.source", () => {
    const app = {
      spec: { source: { repoURL: "https://git.example/a.git", targetRevision: "main", path: "k8s" } },
    };
    const stack = { spec: { source: { repoURL: "https://git.example/infra.git" }, approval: "manual" } };
    assert.deepEqual(specSources(app), [app.spec.source]);
    assert.deepEqual(specSources(stack), [stack.spec.source]);
  });

  it("reads every Git source of a multi-source Application, a ref-only one included, and no chart", () => {
    const values = { repoURL: "https://git.example/values.git", targetRevision: "main", ref: "values" };
    const extras = { repoURL: "https://git.example/extras.git", path: "k8s" };
    const app = {
      spec: {
        source: { repoURL: "https://git.example/ignored.git" },
        sources: [
          { repoURL: "oci://registry.example/charts", chart: "web", targetRevision: "1.x" },
          values,
          extras,
        ],
      },
    };
    assert.deepEqual(specSources(app), [values, extras]);
    // An empty list means the one source, as the controller reads it.
    assert.deepEqual(specSources({ spec: { source: extras, sources: [] } }), [extras]);
  });

  it("refreshes a chart app when its values repository is pushed to, and not for a push to the chart's address", () => {
    const app = {
      name: "chart-with-values",
      spec: {
        sources: [
          { repoURL: "https://git.example/charts", chart: "web", targetRevision: "main" },
          { repoURL: "https://git.example/team/values.git", targetRevision: "main", ref: "values" },
        ],
      },
    };
    const pushTo = (repoURL: string): PushEvent => ({
      kind: "push",
      forge: "gitea",
      deliveryId: "d3",
      repoURLs: [repoURL],
      defaultBranch: "main",
      updates: [branch("main")],
    });
    const names = (event: PushEvent) =>
      targetsRefreshedBy(event, [app], specSources).map((m) => m.target.name);
    assert.deepEqual(names(pushTo("https://git.example/team/values")), ["chart-with-values"]);
    assert.deepEqual(names(pushTo("https://git.example/charts")), []);
  });

  it("takes the Application and Stack types as they are", () => {
    const sourcesOfBoth = (app: Application, stack: Stack) => [...specSources(app), ...specSources(stack)];
    assert.equal(typeof sourcesOfBoth, "function");
  });

  it("finds nothing to follow in an object without a source", () => {
    assert.deepEqual(specSources({}), []);
    assert.deepEqual(specSources({ spec: {} }), []);
  });
});
