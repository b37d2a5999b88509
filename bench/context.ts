// What every benchmark is handed: the sandbox and its admin client, the git server, the knobs of
// this run, and a progress log (stderr, so the table on stdout stays clean).
import type { KubeClient } from "../src/kube/client.ts";
import type { GitServer } from "../test/harness/git-server.ts";
import type { BenchSandbox } from "./sandbox.ts";

export interface BenchContext {
  sandbox: BenchSandbox;
  client: KubeClient;
  git: GitServer;
  /** Applications in the cold-start benchmark (BENCH_APPS, default 1000). */
  apps: number;
  /** Stacks in the drift-check benchmark (BENCH_STACKS, default 50). */
  stacks: number;
  /** Apps with a slow PreSync hook in the slow-hooks benchmark (BENCH_HOOK_APPS, default 50). */
  hookApps: number;
  /** Runs of a repeated benchmark: BENCH_RUNS when set, else the benchmark's default. */
  runs(defaultRuns: number): number;
  /** apiserver requests/s made by the cluster's own components with no controller running. */
  backgroundRequestsPerSecond?: number;
  log(line: string): void;
}
