// One real Gitea per test process (node --test runs each e2e file in its own process), started on
// first use and reused by every test of the file; each test makes its own repositories in it. It
// lives in the run's folder and is stopped when the process exits, even after a failed test. A
// run killed outright cannot stop it, so the next start reaps every Gitea whose run is dead.
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { type Gitea, giteaInstallation, startGitea } from "../../src/sandbox/gitea.ts";
import { runEnv, runHome } from "./env.ts";

let shared: Promise<Gitea> | undefined;

/** The process's Gitea, started on the first call (~2–3 s). */
export function sharedGitea(): Promise<Gitea> {
  shared ??= start();
  return shared;
}

async function start(): Promise<Gitea> {
  reapOrphans((await giteaInstallation(runEnv())).binary);
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

/**
 * Kills Gitea processes of e2e runs whose runner is gone: the toolchain's gitea binary with a
 * config inside a `mooring-e2e-*` run folder whose owner.pid is dead (or whose folder is gone).
 */
export function reapOrphans(binary: string): void {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (argv[0] !== binary) continue;
    const config = argv[argv.indexOf("--config") + 1] ?? "";
    const [home] = relative(tmpdir(), config).split("/");
    if (!home?.startsWith("mooring-e2e-")) continue;
    if (runnerAlive(join(tmpdir(), home))) continue;
    try {
      process.kill(-Number(entry), "SIGKILL");
    } catch {
      // not a group leader any more, or gone
    }
  }
}

function runnerAlive(home: string): boolean {
  try {
    process.kill(Number(readFileSync(join(home, "owner.pid"), "utf8")), 0);
    return true;
  } catch {
    return false;
  }
}
