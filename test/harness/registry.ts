// Real chart repositories for tests, both kinds users publish charts to:
//   an OCI registry   the CNCF distribution registry (`registry serve`, built into the
//                     toolchain) on a free loopback port, storage in a temporary folder; charts
//                     are pushed to it with the real `helm package` and `helm push`
//   a Helm repository static files (the .tgz packages and an index.yaml made by the real
//                     `helm repo index`) served by node:http, with basic authentication if asked
// A registry may ask for a password (the distribution registry's htpasswd auth, bcrypt hashes
// made here with bcryptjs): the test pushes after `helm registry login --password-stdin`, so the
// password is never on a command line, and a reader without credentials gets HTTP 401.
// The registry speaks plain HTTP on 127.0.0.1, as a registry a developer runs on their own
// machine does (`docker run registry`): helm is told so with --plain-http, which Mooring passes
// for loopback registries only; anything else is reached over HTTPS. A self-signed CA would test
// TLS plumbing the controller does not own (Node's and helm's trust stores) rather than charts.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import bcrypt from "bcryptjs";
import { findTool } from "../../src/toolchain/catalog.ts";
import { toolBinary } from "../../src/toolchain/paths.ts";
import { runChecked } from "../../src/util/exec.ts";

export interface ChartFiles {
  /** Files of the chart folder by path (Chart.yaml is written from name and version). */
  [path: string]: string;
}

/** A minimal chart whose one ConfigMap says which chart version rendered it. */
export function versionedChart(greeting = "hello"): ChartFiles {
  return {
    "values.yaml": `greeting: ${greeting}\n`,
    "templates/configmap.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settings
data:
  chartVersion: {{ .Chart.Version | quote }}
  greeting: {{ .Values.greeting | quote }}
`,
  };
}

const helm = () => toolBinary(findTool("helm"), "helm");

/** Runs helm with private homes under `work`, so nothing of the machine's helm setup takes part. */
async function runHelm(work: string, args: string[], input?: string): Promise<string> {
  for (const name of ["config", "cache", "data"]) await mkdir(join(work, name), { recursive: true });
  const result = await runChecked(helm(), args, {
    cwd: work,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: work,
      HELM_CONFIG_HOME: join(work, "config"),
      HELM_CACHE_HOME: join(work, "cache"),
      HELM_DATA_HOME: join(work, "data"),
    },
    timeoutMs: 60_000,
    ...(input === undefined ? {} : { input }),
  });
  return result.stdout + result.stderr;
}

/** Writes a chart folder and packages it with `helm package`; returns the .tgz path. */
async function packageChart(work: string, name: string, version: string, files: ChartFiles, out: string) {
  const dir = await mkdtemp(join(work, `chart-${name}-`));
  const chartDir = join(dir, name);
  await writeFile(
    join(await mkdirp(chartDir), "Chart.yaml"),
    `apiVersion: v2\nname: ${name}\nversion: ${version}\n`,
  );
  for (const [path, text] of Object.entries(files)) {
    const target = join(chartDir, path);
    await mkdir(join(target, ".."), { recursive: true });
    await writeFile(target, text);
  }
  await mkdir(out, { recursive: true });
  await runHelm(work, ["package", chartDir, "--destination", out]);
  await rm(dir, { recursive: true, force: true });
  return join(out, `${name}-${version}.tgz`);
}

async function mkdirp(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface OciRegistry {
  /** host:port, e.g. 127.0.0.1:40123 */
  host: string;
  /** oci://host:port/<path>: what an Application's repoURL names. */
  url(path: string): string;
  /** Packages a chart and pushes it with `helm push` to oci://host/<path>/<name>:<version>. */
  push(path: string, name: string, version: string, files?: ChartFiles): Promise<void>;
  close(): Promise<void>;
}

/** Starts the real distribution registry on a free loopback port; with `auth`, behind a password. */
export async function startOciRegistry(auth?: { username: string; password: string }): Promise<OciRegistry> {
  const work = await mkdtemp(join(tmpdir(), "mooring-registry-"));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = join(work, "config.yml");
  const htpasswd = join(work, "htpasswd");
  if (auth)
    await writeFile(htpasswd, `${auth.username}:${bcrypt.hashSync(auth.password, 10)}\n`, { mode: 0o600 });
  await writeFile(
    config,
    `version: 0.1
log: { level: warn }
storage:
  filesystem: { rootdirectory: ${join(work, "data")} }
  delete: { enabled: true }
http:
  addr: ${host}
${auth ? `auth:\n  htpasswd: { realm: charts-e2e, path: ${htpasswd} }\n` : ""}`,
  );
  const child: ChildProcess = spawn(toolBinary(findTool("registry"), "registry"), ["serve", config], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", REGISTRY_HTTP_ADDR: host },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let output = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    output = (output + chunk).slice(-4000);
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const up = await fetch(`http://${host}/v2/`).then(
      (r) => r.status === (auth ? 401 : 200),
      () => false,
    );
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`registry did not start on ${host}: ${output}`);
    await sleep(100);
  }
  if (auth)
    await runHelm(
      work,
      ["registry", "login", host, "--username", auth.username, "--password-stdin", "--plain-http"],
      auth.password,
    );
  return {
    host,
    url: (path) => `oci://${host}/${path}`,
    async push(path, name, version, files = versionedChart()) {
      const tgz = await packageChart(work, name, version, files, join(work, "packages"));
      await runHelm(work, ["push", tgz, `oci://${host}/${path}`, "--plain-http"]);
    },
    async close() {
      child.kill("SIGTERM");
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once("exit", resolve)));
      await rm(work, { recursive: true, force: true });
    },
  };
}

export interface HelmRepository {
  /** http://127.0.0.1:PORT/charts */
  url: string;
  /** Packages a chart into the repository and regenerates index.yaml with `helm repo index`. */
  add(name: string, version: string, files?: ChartFiles): Promise<void>;
  /**
   * Requests answered so far, by path, with whether they carried valid credentials and whether
   * they carried any Authorization header at all.
   */
  requests: { path: string; authorized: boolean; sentCredentials: boolean }[];
  /** The index.yaml served now. */
  index(): Promise<string>;
  /** Serves this index.yaml instead, say another repository's, whose chart URLs point there. */
  serveIndex(text: string): Promise<void>;
  close(): Promise<void>;
}

/** A Helm repository of static files over node:http; basic auth on every request when given. */
export async function startHelmRepository(auth?: {
  username: string;
  password: string;
}): Promise<HelmRepository> {
  const work = await mkdtemp(join(tmpdir(), "mooring-helmrepo-"));
  const root = join(work, "charts");
  await mkdir(root, { recursive: true });
  const expected = auth
    ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`
    : undefined;
  const requests: HelmRepository["requests"] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const authorized = expected === undefined || req.headers.authorization === expected;
    requests.push({ path, authorized, sentCredentials: req.headers.authorization !== undefined });
    if (!authorized) {
      res.writeHead(401, { "www-authenticate": 'Basic realm="charts"' }).end();
      return;
    }
    const file = normalize(join(work, path));
    if (!path.startsWith("/charts/") || !file.startsWith(`${root}/`)) {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => res.writeHead(200, { "content-length": body.length }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/charts`;
  return {
    url,
    requests,
    async add(name, version, files = versionedChart()) {
      await packageChart(work, name, version, files, root);
      await runHelm(work, ["repo", "index", root, "--url", url]);
    },
    index: () => readFile(join(root, "index.yaml"), "utf8"),
    serveIndex: (text) => writeFile(join(root, "index.yaml"), text),
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await rm(work, { recursive: true, force: true });
    },
  };
}
