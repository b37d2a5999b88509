// The controller's /inspect/v1 endpoints over HTTP (core/inspect/protocol.ts), beside /metrics.
// Only the API server may ask: every request carries the bearer token kept in the Secret
// `mooring-controller-inspect` of the controller namespace (a random 32 bytes), compared in
// constant time. Whichever of controller and server starts first creates the Secret; in a cluster
// the controller's Role may only read Secrets (create cannot be narrowed to one name), so there the
// server makes it and the controller reads it again, at most every few seconds, while requests
// carry a token it does not know. Inspections answer GET only, each within 30 s; the preview
// endpoints under /inspect/v1/previews (src/preview/http.ts) take POSTs too.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  INSPECT_ERRORS,
  INSPECT_PREFIX,
  INSPECT_TIMEOUT_MS,
  INSPECT_TOKEN_KEY,
  INSPECT_TOKEN_SECRET,
  type InspectErrorCode,
} from "../core/inspect/protocol.ts";
import { KubeApiError, type KubeClient } from "../kube/client.ts";
import { isPreviewPath, type PreviewEndpoints, servePreviews } from "../preview/http.ts";
import type { Logger } from "../util/log.ts";
import { type AppInspector, InspectError } from "./inspect.ts";

/** The token as its Secret holds it now; undefined when there is none. */
export async function readInspectToken(client: KubeClient, namespace: string): Promise<string | undefined> {
  const secret = await client.get("v1", "Secret", namespace, INSPECT_TOKEN_SECRET);
  const encoded = (secret?.data as Record<string, string> | undefined)?.[INSPECT_TOKEN_KEY];
  return encoded ? Buffer.from(encoded, "base64").toString("utf8") : undefined;
}

/**
 * The inspect token: read from its Secret, or created when there is none. Two starting at once
 * both try; the loser of the create reads the winner's. Undefined when this identity may not
 * create it (in a cluster): the server creates it, and requests read it again then.
 */
export async function ensureInspectToken(
  client: KubeClient,
  namespace: string,
  log: Logger,
): Promise<string | undefined> {
  try {
    const existing = await readInspectToken(client, namespace);
    if (existing) return existing;
    const token = randomBytes(32).toString("hex");
    await client.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: INSPECT_TOKEN_SECRET,
        namespace,
        labels: { "app.kubernetes.io/part-of": "mooring", "app.kubernetes.io/component": "controller" },
      },
      type: "Opaque",
      data: { [INSPECT_TOKEN_KEY]: Buffer.from(token).toString("base64") },
    });
    return token;
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 409) return readInspectToken(client, namespace);
    log.info("inspect token: not created here; reading it once the API server has made it", {
      secret: `${namespace}/${INSPECT_TOKEN_SECRET}`,
      error: String(err),
    });
    return undefined;
  }
}

function sameToken(given: string, expected: string): boolean {
  // Hashing first makes both sides the same length, as timingSafeEqual needs.
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" });
  res.end(JSON.stringify(body));
}

function refuse(res: ServerResponse, code: InspectErrorCode, message: string): void {
  answer(res, INSPECT_ERRORS[code], { error: { code, message } });
}

const PATH = /^\/inspect\/v1\/applications\/([^/]+)\/([^/]+)\/(tree|object|preview)$/;

export interface InspectHttpOptions {
  /** The token requests must carry; undefined refuses every request. */
  token: () => string | undefined;
  /** Reads the token again (rate-limited by the caller) when a request carries an unknown one. */
  reloadToken: () => Promise<void>;
  /** The inspector of this leadership term; null on a standby. */
  inspector: () => AppInspector | null;
  /** The preview service of this leadership term; null on a standby or with previews off. */
  previews?: () => PreviewEndpoints | null;
  log: Logger;
  /** Default INSPECT_TIMEOUT_MS. */
  timeoutMs?: number;
}

/** Answers a request under /inspect/v1; returns false for any other path. */
export function serveInspect(
  req: IncomingMessage,
  res: ServerResponse,
  options: InspectHttpOptions,
): boolean {
  const url = new URL(req.url ?? "/", "http://controller");
  if (!url.pathname.startsWith(`${INSPECT_PREFIX}/`)) return false;
  const header = req.headers.authorization ?? "";
  const given = header.startsWith("Bearer ") ? header.slice("Bearer ".length) : "";
  const known = () => {
    const expected = options.token();
    return Boolean(expected && given && sameToken(given, expected));
  };
  const decide = () => {
    if (known()) {
      serveAuthorised(req, res, url, options);
      return;
    }
    res.setHeader("WWW-Authenticate", "Bearer");
    refuse(res, "unauthorized", `inspect requests need the bearer token of Secret ${INSPECT_TOKEN_SECRET}`);
  };
  if (known() || !given) decide();
  else
    options
      .reloadToken()
      .catch(() => {})
      .then(decide);
  return true;
}

function serveAuthorised(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  options: InspectHttpOptions,
): void {
  if (isPreviewPath(url.pathname)) {
    const previews = options.previews?.() ?? null;
    if (!previews) {
      refuse(res, "not-leader", "this controller replica is a standby; the leader answers preview requests");
      return;
    }
    const reply = {
      answer: (status: number, body: unknown) => answer(res, status, body),
      refuse: (code: InspectErrorCode, message: string) => refuse(res, code, message),
    };
    servePreviews(req, url, previews, reply, options.log, res).catch((err: unknown) => {
      options.log.warn("preview request failed", { path: url.pathname, error: String(err) });
      if (!res.headersSent)
        refuse(res, "inspect-failed", `preview request failed: ${(err as Error).message}`);
    });
    return;
  }
  if (req.method !== "GET") {
    refuse(res, "bad-request", "inspect endpoints answer GET only");
    return;
  }
  const match = PATH.exec(url.pathname);
  if (!match) {
    refuse(res, "not-found", `no inspect endpoint at ${url.pathname}`);
    return;
  }
  const inspector = options.inspector();
  if (!inspector) {
    refuse(res, "not-leader", "this controller replica is a standby; the leader answers inspect requests");
    return;
  }
  const [, ns = "", name = "", what] = match.map((part) => decodeURIComponent(part));
  const q = url.searchParams;
  const work =
    what === "tree"
      ? inspector.tree(ns, name)
      : what === "object"
        ? inspector.object(ns, name, {
            group: q.get("group") ?? "",
            kind: q.get("kind") ?? "",
            namespace: q.get("namespace") ?? "",
            name: q.get("name") ?? "",
          })
        : inspector.preview(ns, name, q.get("revision") ?? undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeoutMs = options.timeoutMs ?? INSPECT_TIMEOUT_MS;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new InspectError(
            "timeout",
            `inspecting ${ns}/${name} took longer than ${timeoutMs / 1000} s; retry`,
          ),
        ),
      timeoutMs,
    );
  });
  Promise.race([work, deadline])
    .then((body) => answer(res, 200, body))
    .catch((err: unknown) => {
      if (err instanceof InspectError) return refuse(res, err.code, err.message);
      options.log.warn("inspect request failed", { path: url.pathname, error: String(err) });
      refuse(res, "inspect-failed", `inspecting ${ns}/${name} failed: ${(err as Error).message}`);
    })
    .finally(() => clearTimeout(timer));
  // A late result of abandoned work must not surface as an unhandled rejection.
  work.catch(() => {});
}
