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
  /** Skip verifying the server's certificate (kubeconfig `insecure-skip-tls-verify`). */
  insecureSkipTlsVerify?: boolean;
}

/**
 * Kubernetes impersonation: the API server authorizes each request as `user` (and `groups`), as
 * long as the real caller may `impersonate` them. For a ServiceAccount user
 * (`system:serviceaccount:NS:NAME`) sent without groups, the server adds the account's own groups
 * (`system:serviceaccounts`, `system:serviceaccounts:NS`, `system:authenticated`) itself.
 */
export interface Impersonation {
  user: string;
  groups?: string[];
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
  /** Who requests are made as, when not the credentials' own user. */
  readonly impersonation: Impersonation | undefined;
  /** Whether this client made the connection pool (and so closes it). */
  private readonly ownsAgent: boolean;

  constructor(creds: Credentials, shared?: { from: KubeRest; impersonation: Impersonation }) {
    this.server = creds.server.replace(/\/$/, "");
    this.token = creds.token;
    this.impersonation = shared?.impersonation;
    this.ownsAgent = !shared;
    this.agent = shared
      ? shared.from.agent
      : new Agent({
          ca: creds.caPem,
          cert: creds.certPem,
          key: creds.keyPem,
          rejectUnauthorized: !creds.insecureSkipTlsVerify,
          keepAlive: true,
          maxSockets: 32,
        });
  }

  /**
   * The same connection pool and credentials, every request made as `impersonation`. Closing the
   * returned client does nothing; closing this one closes both.
   */
  impersonating(impersonation: Impersonation): KubeRest {
    return new KubeRest(
      { server: this.server, ...(this.token ? { token: this.token } : {}) },
      {
        from: this,
        impersonation,
      },
    );
  }

  private authHeaders(headers: Record<string, string | string[]>): void {
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (this.impersonation) {
      headers["Impersonate-User"] = this.impersonation.user;
      if (this.impersonation.groups?.length) headers["Impersonate-Group"] = this.impersonation.groups;
    }
  }

  request<T = unknown>(
    method: string,
    path: string,
    options: { body?: unknown; contentType?: string; accept?: string; timeoutMs?: number } = {},
  ): Promise<KubeResponse<T>> {
    const url = new URL(this.server + path);
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string | string[]> = { Accept: options.accept ?? "application/json" };
    if (payload !== undefined) {
      headers["Content-Type"] = options.contentType ?? "application/json";
      // Without a length Node sends the body chunked; when the server answers early (a 404 on a
      // DELETE) the unread chunks poison the kept-alive connection for the next request.
      headers["Content-Length"] = String(Buffer.byteLength(payload));
    }
    this.authHeaders(headers);
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

  /**
   * Opens a streaming GET (a watch) and calls onLine for every newline-terminated line. Resolves
   * when the server ends the stream or the signal aborts it; rejects on connection errors.
   * A non-200 answer resolves with its status and body so the caller can react (410 Gone...).
   */
  stream(
    path: string,
    onLine: (line: string) => void,
    signal: AbortSignal,
  ): Promise<{ status: number; text: string }> {
    const url = new URL(this.server + path);
    const headers: Record<string, string | string[]> = { Accept: "application/json" };
    this.authHeaders(headers);
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        resolve({ status: 0, text: "" });
        return;
      }
      const req = request(url, { method: "GET", agent: this.agent, headers, signal }, (res) => {
        let buffer = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buffer += chunk;
          if (res.statusCode !== 200) return;
          let newline = buffer.indexOf("\n");
          while (newline >= 0) {
            const line = buffer.slice(0, newline);
            buffer = buffer.slice(newline + 1);
            if (line.trim()) onLine(line);
            newline = buffer.indexOf("\n");
          }
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: buffer }));
        res.on("error", (err) => (signal.aborted ? resolve({ status: 0, text: "" }) : reject(err)));
      });
      req.on("error", (err) => (signal.aborted ? resolve({ status: 0, text: "" }) : reject(err)));
      req.end();
    });
  }

  get<T = unknown>(path: string): Promise<KubeResponse<T>> {
    return this.request<T>("GET", path);
  }

  close(): void {
    if (this.ownsAgent) this.agent.destroy();
  }
}
