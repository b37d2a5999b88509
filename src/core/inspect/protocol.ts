// How the API server asks the controller to inspect an Application (Argo CD's shape: the API server
// holds no cluster-wide read rights; the component that already reads the destinations renders and
// reads for it). The controller serves read-only GETs under /inspect/v1 on its HTTP port; each
// request carries a bearer token the controller keeps in a Secret of its namespace, which the API
// server may read. Errors come back as `{ error: { code, message } }` with these codes.
import type { Tree } from "./tree.ts";

export const INSPECT_PREFIX = "/inspect/v1";
export const INSPECT_TOKEN_SECRET = "mooring-controller-inspect";
export const INSPECT_TOKEN_KEY = "token";
/** Where `moor server` finds the controller in the cluster: the Service of deploy/install/controller.yaml. */
export const DEFAULT_CONTROLLER_URL = "http://mooring-controller.mooring.svc:8080";
/** A render may take seconds; nothing the UI waits for takes longer than this. */
export const INSPECT_TIMEOUT_MS = 30_000;

export const INSPECT_ERRORS = {
  unauthorized: 401,
  "not-found": 404,
  "bad-request": 400,
  /** This replica is a standby: only the leader renders (it holds the caches). */
  "not-leader": 503,
  /** The app cannot be rendered or compared now (bad manifest, project rules, unreachable Git). */
  "inspect-failed": 502,
  timeout: 504,
} as const;
export type InspectErrorCode = keyof typeof INSPECT_ERRORS;

export type InspectTree = Tree;

/** The path of an inspect request for one Application. */
export function inspectPath(namespace: string, name: string, what: "tree" | "object" | "preview"): string {
  return `${INSPECT_PREFIX}/applications/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${what}`;
}
