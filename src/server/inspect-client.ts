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
    const url = `${this.options.url.replace(/\/$/, "")}${path}${q.size > 0 ? `?${q}` : ""}`;
    let res = await this.fetch(url, await this.currentToken(false));
    if (res.status === 401) res = await this.fetch(url, await this.currentToken(true));
    const body = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    if (res.ok) return body as T;
    const message = body.error?.message ?? `the controller answered ${res.status}`;
    if (res.status === 404) throw new ApiError("not-found", message);
    if (res.status === 400) throw new ApiError("bad-request", message);
    if (res.status === 401 || res.status === 503 || res.status === 504)
      throw new ControllerUnreachable(`the controller at ${this.options.url} refused: ${message}`);
    throw new ApiError("inspect-failed", message);
  }

  private async fetch(url: string, token: string): Promise<Response> {
    try {
      return await fetch(url, {
        headers: { authorization: `Bearer ${token}`, accept: "application/json" },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? INSPECT_TIMEOUT_MS),
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
