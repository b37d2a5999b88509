import assert from "node:assert/strict";
import { chmod } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { RenderError } from "./errors.ts";
import { render } from "./render.ts";
import { inputFor, makeRepo, type TestRepo } from "./test-repo.ts";

const repos: TestRepo[] = [];
after(() => Promise.all(repos.map((r) => r.remove())));

async function kustomizeRepo(): Promise<TestRepo> {
  const repo = await makeRepo({ "app/kustomization.yaml": "resources: []\n" });
  repos.push(repo);
  return repo;
}

describe("running the tools", () => {
  it("says how to get a tool that is not installed", async () => {
    const repo = await kustomizeRepo();
    const missing = join(repo.scratch, "no-such-kustomize");
    await assert.rejects(
      render(inputFor(repo, { source: { repoURL: "r", path: "app" } }), { kustomizeBinary: missing }),
      (err) =>
        err instanceof RenderError &&
        err.code === "render-failed" &&
        /moor toolchain install/.test(err.message),
    );
  });

  it("gives up on a tool that does not finish in time", async () => {
    const repo = await kustomizeRepo();
    const hanging = join(repo.scratch, "hanging-kustomize");
    // exec: the time limit kills the tool's own process; a shell's child would keep the pipes open.
    await repo.write({ "hanging-kustomize": "#!/bin/sh\nexec sleep 30\n" }, repo.scratch);
    await chmod(hanging, 0o755);
    const started = Date.now();
    await assert.rejects(
      render(inputFor(repo, { source: { repoURL: "r", path: "app" } }), {
        kustomizeBinary: hanging,
        timeoutMs: 300,
      }),
      (err) => err instanceof RenderError && /did not finish within 0\.3 s/.test(err.message),
    );
    assert.ok(Date.now() - started < 5000);
  });
});
