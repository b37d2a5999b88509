// The benchmark's own cluster: a sandbox in a temporary MOORING_HOME (the toolchain is shared with
// the machine's cache, as in the end-to-end global setup), with Mooring installed by the real
// `moor install`. delete() stops every sandbox process and removes the folder; a run that was
// killed outright is reaped by the next one (its owner.pid no longer names a live process).
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { KubeClient } from "../src/kube/client.ts";
import { loadConfig } from "../src/kube/kubeconfig.ts";
import { createSandbox, deleteSandbox, listSandboxes } from "../src/sandbox/sandbox.ts";
import { toolchainRoot } from "../src/toolchain/paths.ts";
import { runCommand } from "../src/util/exec.ts";

const PREFIX = "mooring-bench-";
export const MOOR = fileURLToPath(new URL("../bin/moor.js", import.meta.url));

export interface BenchSandbox {
  home: string;
  /** Environment for moor processes: this run's MOORING_HOME, the shared toolchain. */
  env: NodeJS.ProcessEnv;
  kubeconfig: string;
  /** Raw client with the sandbox's admin identity. */
  client: KubeClient;
  delete(): Promise<void>;
}

function envFor(home: string): NodeJS.ProcessEnv {
  return { ...process.env, MOORING_HOME: home, MOORING_TOOLCHAIN: toolchainRoot(process.env) };
}

async function removeHome(home: string): Promise<void> {
  const env = envFor(home);
  for (const sandbox of await listSandboxes({ env }).catch(() => [])) {
    await deleteSandbox(sandbox.name, { env }).catch((err) => process.stderr.write(`bench: ${err}\n`));
  }
  await rm(home, { recursive: true, force: true });
}

async function reapDeadRuns(): Promise<void> {
  for (const entry of await readdir(tmpdir())) {
    if (!entry.startsWith(PREFIX)) continue;
    const home = join(tmpdir(), entry);
    const owner = Number(await readFile(join(home, "owner.pid"), "utf8").catch(() => "0"));
    if (owner && alive(owner)) continue;
    await removeHome(home);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function createBenchSandbox(log: (line: string) => void): Promise<BenchSandbox> {
  await reapDeadRuns();
  const home = await mkdtemp(join(tmpdir(), PREFIX));
  await writeFile(join(home, "owner.pid"), String(process.pid));
  const env = envFor(home);
  try {
    const info = await createSandbox("bench", { env, onStep: (step) => log(`sandbox: ${step}`) });
    const install = await runCommand(process.execPath, [MOOR, "install", "--kubeconfig", info.kubeconfig], {
      env,
      timeoutMs: 180_000,
    });
    if (install.code !== 0) throw new Error(`moor install failed: ${install.stderr || install.stdout}`);
    const kube = new KubeClient(loadConfig({ kubeconfig: info.kubeconfig }).credentials);
    return {
      home,
      env,
      kubeconfig: info.kubeconfig,
      client: kube,
      delete: async () => {
        kube.close();
        await removeHome(home);
      },
    };
  } catch (err) {
    await removeHome(home);
    throw err;
  }
}
