// Creating, listing and deleting sandboxes (local throwaway clusters; see layout.ts). The word
// "cluster" is kept for destination clusters registered with Mooring, as in Argo CD.
//
// Creation starts the processes in dependency order and only reports success once the cluster
// can really run a workload: the apiserver is ready, the controller-manager and scheduler answer,
// a kwok node is Ready, and the service-account machinery has made the default ServiceAccount.
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { get as httpGet } from "node:http";
import { get as httpsGet } from "node:https";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeRest } from "../kube/rest.ts";
import { findTool, KUBERNETES_VERSION } from "../toolchain/catalog.ts";
import { type InstallReporter, installToolchain } from "../toolchain/install.ts";
import { toolAsset } from "../toolchain/paths.ts";
import { mooringHome } from "../util/home.ts";
import { type Binaries, KWOK_NODE_ANNOTATION, processSpecs, START_ORDER } from "./commands.ts";
import { renderKubeconfig } from "./kubeconfig.ts";
import {
  COMPONENTS,
  type Component,
  componentKubeconfig,
  componentLog,
  IDENTITIES,
  type Identity,
  type Layout,
  type Ports,
  sandboxLayout,
} from "./layout.ts";
import { createPki, readCaPem, readClientPem } from "./pki.ts";
import { freePorts, portIsFree } from "./ports.ts";
import { startDetached, stopProcess } from "./processes.ts";
import { MOORING_STAGE_FILES, mergeStages } from "./stages.ts";
import { judgeHealth, readRecord, type SandboxHealth, type SandboxRecord, writeRecord } from "./state.ts";

/** Stable error codes, so scripts and tests can tell failures apart. */
export type SandboxErrorCode =
  | "invalid-name"
  | "already-exists"
  | "not-found"
  | "port-in-use"
  | "start-failed"
  | "not-ready";

export class SandboxError extends Error {
  readonly code: SandboxErrorCode;
  constructor(code: SandboxErrorCode, message: string) {
    super(message);
    this.name = "SandboxError";
    this.code = code;
  }
}

export interface CreateOptions {
  /** Port for the apiserver on 127.0.0.1; default: a free one. */
  apiPort?: number;
  /** Number of kwok nodes; default 1. */
  nodes?: number;
  /** Delete an existing sandbox of that name first (a broken one, typically); default false. */
  recreate?: boolean;
  /** Give up when the cluster is not ready within this many milliseconds; default 120 s. */
  readyTimeoutMs?: number;
  /** Progress of each step; default: silent. */
  onStep?: (step: string) => void;
  /** Progress of a toolchain build triggered on demand; default: silent. */
  installReporter?: InstallReporter;
  env?: NodeJS.ProcessEnv;
}

export interface SandboxInfo {
  name: string;
  status: SandboxHealth["status"];
  reason?: string;
  kubernetesVersion: string;
  server: string;
  kubeconfig: string;
  createdAt: string;
  dir: string;
}

const NAME_PATTERN = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;

export function sandboxesRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(mooringHome(env), "sandboxes");
}

function layoutFor(name: string, env: NodeJS.ProcessEnv): Layout {
  return sandboxLayout(join(sandboxesRoot(env), name));
}

function validateName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new SandboxError(
      "invalid-name",
      `invalid sandbox name "${name}": use 1-40 lower-case letters, digits and '-', starting and ending with a letter or digit`,
    );
  }
}

