// The command line of each sandbox process. Pure: from a layout, ports and binary paths to argv.
//
// The flags follow what a kubeadm cluster runs, cut to one machine: everything binds to 127.0.0.1,
// clients authenticate with certificates from the sandbox CA, RBAC is on, service-account tokens
// are signed by the apiserver and verified with the same key pair. Leader election is off: each
// sandbox runs exactly one of every component.
import { join } from "node:path";
import {
  type Component,
  componentKubeconfig,
  type Layout,
  POD_CIDR,
  type Ports,
  SERVICE_ACCOUNT_ISSUER,
  SERVICE_CLUSTER_IP_RANGE,
} from "./layout.ts";

export interface Binaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kwok: string;
  /**
   * kwokctl's default Stage definitions (node and pod lifecycles); kwok runs with these merged
   * with Mooring's own, written to the layout's kwokStages at creation (stages.ts).
   */
  kwokStages: string;
}

export interface ProcessSpec {
  component: Component;
  file: string;
  args: string[];
}

/** The label kwok selects on: nodes carrying it are played by kwok. */
export const KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node";

export function processSpecs(layout: Layout, ports: Ports, bin: Binaries): Record<Component, ProcessSpec> {
  const pki = (file: string) => join(layout.pki, file);
  const etcdURL = `http://127.0.0.1:${ports.etcdClient}`;
  const peerURL = `http://127.0.0.1:${ports.etcdPeer}`;
  return {
    etcd: {
      component: "etcd",
      file: bin.etcd,
      args: [
        "--name=sandbox",
        `--data-dir=${layout.etcdData}`,
        `--listen-client-urls=${etcdURL}`,
        `--advertise-client-urls=${etcdURL}`,
        `--listen-peer-urls=${peerURL}`,
        `--initial-advertise-peer-urls=${peerURL}`,
        `--initial-cluster=sandbox=${peerURL}`,
        // A sandbox is disposable: trading durability on power loss for much faster writes.
        "--unsafe-no-fsync=true",
        "--log-level=warn",
      ],
    },
    "kube-apiserver": {
      component: "kube-apiserver",
      file: bin.kubeApiserver,
      args: [
        `--etcd-servers=${etcdURL}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        `--secure-port=${ports.apiserver}`,
        `--tls-cert-file=${pki("apiserver.crt")}`,
        `--tls-private-key-file=${pki("apiserver.key")}`,
        `--client-ca-file=${pki("ca.crt")}`,
        `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
        `--service-account-key-file=${pki("sa.pub")}`,
        `--service-account-signing-key-file=${pki("sa.key")}`,
        `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
        "--authorization-mode=Node,RBAC",
        "--allow-privileged=true",
        // Endpoints may not point at loopback, and no pod could reach it anyway.
        "--endpoint-reconciler-type=none",
        "--profiling=false",
      ],
    },
    "kube-controller-manager": {
      component: "kube-controller-manager",
      file: bin.kubeControllerManager,
      args: [
        `--kubeconfig=${componentKubeconfig(layout, "controllerManager")}`,
        `--authentication-kubeconfig=${componentKubeconfig(layout, "controllerManager")}`,
        `--authorization-kubeconfig=${componentKubeconfig(layout, "controllerManager")}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${ports.controllerManager}`,
        "--leader-elect=false",
        // Each controller acts as its own service account, so RBAC applies to controllers too.
        "--use-service-account-credentials=true",
        `--service-account-private-key-file=${pki("sa.key")}`,
        `--root-ca-file=${pki("ca.crt")}`,
        `--cluster-signing-cert-file=${pki("ca.crt")}`,
        `--cluster-signing-key-file=${pki("ca.key")}`,
        "--profiling=false",
      ],
    },
    "kube-scheduler": {
      component: "kube-scheduler",
      file: bin.kubeScheduler,
      args: [
        `--kubeconfig=${componentKubeconfig(layout, "scheduler")}`,
        `--authentication-kubeconfig=${componentKubeconfig(layout, "scheduler")}`,
        `--authorization-kubeconfig=${componentKubeconfig(layout, "scheduler")}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${ports.scheduler}`,
        "--leader-elect=false",
        "--profiling=false",
      ],
    },
    kwok: {
      component: "kwok",
      file: bin.kwok,
      args: [
        `--kubeconfig=${componentKubeconfig(layout, "kwok")}`,
        `--config=${layout.kwokStages}`,
        "--manage-all-nodes=false",
        `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
        `--server-address=127.0.0.1:${ports.kwok}`,
        `--cidr=${POD_CIDR}`,
        "--node-lease-duration-seconds=40",
      ],
    },
  };
}

/** The order processes start in; each waits for the one before it to be ready. */
export const START_ORDER: readonly Component[] = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kwok",
];
