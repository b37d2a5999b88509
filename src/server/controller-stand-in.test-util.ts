// For route tests: the controller's inspect endpoints on a loopback HTTP listener, answering what a
// test sets per `METHOD path` and keeping every request it was sent. Like the real one it answers
// only the bearer token of Secret mooring-controller-inspect; `kubeWithInspectToken` is the
// cluster side the InspectClient reads that token from.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { INSPECT_TOKEN_KEY, INSPECT_TOKEN_SECRET } from "../core/inspect/protocol.ts";
import type { KubeObject } from "../core/objects.ts";

export const STAND_IN_TOKEN = "inspect-token";

export interface StandInRequest {
  method: string;
  /** Path with its query. */
  url: string;
  body: unknown;
}

export interface StandInAnswer {
  status: number;
  body: unknown;
}

export class ControllerStandIn {
  readonly requests: StandInRequest[] = [];
  /** `METHOD /path` (without the query) → answer; anything else is 404. */
  readonly answers = new Map<string, (request: StandInRequest) => StandInAnswer>();
  private server: Server | undefined;
  url = "";

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      let text = "";
      req.on("data", (chunk) => {
        text += chunk;
      });
      req.on("end", () => {
        const request = {
          method: req.method ?? "",
          url: req.url ?? "",
          body: text ? JSON.parse(text) : undefined,
        };
        let answer: StandInAnswer;
        if (req.headers.authorization !== `Bearer ${STAND_IN_TOKEN}`)
          answer = { status: 401, body: { error: { code: "unauthorized", message: "unknown token" } } };
        else {
          this.requests.push(request);
          const path = request.url.split("?")[0];
          const handler = this.answers.get(`${request.method} ${path}`);
          answer = handler
            ? handler(request)
            : { status: 404, body: { error: { code: "not-found", message: `nothing at ${path}` } } };
        }
        res.writeHead(answer.status, { "content-type": "application/json" });
        res.end(JSON.stringify(answer.body));
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** The Secret the InspectClient reads its bearer token from, holding the stand-in's token. */
export function inspectTokenSecret(namespace: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: INSPECT_TOKEN_SECRET, namespace },
    data: { [INSPECT_TOKEN_KEY]: Buffer.from(STAND_IN_TOKEN).toString("base64") },
  };
}
