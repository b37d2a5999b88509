// Running the real `moor controller` process in end-to-end tests, as users run it out of cluster.
// Its JSON log lines are kept for assertions and printed when a test fails to help diagnose.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { moor } from "./cluster.ts";
import { runEnv, runSandboxKubeconfig } from "./env.ts";

const MOOR = fileURLToPath(new URL("../../bin/moor.js", import.meta.url));

export interface RunningController {
  /** Parsed JSON log lines so far. */
  logs: Record<string, unknown>[];
  metricsUrl: string;
  /** The controller's HTTP root (/metrics, /healthz, /inspect/v1), e.g. http://127.0.0.1:PORT. */
  url: string;
  process: ChildProcess;
  /** Graceful stop (SIGTERM); resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Crash (SIGKILL). */
  kill(): Promise<void>;
  /**
   * A dying Pod: SIGKILL to the controller and every process it started (tofu, its providers and
   * provisioners). Needs `ownProcessGroup`.
   */
  killGroup(): Promise<void>;
  exited: Promise<number | null>;
}

let installed = false;

/** Installs Mooring's CRDs and RBAC into the run's sandbox once per test file. */
export async function ensureInstalled(kubeconfig = runSandboxKubeconfig()): Promise<void> {
  if (installed) return;
  const res = await moor(["install", "--kubeconfig", kubeconfig]);
  if (res.code !== 0) throw new Error(`moor install failed: ${res.stderr}`);
  installed = true;
}

export async function startController(
  options: {
    /** null runs it the in-cluster way (no kubeconfig; credentials from `env`). */
    kubeconfig?: string | null;
    args?: string[];
    identity?: string;
    env?: NodeJS.ProcessEnv;
    /** Run it as the leader of its own process group, so that killGroup() can kill it with its children. */
    ownProcessGroup?: boolean;
  } = {},
): Promise<RunningController> {
  const kubeconfigArgs =
    options.kubeconfig === null ? [] : ["--kubeconfig", options.kubeconfig ?? runSandboxKubeconfig()];
  const args = [
    MOOR,
    "controller",
    ...kubeconfigArgs,
    "--port",
    "0",
    "--repo-poll-interval",
    "1s",
    "--resync",
    "20s",
    "--log-level",
    "debug",
    ...(options.identity ? ["--identity", options.identity] : []),
    ...(options.args ?? []),
  ];
  const child = spawn(process.execPath, args, {
    env: { ...runEnv(), ...options.env },
    stdio: ["ignore", "ignore", "pipe"],
    ...(options.ownProcessGroup ? { detached: true } : {}),
  });
  const logs: Record<string, unknown>[] = [];
  let buffer = "";
  let metricsUrl = "";
  let markStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    let nl = buffer.indexOf("\n");
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === "controller started") {
          metricsUrl = String(entry.metrics ?? "");
          markStarted();
        }
      } catch {
        logs.push({ msg: line });
      }
      nl = buffer.indexOf("\n");
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  await Promise.race([
    started,
    exited.then((code) => {
      throw new Error(`controller exited with ${code} before starting: ${JSON.stringify(logs.slice(-5))}`);
    }),
  ]);
  return {
    logs,
    get metricsUrl() {
      return metricsUrl;
    },
    get url() {
      return metricsUrl.replace(/\/metrics$/, "");
    },
    process: child,
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
    killGroup: async () => {
      if (!options.ownProcessGroup || child.pid === undefined)
        throw new Error("killGroup needs a controller started with ownProcessGroup: true");
      try {
        // A negative pid names the process group the detached controller leads.
        process.kill(-child.pid, "SIGKILL");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
      }
      await exited;
    },
  };
}