export async function createSandbox(name: string, options: CreateOptions = {}): Promise<SandboxInfo> {
  validateName(name);
  const env = options.env ?? process.env;
  const step = options.onStep ?? (() => {});
  const layout = layoutFor(name, env);

  if (existsSync(layout.dir)) {
    if (options.recreate) {
      step(`deleting the existing sandbox ${name}`);
      await deleteSandbox(name, { env });
    } else {
      const info = await describe(name, layout);
      const hint =
        info.status === "Broken"
          ? `it is broken (${info.reason}); delete it with \`moor sandbox delete ${name}\` or re-create it with \`moor sandbox create ${name} --recreate\``
          : `delete it first with \`moor sandbox delete ${name}\`, or choose another name`;
      throw new SandboxError("already-exists", `sandbox "${name}" already exists (${info.status}); ${hint}`);
    }
  }

  if (options.apiPort !== undefined && !(await portIsFree(options.apiPort))) {
    throw new SandboxError(
      "port-in-use",
      `port ${options.apiPort} on 127.0.0.1 is already in use; choose another with --api-port, or leave it out to get a free port`,
    );
  }

  step("installing the toolchain (cached after the first time)");
  const binaries = await ensureBinaries(env, options.installReporter);

  await mkdir(sandboxesRoot(env), { recursive: true });
  try {
    // Non-recursive: exactly one of two racing `create` calls for the same name gets the folder.
    await mkdir(layout.dir);
  } catch {
    throw new SandboxError("already-exists", `sandbox "${name}" is being created by another command`);
  }

  const [etcdClient, etcdPeer, api, controllerManager, scheduler, kwok] = await freePorts(6);
  const ports: Ports = {
    etcdClient: etcdClient ?? 0,
    etcdPeer: etcdPeer ?? 0,
    apiserver: options.apiPort ?? api ?? 0,
    controllerManager: controllerManager ?? 0,
    scheduler: scheduler ?? 0,
    kwok: kwok ?? 0,
  };
  const record: SandboxRecord = {
    name,
    createdAt: new Date().toISOString(),
    kubernetesVersion: KUBERNETES_VERSION,
    server: `https://127.0.0.1:${ports.apiserver}`,
    ports,
    processes: {},
    phase: "creating",
    creatorPid: process.pid,
  };
  await mkdir(layout.logs, { recursive: true });
  await writeRecord(layout, record);

  try {
    step("making certificates");
    await createPki(layout.pki);
    await writeKubeconfigs(layout, record);
    await writeKwokStages(layout, binaries);
    await startComponents(layout, record, binaries, options, step);
    record.phase = "ready";
    await writeRecord(layout, record);
  } catch (err) {
    record.phase = "failed";
    record.error = err instanceof Error ? err.message.split("\n")[0] : String(err);
    await stopAll(record);
    await writeRecord(layout, record);
    throw err;
  }
  return toInfo(record, layout, { status: "Running" });
}

async function ensureBinaries(env: NodeJS.ProcessEnv, reporter?: InstallReporter): Promise<Binaries> {
  const installed = await installToolchain({
    tools: ["kubernetes", "etcd", "kwok"],
    env,
    ...(reporter ? { reporter } : {}),
  });
  const bin = (tool: string, binary: string) => {
    const path = installed.find((t) => t.name === tool)?.binaries[binary];
    if (!path) throw new Error(`the toolchain has no ${binary}; run \`moor toolchain install\``);
    return path;
  };
  return {
    etcd: bin("etcd", "etcd"),
    kubeApiserver: bin("kubernetes", "kube-apiserver"),
    kubeControllerManager: bin("kubernetes", "kube-controller-manager"),
    kubeScheduler: bin("kubernetes", "kube-scheduler"),
    kwok: bin("kwok", "kwok"),
    kwokStages: toolAsset(findTool("kwok"), "kwok-stages.yaml", env),
  };
}

/** kwokctl's default Stages with Mooring's laid over them, in the sandbox's folder. */
async function writeKwokStages(layout: Layout, binaries: Binaries): Promise<void> {
  const overrides = await Promise.all(
    MOORING_STAGE_FILES.map(async (source) => ({ source, text: await readFile(source, "utf8") })),
  );
  await writeFile(layout.kwokStages, mergeStages(await readFile(binaries.kwokStages, "utf8"), overrides));
}

