// Runs once per `node --test` run, before any test file: builds the toolchain if needed and starts
// one shared sandbox that every test file reuses (each test gets its own namespace). Teardown
// deletes every sandbox of the run even when tests failed; a run that was killed outright leaves
// its folder under the system temp dir, and the next run reaps sandboxes whose runner has died.
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSandbox, deleteSandbox, listSandboxes } from "../../src/sandbox/sandbox.ts";
import { installToolchain } from "../../src/toolchain/install.ts";
import { toolchainRoot } from "../../src/toolchain/paths.ts";
import { RUN_HOME_VAR, RUN_SANDBOX } from "./env.ts";

const RUN_PREFIX = "mooring-e2e-";

function envFor(home: string): NodeJS.ProcessEnv {
  return { ...process.env, MOORING_HOME: home, MOORING_TOOLCHAIN: toolchainRoot(process.env) };
}

async function reapDeadRuns(): Promise<void> {
  for (const entry of await readdir(tmpdir())) {
    if (!entry.startsWith(RUN_PREFIX)) continue;
    const home = join(tmpdir(), entry);
    const owner = Number(await readFile(join(home, "owner.pid"), "utf8").catch(() => "0"));
    if (owner && pidAlive(owner)) continue;
    const env = envFor(home);
    for (const sandbox of await listSandboxes({ env }).catch(() => [])) {
      await deleteSandbox(sandbox.name, { env }).catch(() => {});
    }
    await rm(home, { recursive: true, force: true });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function globalSetup(): Promise<void> {
  await reapDeadRuns();
  const started = Date.now();
  await installToolchain();
  const home = await mkdtemp(join(tmpdir(), RUN_PREFIX));
  await writeFile(join(home, "owner.pid"), String(process.pid));
  process.env[RUN_HOME_VAR] = home;
  const info = await createSandbox(RUN_SANDBOX, { env: envFor(home) });
  process.stderr.write(
    `e2e: sandbox ${info.name} ready at ${info.server} in ${((Date.now() - started) / 1000).toFixed(1)}s\n`,
  );
}

export async function globalTeardown(): Promise<void> {
  const home = process.env[RUN_HOME_VAR];
  if (!home) return;
  const env = envFor(home);
  for (const sandbox of await listSandboxes({ env }).catch(() => [])) {
    await deleteSandbox(sandbox.name, { env }).catch((err) => process.stderr.write(`e2e teardown: ${err}\n`));
  }
  await rm(home, { recursive: true, force: true });
}
