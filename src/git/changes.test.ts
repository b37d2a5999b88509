// What a pull request changes and which commit is in whose history, read with the real git CLI
// from a repository served over smart HTTP, whose PR head is reachable only by its pull ref.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type GitServer, startGitServer } from "../../test/harness/git-server.ts";
import type { ChangedPath } from "../core/preview/affected.ts";
import { runChecked } from "../util/exec.ts";
import { parseNameStatus } from "./changes.ts";
import { GitError } from "./errors.ts";
import { GitSource } from "./source.ts";

const ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Pat Contributor",
  GIT_AUTHOR_EMAIL: "pat@example.com",
  GIT_COMMITTER_NAME: "Pat Contributor",
  GIT_COMMITTER_EMAIL: "pat@example.com",
};

async function git(dir: string, ...args: string[]): Promise<string> {
  return (await runChecked("git", ["-C", dir, ...args], { env: ENV })).stdout.trim();
}

function sorted(changes: ChangedPath[]): ChangedPath[] {
  return [...changes].sort((a, b) => a.path.localeCompare(b.path));
}

describe("parseNameStatus", () => {
  it("reads added, modified, deleted, renamed, copied and type-changed files", () => {
    const output = [
      "A",
      "apps/new.yaml",
      "M",
      "apps/web/values.yaml",
      "D",
      "apps/old.yaml",
      "R087",
      "base/a.yaml",
      "base/b.yaml",
      "C100",
      "base/c.yaml",
      "base/d.yaml",
      "T",
      "apps/link",
      "",
    ].join("\0");
    assert.deepEqual(parseNameStatus(output), [
      { kind: "added", path: "apps/new.yaml" },
      { kind: "modified", path: "apps/web/values.yaml" },
      { kind: "deleted", path: "apps/old.yaml" },
      { kind: "renamed", path: "base/b.yaml", oldPath: "base/a.yaml" },
      { kind: "added", path: "base/d.yaml" },
      { kind: "modified", path: "apps/link" },
    ]);
  });

  it("keeps paths with spaces, tabs, newlines and quotes as they are", () => {
    const output = ["M", 'a b/"c"\td\ne.yaml', ""].join("\0");
    assert.deepEqual(parseNameStatus(output), [{ kind: "modified", path: 'a b/"c"\td\ne.yaml' }]);
  });

  it("skips an unknown status with its path and reads on", () => {
    assert.deepEqual(parseNameStatus(["X", "weird", "M", "ok.yaml", ""].join("\0")), [
      { kind: "modified", path: "ok.yaml" },
    ]);
  });

  it("stops at the cap", () => {
    const output = Array.from({ length: 10 }, (_, i) => `M\0f${i}\0`).join("");
    assert.deepEqual(
      parseNameStatus(output, 3).map((c) => c.path),
      ["f0", "f1", "f2"],
    );
  });

  it("ignores a truncated last entry", () => {
    assert.deepEqual(parseNameStatus("M\0a\0R100\0only-old"), [{ kind: "modified", path: "a" }]);
  });
});

