// The API server's door to the controller's inspect endpoints (core/inspect/protocol.ts). The
// server never reads workloads, Pods or Secrets of applications itself; it asks the controller,
// which reads with the app's own identity. The bearer token lives in Secret
// `mooring-controller-inspect` of the controller namespace: whichever of server and controller
// starts first creates it (the server may create Secrets there; in a cluster the controller may
// only read them), and it is re-read once when the controller refuses it (rotated).
import { randomBytes } from "node:crypto";
import { INSPECT_TIMEOUT_MS, INSPECT_TOKEN_KEY, INSPECT_TOKEN_SECRET } from "../core/inspect/protocol.ts";
import type { KubeClient } from "../kube/client.ts";
import { ApiError } from "./errors.ts";
import { ensureSecret } from "./sessions.ts";

export interface InspectClientOptions {
  /** The controller's HTTP root, e.g. http://mooring-controller.mooring.svc:8080. */
  url: string;
  kube: KubeClient;
  namespace: string;
  /** Default INSPECT_TIMEOUT_MS. */
  timeoutMs?: number;
}

/** The controller could not be asked: down, unreachable, no token yet, or too slow. */
export class ControllerUnreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ControllerUnreachable";
  }
}

export class InspectClient {
  private readonly options: InspectClientOptions;
  private token: string | undefined;

  constructor(options: InspectClientOptions) {
    this.options = options;
  }

  get url(): string {
    return this.options.url;
  }

  /**
   * GETs `path` (with its query) from the controller. Its 400 and 404 become the same ApiError
   * codes, its other refusals an `inspect-failed` carrying its message; a controller that does
   * not answer throws ControllerUnreachable.
   */
  async get<T>(path: string, query: Record<string, string> = {}): Promise<T> {
    const q = new URLSearchParams(query);
    return this.request<T>("GET", `${path}${q.size > 0 ? `?${q}` : ""}`);
  }

  /**
   * POSTs `body` as JSON to `path`, answering as `get` does. `timeoutMs` overrides the client's
   * timeout for work that takes longer than a read (a preview renders and plans).
   */
  async post<T>(path: string, body: unknown, timeoutMs?: number): Promise<T> {
    return this.request<T>("POST", path, JSON.stringify(body), timeoutMs);
  }

  private async request<T>(method: string, path: string, body?: string, timeoutMs?: number): Promise<T> {
    const url = `${this.options.url.replace(/\/$/, "")}${path}`;
    const call = async (fresh: boolean) =>
      this.fetch(url, await this.currentToken(fresh), { method, body, timeoutMs });
    let res = await call(false);
    if (res.status === 401) res = await call(true);
    const answer = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    if (res.ok) return answer as T;
    const message = answer.error?.message ?? `the controller answered ${res.status}`;
    if (res.status === 404) throw new ApiError("not-found", message);
    if (res.status === 400) throw new ApiError("bad-request", message);
    if (res.status === 401 || res.status === 503 || res.status === 504)
      throw new ControllerUnreachable(`the controller at ${this.options.url} refused: ${message}`);
    throw new ApiError("inspect-failed", message);
  }

  private async fetch(
    url: string,
    token: string,
    init: { method: string; body: string | undefined; timeoutMs: number | undefined },
  ): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: "application/json" };
    if (init.body !== undefined) headers["content-type"] = "application/json";
    try {
      return await fetch(url, {
        method: init.method,
        headers,
        ...(init.body === undefined ? {} : { body: init.body }),
        signal: AbortSignal.timeout(init.timeoutMs ?? this.options.timeoutMs ?? INSPECT_TIMEOUT_MS),
      });
    } catch (err) {
      const cause = (err as Error).name === "TimeoutError" ? "did not answer in time" : "is not reachable";
      throw new ControllerUnreachable(`the controller at ${this.options.url} ${cause}`);
    }
  }

  private async currentToken(fresh: boolean): Promise<string> {
    if (this.token && !fresh) return this.token;
    const { kube, namespace } = this.options;
    const secret = await ensureSecret(kube, namespace, INSPECT_TOKEN_SECRET, () => ({
      [INSPECT_TOKEN_KEY]: Buffer.from(randomBytes(32).toString("hex")).toString("base64"),
    })).catch(() => null);
    const data = (secret?.data ?? {}) as Record<string, string>;
    const encoded = data[INSPECT_TOKEN_KEY];
    if (!encoded)
      throw new ControllerUnreachable(
        `cannot read or create the inspect token, Secret ${namespace}/${INSPECT_TOKEN_SECRET}`,
      );
    this.token = Buffer.from(encoded, "base64").toString("utf8");
    return this.token;
  }
}
