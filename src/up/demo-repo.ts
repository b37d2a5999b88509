// The demo Git repository `moor up` serves: a bare repository under Mooring's home, served over
// smart HTTP by `git http-backend` on 127.0.0.1, and a working copy whose `origin` is that HTTP
// URL — so changing the demo is the everyday loop: edit, commit, `git push`, watch it sync.

import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { serveGitRequest } from "../git/http-backend.ts";
import { runChecked } from "../util/exec.ts";
import { DEMO_FILES } from "./demo-manifests.ts";

export interface DemoRepo {
  /** HTTP URL of the repository, as the Application and `git clone` use it. */
  url: string;
  /** The working copy to edit and push from. */
  workdir: string;
  close(): Promise<void>;
}

const AUTHOR = ["-c", "user.name=Mooring Demo", "-c", "user.email=demo@mooring.dev"];

function git(args: string[], cwd?: string) {
  return runChecked("git", [...AUTHOR, ...args], {
    ...(cwd ? { cwd } : {}),
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" },
  });
}

/** Starts serving the demo repository, creating it (with its first commit) on the first run. */
export async function startDemoRepo(home: string, port: number): Promise<DemoRepo> {
  const root = join(home, "up", "repos");
  const bare = join(root, "demo.git");
  const workdir = join(home, "up", "demo");
  if (!existsSync(bare)) {
    await mkdir(root, { recursive: true });
    await git(["init", "--quiet", "--bare", "--initial-branch=main", bare]);
    // Anonymous pushes over HTTP are allowed: the server listens on loopback only.
    await git(["--git-dir", bare, "config", "http.receivepack", "true"]);
  }
  const children = new Set<ChildProcess>();
  const server = createServer((req, res) => serveGitRequest(req, res, { root, user: "demo", children }));
  const actualPort = await listen(server, port);
  const url = `http://127.0.0.1:${actualPort}/demo.git`;
  if (!existsSync(join(workdir, ".git"))) {
    await mkdir(workdir, { recursive: true });
    await git(["init", "--quiet", "--initial-branch=main"], workdir);
    for (const [file, text] of Object.entries(DEMO_FILES)) {
      await mkdir(join(workdir, file, ".."), { recursive: true });
      await writeFile(join(workdir, file), text);
    }
    await git(["add", "--all"], workdir);
    await git(["commit", "--quiet", "-m", "Demo app: web server, its Service and settings"], workdir);
    await git(["remote", "add", "origin", url], workdir);
    await git(["push", "--quiet", "--set-upstream", "origin", "main"], workdir);
  } else {
    // The port may differ from the last run.
    await git(["remote", "set-url", "origin", url], workdir);
  }
  return {
    url,
    workdir,
    close: async () => {
      for (const child of children) child.kill("SIGKILL");
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Listens on the port, or on a free one when it is taken. */
function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE" && port !== 0) {
        server.listen(0, "127.0.0.1");
        return;
      }
      reject(err);
    };
    server.on("error", onError);
    server.on("listening", () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
    server.listen(port, "127.0.0.1");
  });
}
