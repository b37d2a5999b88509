// Real Git servers for tests. Smart HTTP is git's own CGI program, `git http-backend`, run once per
// request behind Node's http module, with basic or bearer authentication in front: exactly what
// a hosting service speaks, so credential handling is tested for real. An ssh server (Debian's
// openssh-server, run unprivileged on a loopback port with its own host key and one deploy key)
// serves the same bare repositories. Content is made with a working clone in a temporary folder
// and pushed to the bare repository, as a developer would.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { type AddressInfo, createConnection } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { serveGitRequest } from "../../src/git/http-backend.ts";
import { runChecked } from "../../src/util/exec.ts";

export type GitServerAuth = { username: string; password: string } | { token: string };

export interface GitServerOptions {
  /** Credentials every request must carry; default: none (anonymous access). */
  auth?: GitServerAuth;
}

export interface GitAuthor {
  name: string;
  email: string;
  /** Author and committer date, e.g. "2024-05-01T10:00:00+02:00"; default: now. */
  date?: string;
}

export interface GitServer {
  /** Smart-HTTP URL of a repository: http://127.0.0.1:PORT/NAME.git */
  url(name: string): string;
  /** Filesystem path of the bare repository (for file:// and path tests). */
  path(name: string): string;
  /** Folder holding the bare repositories. */
  root: string;
  /** Creates a repository whose main branch holds these files; returns the commit sha. */
  createRepo(
    name: string,
    files: Record<string, string>,
    message?: string,
    author?: GitAuthor,
  ): Promise<string>;
  /** Commits changes (null deletes a file) to main and pushes; returns the commit sha. */
  commit(
    name: string,
    changes: Record<string, string | null>,
    message: string,
    author?: GitAuthor,
  ): Promise<string>;
  /** Tags a commit (default: main); with a message the tag is annotated. */
  tag(name: string, tag: string, sha?: string, message?: string): Promise<void>;
  /** Points a branch at a commit (default: main). */
  branch(name: string, branch: string, sha?: string): Promise<void>;
  /**
   * Adds (or moves) a submodule at `path` of main: a `.gitmodules` entry with `url` (absolute, or
   * relative such as ../lib.git) and a gitlink to `sha`, as `git submodule add` leaves them;
   * returns the new commit. The submodule's repository need not exist.
   */
  submodule(name: string, path: string, url: string, sha: string): Promise<string>;
  /** Requests served so far, refused ones included. */
  readonly requests: number;
  close(): Promise<void>;
}

const DEFAULT_AUTHOR: GitAuthor = { name: "Mooring Test", email: "test@mooring.dev" };

/** Environment for the harness's own git commands, untouched by the machine's git config. */
function harnessEnv(author: GitAuthor = DEFAULT_AUTHOR): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: author.name,
    GIT_COMMITTER_EMAIL: author.email,
  };
  if (author.date !== undefined) {
    env.GIT_AUTHOR_DATE = author.date;
    env.GIT_COMMITTER_DATE = author.date;
  }
  return env;
}

async function git(args: readonly string[], author?: GitAuthor): Promise<string> {
  const identity = author ?? DEFAULT_AUTHOR;
  const result = await runChecked(
    "git",
    ["-c", `user.name=${identity.name}`, "-c", `user.email=${identity.email}`, ...args],
    { env: harnessEnv(identity) },
  );
  return result.stdout.trim();
}

