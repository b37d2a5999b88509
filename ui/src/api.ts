// The UI's only door to the server: the public API under /api/v1, exactly as a script would use
// it. The browser holds its session in an HttpOnly cookie it cannot read; unsafe requests (POST,
// PUT, PATCH, DELETE) carry the session's CSRF token in X-CSRF-Token, which the server hands out
// at login and in GET /session. A refusal becomes an ApiRequestError with the server's stable code
// (`unauthenticated`, `forbidden`, `too-many-requests`...) and its message, so a page can branch
// on the code and show the message as the server wrote it.

export const API_ROOT = "/api/v1";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export class ApiRequestError extends Error {
  readonly status: number;
  readonly code: string;
  readonly retryable: boolean;

  constructor(status: number, code: string, message: string, retryable: boolean) {
    super(message);
    this.name = "ApiRequestError";
    this.status = status;
    this.code = code;
    this.retryable = retryable;
  }
}

let csrfToken: string | undefined;

/** Remembers the CSRF token for the current session (from a login or GET /session). */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const method = (init.method ?? "GET").toUpperCase();
  const headers: Record<string, string> = { accept: "application/json" };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  if (UNSAFE.has(method) && csrfToken !== undefined) headers["x-csrf-token"] = csrfToken;
  const res = await fetch(`${API_ROOT}${path}`, {
    method,
    headers,
    credentials: "same-origin",
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    ...(init.signal === undefined ? {} : { signal: init.signal }),
  });
  const text = await res.text();
  const body: unknown = text === "" ? null : safeJson(text);
  if (!res.ok) {
    const error = (body as { error?: { code?: string; message?: string; retryable?: boolean } } | null)
      ?.error;
    throw new ApiRequestError(
      res.status,
      error?.code ?? "http-error",
      error?.message ?? `the server answered ${res.status} ${res.statusText}`,
      error?.retryable ?? false,
    );
  }
  return body as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

// The shapes the UI reads, as the server's OpenAPI document describes them.

export interface WhoAmI {
  username: string;
  kind: "user" | "sso" | "token";
  groups: string[];
  globalAdmin: boolean;
  projects: { project: string; roles: string[]; verbs: string[] }[];
  csrfToken?: string;
  expiresAt?: string;
}

/** Where an Application's manifests come from: a Git folder, a chart, or a ref lending values files. */
export interface SourceRow {
  repoURL: string;
  path: string;
  targetRevision: string;
  chart?: string;
  ref?: string;
}

export interface AppRow {
  namespace: string;
  name: string;
  project: string;
  labels: Record<string, string>;
  /** The first source that renders objects. */
  source: SourceRow;
  /** Every source in spec order (one for a single-source app). */
  sources?: SourceRow[];
  destination: { cluster: string; namespace: string };
  sync: string;
  health: string;
  revision?: string;
  /** A multi-source app's revision of each source, in spec order. */
  revisions?: string[];
  operation?: string;
  lastSyncedAt?: string;
  reconciledAt?: string;
  autoSync: boolean;
  suspended: boolean;
  createdAt?: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  next?: string;
}

export const getSession = () => api<WhoAmI>("/session");
export const logIn = (username: string, password: string) =>
  api<WhoAmI>("/session", { method: "POST", body: { username, password, session: "cookie" } });
export const logOut = () => api<unknown>("/session", { method: "DELETE" });
/** Where the browser goes to log in with single sign-on (a full-page navigation, not a fetch). */
export const SSO_LOGIN_URL = `${API_ROOT}/auth/oidc/login`;
