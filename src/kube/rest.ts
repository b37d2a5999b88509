// A raw Kubernetes REST client: JSON in, JSON out, objects exactly as the server sends them.
// Typed client libraries drop fields they do not know and rewrite timestamps; a GitOps engine must
// compare what the server really holds, so we speak HTTP ourselves and keep the client small.
import { Agent, request } from "node:https";

export interface Credentials {
  /** https://host:port of the apiserver. */
  server: string;
  caPem?: string;
  certPem?: string;
  keyPem?: string;
  token?: string;
}

export interface KubeResponse<T = unknown> {
  status: number;
  body: T;
  /** The raw body, for errors and non-JSON endpoints such as /readyz. */
  text: string;
}

export class KubeRest {
  readonly server: string;
  private readonly agent: Agent;
  private readonly token: string | undefined;

  constructor(creds: Credentials) {
    this.server = creds.server.replace(/\/$/, "");
    this.token = creds.token;
    this.agent = new Agent({
      ca: creds.caPem,
      cert: creds.certPem,
      key: creds.keyPem,
      keepAlive: true,
      maxSockets: 32,
    });
  }

  request<T = unknown>(
    method: string,
    path: string,
    options: { body?: unknown; contentType?: string; timeoutMs?: number } = {},
  ): Promise<KubeResponse<T>> {
    const url = new URL(this.server + path);
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { Accept: "application/json" };
    if (payload !== undefined) headers["Content-Type"] = options.contentType ?? "application/json";
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        { method, agent: this.agent, headers, timeout: options.timeoutMs ?? 30_000 },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            text += chunk;
          });
          res.on("end", () => {
            let body: unknown = text;
            if ((res.headers["content-type"] ?? "").includes("json") && text) {
              try {
                body = JSON.parse(text);
              } catch {
                body = text;
              }
            }
            resolve({ status: res.statusCode ?? 0, body: body as T, text });
          });
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer within the timeout`)));
      req.on("error", reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  get<T = unknown>(path: string): Promise<KubeResponse<T>> {
    return this.request<T>("GET", path);
  }

  close(): void {
    this.agent.destroy();
  }
}
