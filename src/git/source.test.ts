// GitSource against real repositories: served over smart HTTP by git http-backend, and read
// through file:// URLs and plain paths.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type GitServer, startGitServer } from "../../test/harness/git-server.ts";
import { runChecked } from "../util/exec.ts";
import { GitError, type GitErrorCode } from "./errors.ts";
import { GitSource } from "./source.ts";

async function rejectsWith(promise: Promise<unknown>, code: GitErrorCode): Promise<GitError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GitError, `expected a GitError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected a GitError with code ${code}`);
}

describe("GitSource over smart HTTP", () => {
  let server: GitServer;
  let cacheDir: string;
  let source: GitSource;
  let first: string;
  let second: string;

  before(async () => {
    server = await startGitServer();
    cacheDir = await mkdtemp(join(tmpdir(), "mooring-git-cache-"));
    source = new GitSource({ cacheDir, timeoutMs: 20_000 });
    first = await server.createRepo(
      "shop",
      {
        "apps/web/deployment.yaml": "replicas: 1\n",
        "apps/web/old.yaml": "kind: ConfigMap\n",
        "README.md": "shop\n",
      },
      "add web",
      { name: "Ada Author", email: "ada@example.com", date: "2024-05-01T10:00:00+02:00" },
    );
    await server.tag("shop", "v1.0.0", first, "first release");
    await server.tag("shop", "light", first);
    second = await server.commit(
      "shop",
      { "apps/web/deployment.yaml": "replicas: 3\n", "apps/web/old.yaml": null },
      "scale web to 3\n\nTraffic doubled after the launch.",
      { name: "Bo Builder", email: "bo@example.com", date: "2024-06-01T08:30:00Z" },
    );
    await server.branch("shop", "release", first);
  });

  after(async () => {
    await server.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  describe("resolveRevision", () => {
    const cases: [string, () => string][] = [
      ["main", () => second],
      ["release", () => first],
      ["refs/heads/release", () => first],
      ["light", () => first],
      ["v1.0.0", () => first],
      ["HEAD", () => second],
      ["", () => second],
    ];
    for (const [revision, want] of cases) {
      it(`resolves ${revision === "" ? "an empty revision (HEAD)" : `"${revision}"`} to its commit`, async () => {
        assert.equal(await source.resolveRevision(server.url("shop"), revision), want());
      });
    }

    it("resolves an annotated tag to the commit it tags, not to the tag object", async () => {
      const refs = await source.lsRemote(server.url("shop"));
      assert.equal(refs.get("refs/tags/v1.0.0"), first);
    });

    it("resolves a short sha after fetching into the mirror", async () => {
      assert.equal(await source.resolveRevision(server.url("shop"), first.slice(0, 8)), first);
    });

    it("accepts a full sha that exists", async () => {
      assert.equal(await source.resolveRevision(server.url("shop"), first.toUpperCase()), first);
    });

    it("fails with revision-not-found for a missing branch, naming repository and revision", async () => {
      const error = await rejectsWith(
        source.resolveRevision(server.url("shop"), "feature/nope"),
        "revision-not-found",
      );
      assert.match(
        error.message,
        /revision "feature\/nope" not found in http:\/\/127\.0\.0\.1:\d+\/shop\.git: use /,
      );
    });

    it("fails with revision-not-found for a full sha the repository does not have", async () => {
      await rejectsWith(source.resolveRevision(server.url("shop"), "0".repeat(40)), "revision-not-found");
    });

    it("fails with revision-not-found for a short sha the repository does not have", async () => {
      await rejectsWith(source.resolveRevision(server.url("shop"), "deadbee"), "revision-not-found");
    });
  });

  it("sees a new commit through lsRemote and resolveRevision", async () => {
    await server.createRepo("moving", { "a.yaml": "a: 1\n" });
    const before = await source.resolveRevision(server.url("moving"), "main");
    const next = await server.commit("moving", { "a.yaml": "a: 2\n" }, "bump a");
    assert.notEqual(next, before);
    assert.equal((await source.lsRemote(server.url("moving"))).get("refs/heads/main"), next);
    assert.equal(await source.resolveRevision(server.url("moving"), "main"), next);
  });

  describe("checkout", () => {
    it("returns a directory holding exactly the files of the commit", async () => {
      const dir = await source.checkout(server.url("shop"), first);
      assert.deepEqual((await readdir(dir, { recursive: true })).sort(), [
        "README.md",
        "apps",
        "apps/web",
        "apps/web/deployment.yaml",
        "apps/web/old.yaml",
      ]);
      assert.equal(await readFile(join(dir, "apps/web/deployment.yaml"), "utf8"), "replicas: 1\n");
    });

    it("leaves out a file deleted in a later commit, in that commit's tree only", async () => {
      const later = await source.checkout(server.url("shop"), second);
      const earlier = await source.checkout(server.url("shop"), first);
      assert.notEqual(later, earlier);
      assert.equal(await readFile(join(later, "apps/web/deployment.yaml"), "utf8"), "replicas: 3\n");
      assert.deepEqual(await readdir(join(later, "apps/web")), ["deployment.yaml"]);
      assert.deepEqual((await readdir(join(earlier, "apps/web"))).sort(), ["deployment.yaml", "old.yaml"]);
    });

    it("reuses a checked-out commit without asking the server again", async () => {
      const dir = await source.checkout(server.url("shop"), second);
      const served = server.requests;
      assert.equal(await source.checkout(server.url("shop"), second), dir);
      assert.equal(await new GitSource({ cacheDir }).checkout(server.url("shop"), second), dir);
      assert.equal(server.requests, served);
    });

    it("does not fetch when the mirror already holds the commit", async () => {
      const sha = await server.commit("shop", { "notes.txt": "n\n" }, "add notes");
      await source.resolveRevision(server.url("shop"), sha);
      const served = server.requests;
      await source.checkout(server.url("shop"), sha);
      assert.equal(server.requests, served);
    });

    it("serialises concurrent checkouts of one repository and exposes only finished trees", async () => {
      const sha = await server.createRepo("busy", { "x.yaml": "x: 1\n", "deep/a/b/c.yaml": "c: 1\n" });
      const dirs = await Promise.all(
        Array.from({ length: 6 }, () => source.checkout(server.url("busy"), sha)),
      );
      assert.equal(new Set(dirs).size, 1);
      assert.equal(await readFile(join(dirs[0] ?? "", "deep/a/b/c.yaml"), "utf8"), "c: 1\n");
      assert.deepEqual(await readdir(join(cacheDir, "tmp")), []);
    });

    it("refuses a revision that is not a full sha", async () => {
      await rejectsWith(source.checkout(server.url("shop"), "main"), "revision-not-found");
    });
  });

  it("fetches a commit that no branch or tag reaches when asked for it by full sha", async () => {
    const base = await server.createRepo("prs", { "a.yaml": "a: 1\n" });
    const head = await server.commit("prs", { "a.yaml": "a: 2\n" }, "proposed change");
    const bare = server.path("prs");
    await runChecked("git", [`--git-dir=${bare}`, "update-ref", "refs/pull/1/head", head]);
    await runChecked("git", [`--git-dir=${bare}`, "update-ref", "refs/heads/main", base]);
    assert.equal(await source.resolveRevision(server.url("prs"), "pull/1/head"), head);
    const dir = await source.checkout(server.url("prs"), head);
    assert.equal(await readFile(join(dir, "a.yaml"), "utf8"), "a: 2\n");
  });

  it("reports author, committer, times and the whole message of a commit", async () => {
    assert.deepEqual(await source.commitInfo(server.url("shop"), second), {
      sha: second,
      author: { name: "Bo Builder", email: "bo@example.com" },
      committer: { name: "Bo Builder", email: "bo@example.com" },
      authoredAt: "2024-06-01T08:30:00+00:00",
      committedAt: "2024-06-01T08:30:00+00:00",
      message: "scale web to 3\n\nTraffic doubled after the launch.",
      subject: "scale web to 3",
    });
    const info = await source.commitInfo(server.url("shop"), first);
    assert.equal(info.authoredAt, "2024-05-01T10:00:00+02:00");
    assert.equal(info.author.name, "Ada Author");
  });

  it("fails with repo-not-found for a repository the server does not have", async () => {
    const error = await rejectsWith(source.lsRemote(server.url("missing")), "repo-not-found");
    assert.match(error.message, /^repository http:\/\/127\.0\.0\.1:\d+\/missing\.git not found: /);
  });
});

describe("GitSource failures reaching a server", () => {
  let cacheDir: string;
  before(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), "mooring-git-cache-"));
  });
  after(async () => {
    await rm(cacheDir, { recursive: true, force: true });
  });

  it("fails with unreachable when nothing listens on the port", async () => {
    const port = await closedPort();
    const source = new GitSource({ cacheDir, timeoutMs: 10_000 });
    const error = await rejectsWith(source.lsRemote(`http://127.0.0.1:${port}/shop.git`), "unreachable");
    assert.match(error.message, new RegExp(`^cannot reach http://127\\.0\\.0\\.1:${port}/shop\\.git: `));
  });

  it("fails with timeout when the server accepts but never answers", async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    const port = await listen(silent);
    try {
      const source = new GitSource({ cacheDir, timeoutMs: 700 });
      const started = performance.now();
      const error = await rejectsWith(source.lsRemote(`http://127.0.0.1:${port}/shop.git`), "timeout");
      assert.ok(performance.now() - started < 5000, "gave up in time");
      assert.match(error.message, /timed out after 0\.7s/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe("GitSource on local repositories", () => {
  let server: GitServer;
  let cacheDir: string;
  let source: GitSource;
  let sha: string;

  before(async () => {
    server = await startGitServer();
    cacheDir = await mkdtemp(join(tmpdir(), "mooring-git-cache-"));
    source = new GitSource({ cacheDir, allowLocalRepos: true });
    sha = await server.createRepo("local", { "k/app.yaml": "kind: Namespace\n" });
  });

  after(async () => {
    await server.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  for (const [name, url] of [
    ["a file:// URL", () => `file://${server.path("local")}`],
    ["a plain path", () => server.path("local")],
  ] as const) {
    it(`resolves and checks out ${name}`, async () => {
      assert.equal(await source.resolveRevision(url(), "main"), sha);
      const dir = await source.checkout(url(), sha);
      assert.equal(await readFile(join(dir, "k/app.yaml"), "utf8"), "kind: Namespace\n");
      assert.equal((await source.commitInfo(url(), sha)).subject, "initial commit");
    });
  }

  for (const [name, url] of [
    ["a file:// URL", () => `file://${server.path("local")}`],
    ["a plain path", () => server.path("local")],
  ] as const) {
    it(`refuses ${name} unless local repositories are allowed, before running git`, async () => {
      const strict = new GitSource({ cacheDir: join(cacheDir, "strict") });
      const error = await rejectsWith(strict.resolveRevision(url(), "main"), "url-refused");
      assert.match(error.message, /--allow-local-repos/);
      await assert.rejects(readdir(join(cacheDir, "strict", "repos")), { code: "ENOENT" });
    });
  }

  it("refuses to check out a commit whose files pass the size limit, writing nothing", async () => {
    // 200 KB of one letter: a few hundred bytes in the mirror, 200 KB checked out.
    const compressible = await server.createRepo("compressible", { "big.yaml": "x".repeat(200_000) });
    const small = new GitSource({
      cacheDir: join(cacheDir, "small"),
      allowLocalRepos: true,
      maxRepoBytes: 100_000,
    });
    const error = await rejectsWith(small.checkout(server.path("compressible"), compressible), "too-large");
    assert.match(
      error.message,
      /holds 195.3 KiB of files, more than the limit of 97.7 KiB per checkout \(--max-repo-size\)/,
    );
    assert.deepEqual(await readdir(join(cacheDir, "small", "trees")), []);
  });

  it("removes a mirror that a fetch grew past the size limit, and says so", async () => {
    const noise = await server.createRepo("noise", { "blob.bin": randomBytes(300_000).toString("base64") });
    const small = new GitSource({
      cacheDir: join(cacheDir, "noisy"),
      allowLocalRepos: true,
      maxRepoBytes: 100_000,
    });
    const error = await rejectsWith(small.checkout(server.path("noise"), noise), "too-large");
    assert.match(
      error.message,
      /takes .* once fetched, more than the limit of 97.7 KiB per repository \(--max-repo-size\)/,
    );
    assert.deepEqual(await readdir(join(cacheDir, "noisy", "repos")), []);
    assert.deepEqual(await readdir(join(cacheDir, "noisy", "tmp")), []);
  });

  it("refuses a URL git would run a command for, before running git", async () => {
    const error = await rejectsWith(source.lsRemote("ext::sh -c touch% /tmp/pwned"), "repo-not-found");
    assert.match(error.message, /^invalid repository URL "ext::sh -c touch% \/tmp\/pwned": /);
  });

  it("fails with repo-not-found for a path that holds no repository", async () => {
    await rejectsWith(source.lsRemote(join(server.root, "nothing-here.git")), "repo-not-found");
  });
});

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
  });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}