describe("GitSource changes of a pull request", () => {
  let server: GitServer;
  let cacheDir: string;
  let work: string;
  let source: GitSource;
  let start: string;
  let head: string;
  let baseTip: string;

  before(async () => {
    server = await startGitServer();
    cacheDir = await mkdtemp(join(tmpdir(), "mooring-git-changes-cache-"));
    work = await mkdtemp(join(tmpdir(), "mooring-git-changes-work-"));
    source = new GitSource({ cacheDir, timeoutMs: 20_000 });
    const rename = `${"kind: ConfigMap\n".repeat(20)}data: {}\n`;
    start = await server.createRepo("shop", {
      "apps/web/values.yaml": "replicas: 1\n",
      "apps/api/old.yaml": "kind: Service\n",
      "base/shared.yaml": rename,
      "README.md": "shop\n",
    });
    // The contributor's branch, pushed where forges keep PR heads: no branch reaches it.
    const clone = join(work, "clone");
    await runChecked("git", ["clone", "--quiet", server.path("shop"), clone], { env: ENV });
    const write = async (file: string, content: string) => {
      await mkdir(dirname(join(clone, file)), { recursive: true });
      await writeFile(join(clone, file), content);
    };
    await write("apps/web/values.yaml", "replicas: 3\n");
    await write("apps/cart/kustomization.yaml", "resources: [../../base]\n");
    await git(clone, "rm", "--quiet", "apps/api/old.yaml");
    await git(clone, "mv", "base/shared.yaml", "base/common.yaml");
    await git(clone, "add", "--all");
    await git(clone, "commit", "--quiet", "-m", "scale web, add cart, drop api's old file, rename the base");
    head = await git(clone, "rev-parse", "HEAD");
    await git(clone, "push", "--quiet", "origin", "HEAD:refs/pull/1/head");
    // The base branch moves on after the branch was cut.
    baseTip = await server.commit("shop", { "README.md": "shop, now on main\n", "infra/x.tf": "" }, "docs");
  });

  after(async () => {
    await server.close();
    await rm(cacheDir, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  it("lists the PR's own added, modified, deleted and renamed files, not what landed on base since", async () => {
    const changes = await source.changedFiles(server.url("shop"), baseTip, head);
    assert.deepEqual(sorted(changes), [
      { kind: "deleted", path: "apps/api/old.yaml" },
      { kind: "added", path: "apps/cart/kustomization.yaml" },
      { kind: "modified", path: "apps/web/values.yaml" },
      { kind: "renamed", path: "base/common.yaml", oldPath: "base/shared.yaml" },
    ]);
  });

  it("lists nothing when head is the base itself", async () => {
    assert.deepEqual(await source.changedFiles(server.url("shop"), baseTip, baseTip), []);
  });

  it("accepts upper-case shas and surrounding spaces", async () => {
    const changes = await source.changedFiles(server.url("shop"), ` ${start.toUpperCase()} `, head);
    assert.equal(changes.length, 4);
  });

  it("refuses an abbreviated sha, naming it", async () => {
    await assert.rejects(
      source.changedFiles(server.url("shop"), baseTip.slice(0, 12), head),
      (error) =>
        error instanceof GitError &&
        error.code === "revision-not-found" &&
        error.message.includes(baseTip.slice(0, 12)),
    );
  });

  it("fails with revision-not-found for a head the server does not have", async () => {
    await assert.rejects(
      source.changedFiles(server.url("shop"), baseTip, "0123456789abcdef0123456789abcdef01234567"),
      (error) => error instanceof GitError && error.code === "revision-not-found",
    );
  });

  it("says when two commits share no history", async () => {
    const other = join(work, "orphan");
    await git(work, "init", "--quiet", "--initial-branch=main", other);
    await writeFile(join(other, "x.yaml"), "x: 1\n");
    await git(other, "add", "--all");
    await git(other, "commit", "--quiet", "-m", "unrelated");
    const orphan = await git(other, "rev-parse", "HEAD");
    await git(other, "push", "--quiet", server.path("shop"), "HEAD:refs/pull/2/head");
    await assert.rejects(
      source.changedFiles(server.url("shop"), baseTip, orphan),
      (error) =>
        error instanceof GitError && error.code === "git-failed" && /share no history/.test(error.message),
    );
  });

  describe("isAncestor", () => {
    const cases: [string, () => [string, string], boolean][] = [
      ["the branch point is an ancestor of the PR head", () => [start, head], true],
      ["the branch point is an ancestor of the moved base", () => [start, baseTip], true],
      ["a commit is its own ancestor", () => [head, head], true],
      ["an unmerged PR head is not in the base's history", () => [head, baseTip], false],
      ["the base's tip is not in the PR head's history", () => [baseTip, head], false],
    ];
    for (const [name, pair, want] of cases) {
      it(name, async () => {
        const [ancestor, descendant] = pair();
        assert.equal(await source.isAncestor(server.url("shop"), ancestor, descendant), want);
      });
    }

    it("sees a merged PR head in the history of the merge commit", async () => {
      const merger = join(work, "merger");
      await runChecked("git", ["clone", "--quiet", server.path("shop"), merger], { env: ENV });
      await git(merger, "fetch", "--quiet", "origin", "refs/pull/1/head");
      await git(merger, "merge", "--quiet", "--no-ff", "-m", "merge PR 1", head);
      await git(merger, "push", "--quiet", "origin", "HEAD:refs/heads/main");
      const merged = await git(merger, "rev-parse", "HEAD");
      assert.equal(await source.isAncestor(server.url("shop"), head, merged), true);
      assert.equal(await source.isAncestor(server.url("shop"), merged, head), false);
    });
  });
});