async function writeKubeconfigs(layout: Layout, record: SandboxRecord): Promise<void> {
  const caPem = await readCaPem(layout.pki);
  for (const identity of Object.keys(IDENTITIES) as Identity[]) {
    const pem = await readClientPem(layout.pki, identity);
    const text = renderKubeconfig({
      contextName: `sandbox-${record.name}`,
      server: record.server,
      caPem,
      certPem: pem.cert,
      keyPem: pem.key,
    });
    const path = identity === "admin" ? layout.kubeconfig : componentKubeconfig(layout, identity);
    await writeFile(path, text, { mode: 0o600 });
  }
}

async function adminClient(layout: Layout, server: string): Promise<KubeRest> {
  const pem = await readClientPem(layout.pki, "admin");
  return new KubeRest({ server, caPem: await readCaPem(layout.pki), certPem: pem.cert, keyPem: pem.key });
}

async function startComponents(
  layout: Layout,
  record: SandboxRecord,
  binaries: Binaries,
  options: CreateOptions,
  step: (s: string) => void,
): Promise<void> {
  const specs = processSpecs(layout, record.ports, binaries);
  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  const start = async (component: Component) => {
    const spec = specs[component];
    record.processes[component] = startDetached(spec.file, spec.args, componentLog(layout, component));
    await writeRecord(layout, record);
  };
  const waitFor = async (what: string, probe: () => Promise<boolean>) => {
    while (Date.now() < deadline) {
      await assertAlive(layout, record);
      if (await probe().catch(() => false)) return;
      await sleep(100);
    }
    await assertAlive(layout, record);
    throw new SandboxError(
      "not-ready",
      `sandbox "${record.name}": ${what} was not ready in time; logs are in ${layout.logs}`,
    );
  };

  const [etcd, apiserver, ...rest] = START_ORDER;
  if (!etcd || !apiserver) throw new Error("START_ORDER must begin with etcd and kube-apiserver");
  step("starting etcd");
  await start(etcd);
  await waitFor("etcd", () => httpOk(`http://127.0.0.1:${record.ports.etcdClient}/health`));

  step("starting kube-apiserver");
  await start(apiserver);
  const client = await adminClient(layout, record.server);
  try {
    await waitFor("kube-apiserver", async () => (await client.get("/readyz")).status === 200);

    step("starting kube-controller-manager, kube-scheduler and kwok");
    for (const component of rest) await start(component);

    step("adding kwok nodes");
    const nodeCount = options.nodes ?? 1;
    for (let i = 0; i < nodeCount; i++) await createNode(client, `kwok-node-${i}`);

    step("waiting for the nodes and controllers to be ready");
    await waitFor("kube-controller-manager", () =>
      httpsOkInsecure(`https://127.0.0.1:${record.ports.controllerManager}/healthz`),
    );
    await waitFor("kube-scheduler", () =>
      httpsOkInsecure(`https://127.0.0.1:${record.ports.scheduler}/healthz`),
    );
    await waitFor("the kwok nodes", async () => {
      const res = await client.get<NodeList>("/api/v1/nodes");
      const nodes = res.body.items ?? [];
      return nodes.length >= nodeCount && nodes.every(nodeReady);
    });
    // The default ServiceAccount appears once the controller-manager's token machinery works;
    // without it no Pod in the namespace can be admitted.
    await waitFor(
      "the default service account",
      async () => (await client.get("/api/v1/namespaces/default/serviceaccounts/default")).status === 200,
    );
  } finally {
    client.close();
  }
}

interface NodeList {
  items?: { status?: { conditions?: { type: string; status: string }[] } }[];
}

function nodeReady(node: NonNullable<NodeList["items"]>[number]): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

async function createNode(client: KubeRest, name: string): Promise<void> {
  const node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      annotations: { [KWOK_NODE_ANNOTATION]: "fake", "node.alpha.kubernetes.io/ttl": "0" },
      labels: {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "node-role.kubernetes.io/agent": "",
        type: "kwok",
      },
    },
    spec: {},
    status: {
      allocatable: { cpu: "32", memory: "256Gi", pods: "250" },
      capacity: { cpu: "32", memory: "256Gi", pods: "250" },
    },
  };
  const res = await client.request("POST", "/api/v1/nodes", { body: node });
  if (res.status !== 201 && res.status !== 409) {
    throw new SandboxError("start-failed", `could not create node ${name}: HTTP ${res.status} ${res.text}`);
  }
}

