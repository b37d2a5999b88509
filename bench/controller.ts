// The real `moor controller` process, spawned as test/harness/controller.ts does (out of cluster,
// with a kubeconfig) but with the defaults users get: only --repo-poll-interval 60s is set, so a
// new commit is noticed through the refresh annotation, not by polling. Also reads the process's
// CPU time and resident memory from /proc for the at-rest benchmark.
import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { runCommand } from "../src/util/exec.ts";
import { MOOR } from "./sandbox.ts";

export interface ControllerProcess {
  pid: number;
  /** performance.now() when the process logged "controller started". */
  startedAt: number;
  /** The last log lines, for failure messages. */
  tail(): string;
  stop(): Promise<void>;
}

const running = new Set<ControllerProcess>();

export async function startController(
  env: NodeJS.ProcessEnv,
  kubeconfig: string,
  /** Flags after the defaults (a later --repo-poll-interval wins). */
  extraArgs: readonly string[] = [],
): Promise<ControllerProcess> {
  const args = [
    MOOR,
    "controller",
    "--kubeconfig",
    kubeconfig,
    "--port",
    "0",
    "--repo-poll-interval",
    "60s",
    ...extraArgs,
  ];
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  const lines: string[] = [];
  let buffer = "";
  let markStarted: (at: number) => void = () => {};
  const started = new Promise<number>((resolve) => {
    markStarted = resolve;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      if (lines.length > 40) lines.shift();
      if (line.includes('"controller started"')) markStarted(performance.now());
    }
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = () => stopChild(child, exited);
  const startedAt = await Promise.race([
    started,
    exited.then(() => {
      throw new Error(`controller exited before starting: ${lines.slice(-5).join("\n")}`);
    }),
    sleep(60_000).then(() => {
      throw new Error("controller did not start within 60 s");
    }),
  ]).catch(async (err) => {
    await stop();
    throw err;
  });
  const proc: ControllerProcess = {
    pid: child.pid ?? 0,
    startedAt,
    tail: () => lines.slice(-10).join("\n"),
    stop: async () => {
      running.delete(proc);
      await stop();
    },
  };
  running.add(proc);
  return proc;
}

/** Graceful stop (SIGTERM, which releases the leader Lease), SIGKILL after 15 s. */
async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const done = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
  if (!done) {
    child.kill("SIGKILL");
    await exited;
  }
}

/** Stops every controller this run started (cleanup after a failure). */
export async function stopAllControllers(): Promise<void> {
  await Promise.all([...running].map((c) => c.stop()));
}

export interface ProcSample {
  /** performance.now() of the reading. */
  at: number;
  /** utime + stime of the process itself, in seconds. */
  cpuSeconds: number;
  /** cutime + cstime: children it waited for (git), in seconds. */
  childCpuSeconds: number;
  rssMb: number;
}

let clockTicks: number | undefined;

async function ticksPerSecond(): Promise<number> {
  if (clockTicks === undefined) {
    const res = await runCommand("getconf", ["CLK_TCK"]);
    clockTicks = Number(res.stdout.trim()) || 100;
  }
  return clockTicks;
}

export async function sampleProcess(pid: number): Promise<ProcSample> {
  const hz = await ticksPerSecond();
  const [stat, status] = await Promise.all([
    readFile(`/proc/${pid}/stat`, "utf8"),
    readFile(`/proc/${pid}/status`, "utf8"),
  ]);
  // Fields after "(comm)": state is field 3, so utime (14) .. cstime (17) are indexes 11..14.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const field = (i: number) => Number(fields[i]);
  const rssKb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? Number.NaN);
  return {
    at: performance.now(),
    cpuSeconds: (field(11) + field(12)) / hz,
    childCpuSeconds: (field(13) + field(14)) / hz,
    rssMb: rssKb / 1024,
  };
}
