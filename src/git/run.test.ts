import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runChecked } from "../util/exec.ts";
import { localGitEnv } from "./access.ts";
import { GitError } from "./errors.ts";
import { type GitRunOptions, probeGit, runGit } from "./run.ts";

describe("runGit", () => {
  let dir = "";
  let options: GitRunOptions;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "mooring-run-"));
    await runChecked("git", ["init", "--quiet", "--bare", join(dir, "repo.git")]);
    options = {
      env: localGitEnv({ env: process.env, timeoutMs: 10_000 }),
      timeoutMs: 10_000,
      secrets: ["hunter2-secret"],
      context: { operation: "show", repo: "https://git.example.com/r.git", transport: "http" },
    };
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("returns the standard output of a command that succeeds", async () => {
    assert.equal(
      (
        await runGit([`--git-dir=${join(dir, "repo.git")}`, "rev-parse", "--is-bare-repository"], options)
      ).trim(),
      "true",
    );
  });

  it("scrubs secrets that git repeats in its message", async () => {
    // git quotes an unknown revision back, so a secret in an argument shows in its stderr.
    const failing = runGit([`--git-dir=${join(dir, "repo.git")}`, "show", "hunter2-secret"], options);
    await assert.rejects(failing, (error: unknown) => {
      assert.ok(error instanceof GitError);
      assert.match(error.message, /ambiguous argument '\*\*\*'/);
      assert.ok(!error.message.includes("hunter2-secret"));
      return true;
    });
  });

  it("leaves a non-zero exit to the caller when probing", async () => {
    const result = await probeGit(
      [`--git-dir=${join(dir, "repo.git")}`, "rev-parse", "--verify", "--quiet", "HEAD"],
      options,
    );
    assert.equal(result.code, 1);
  });
});
