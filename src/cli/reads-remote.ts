// The reads of `moor app` and `moor stack` through a Mooring API server (see ./app-remote.ts for
// when a command goes that way). They rebuild from the server's answers exactly what the same
// command reads from the cluster, so one renderer prints both and the output cannot drift apart:
// - an Application's diff: the server's GET /applications/{ns}/{name} leaves each object's field
//   changes out and serves them, Secret values masked, from .../diff; they are put back together;
// - the Stack list: GET /stacks gives list rows, and each Stack is read whole, as `moor stack
//   list` prints full objects with -o json|yaml;
// - a Stack's outputs: GET /stacks/{ns}/{name}/outputs, sensitive values never served.
// What needs the cluster itself (rendering for `diff --local|--revision`, sensitive outputs, the
// state lock's Lease) says so instead of failing on a missing kubeconfig.
import type { ApplicationStatus, ResourceStatus } from "../core/app-status.ts";
import type { FieldChange } from "../core/diff.ts";
import type { Stack } from "../core/stack/spec.ts";
import { apiRequest, type Login } from "./api-client.ts";
import type { AppWithOperation } from "./app-client.ts";
import { remoteStack } from "./app-remote.ts";

function segment(text: string): string {
  return encodeURIComponent(text);
}

/** Why a flag cannot go through the server: it needs a kubeconfig. */
export function kubeconfigOnly(what: string, why: string): string {
  return `${what} ${why}, so it needs a kubeconfig (--kubeconfig F or $KUBECONFIG); through the Mooring server this login uses, only what the controller recorded is served`;
}

interface DiffAnswer {
  sync: string;
  revision?: string;
  resources: {
    group: string;
    kind: string;
    namespace: string;
    name: string;
    status: string;
    changes: FieldChange[];
  }[];
}

function refKey(r: { group?: string; kind?: string; namespace?: string; name?: string }): string {
  return [r.group ?? "", r.kind ?? "", r.namespace ?? "", r.name ?? ""].join("/");
}

/**
 * The status of `app` (as GET /applications/{ns}/{name} served it, without field changes) with each
 * object's recorded changes put back from GET .../diff.
 */
export async function remoteDiffStatus(
  login: Login,
  app: AppWithOperation,
): Promise<Partial<ApplicationStatus>> {
  const { namespace, name } = app.metadata;
  const answer = await apiRequest<DiffAnswer>(
    login,
    "GET",
    `/applications/${segment(namespace ?? "")}/${segment(name)}/diff`,
  );
  const changes = new Map(answer.resources.map((r) => [refKey(r), r.changes]));
  const status = (app.status ?? {}) as Partial<ApplicationStatus>;
  const resources = (status.resources ?? []).map((r): ResourceStatus => {
    const diff = changes.get(refKey(r));
    return diff && diff.length > 0 ? { ...r, diff } : r;
  });
  return { ...status, resources };
}

/** Every Stack the login may see in these filters, each read whole, in the server's list order. */
export async function remoteStacks(
  login: Login,
  filters: { namespace?: string; project?: string },
): Promise<Stack[]> {
  const rows: { namespace: string; name: string }[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ limit: "500", ...filters, ...(cursor ? { cursor } : {}) });
    const page = await apiRequest<{ items: { namespace: string; name: string }[]; next?: string }>(
      login,
      "GET",
      `/stacks?${query}`,
    );
    rows.push(...page.items);
    cursor = page.next;
  } while (cursor);
  const stacks: Stack[] = [];
  for (const row of rows) {
    // One at a time: a CLI lists tens of Stacks, and a Stack deleted meanwhile is left out.
    const stack = await remoteStack(login, row.namespace, row.name);
    if (stack) stacks.push(stack);
  }
  return stacks;
}

/** A Stack's outputs as the server serves them (GET /stacks/{ns}/{name}/outputs). */
export interface RemoteOutputs {
  secret: string | null;
  found: boolean;
  outputs: Record<string, string>;
  sensitiveListed: boolean;
  withheld?: string;
}

export function remoteStackOutputs(login: Login, namespace: string, name: string): Promise<RemoteOutputs> {
  return apiRequest<RemoteOutputs>(login, "GET", `/stacks/${segment(namespace)}/${segment(name)}/outputs`);
}
