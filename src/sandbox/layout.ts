// A sandbox is a throwaway local Kubernetes cluster made of real processes: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok (which plays the kubelet of fake nodes, so
// Pods become Running and Ready without containers). Everything a sandbox owns lives in one
// folder; this module names the files in it and the ports it listens on. Pure: no I/O.
import { join } from "node:path";

export const COMPONENTS = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kwok",
] as const;
export type Component = (typeof COMPONENTS)[number];

export interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
}

/** The client identities a sandbox issues certificates for, with the groups RBAC sees. */
export const IDENTITIES = {
  admin: { cn: "mooring-admin", org: "system:masters" },
  controllerManager: { cn: "system:kube-controller-manager", org: "" },
  scheduler: { cn: "system:kube-scheduler", org: "" },
  // kwok updates node and pod status as a kubelet would; the bootstrap policy's system:node role
  // is scoped by the Node authorizer to a node's own name, so kwok (managing many nodes) is admin.
  kwok: { cn: "kwok", org: "system:masters" },
} as const;
export type Identity = keyof typeof IDENTITIES;

export interface Layout {
  dir: string;
  pki: string;
  etcdData: string;
  logs: string;
  /** The kubeconfig handed to users (admin, client certificate). */
  kubeconfig: string;
  state: string;
  /** The Stages kwok runs with: kwokctl's defaults merged with Mooring's (stages.ts). */
  kwokStages: string;
}

export function sandboxLayout(dir: string): Layout {
  return {
    dir,
    pki: join(dir, "pki"),
    etcdData: join(dir, "etcd"),
    logs: join(dir, "logs"),
    kubeconfig: join(dir, "kubeconfig"),
    state: join(dir, "state.json"),
    kwokStages: join(dir, "kwok-stages.yaml"),
  };
}

export function componentKubeconfig(layout: Layout, identity: Identity): string {
  return join(layout.dir, `${identity}.kubeconfig`);
}

export function componentLog(layout: Layout, component: Component): string {
  return join(layout.logs, `${component}.log`);
}

export const SERVICE_CLUSTER_IP_RANGE = "10.96.0.0/16";
/** The first address of the service range: the `kubernetes` Service's ClusterIP. */
export const KUBERNETES_SERVICE_IP = "10.96.0.1";
export const POD_CIDR = "10.244.0.1/16";
export const SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local";
