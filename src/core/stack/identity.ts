// Who a Stack's runs act as. A Stack never borrows the controller's identity: each plan and apply
// gets a short-lived token (Kubernetes TokenRequest) for one ServiceAccount, and everything the
// run touches in the cluster goes through it — tofu's state Secret and lock Lease, the
// kubernetes provider (through KUBE_HOST / KUBE_TOKEN / KUBE_CLUSTER_CA_CERT_DATA), the
// ConfigMaps and Secrets that varsFrom/envFrom/env name, the plan Secrets, the log ConfigMap and
// the outputs Secret. The API server's RBAC on that account is then the whole of what a Stack
// author can reach, as with tofu-controller's runner Pods.
//
// The account is, in order: `spec.serviceAccountName` (in the Stack's namespace); the first
// `destinationServiceAccounts` entry of the Stack's project that matches the cluster Mooring
// runs in and the Stack's namespace; else the namespace's `default` ServiceAccount.

/** A ServiceAccount and why it was chosen, for messages. */
export interface StackServiceAccount {
  namespace: string;
  name: string;
  source: "spec.serviceAccountName" | "project" | "namespace default";
}

/** The namespace's own account, which Kubernetes creates in every namespace. */
export const DEFAULT_SERVICE_ACCOUNT = "default";

/** The shortest lifetime the API server grants a requested token (TokenRequest's minimum). */
export const MIN_TOKEN_SECONDS = 600;

export function stackServiceAccount(
  stack: { namespace: string; serviceAccountName?: string | undefined },
  fromProject: { namespace: string; name: string } | undefined,
): StackServiceAccount {
  if (stack.serviceAccountName) {
    return { namespace: stack.namespace, name: stack.serviceAccountName, source: "spec.serviceAccountName" };
  }
  if (fromProject) return { ...fromProject, source: "project" };
  return { namespace: stack.namespace, name: DEFAULT_SERVICE_ACCOUNT, source: "namespace default" };
}

/**
 * How long a run's token lives: a run is two tofu commands each limited by spec.timeout (init
 * then plan, or the apply and its outputs), plus a few minutes to store the plan and write status;
 * never less than the API server's minimum. It dies with the run, not with the controller.
 */
export function tokenLifetimeSeconds(timeoutMs: number): number {
  return Math.max(MIN_TOKEN_SECONDS, Math.ceil((2 * timeoutMs) / 1000) + 300);
}

/** `system:serviceaccount:NS:NAME`, as RBAC and the API server's messages spell the account. */
export function serviceAccountUser(account: { namespace: string; name: string }): string {
  return `system:serviceaccount:${account.namespace}:${account.name}`;
}
