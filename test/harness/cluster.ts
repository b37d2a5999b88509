// What an end-to-end test uses to reach its cluster: the real `kubectl` and `moor` commands, a raw
// REST client, and a fresh namespace per test that is deleted when the test ends, pass or fail.
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { TestContext } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { KubeRest } from "../../src/kube/rest.ts";
import { findTool } from "../../src/toolchain/catalog.ts";
import { toolBinary } from "../../src/toolchain/paths.ts";
import { type RunResult, runCommand } from "../../src/util/exec.ts";
import { runEnv, runSandboxKubeconfig } from "./env.ts";

const MOOR = fileURLToPath(new URL("../../bin/moor.js", import.meta.url));

export function kubectlPath(): string {
  return toolBinary(findTool("kubernetes"), "kubectl", runEnv());
}

/** Runs the `moor` CLI as a user would, in this run's MOORING_HOME. */
export function moor(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<RunResult> {
  return runCommand(process.execPath, [MOOR, ...args], {
    env: options.env ?? runEnv(),
    timeoutMs: 300_000,
    ...(options.input ? { input: options.input } : {}),
  });
}

/** Runs kubectl against a kubeconfig (default: the run's shared sandbox). */
export function kubectl(
  args: string[],
  options: { kubeconfig?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return runCommand(kubectlPath(), ["--kubeconfig", options.kubeconfig ?? runSandboxKubeconfig(), ...args], {
    timeoutMs: 120_000,
    env: { ...process.env, ...options.env },
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
}

/** Like kubectl, but fails the test with kubectl's own words when it exits non-zero. */
export async function kubectlOk(
  args: string[],
  options: { kubeconfig?: string; input?: string } = {},
): Promise<string> {
  const res = await kubectl(args, options);
  if (res.code !== 0)
    throw new Error(`kubectl ${args.join(" ")} failed (${res.code}): ${res.stderr || res.stdout}`);
  return res.stdout;
}

/** A REST client with the admin identity of a kubeconfig written by `moor sandbox`. */
export async function adminRest(kubeconfig = runSandboxKubeconfig()): Promise<KubeRest> {
  const config = parse(await readFile(kubeconfig, "utf8"));
  const b64 = (s: string) => Buffer.from(s, "base64").toString("utf8");
  return new KubeRest({
    server: config.clusters[0].cluster.server,
    caPem: b64(config.clusters[0].cluster["certificate-authority-data"]),
    certPem: b64(config.users[0].user["client-certificate-data"]),
    keyPem: b64(config.users[0].user["client-key-data"]),
  });
}

/** Creates a namespace for this test and deletes it afterwards. */
export async function withNamespace(t: TestContext): Promise<string> {
  const slug = t.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 40);
  const name = `t-${slug}-${randomBytes(3).toString("hex")}`.replace(/-+/g, "-");
  await kubectlOk(["create", "namespace", name]);
  t.after(async () => {
    await kubectl(["delete", "namespace", name, "--wait=false", "--ignore-not-found"]);
  });
  return name;
}

/** Polls until the check returns a value (not undefined), or fails naming what it waited for. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await sleep(200);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError}` : ""}`);
}
