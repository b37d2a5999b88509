// How the CLI talks to a Mooring API server (`moor server`) once logged in. `moor login` stores,
// per server, the session token the server issued (or an API token given with --token) in one
// file under the user's config directory, mode 0600, like `gh` keeps hosts.yml and `argocd`
// keeps ~/.config/argocd/config. The most recent login is the current one; commands that take
// `--server` pick another.
//
//   $XDG_CONFIG_HOME/mooring/logins.json  (default ~/.config/mooring/logins.json;
//                                           MOORING_CONFIG_DIR overrides the folder, for tests)
//
// A request sends the token as `Authorization: Bearer`, so the CLI needs no CSRF token (CSRF
// concerns cookies a browser attaches by itself). An error answer `{ error: { code, message } }`
// becomes an ApiClientError carrying the server's stable code. The token is never printed or
// logged; an error message never contains it.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export interface Login {
  /** The server's base URL without /api/v1, e.g. `http://127.0.0.1:8080`. */
  server: string;
  token: string;
  username: string;
}

interface LoginFile {
  current?: string;
  logins: Record<string, { token: string; username: string }>;
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MOORING_CONFIG_DIR) return env.MOORING_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "mooring");
}

export function loginFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), "logins.json");
}

/** `HOST:PORT`, `http://HOST:PORT/`, `https://h/api/v1` all name the same server. */
export function normalizeServer(server: string): string {
  let text = server.trim();
  if (!/^https?:\/\//i.test(text)) text = `https://${text}`;
  const url = new URL(text);
  const path = url.pathname.replace(/\/+$/, "").replace(/\/api\/v1$/, "");
  return `${url.protocol}//${url.host}${path}`;
}

function readLoginFile(env: NodeJS.ProcessEnv): LoginFile {
  let text: string;
  try {
    text = readFileSync(loginFilePath(env), "utf8");
  } catch {
    return { logins: {} };
  }
  try {
    const parsed = JSON.parse(text) as LoginFile;
    if (typeof parsed !== "object" || parsed === null || typeof parsed.logins !== "object") {
      return { logins: {} };
    }
    return parsed;
  } catch {
    throw new Error(`${loginFilePath(env)} is not valid JSON: delete it and run moor login again`);
  }
}

function writeLoginFile(file: LoginFile, env: NodeJS.ProcessEnv): void {
  const path = loginFilePath(env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/** The stored login for `server`, or the current one when no server is named. */
export function loadLogin(server?: string, env: NodeJS.ProcessEnv = process.env): Login | undefined {
  const file = readLoginFile(env);
  const key = server === undefined ? file.current : normalizeServer(server);
  if (key === undefined) return undefined;
  const entry = file.logins[key];
  return entry === undefined ? undefined : { server: key, token: entry.token, username: entry.username };
}

/** Stores a login (mode 0600) and makes it the current one. */
export function saveLogin(login: Login, env: NodeJS.ProcessEnv = process.env): void {
  const file = readLoginFile(env);
  const key = normalizeServer(login.server);
  file.logins[key] = { token: login.token, username: login.username };
  file.current = key;
  writeLoginFile(file, env);
}

/** Forgets the login for a server; returns whether one was stored. */
export function removeLogin(server: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const file = readLoginFile(env);
  const key = normalizeServer(server);
  if (file.logins[key] === undefined) return false;
  delete file.logins[key];
  if (file.current === key) {
    const next = Object.keys(file.logins)[0];
    if (next === undefined) delete file.current;
    else file.current = next;
  }
  writeLoginFile(file, env);
  return true;
}

/** The login a command should use: `--server` if given, else the current one; throws saying what to do. */
export function requireLogin(server?: string, env: NodeJS.ProcessEnv = process.env): Login {
  const login = loadLogin(server, env);
  if (login !== undefined) return login;
  throw new ApiClientError(
    "not-logged-in",
    0,
    server === undefined
      ? "not logged in to any Mooring server: run moor login SERVER"
      : `not logged in to ${normalizeServer(server)}: run moor login ${server}`,
  );
}

/** A refusal from the server (its stable code), or a failure to reach it (`unreachable`). */
export class ApiClientError extends Error {
  readonly code: string;
  /** HTTP status; 0 when no answer came. */
  readonly status: number;
  readonly details: Record<string, unknown>;

  constructor(code: string, status: number, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "ApiClientError";
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

/**
 * Calls the API: `path` is relative to /api/v1 (`/session`, `/applications/ns/name`). Answers the
 * parsed JSON (undefined for 204); throws ApiClientError with the server's code and message.
 */
export async function apiRequest<T>(login: Login, method: string, path: string, body?: unknown): Promise<T> {
  const url = `${login.server}/api/v1${path.startsWith("/") ? path : `/${path}`}`;
  const headers: Record<string, string> = { accept: "application/json" };
  if (login.token !== "") headers.authorization = `Bearer ${login.token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(url, {
      method: method.toUpperCase(),
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      redirect: "manual",
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new ApiClientError(
      "unreachable",
      0,
      `cannot reach ${login.server}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
    );
  }
  const text = await response.text();
  let parsed: unknown;
  if (text !== "") {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (response.ok) return parsed as T;
  const error = (parsed as { error?: Record<string, unknown> } | undefined)?.error;
  if (error !== undefined && typeof error.code === "string") {
    const { code, message, ...details } = error;
    const hint = code === "unauthenticated" ? `; run moor login ${login.server}` : "";
    throw new ApiClientError(code, response.status, `${String(message)}${hint}`, details);
  }
  throw new ApiClientError(
    "http-error",
    response.status,
    `${method.toUpperCase()} ${url} answered ${response.status} ${response.statusText}`,
  );
}
