// User story: on a fresh machine, `moor up` brings up a cluster with Mooring and a demo app; the
// engineer pushes a change to the demo repository over HTTP and sees it live; Ctrl-C stops the
// controller cleanly, and the next `moor up` reuses the cluster. The API server runs beside the
// controller; the first `moor up` prints the admin password once, and it logs in.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { runCommand } from "../../src/util/exec.ts";
import { eventually, kubectl, moor } from "../harness/cluster.ts";
import { runEnv } from "../harness/env.ts";

const MOOR = fileURLToPath(new URL("../../bin/moor.js", import.meta.url));

interface Up {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function startUp(): Up {
  const child = spawn(
    process.execPath,
    [MOOR, "up", "--git-port", "0", "--metrics-port", "0", "--server-port", "0"],
    {
      env: runEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8").on("data", (c: string) => {
    out += c;
  });
  child.stderr?.setEncoding("utf8").on("data", (c: string) => {
    err += c;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Waits for the process to exit after Ctrl-C; a process that does not is killed and the test fails. */
async function exitAfterInterrupt(up: Up): Promise<number | null> {
  up.child.kill("SIGINT");
  const timer = setTimeout(() => up.child.kill("SIGKILL"), 30_000);
  const code = await up.exited;
  clearTimeout(timer);
  return code;
}

function field(text: string, pattern: RegExp): string {
  const match = pattern.exec(text);
  if (!match?.[1]) throw new Error(`no ${pattern} in:\n${text}`);
  return match[1];
}

describe("moor up", () => {
  after(async () => {
    await moor(["sandbox", "delete", "mooring", "--ignore-not-found"]);
  });

  it("runs a cluster, Mooring and a demo app; a pushed change goes live; Ctrl-C stops cleanly", async () => {
    const first = startUp();
    try {
      await eventually(
        "moor up to be running",
        async () => (first.stdout().includes("Mooring is running.") ? true : undefined),
        180_000,
      );
      process.stderr.write("up-test: running\n");
      const api = field(first.stdout(), /API: +(http:\/\/\S+)\/api\/v1/);
      const password = field(first.stdout(), /Login: +admin \/ (\S+)/);
      const login = await fetch(`${api}/api/v1/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "admin", password, session: "token" }),
      });
      assert.equal(login.status, 200, await login.clone().text());
      const kubeconfig = field(first.stdout(), /export KUBECONFIG=(\S+)/);
      const workdir = field(first.stdout(), /working copy: ([^)]+)\)/);
      await eventually("the demo to be deployed", async () => {
        const res = await kubectl(
          ["get", "deployment", "web", "-n", "demo", "-o", "jsonpath={.status.availableReplicas}"],
          { kubeconfig },
        );
        return res.stdout === "2" ? true : undefined;
      });

      process.stderr.write("up-test: demo deployed\n");
      // The everyday loop, with the real git CLI over HTTP.
      await runCommand("sed", ["-i", "s/replicas: 2/replicas: 3/", "apps/web/deployment.yaml"], {
        cwd: workdir,
      });
      const commit = await runCommand(
        "git",
        ["-c", "user.name=Dev", "-c", "user.email=dev@example.com", "commit", "-qam", "three web replicas"],
        { cwd: workdir, timeoutMs: 30_000 },
      );
      assert.equal(commit.code, 0, commit.stderr);
      process.stderr.write("up-test: committed\n");
      const push = await runCommand("git", ["push", "-q"], {
        cwd: workdir,
        timeoutMs: 30_000,
        env: { ...process.env, GIT_TRACE: "/tmp/gittrace.log", GIT_TRACE_CURL: "/tmp/gittrace.log" },
      });
      assert.equal(push.code, 0, push.stderr);
      await eventually(
        "the pushed change to be live",
        async () => {
          const res = await kubectl(
            ["get", "deployment", "web", "-n", "demo", "-o", "jsonpath={.status.readyReplicas}"],
            { kubeconfig },
          );
          return res.stdout === "3" ? true : undefined;
        },
        30_000,
      );
      const author = await kubectl(
        ["get", "application", "demo", "-n", "mooring", "-o", "jsonpath={.status.commit.author}"],
        { kubeconfig },
      );
      assert.equal(author.stdout, "Dev <dev@example.com>");
    } catch (err) {
      throw new Error(
        `${(err as Error).message}\n--- moor up stdout:\n${first.stdout()}\n--- stderr:\n${first.stderr()}`,
      );
    } finally {
      assert.equal(await exitAfterInterrupt(first), 0, `moor up exits 0 on Ctrl-C:\n${first.stderr()}`);
    }

    const second = startUp();
    try {
      await eventually(
        "the second moor up to be running",
        async () => (second.stdout().includes("Mooring is running.") ? true : undefined),
        60_000,
      );
      assert.match(second.stderr(), /sandbox mooring is running \(reused\)/);
      assert.match(second.stdout(), /Login: +admin \(password in Secret mooring\/mooring-initial-admin/);
    } finally {
      assert.equal(await exitAfterInterrupt(second), 0, `moor up exits 0 on Ctrl-C:\n${second.stderr()}`);
    }
  });
});
