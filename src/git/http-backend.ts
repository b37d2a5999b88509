// Serving Git repositories over smart HTTP with the real `git http-backend`, a CGI program that
// ships with git: each request runs it once, with the request described in environment variables
// and its body on stdin, and the response (CGI headers, then the body) on stdout. `moor up` serves
// its demo repository this way, and so do the tests' Git servers.
import { type ChildProcess, spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";

export interface GitRequestContext {
  /** Folder holding the bare repositories (`NAME.git`). */
  root: string;
  /** The authenticated user ("" when the server is open), passed to git as REMOTE_USER. */
  user: string;
  /** Running backends, so a server can stop them when it closes. */
  children: Set<ChildProcess>;
}

/** Runs git http-backend for one request (CGI: request in the environment and stdin, response on stdout). */
export function serveGitRequest(req: IncomingMessage, res: ServerResponse, context: GitRequestContext): void {
  const { root, user, children } = context;
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: "1",
    GATEWAY_INTERFACE: "CGI/1.1",
    REQUEST_METHOD: req.method ?? "GET",
    PATH_INFO: url.pathname,
    QUERY_STRING: url.search.slice(1),
    CONTENT_TYPE: req.headers["content-type"] ?? "",
    REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
    REMOTE_USER: user,
  };
  // Without CONTENT_LENGTH (a chunked upload) http-backend reads the body to its end.
  if (req.headers["content-length"] !== undefined) env.CONTENT_LENGTH = req.headers["content-length"];
  // git compresses large request bodies; http-backend inflates them itself.
  if (req.headers["content-encoding"] !== undefined)
    env.HTTP_CONTENT_ENCODING = req.headers["content-encoding"];
  // Protocol v2 is negotiated through this header.
  const protocol = req.headers["git-protocol"];
  if (typeof protocol === "string") env.HTTP_GIT_PROTOCOL = protocol;

  const child = spawn("git", ["http-backend"], { env, stdio: ["pipe", "pipe", "pipe"] });
  children.add(child);
  child.on("close", () => children.delete(child));
  child.on("error", () => {
    if (!res.headersSent) res.writeHead(500).end();
  });
  child.stdin.on("error", () => {});
  child.stderr.resume();
  req.pipe(child.stdin);

  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on("data", (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = headerEnd(head);
    if (end === undefined) return;
    headersDone = true;
    const { status, headers } = parseCgiHeaders(head.subarray(0, end.index).toString("latin1"));
    res.writeHead(status, headers);
    res.write(head.subarray(end.index + end.length));
  });
  child.stdout.on("end", () => {
    if (!headersDone && !res.headersSent) res.writeHead(502);
    res.end();
  });
}

function headerEnd(buffer: Buffer): { index: number; length: number } | undefined {
  const crlf = buffer.indexOf("\r\n\r\n");
  const lf = buffer.indexOf("\n\n");
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return { index: crlf, length: 4 };
  if (lf >= 0) return { index: lf, length: 2 };
  return undefined;
}

function parseCgiHeaders(text: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  return { status, headers };
}
