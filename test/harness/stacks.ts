// Reading Stacks in end-to-end tests as a user would with kubectl: the object, a wait for the
// controller to bring it to some state (with its last status in the failure message), and its
// conditions.
import { eventually, kubectl, kubectlOk } from "./cluster.ts";

/** What the tests look at in a Stack. */
export interface StackView {
  metadata: { name: string; annotations?: Record<string, string>; finalizers?: string[] };
  status?: {
    conditions?: { type: string; status: string; reason: string; message: string }[];
    lastPlan?: {
      id: string;
      revision: string;
      pending: boolean;
      purpose: string;
      summary: { add: number; change: number; destroy: number };
      resources: { address: string; action: string }[];
    };
    lastApply?: { planId: string; approvedBy: string; result: string; message: string };
    outputsSecret?: string;
    drift?: { checkedAt: string; drifted: boolean; resources: { address: string }[] };
  };
}

export async function getStack(ns: string, name: string): Promise<StackView> {
  return JSON.parse(await kubectlOk(["get", "stack", name, "-n", ns, "-o", "json"])) as StackView;
}

/** Waits until `check` holds for the Stack; on time-out the error shows its last status. */
export function waitStack(
  ns: string,
  name: string,
  what: string,
  check: (s: StackView) => boolean,
  timeoutMs = 90_000,
): Promise<StackView> {
  let last: StackView | undefined;
  return eventually(
    `stack ${name} ${what}`,
    async () => {
      last = await getStack(ns, name);
      return check(last) ? last : undefined;
    },
    timeoutMs,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last status: ${JSON.stringify(last?.status ?? null)}`);
  });
}

export function condition(s: StackView, type: string) {
  return s.status?.conditions?.find((c) => c.type === type);
}

/**
 * What a Stack's ServiceAccount needs in its own namespace (README, Stacks): its state Secret and
 * lock Lease (tofu's kubernetes backend), its plan Secrets, its log ConfigMap, its outputs
 * Secret, and reading the ConfigMaps and Secrets its varsFrom/envFrom name. The resources a
 * module manages with the kubernetes provider need their own rules on top.
 */
export const STACK_RUNNER_RULES = [
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
];

/**
 * Grants `serviceAccount` (of `accountNamespace`) a Role in `ns` with `rules` (default: what a
 * Stack's runs need), and waits until the account exists — Kubernetes makes each namespace's
 * `default` account a moment after the namespace.
 */
export async function grantStackRole(
  ns: string,
  options: { serviceAccount?: string; accountNamespace?: string; name?: string; rules?: unknown[] } = {},
): Promise<void> {
  const account = options.serviceAccount ?? "default";
  const accountNs = options.accountNamespace ?? ns;
  const name = options.name ?? `stack-runner-${accountNs}-${account}`.slice(0, 63);
  const objects = [
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name, namespace: ns },
      rules: options.rules ?? STACK_RUNNER_RULES,
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name, namespace: ns },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: [{ kind: "ServiceAccount", name: account, namespace: accountNs }],
    },
  ];
  await kubectlOk(["apply", "-f", "-"], {
    input: JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }),
  });
  await eventually(
    `ServiceAccount ${accountNs}/${account} to exist`,
    async () => (await kubectl(["get", "serviceaccount", account, "-n", accountNs])).code === 0 || undefined,
    30_000,
  );
}

/** A namespace for Stacks whose `default` ServiceAccount may do what Stack runs need there. */
export async function createStackNamespace(ns: string): Promise<void> {
  await kubectlOk(["create", "namespace", ns]);
  await grantStackRole(ns);
}
