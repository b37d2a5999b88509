import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { clusterFact, fetchFacts, readGitTree } from "./appset-facts.ts";

describe("readGitTree", () => {
  let root = "";
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "appset-facts-"));
    for (const dir of ["apps/web", "apps/api", "clusters/eu", ".git/objects"])
      await mkdir(join(root, dir), { recursive: true });
    await writeFile(join(root, "clusters/eu/config.json"), '{"region":"eu"}');
    await writeFile(join(root, "apps/web/deploy.yaml"), "kind: ConfigMap");
    await symlink("/etc", join(root, "apps/outside"));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it("lists every folder except .git, and never follows a symbolic link out of the checkout", async () => {
    const tree = await readGitTree(root, []);
    assert.deepEqual(tree.directories, ["apps", "apps/api", "apps/web", "clusters", "clusters/eu"]);
    assert.deepEqual(tree.files, []);
  });

  it("reads only the files its globs match", async () => {
    const tree = await readGitTree(root, ["clusters/*/config.json"]);
    assert.deepEqual(tree.files, [{ path: "clusters/eu/config.json", text: '{"region":"eu"}' }]);
  });

  it("refuses a repository with more folders than the limit, saying how many it reads", async () => {
    await assert.rejects(
      readGitTree(root, [], { maxDirectories: 2, maxFileBytes: 1000 }),
      /more than 2 folders/,
    );
  });

  it("refuses matching files larger together than the byte limit", async () => {
    await assert.rejects(
      readGitTree(root, ["**/*.json"], { maxDirectories: 100, maxFileBytes: 4 }),
      /more than 4 bytes/,
    );
  });
});

describe("clusterFact", () => {
  it("keeps a cluster Secret's name, server, labels and annotations and none of its credentials", () => {
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    const fact = clusterFact({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "cluster-eu", labels: { env: "prod" }, annotations: { team: "a" } },
      data: { name: b64("eu"), server: b64("https://eu.example"), config: b64("token: s3cret") },
    });
    assert.deepEqual(fact, {
      name: "eu",
      server: "https://eu.example",
      labels: { env: "prod" },
      annotations: { team: "a" },
    });
    assert.ok(!JSON.stringify(fact).includes("s3cret"));
  });
});

describe("fetchFacts", () => {
  it("reads each repository and revision once per request and keeps every matching file once", async () => {
    const root = await mkdtemp(join(tmpdir(), "appset-fetch-"));
    await mkdir(join(root, "envs"), { recursive: true });
    await writeFile(join(root, "envs/a.json"), "{}");
    await writeFile(join(root, "envs/b.yaml"), "x: 1");
    const git = {
      head: async () => "abc123",
      fetch: async (_repo: string, sha: string) => ({ sha, dir: root }),
    };
    const request = (fileGlobs: string[]) => ({
      repoURL: "https://git.example/r.git",
      revision: "main",
      fileGlobs,
    });
    const facts = await fetchFacts(
      { clusters: false, git: [request(["envs/*.json"]), request(["envs/*"])] },
      { clusters: async () => [], git },
    );
    const fact = facts.git["https://git.example/r.git#main"];
    assert.equal(fact?.sha, "abc123");
    assert.deepEqual(fact?.files.map((f) => f.path).sort(), ["envs/a.json", "envs/b.yaml"]);
    await rm(root, { recursive: true, force: true });
  });
});
