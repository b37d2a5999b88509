// Where an end-to-end test run keeps its state. Each run gets its own MOORING_HOME (so its
// sandboxes never meet a developer's), while the toolchain is shared with the machine's cache.
import { join } from "node:path";
import { toolchainRoot } from "../../src/toolchain/paths.ts";

/** Set by the global setup for every test file of the run. */
export const RUN_HOME_VAR = "MOORING_E2E_HOME";
/** Name of the shared sandbox of the run. */
export const RUN_SANDBOX = "e2e";

export function runHome(): string {
  const home = process.env[RUN_HOME_VAR];
  if (!home) throw new Error(`${RUN_HOME_VAR} is not set: run end-to-end tests with \`npm run test:e2e\``);
  return home;
}

/**
 * The environment for moor commands and library calls in this run. Logins made by `moor login`
 * stay in the run's folder, never in the user's ~/.config, so no test's login can send a later
 * test's commands through a server.
 */
export function runEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    MOORING_HOME: runHome(),
    MOORING_TOOLCHAIN: toolchainRoot(process.env),
    MOORING_CONFIG_DIR: `${runHome()}/config`,
  };
}

export function runSandboxKubeconfig(): string {
  return join(runHome(), "sandboxes", RUN_SANDBOX, "kubeconfig");
}
