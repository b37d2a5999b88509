// Reading Stacks in end-to-end tests as a user would with kubectl: the object, a wait for the
// controller to bring it to some state (with its last status in the failure message), and its
// conditions.
import { eventually, kubectlOk } from "./cluster.ts";

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