export async function startGitServer(options: GitServerOptions = {}): Promise<GitServer> {
  const base = await mkdtemp(join(tmpdir(), "mooring-git-server-"));
  const root = join(base, "repos");
  const work = join(base, "work");
  await mkdir(root);
  await mkdir(work);
  const children = new Set<ChildProcess>();
  let requests = 0;

  const server = createServer((req, res) => {
    requests++;
    const user = authenticate(req.headers.authorization, options.auth);
    if (user === undefined) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"', "Content-Type": "text/plain" });
      res.end("authentication required\n");
      return;
    }
    serveGitRequest(req, res, { root, user, children });
  });
  const port = await listen(server);

  const bare = (name: string) => join(root, `${name}.git`);
  const clone = (name: string) => join(work, name);

  const commit = async (
    name: string,
    changes: Record<string, string | null>,
    message: string,
    author?: GitAuthor,
  ): Promise<string> => {
    const dir = clone(name);
    for (const [file, content] of Object.entries(changes)) {
      const target = join(dir, file);
      if (content === null) {
        await rm(target, { force: true });
      } else {
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, content);
      }
    }
    await git(["-C", dir, "add", "--all"], author);
    await git(["-C", dir, "commit", "--quiet", "--allow-empty", "--no-verify", "-m", message], author);
    await git(["-C", dir, "push", "--quiet", "origin", "HEAD:refs/heads/main"], author);
    return git(["-C", dir, "rev-parse", "HEAD"]);
  };

  return {
    url: (name) => `http://127.0.0.1:${port}/${name}.git`,
    path: bare,
    root,
    async createRepo(name, files, message = "initial commit", author) {
      await mkdir(dirname(bare(name)), { recursive: true });
      await git(["init", "--quiet", "--bare", "--initial-branch=main", bare(name)]);
      await git(["init", "--quiet", "--initial-branch=main", clone(name)]);
      await git(["-C", clone(name), "remote", "add", "origin", bare(name)]);
      return commit(name, files, message, author);
    },
    commit,
    async tag(name, tag, sha = "refs/heads/main", message) {
      const annotation = message === undefined ? [] : ["--annotate", "--message", message];
      await git([`--git-dir=${bare(name)}`, "tag", ...annotation, tag, sha]);
    },
    async branch(name, branch, sha = "refs/heads/main") {
      await git([`--git-dir=${bare(name)}`, "branch", "--force", branch, sha]);
    },
    async submodule(name, path, url, sha) {
      const dir = clone(name);
      await git(["-C", dir, "config", "--file", ".gitmodules", `submodule.${path}.path`, path]);
      await git(["-C", dir, "config", "--file", ".gitmodules", `submodule.${path}.url`, url]);
      await git(["-C", dir, "update-index", "--add", "--cacheinfo", `160000,${sha},${path}`]);
      // An empty folder stands for a submodule not checked out; without it `add --all` drops it.
      await mkdir(join(dir, path), { recursive: true });
      return commit(name, {}, `submodule ${path} at ${sha.slice(0, 10)}`);
    },
    get requests() {
      return requests;
    },
    async close() {
      for (const child of children) child.kill("SIGKILL");
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** The user a request is authenticated as ("" when the server is open), or undefined to refuse it. */
function authenticate(header: string | undefined, auth: GitServerAuth | undefined): string | undefined {
  if (auth === undefined) return "";
  if (header === undefined) return undefined;
  const space = header.indexOf(" ");
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if ("token" in auth) return scheme === "bearer" && value === auth.token ? "token" : undefined;
  if (scheme !== "basic") return undefined;
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  return colon >= 0 && username === auth.username && password === auth.password ? username : undefined;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

export interface SshGitServer {
  /** ssh:// URL of a repository in the root given to startSshGitServer. */
  url(name: string): string;
  /** The deploy key the server accepts (OpenSSH private key). */
  privateKey: string;
  /** A known_hosts line for the server's host key. */
  knownHosts: string;
  /** A known_hosts line for the same address with some other key, to test a host key mismatch. */
  wrongKnownHosts: string;
  /** A private key the server does not accept. */
  unauthorisedPrivateKey: string;
  close(): Promise<void>;
}

export const SSHD = "/usr/sbin/sshd";

/**
 * Starts sshd on a free loopback port serving the bare repositories under `root` to the current
 * user with one deploy key. Needs Debian's openssh-server (`apt-get install openssh-server`).
 */
export async function startSshGitServer(root: string): Promise<SshGitServer> {
  const dir = await mkdtemp(join(tmpdir(), "mooring-sshd-"));
  const keygen = (file: string) =>
    runChecked("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "mooring-test", "-f", join(dir, file)]);
  await Promise.all([keygen("host_key"), keygen("deploy_key"), keygen("other_key")]);
  const deployPublic = (await readFile(join(dir, "deploy_key.pub"), "utf8")).trim();
  await writeFile(join(dir, "authorized_keys"), `restrict ${deployPublic}\n`, { mode: 0o600 });
  // As root, sshd insists on its privilege separation folder, which only its service creates.
  if (process.getuid?.() === 0) mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });

  const user = userInfo().username;
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const config = [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${join(dir, "host_key")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      `AllowUsers ${user}`,
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin prohibit-password",
      "UsePAM no",
      "StrictModes no",
      "AcceptEnv GIT_PROTOCOL",
      "LogLevel ERROR",
    ];
    await writeFile(join(dir, "sshd_config"), `${config.join("\n")}\n`);
    const child = spawn(SSHD, ["-D", "-e", "-f", join(dir, "sshd_config")], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let log = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      log += chunk;
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    if (await waitForPort(port, exited)) {
      const hostPublic = (await readFile(join(dir, "host_key.pub"), "utf8"))
        .trim()
        .split(" ")
        .slice(0, 2)
        .join(" ");
      const otherPublic = (await readFile(join(dir, "other_key.pub"), "utf8"))
        .trim()
        .split(" ")
        .slice(0, 2)
        .join(" ");
      return {
        url: (name) => `ssh://${user}@127.0.0.1:${port}${join(root, `${name}.git`)}`,
        privateKey: await readFile(join(dir, "deploy_key"), "utf8"),
        knownHosts: `[127.0.0.1]:${port} ${hostPublic}`,
        wrongKnownHosts: `[127.0.0.1]:${port} ${otherPublic}`,
        unauthorisedPrivateKey: await readFile(join(dir, "other_key"), "utf8"),
        async close() {
          child.kill("SIGTERM");
          await exited;
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    child.kill("SIGKILL");
    await exited;
    if (attempt >= 2) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`sshd did not start:\n${log}`);
    }
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** True once the port accepts connections; false when the process exits first or 10 s pass. */
async function waitForPort(port: number, exited: Promise<void>): Promise<boolean> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + 10_000;
  while (!gone && Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: "127.0.0.1" });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return !gone;
    await sleep(50);
  }
  return false;
}
