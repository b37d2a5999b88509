// Helpers the Stack benchmarks (6 and 7) share: Stacks through the raw admin client, annotations
// by merge patch, a watch on one Stack, and their removal at the end (without destroyOnDelete a
// Stack goes away at once, keeping state, so later benchmarks' controllers never see them).
import type { KubeObject } from "../src/core/objects.ts";
import type { Stack, StackSpec } from "../src/core/stack/spec.ts";
import type { KubeClient } from "../src/kube/client.ts";
import { ensureNamespace, runPool, waitFor } from "./kube.ts";

export const STACK_API = "mooring.dev/v1alpha1";
export const STACK_NAMESPACE = "bench-stacks";
export const STACK_SET_LABEL = "bench.mooring.dev/stack-set";

/**
 * The Stacks' namespace, whose `default` ServiceAccount — the identity every Stack run acts as —
 * may keep state, plans, logs and outputs there and manage the ConfigMaps the modules make
 * (README, "Stacks run as their own ServiceAccount"). Waits for the account to exist.
 */
export async function ensureStackNamespace(client: KubeClient): Promise<void> {
  await ensureNamespace(client, STACK_NAMESPACE);
  const name = "bench-stack-runner";
  const rbac = (kind: string, body: Record<string, unknown>) =>
    client.apply(
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind,
        metadata: { name, namespace: STACK_NAMESPACE },
        ...body,
      } as KubeObject,
      { fieldManager: "bench" },
    );
  await rbac("Role", {
    rules: [
      {
        apiGroups: [""],
        resources: ["secrets", "configmaps"],
        verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
      },
      {
        apiGroups: ["coordination.k8s.io"],
        resources: ["leases"],
        verbs: ["get", "create", "update", "patch", "delete"],
      },
    ],
  });
  await rbac("RoleBinding", {
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
    subjects: [{ kind: "ServiceAccount", name: "default", namespace: STACK_NAMESPACE }],
  });
  await waitFor(
    "the Stacks' default ServiceAccount",
    async () => ((await client.get("v1", "ServiceAccount", STACK_NAMESPACE, "default")) ? true : undefined),
    30_000,
  );
}

export function applyStack(
  client: KubeClient,
  name: string,
  spec: StackSpec,
  labels: Record<string, string> = {},
): Promise<KubeObject> {
  const stack = {
    apiVersion: STACK_API,
    kind: "Stack",
    metadata: { name, namespace: STACK_NAMESPACE, labels },
    spec,
  } as unknown as KubeObject;
  return client.apply(stack, { fieldManager: "bench" });
}

export async function getStack(client: KubeClient, name: string): Promise<Stack | null> {
  return (await client.get(STACK_API, "Stack", STACK_NAMESPACE, name)) as Stack | null;
}

export async function listStacks(client: KubeClient, set: string): Promise<Stack[]> {
  const list = await client.list(STACK_API, "Stack", {
    namespace: STACK_NAMESPACE,
    labelSelector: `${STACK_SET_LABEL}=${set}`,
  });
  return list.items as Stack[];
}

/** Sets (or, with null, removes) annotations by JSON merge patch, as `kubectl annotate` would. */
export async function annotateStack(
  client: KubeClient,
  name: string,
  annotations: Record<string, string | null>,
): Promise<void> {
  await client.mergePatch(
    { apiVersion: STACK_API, group: "mooring.dev", kind: "Stack", namespace: STACK_NAMESPACE, name },
    { metadata: { annotations } },
  );
}

export function condition(stack: Stack | null, type: string): string | undefined {
  return stack?.status?.conditions?.find((c) => c.type === type)?.status;
}

/**
 * A tofu run (plan or apply) is in progress: the controller sets Reconciling=True with reason
 * Progressing before it starts tofu. A plan waiting for approval is Reconciling too, but with
 * reason AwaitingApproval.
 */
export function running(stack: Stack | null): boolean {
  const c = stack?.status?.conditions?.find((x) => x.type === "Reconciling");
  return c?.status === "True" && c.reason === "Progressing";
}

/** Applied by the controller, Ready, nothing pending, no run in progress. */
export function appliedAndIdle(stack: Stack | null): boolean {
  return (
    stack?.status?.lastApply?.result === "succeeded" &&
    stack.status.lastPlan?.pending === false &&
    condition(stack, "Ready") === "True" &&
    !running(stack)
  );
}

/** Short description of a Stack's status for failure messages. */
export function describeStack(stack: Stack | null): string {
  if (!stack) return "(missing)";
  const s = stack.status;
  const conditions = (s?.conditions ?? []).map((c) => `${c.type}=${c.status}(${c.reason})`).join(" ");
  return `${stack.metadata.name}: ${conditions}; lastPlan ${s?.lastPlan?.id ?? "-"} pending=${s?.lastPlan?.pending}; lastError ${(s?.lastError ?? "-").slice(0, 400)}`;
}

/**
 * Opens a watch on one Stack from `resourceVersion` (so no change can be missed) and resolves with
 * performance.now() and the object at the first event for which `done` holds; `onModified` sees
 * every change before that. Call `abort` when finished; a watch ending before `done` rejects.
 */
export function watchStack(
  client: KubeClient,
  name: string,
  resourceVersion: string,
  done: (stack: Stack) => boolean,
  onModified?: (stack: Stack, at: number) => void,
): { until: Promise<{ at: number; stack: Stack }>; abort: () => void } {
  const abort = new AbortController();
  const query = new URLSearchParams({
    watch: "1",
    resourceVersion,
    fieldSelector: `metadata.name=${name}`,
    timeoutSeconds: "600",
  });
  const path = `/apis/${STACK_API}/namespaces/${STACK_NAMESPACE}/stacks?${query}`;
  const until = new Promise<{ at: number; stack: Stack }>((resolve, reject) => {
    client.rest
      .stream(
        path,
        (line) => {
          const event = JSON.parse(line) as { type: string; object: Stack };
          if (event.type !== "MODIFIED") return;
          const at = performance.now();
          onModified?.(event.object, at);
          if (done(event.object)) resolve({ at, stack: event.object });
        },
        abort.signal,
      )
      .then(
        (res) => reject(new Error(`watch on stack ${name} ended (HTTP ${res.status}) before the change`)),
        reject,
      );
  });
  until.catch(() => {}); // observed by the caller; a late rejection after abort is expected
  return { until, abort: () => abort.abort() };
}

/** Deletes the Stacks of a set and waits until they are gone (bounded). */
export async function deleteStacks(client: KubeClient, set: string): Promise<void> {
  const names = (await listStacks(client, set)).map((s) => s.metadata.name);
  await runPool(names.length, 16, (i) =>
    client.delete({
      apiVersion: STACK_API,
      group: "mooring.dev",
      kind: "Stack",
      namespace: STACK_NAMESPACE,
      name: names[i] as string,
    }),
  );
  await waitFor(
    `stacks of set ${set} to be deleted`,
    async () => ((await listStacks(client, set)).length === 0 ? true : undefined),
    120_000,
    500,
  );
}
