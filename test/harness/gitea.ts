// One real Gitea per test process (node --test runs each e2e file in its own process), started on
// first use and reused by every test of the file; each test makes its own repositories in it. It
// lives in the run's folder and is stopped when the process exits, even after a failed test.
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { type Gitea, startGitea } from "../../src/sandbox/gitea.ts";
import { runEnv, runHome } from "./env.ts";

let shared: Promise<Gitea> | undefined;

/** The process's Gitea, started on the first call (~2–3 s). */
export function sharedGitea(): Promise<Gitea> {
  shared ??= start();
  return shared;
}

async function start(): Promise<Gitea> {
  const dir = await mkdtemp(join(runHome(), "gitea-"));
  const gitea = await startGitea({ dir, env: runEnv() });
  process.once("exit", () => {
    // Synchronous: an exit handler cannot wait. SIGKILL to the group, then the folder.
    try {
      process.kill(-gitea.pid, "SIGKILL");
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return gitea;
}

let repoCounter = 0;

/** A fresh repository name, unique in this process. */
export function uniqueRepoName(prefix: string): string {
  repoCounter += 1;
  return `${prefix}-${process.pid}-${repoCounter}`;
}
