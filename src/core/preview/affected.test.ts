import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  affectedTargets,
  type ChangedPath,
  formatAffected,
  joinRepoPath,
  type PreviewTarget,
  repoPathSegments,
} from "./affected.ts";

const REPO = "https://git.example.com/org/deploy.git";

function app(name: string, path: string, reads?: string[], repoURL = REPO): PreviewTarget {
  return {
    kind: "Application",
    namespace: "mooring",
    name,
    repoURL,
    paths: [path],
    ...(reads ? { reads } : {}),
  };
}

function modified(...paths: string[]): ChangedPath[] {
  return paths.map((path) => ({ kind: "modified", path }));
}

function names(changes: readonly ChangedPath[], targets: readonly PreviewTarget[], repo = REPO): string[] {
  return affectedTargets(repo, changes, targets).map((a) => a.target.name);
}

describe("repoPathSegments", () => {
  const cases: [string, string[] | undefined][] = [
    ["apps/web", ["apps", "web"]],
    ["./apps//web/", ["apps", "web"]],
    ["", []],
    [".", []],
    ["apps/web/../api", ["apps", "api"]],
    ["..", undefined],
    ["apps/../../etc/passwd", undefined],
    ["/etc/passwd", undefined],
    ["apps\\web", undefined],
    ["apps/\0web", undefined],
  ];
  for (const [path, expected] of cases) {
    it(`reads ${JSON.stringify(path)} as ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(repoPathSegments(path), expected);
    });
  }
});

describe("joinRepoPath", () => {
  it("resolves a Kustomize base written relative to the overlay", () => {
    assert.equal(joinRepoPath("apps/web/overlays/prod", "../../base"), "apps/web/base");
  });
  it("resolves a module source relative to the Stack's folder", () => {
    assert.equal(joinRepoPath("stacks/db", "../../modules/rds"), "modules/rds");
  });
  it("refuses a relative path that climbs out of the repository", () => {
    assert.equal(joinRepoPath("stacks/db", "../../../etc"), undefined);
  });
  it("refuses an absolute path", () => {
    assert.equal(joinRepoPath("stacks/db", "/etc"), undefined);
  });
  it("resolves a path written at the repository root", () => {
    assert.equal(joinRepoPath("", "modules/rds"), "modules/rds");
    assert.equal(joinRepoPath(".", "./base/../shared"), "shared");
    assert.equal(joinRepoPath("", "../etc"), undefined);
  });
});

describe("affectedTargets", () => {
  it("finds the one touched app of a 500-app monorepo", () => {
    const targets = Array.from({ length: 500 }, (_, i) => app(`app-${i}`, `apps/app-${i}`));
    const affected = affectedTargets(REPO, modified("apps/app-417/deployment.yaml"), targets);
    assert.deepEqual(
      affected.map((a) => a.target.name),
      ["app-417"],
    );
    assert.equal(affected[0]?.via, "path");
    assert.equal(affected[0]?.covering, "apps/app-417");
  });

  it("compares whole segments: apps/web does not cover apps/web2", () => {
    assert.deepEqual(
      names(modified("apps/web2/a.yaml"), [app("web", "apps/web"), app("web2", "apps/web2")]),
      ["web2"],
    );
  });

  it("affects every app built on a shared Kustomize base, naming the read", () => {
    const targets = [
      app("web", "apps/web/overlays/prod", ["apps/base"]),
      app("api", "apps/api/overlays/prod", ["apps/base", "components/tls"]),
      app("docs", "apps/docs"),
    ];
    const affected = affectedTargets(REPO, modified("apps/base/deployment.yaml"), targets);
    assert.deepEqual(
      affected.map((a) => [a.target.name, a.via, a.covering]),
      [
        ["web", "read", "apps/base"],
        ["api", "read", "apps/base"],
      ],
    );
  });

  it("affects an app whose Helm value file outside its path changed", () => {
    const targets = [app("web", "charts/web", ["values/prod/web.yaml"])];
    assert.deepEqual(names(modified("values/prod/web.yaml"), targets), ["web"]);
    assert.deepEqual(names(modified("values/prod/api.yaml"), targets), []);
  });

  it("affects a Stack through its local module", () => {
    const stack: PreviewTarget = {
      kind: "Stack",
      namespace: "infra",
      name: "db",
      repoURL: REPO,
      paths: ["stacks/db"],
      reads: ["modules/rds"],
    };
    const [affected] = affectedTargets(REPO, modified("modules/rds/main.tf"), [stack]);
    assert.ok(affected);
    assert.equal(affected.target.kind, "Stack");
    assert.equal(formatAffected(affected), "Stack infra/db: modules/rds/main.tf changed (read: modules/rds)");
  });

  it("affects a multi-source app through any folder it renders, or only the values files a ref source lends", () => {
    const both: PreviewTarget = { ...app("both", "apps/web"), paths: ["apps/web", "apps/extras"] };
    const valuesOnly: PreviewTarget = { ...app("chart", "unused"), paths: [], reads: ["envs/prod.yaml"] };
    assert.deepEqual(names(modified("apps/extras/cm.yaml"), [both, valuesOnly]), ["both"]);
    assert.deepEqual(names(modified("envs/prod.yaml"), [both, valuesOnly]), ["chart"]);
    // With no folder of its own the app does not take the repository root.
    assert.deepEqual(names(modified("README.md", "envs/staging.yaml"), [valuesOnly]), []);
  });

  it("counts a rename at both its old and its new path", () => {
    const targets = [app("web", "apps/web"), app("api", "apps/api"), app("docs", "apps/docs")];
    const rename: ChangedPath[] = [{ kind: "renamed", oldPath: "apps/web/x.yaml", path: "apps/api/x.yaml" }];
    assert.deepEqual(names(rename, targets), ["web", "api"]);
  });

  it("counts a deletion at its path", () => {
    assert.deepEqual(names([{ kind: "deleted", path: "apps/web/x.yaml" }], [app("web", "apps/web")]), [
      "web",
    ]);
  });

  it("affects an app at the repository root with any change", () => {
    assert.deepEqual(names(modified("README.md"), [app("all", ""), app("dot", ".")]), ["all", "dot"]);
  });

  it("reports the first touching path and how many touched in all", () => {
    const [affected] = affectedTargets(REPO, modified("docs/x.md", "apps/web/a.yaml", "apps/web/b.yaml"), [
      app("web", "apps/web"),
    ]);
    assert.ok(affected);
    assert.equal(affected.changedPath, "apps/web/a.yaml");
    assert.equal(affected.touched, 2);
    assert.equal(formatAffected(affected), "Application mooring/web: apps/web/a.yaml changed and 1 more");
  });

  it("matches the repository whatever the URL's case, .git suffix or trailing slash", () => {
    const targets = [app("web", "apps/web", undefined, "https://GIT.example.com/Org/Deploy/")];
    assert.deepEqual(names(modified("apps/web/a.yaml"), targets), ["web"]);
  });

  it("leaves out apps of another repository with the same path", () => {
    const targets = [app("web", "apps/web", undefined, "https://git.example.com/org/other")];
    assert.deepEqual(names(modified("apps/web/a.yaml"), targets), []);
  });

  it("leaves out apps when the PR's repository URL cannot be read", () => {
    assert.deepEqual(names(modified("apps/web/a.yaml"), [app("web", "apps/web")], "not a url\\x"), []);
  });

  describe("path safety", () => {
    const cases: [string, ChangedPath[], PreviewTarget[]][] = [
      ["a changed path climbing out never matches a root app", modified("../outside.yaml"), [app("all", "")]],
      ["an absolute changed path never matches", modified("/apps/web/a.yaml"), [app("web", "apps/web")]],
      [
        "a changed path climbing back in through .. still cannot escape first",
        modified("../deploy/apps/web/a.yaml"),
        [app("web", "apps/web")],
      ],
      ["an app path climbing out never covers anything", modified("etc/passwd"), [app("evil", "../etc")]],
      ["an absolute app path never covers anything", modified("etc/passwd"), [app("evil", "/etc")]],
      ["an absolute read never covers anything", modified("etc/passwd"), [app("web", "apps/web", ["/etc"])]],
      [
        "a read climbing out never covers anything",
        modified("base/a.yaml"),
        [app("web", "apps/web", ["../../base"])],
      ],
    ];
    for (const [name, changes, targets] of cases) {
      it(name, () => assert.deepEqual(names(changes, targets), []));
    }

    it("resolves .. that stays inside the repository", () => {
      assert.deepEqual(names(modified("apps/api/../web/a.yaml"), [app("web", "apps/web")]), ["web"]);
    });
  });
});
