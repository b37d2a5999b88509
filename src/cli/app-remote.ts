// `moor app ...` and `moor stack ...` through a Mooring API server instead of the cluster. Which
// way a command goes:
// - `--server URL`: through that server, with the login `moor login URL` saved for it;
// - no `--server`, and neither `--kubeconfig`, `--context` nor $KUBECONFIG given: through the
//   current login, when there is one (`moor login` makes one current);
// - otherwise: straight to the cluster with the kubeconfig, as before there was a server.
// Through the server, the action runs as the logged-in user (or token), under that user's roles in
// the target's project, and the controller records that name as who asked. The output is the same
// either way: the server answers with the message the CLI prints, and -o json|yaml prints the
// object the server returns.
import { APPLICATION_API_VERSION, type Application, CONTROLLER_NAMESPACE } from "../core/application.ts";
import type { Stack } from "../core/stack/spec.ts";
import type { ActionAccepted } from "../server/routes/app-actions.ts";
import { ApiClientError, apiRequest, type Login, loadLogin, requireLogin } from "./api-client.ts";
import type { AppWithOperation } from "./app-client.ts";
import { type Options, stringValue, type Values } from "./command.ts";

export const serverOption: Options = { server: { type: "string" } };
export const SERVER_FLAG = "[--server URL]";

/** The login to act through, or undefined to talk to the cluster directly (see the header). */
export function remoteLogin(values: Values, env: NodeJS.ProcessEnv = process.env): Login | undefined {
  const server = stringValue(values, "server");
  if (server !== undefined) return requireLogin(server, env);
  if (values.kubeconfig !== undefined || values.context !== undefined || env.KUBECONFIG) return undefined;
  return loadLogin(undefined, env);
}

/** The namespace of the target: -n, else the controller namespace, as with a kubeconfig. */
export function remoteNamespace(values: Values): string {
  return stringValue(values, "namespace") ?? CONTROLLER_NAMESPACE;
}

function segment(text: string): string {
  return encodeURIComponent(text);
}

/** POST /{applications|stacks}/{namespace}/{name}/{action}; answers what the server accepted. */
export function remoteAction(
  login: Login,
  resource: "applications" | "stacks",
  namespace: string,
  name: string,
  action: string,
  body: Record<string, unknown> = {},
): Promise<ActionAccepted> {
  return apiRequest<ActionAccepted>(
    login,
    "POST",
    `/${resource}/${segment(namespace)}/${segment(name)}/${action}`,
    body,
  );
}

/** DELETE /{applications|stacks}/{namespace}/{name}[?query]. */
export function remoteDelete(
  login: Login,
  resource: "applications" | "stacks",
  namespace: string,
  name: string,
  query = "",
): Promise<ActionAccepted> {
  return apiRequest<ActionAccepted>(
    login,
    "DELETE",
    `/${resource}/${segment(namespace)}/${segment(name)}${query}`,
  );
}

/** The Application as the server holds it, or null once it is gone. */
export async function remoteApp(
  login: Login,
  namespace: string,
  name: string,
): Promise<AppWithOperation | null> {
  try {
    const answer = await apiRequest<{ application: AppWithOperation }>(
      login,
      "GET",
      `/applications/${segment(namespace)}/${segment(name)}`,
    );
    return answer.application;
  } catch (err) {
    if (err instanceof ApiClientError && err.status === 404) return null;
    throw err;
  }
}

/** The Stack as the server holds it, or null once it is gone. */
export async function remoteStack(login: Login, namespace: string, name: string): Promise<Stack | null> {
  try {
    const answer = await apiRequest<{ stack: Stack }>(
      login,
      "GET",
      `/stacks/${segment(namespace)}/${segment(name)}`,
    );
    return answer.stack;
  } catch (err) {
    if (err instanceof ApiClientError && err.status === 404) return null;
    throw err;
  }
}

/** One row of `GET /applications`, as the server lists an Application. */
export interface AppRow {
  namespace: string;
  name: string;
  project: string;
  source: { repoURL: string; path: string; targetRevision: string };
  sync: string;
  health: string;
  revision?: string;
  createdAt?: string;
}

/** Every row the server lists for these filters, page after page. */
export async function remoteAppRows(
  login: Login,
  filters: { namespace?: string; project?: string },
): Promise<AppRow[]> {
  const rows: AppRow[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ limit: "500", ...filters, ...(cursor ? { cursor } : {}) });
    const page = await apiRequest<{ items: AppRow[]; next?: string }>(login, "GET", `/applications?${query}`);
    rows.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return rows;
}

/** A row shaped as the Application the list table reads (name, source, sync, health, age). */
export function rowAsApplication(row: AppRow): Application {
  return {
    apiVersion: APPLICATION_API_VERSION,
    kind: "Application",
    metadata: {
      name: row.name,
      namespace: row.namespace,
      ...(row.createdAt ? { creationTimestamp: row.createdAt } : {}),
    },
    spec: { project: row.project, source: row.source, destination: {} },
    status: {
      sync: { status: row.sync, ...(row.revision ? { revision: row.revision } : {}) },
      health: { status: row.health },
    },
  } as Application;
}
