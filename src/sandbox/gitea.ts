// A private Gitea for tests and local trials: the real forge, built by the toolchain, started on a
// free loopback port with everything in one folder. It gives webhook and preview tests what a
// user's forge gives them: repositories pushed to over HTTP, webhooks signed with a secret and
// delivered by Gitea itself, and a record of every delivery.
//
// The admin account is made with Gitea's own CLI (`admin user create --random-password`, then
// `admin user generate-access-token`), so no secret ever appears in a command line: Gitea prints
// the password and the token, and git receives the token through its environment (src/git).
//
// Gitea 1.27 has no API for a webhook's delivery history (the web UI reads its hook_task table);
// `hookDeliveries` reads that table from the instance's SQLite database, read-only.
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { setTimeout as sleep } from "node:timers/promises";
import { withRemoteAccess } from "../git/access.ts";
import { scrubSecrets } from "../git/credentials.ts";
import { parseRepoURL } from "../git/url.ts";
import { findTool } from "../toolchain/catalog.ts";
import { installedTool } from "../toolchain/install.ts";
import { toolAsset } from "../toolchain/paths.ts";
import { runCommand } from "../util/exec.ts";
import { mooringHome } from "../util/home.ts";
import { giteaPaths, renderGiteaIni } from "./gitea-ini.ts";
import { freePort } from "./ports.ts";
import { isRunning, type RunningProcess, stopProcess } from "./processes.ts";

export const GITEA_ERROR_CODES = [
  "invalid-name",
  "exists",
  "not-found",
  "not-installed",
  "start-failed",
  "cli-failed",
  "api-failed",
  "push-failed",
] as const;
export type GiteaErrorCode = (typeof GITEA_ERROR_CODES)[number];

export class GiteaError extends Error {
  readonly code: GiteaErrorCode;
  constructor(code: GiteaErrorCode, message: string) {
    super(message);
    this.name = "GiteaError";
    this.code = code;
  }
}

export interface GiteaStartOptions {
  /** Instance folder; default: a new temporary folder, removed by stop(). */
  dir?: string;
  /** Loopback port; default: a free one. */
  port?: number;
  /** Admin user name; default `mooring-admin`. */
  adminUser?: string;
  /** How long to wait for /api/healthz; default 60 s (a loaded 2-core machine). */
  readyTimeoutMs?: number;
  /** Environment giving the toolchain's location; default: this process's. */
  env?: NodeJS.ProcessEnv;
}

export interface HookDelivery {
  /** The delivery id Gitea sends as X-Gitea-Delivery. */
  uuid: string;
  event: string;
  delivered: boolean;
  /** The receiver's HTTP status; 0 when the request failed or has not been sent. */
  status: number;
  /** The request as sent: headers (with the signatures) and the raw body. */
  request: { url: string; headers: Record<string, string>; body: string } | null;
  /** The receiver's answer body (Gitea keeps up to 1 MiB). */
  responseBody: string;
}

export interface Gitea {
  /** Base URL, with a trailing slash: http://127.0.0.1:PORT/ */
  url: string;
  adminUser: string;
  adminPassword: string;
  /** An access token of the admin with every scope. */
  adminToken: string;
  dir: string;
  pid: number;
  client: GiteaClient;
  /** Deliveries of one webhook, newest first. */
  hookDeliveries(hookId: number): HookDelivery[];
  /** Stops Gitea; a temporary instance folder is removed too. */
  stop(): Promise<void>;
}

export const DEFAULT_GITEA_ADMIN = "mooring-admin";

/** The Gitea binary and its static folder from the toolchain; fails when it is not built. */
export async function giteaInstallation(env: NodeJS.ProcessEnv = process.env) {
  const tool = findTool("gitea");
  const installed = await installedTool(tool, env);
  const binary = installed?.binaries.gitea;
  if (!binary) {
    throw new GiteaError(
      "not-installed",
      `gitea ${tool.version} is not in the toolchain; build it with: moor toolchain install --only gitea`,
    );
  }
  return { binary, staticRoot: toolAsset(tool, "gitea", env), version: tool.version };
}