/** Fails fast, with the end of its log, when a component has exited. */
async function assertAlive(layout: Layout, record: SandboxRecord): Promise<void> {
  const health = judgeHealth({ ...record, phase: "ready" });
  if (health.status !== "Broken") return;
  const dead = COMPONENTS.find((c) => record.processes[c] && health.reason?.includes(c));
  const tail = dead ? await logTail(componentLog(layout, dead), 12) : "";
  const inUse = /address already in use/.test(tail);
  throw new SandboxError(
    inUse ? "port-in-use" : "start-failed",
    `sandbox "${record.name}": ${dead ?? "a component"} exited during start-up${inUse ? " (a port it needs is in use)" : ""}; last lines of ${dead ? componentLog(layout, dead) : layout.logs}:\n${tail}`,
  );
}

async function logTail(path: string, lines: number): Promise<string> {
  try {
    return (await readFile(path, "utf8")).trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpGet(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
  });
}

/** Health endpoints of the controller-manager and scheduler use a self-signed serving cert. */
function httpsOkInsecure(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpsGet(url, { timeout: 2000, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
  });
}

async function stopAll(record: SandboxRecord): Promise<void> {
  // Reverse start order: kwok and the controllers first, etcd last.
  for (const component of [...START_ORDER].reverse()) {
    const proc = record.processes[component];
    if (proc) await stopProcess(proc);
  }
}

export async function deleteSandbox(name: string, options: { env?: NodeJS.ProcessEnv } = {}): Promise<void> {
  validateName(name);
  const layout = layoutFor(name, options.env ?? process.env);
  if (!existsSync(layout.dir)) {
    throw new SandboxError(
      "not-found",
      `no sandbox named "${name}"; \`moor sandbox list\` shows the sandboxes`,
    );
  }
  const record = await readRecord(layout);
  if (record) await stopAll(record);
  await rm(layout.dir, { recursive: true, force: true });
}

async function describe(name: string, layout: Layout): Promise<SandboxInfo> {
  const record = await readRecord(layout);
  const health = judgeHealth(record);
  if (!record) {
    return {
      name,
      status: health.status,
      ...(health.reason ? { reason: health.reason } : {}),
      kubernetesVersion: "",
      server: "",
      kubeconfig: layout.kubeconfig,
      createdAt: "",
      dir: layout.dir,
    };
  }
  return toInfo(record, layout, health);
}

function toInfo(record: SandboxRecord, layout: Layout, health: SandboxHealth): SandboxInfo {
  return {
    name: record.name,
    status: health.status,
    ...(health.reason ? { reason: health.reason } : {}),
    kubernetesVersion: record.kubernetesVersion,
    server: record.server,
    kubeconfig: layout.kubeconfig,
    createdAt: record.createdAt,
    dir: layout.dir,
  };
}

export async function listSandboxes(options: { env?: NodeJS.ProcessEnv } = {}): Promise<SandboxInfo[]> {
  const env = options.env ?? process.env;
  const root = sandboxesRoot(env);
  if (!existsSync(root)) return [];
  const names = (await readdir(root, { withFileTypes: true }))
    .filter((d) => d.isDirectory() && NAME_PATTERN.test(d.name))
    .map((d) => d.name)
    .sort();
  return Promise.all(names.map((name) => describe(name, layoutFor(name, env))));
}

export async function getSandbox(
  name: string,
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<SandboxInfo> {
  validateName(name);
  const layout = layoutFor(name, options.env ?? process.env);
  if (!existsSync(layout.dir)) {
    throw new SandboxError(
      "not-found",
      `no sandbox named "${name}"; \`moor sandbox list\` shows the sandboxes`,
    );
  }
  return describe(name, layout);
}
