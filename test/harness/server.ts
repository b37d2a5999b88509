// Running the real `moor server` process in end-to-end tests, as an operator runs it out of
// cluster: a child process on a free port, talking to the run's sandbox cluster. Its JSON log
// lines are kept for assertions (audit entries go to the log until an audit store is configured)
// and the last ones are printed when it fails to start.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runEnv, runSandboxKubeconfig } from "./env.ts";

const MOOR = fileURLToPath(new URL("../../bin/moor.js", import.meta.url));
const SERVING = /moor server: serving (\S+)/;

export interface RunningServer {
  /** The API root, `http://127.0.0.1:PORT/api/v1`. */
  url: string;
  /** The server root without /api/v1, for routes outside the API (the UI). */
  origin: string;
  /** Parsed JSON log lines so far (non-JSON lines as `{ msg }`). */
  logs: Record<string, unknown>[];
  process: ChildProcess;
  /** Graceful stop (SIGTERM); resolves with the exit code. */
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
  /** fetch() under the API root: `api("/applications")`. */
  api(path: string, init?: RequestInit): Promise<Response>;
}

export async function startServer(
  options: {
    kubeconfig?: string;
    args?: string[];
    env?: NodeJS.ProcessEnv;
    /** How long to wait for "serving"; default 30 s. */
    startTimeoutMs?: number;
    /**
     * The controller the server asks for resource trees, manifests and previews
     * (`--controller-url`): a running controller of test/harness/controller.ts, or its URL.
     */
    controller?: { url: string } | string;
  } = {},
): Promise<RunningServer> {
  const args = [
    MOOR,
    "server",
    "--port",
    "0",
    "--kubeconfig",
    options.kubeconfig ?? runSandboxKubeconfig(),
    "--log-level",
    "debug",
    ...(options.controller
      ? [
          "--controller-url",
          typeof options.controller === "string" ? options.controller : options.controller.url,
        ]
      : []),
    ...(options.args ?? []),
  ];
  const child = spawn(process.execPath, args, {
    env: { ...runEnv(), ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  let url = "";
  let markStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const lines = (stream: NodeJS.ReadableStream | null, onLine: (line: string) => void) => {
    let buffer = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      buffer += chunk;
      let nl = buffer.indexOf("\n");
      while (nl >= 0) {
        onLine(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf("\n");
      }
    });
  };
  lines(child.stdout, (line) => {
    const match = SERVING.exec(line);
    if (match?.[1] && url === "") {
      url = match[1];
      markStarted();
    }
  });
  lines(child.stderr, (line) => {
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      logs.push({ msg: line });
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      started,
      exited.then((code) => {
        throw new Error(`moor server exited with ${code} before serving: ${JSON.stringify(logs.slice(-5))}`);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill("SIGKILL");
          reject(
            new Error(`moor server did not serve within ${timeoutMs} ms: ${JSON.stringify(logs.slice(-5))}`),
          );
        }, timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
  const origin = url.replace(/\/api\/v1\/?$/, "");
  return {
    url,
    origin,
    logs,
    process: child,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
    api: (path, init) => fetch(`${url}${path}`, init),
  };
}