/** Starts a Gitea, waits until it is healthy, and creates the admin user and its token. */
export async function startGitea(options: GiteaStartOptions = {}): Promise<Gitea> {
  const env = options.env ?? process.env;
  const { binary, staticRoot } = await giteaInstallation(env);
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "moor-gitea-")));
  const paths = giteaPaths(dir);
  const port = options.port ?? (await freePort());
  const runUser = userInfo().username;
  await mkdir(join(dir, "custom", "conf"), { recursive: true });
  await mkdir(paths.data, { recursive: true });
  await writeFile(paths.ini, renderGiteaIni({ dir, port, staticRoot, runUser }), { mode: 0o600 });
  const url = `http://127.0.0.1:${port}/`;
  const proc = startGiteaProcess(
    binary,
    ["web", "--config", paths.ini],
    giteaEnv(env, dir, runUser),
    paths.log,
  );
  const stop = async () => {
    await stopProcess(proc);
    if (ownsDir) await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitHealthy(url, options.readyTimeoutMs ?? 60_000, paths.log);
    const cli = (args: string[]) => giteaCli(binary, paths.ini, dir, runUser, env, args);
    const adminUser = options.adminUser ?? DEFAULT_GITEA_ADMIN;
    const created = await cli([
      "admin",
      "user",
      "create",
      "--username",
      adminUser,
      "--email",
      `${adminUser}@example.test`,
      "--admin",
      "--random-password",
      "--random-password-length",
      "24",
      "--must-change-password=false",
    ]);
    const adminPassword = /generated random password is '([^']+)'/.exec(created)?.[1];
    if (!adminPassword) throw new GiteaError("cli-failed", "gitea admin user create printed no password");
    const adminToken = (
      await cli([
        "admin",
        "user",
        "generate-access-token",
        "--username",
        adminUser,
        "--token-name",
        "mooring",
        "--scopes",
        "all",
        "--raw",
      ])
    ).trim();
    if (!/^[0-9a-f]{40}$/.test(adminToken))
      throw new GiteaError("cli-failed", "gitea admin user generate-access-token printed no token");
    return {
      url,
      adminUser,
      adminPassword,
      adminToken,
      dir,
      pid: proc.pid,
      client: new GiteaClient(url, adminUser, adminToken),
      hookDeliveries: (hookId) => readHookDeliveries(paths.database, hookId),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A clean environment: nothing of ours (tokens, GIT_* settings) leaks into Gitea. */
function giteaEnv(env: NodeJS.ProcessEnv, dir: string, runUser: string): NodeJS.ProcessEnv {
  return { PATH: env.PATH ?? "/usr/bin:/bin", HOME: dir, USER: runUser, GITEA_WORK_DIR: dir };
}

/** Started detached in its own process group, so it outlives a `moor` command and stops as a group. */
function startGiteaProcess(
  binary: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logPath: string,
): RunningProcess {
  const fd = openSync(logPath, "a");
  try {
    const child = spawn(binary, args, { detached: true, stdio: ["ignore", fd, fd], env });
    if (child.pid === undefined) throw new GiteaError("start-failed", `could not start ${binary}`);
    child.unref();
    return { pid: child.pid, file: binary };
  } finally {
    closeSync(fd);
  }
}

async function waitHealthy(url: string, timeoutMs: number, logPath: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const res = await fetch(new URL("api/healthz", url), { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(200);
  }
  throw new GiteaError(
    "start-failed",
    `gitea at ${url} was not healthy after ${timeoutMs / 1000}s (${last}); see its log ${logPath}`,
  );
}

async function giteaCli(
  binary: string,
  ini: string,
  dir: string,
  runUser: string,
  env: NodeJS.ProcessEnv,
  args: string[],
): Promise<string> {
  const res = await runCommand(binary, ["--config", ini, ...args], {
    env: giteaEnv(env, dir, runUser),
    timeoutMs: 60_000,
  });
  if (res.code !== 0) {
    const said = `${res.stderr}\n${res.stdout}`.trim().split("\n").slice(-3).join("\n");
    throw new GiteaError("cli-failed", `gitea ${args.slice(0, 3).join(" ")} failed: ${said}`);
  }
  return res.stdout;
}

interface HookTaskRow {
  uuid: string;
  event_type: string;
  is_delivered: number;
  request_content: string | null;
  response_content: string | null;
}

function readHookDeliveries(database: string, hookId: number): HookDelivery[] {
  const db = new DatabaseSync(database, { readOnly: true });
  try {
    const rows = db
      .prepare(
        "SELECT uuid, event_type, is_delivered, request_content, response_content FROM hook_task WHERE hook_id = ? ORDER BY id DESC",
      )
      .all(hookId) as unknown as HookTaskRow[];
    return rows.map((row) => {
      const request = parseJson(row.request_content) as {
        url?: string;
        headers?: Record<string, string>;
        body?: string;
      } | null;
      const response = parseJson(row.response_content) as { status?: number; body?: string } | null;
      return {
        uuid: row.uuid,
        event: row.event_type,
        delivered: row.is_delivered === 1,
        status: response?.status ?? 0,
        request: request
          ? { url: request.url ?? "", headers: request.headers ?? {}, body: request.body ?? "" }
          : null,
        responseBody: response?.body ?? "",
      };
    });
  } finally {
    db.close();
  }
}

function parseJson(text: string | null): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export interface CreateHookInput {
  /** Where Gitea sends deliveries. */
  url: string;
  secret: string;
  /** Default ["push"]. */
  events?: string[];
  /** Gitea's branch filter glob; default: every branch. */
  branchFilter?: string;
}

export interface CommitInput {
  owner: string;
  repo: string;
  branch: string;
  /** Files to write (null deletes one), relative to the repository root. */
  files: Record<string, string | null>;
  message: string;
  /** When the branch does not exist yet: the branch it starts from; default: an empty history. */
  from?: string;
  /** Called just before `git push` starts (benchmarks time from there). */
  beforePush?: () => void;
}

/**
 * The part of Gitea's REST API (`/api/v1`, token authentication) and git over HTTP that tests and
 * `moor sandbox gitea` use.
 */
export class GiteaClient {
  readonly url: string;
  readonly #user: string;
  readonly #token: string;

  constructor(url: string, user: string, token: string) {
    this.url = url.endsWith("/") ? url : `${url}/`;
    this.#user = user;
    this.#token = token;
  }

  /** The clone URL of a repository (no credentials in it). */
  cloneURL(owner: string, repo: string): string {
    return `${this.url}${owner}/${repo}.git`;
  }

  /** Creates an empty repository owned by the token's user. */
  async createRepo(
    name: string,
    options: { private?: boolean } = {},
  ): Promise<{ owner: string; name: string; cloneURL: string }> {
    const body = await this.#api<{ clone_url: string; owner: { login: string }; name: string }>(
      "POST",
      "user/repos",
      {
        name,
        private: options.private ?? false,
        default_branch: "main",
        auto_init: false,
      },
    );
    return { owner: body.owner.login, name: body.name, cloneURL: body.clone_url };
  }

  /** Creates a webhook of type gitea sending JSON signed with the secret; returns its id. */
  async createHook(owner: string, repo: string, input: CreateHookInput): Promise<number> {
    const body = await this.#api<{ id: number }>("POST", `repos/${enc(owner)}/${enc(repo)}/hooks`, {
      type: "gitea",
      active: true,
      events: input.events ?? ["push"],
      branch_filter: input.branchFilter ?? "*",
      config: { url: input.url, content_type: "json", secret: input.secret },
    });
    return body.id;
  }

  /** Asks Gitea to send a push event for the last commit to the webhook now (its "Test delivery"). */
  async testHook(owner: string, repo: string, hookId: number): Promise<void> {
    await this.#api("POST", `repos/${enc(owner)}/${enc(repo)}/hooks/${hookId}/tests`);
  }

  /**
   * Commits files to a branch with git and pushes it over HTTP, as a developer would; returns the
   * new commit id. The token reaches git in its environment, never in argv or a stored URL.
   */
  async commit(input: CommitInput): Promise<string> {
    const remote = this.cloneURL(input.owner, input.repo);
    const work = await mkdtemp(join(tmpdir(), "moor-gitea-push-"));
    const author = { GIT_AUTHOR_NAME: "Mooring Test", GIT_AUTHOR_EMAIL: "test@example.test" };
    try {
      return await withRemoteAccess(
        parseRepoURL(remote, work),
        { username: this.#user, token: this.#token },
        { env: process.env, timeoutMs: 60_000, tmpDir: work },
        async (access) => {
          const env = {
            ...access.env,
            ...author,
            GIT_COMMITTER_NAME: author.GIT_AUTHOR_NAME,
            GIT_COMMITTER_EMAIL: author.GIT_AUTHOR_EMAIL,
          };
          const git = async (args: string[]) => {
            const res = await runCommand("git", args, { cwd: work, env, timeoutMs: 60_000 });
            if (res.code !== 0) {
              const said = scrubSecrets(`${res.stderr}${res.stdout}`.trim(), access.secrets);
              throw new GiteaError("push-failed", `git ${args[0]} to ${remote} failed: ${said}`);
            }
            return res.stdout.trim();
          };
          await git(["init", "-q", "-b", input.branch]);
          const heads = await git(["ls-remote", "--heads", remote]);
          const has = (branch: string) => heads.split("\n").some((l) => l.endsWith(`\trefs/heads/${branch}`));
          const base = has(input.branch) ? input.branch : input.from;
          if (base !== undefined) {
            await git(["fetch", "-q", remote, `refs/heads/${base}`]);
            await git(["reset", "-q", "--hard", "FETCH_HEAD"]);
          }
          for (const [path, content] of Object.entries(input.files)) {
            const target = join(work, path);
            if (content === null) {
              await rm(target, { force: true });
            } else {
              await mkdir(join(target, ".."), { recursive: true });
              await writeFile(target, content);
            }
          }
          await git(["add", "-A"]);
          await git(["commit", "-q", "--allow-empty", "-m", input.message]);
          input.beforePush?.();
          await git(["push", "-q", remote, `HEAD:refs/heads/${input.branch}`]);
          return git(["rev-parse", "HEAD"]);
        },
      );
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  async #api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const res = await fetch(new URL(`api/v1/${path}`, this.url), {
      method,
      headers: {
        Authorization: `token ${this.#token}`,
        Accept: "application/json",
        ...(payload === undefined ? {} : { "Content-Type": "application/json" }),
      },
      ...(payload === undefined ? {} : { body: payload }),
    });
    const text = await res.text();
    if (!res.ok) {
      throw new GiteaError(
        "api-failed",
        `gitea ${method} /api/v1/${path} answered ${res.status}: ${text.slice(0, 300)}`,
      );
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

// Named forges for `moor sandbox gitea`: each lives in <MOORING_HOME>/forges/<name> and keeps
// running after the command ends, until `moor sandbox gitea delete <name>`. The record written
// beside it names the process (never a secret: the password and token are printed once).

interface ForgeRecord {
  name: string;
  url: string;
  adminUser: string;
  createdAt: string;
  process: RunningProcess;
}

const FORGE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function forgesRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(mooringHome(env), "forges");
}

function forgeDir(name: string, env: NodeJS.ProcessEnv): string {
  if (!FORGE_NAME.test(name)) {
    throw new GiteaError(
      "invalid-name",
      `forge name "${name}" is not valid: use lower-case letters, digits and '-', at most 63 characters`,
    );
  }
  return join(forgesRoot(env), name);
}

async function readForgeRecord(dir: string): Promise<ForgeRecord | null> {
  try {
    return JSON.parse(await readFile(join(dir, "forge.json"), "utf8")) as ForgeRecord;
  } catch {
    return null;
  }
}

/** Starts a named Gitea that outlives this process; refuses a name whose Gitea still runs. */
export async function createNamedGitea(
  name: string,
  options: { port?: number; env?: NodeJS.ProcessEnv; readyTimeoutMs?: number } = {},
): Promise<Gitea> {
  const env = options.env ?? process.env;
  const dir = forgeDir(name, env);
  const existing = await readForgeRecord(dir);
  if (existing && isRunning(existing.process)) {
    throw new GiteaError(
      "exists",
      `forge ${name} already runs at ${existing.url}; delete it first with: moor sandbox gitea delete ${name}`,
    );
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const gitea = await startGitea({
    dir,
    env,
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }),
  });
  const binary = (await giteaInstallation(env)).binary;
  const record: ForgeRecord = {
    name,
    url: gitea.url,
    adminUser: gitea.adminUser,
    createdAt: new Date().toISOString(),
    process: { pid: gitea.pid, file: binary },
  };
  await writeFile(join(dir, "forge.json"), `${JSON.stringify(record, null, 2)}\n`);
  return gitea;
}

/** Stops a named Gitea and removes its folder. */
export async function deleteNamedGitea(name: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const dir = forgeDir(name, env);
  const record = await readForgeRecord(dir);
  if (!record)
    throw new GiteaError("not-found", `forge ${name} does not exist (no ${join(dir, "forge.json")})`);
  await stopProcess(record.process);
  await rm(dir, { recursive: true, force: true });
}
