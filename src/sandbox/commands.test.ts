import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Binaries, processSpecs, START_ORDER } from "./commands.ts";
import { COMPONENTS, sandboxLayout } from "./layout.ts";

const layout = sandboxLayout("/sb/a");
const ports = {
  etcdClient: 2001,
  etcdPeer: 2002,
  apiserver: 2003,
  controllerManager: 2004,
  scheduler: 2005,
  kwok: 2006,
};
const bin: Binaries = {
  etcd: "/bin/etcd",
  kubeApiserver: "/bin/kube-apiserver",
  kubeControllerManager: "/bin/kube-controller-manager",
  kubeScheduler: "/bin/kube-scheduler",
  kwok: "/bin/kwok",
  kwokStages: "/share/stages.yaml",
};
const specs = processSpecs(layout, ports, bin);
const flag = (args: string[], name: string) =>
  args
    .find((a) => a.startsWith(`--${name}=`))
    ?.split("=")
    .slice(1)
    .join("=");

describe("sandbox process command lines", () => {
  it("binds every listening component to loopback on its own port", () => {
    assert.equal(flag(specs["kube-apiserver"].args, "bind-address"), "127.0.0.1");
    assert.equal(flag(specs["kube-apiserver"].args, "secure-port"), "2003");
    assert.equal(flag(specs["kube-controller-manager"].args, "secure-port"), "2004");
    assert.equal(flag(specs["kube-scheduler"].args, "secure-port"), "2005");
    assert.equal(flag(specs.kwok.args, "server-address"), "127.0.0.1:2006");
    assert.equal(flag(specs.etcd.args, "listen-client-urls"), "http://127.0.0.1:2001");
  });

  it("points the apiserver at its etcd and turns RBAC on", () => {
    assert.equal(flag(specs["kube-apiserver"].args, "etcd-servers"), "http://127.0.0.1:2001");
    assert.match(flag(specs["kube-apiserver"].args, "authorization-mode") ?? "", /RBAC/);
  });

  it("signs service-account tokens with the key the controller-manager uses", () => {
    assert.equal(flag(specs["kube-apiserver"].args, "service-account-signing-key-file"), "/sb/a/pki/sa.key");
    assert.equal(
      flag(specs["kube-controller-manager"].args, "service-account-private-key-file"),
      "/sb/a/pki/sa.key",
    );
  });

  it("has kwok play only the nodes annotated as fake, with the sandbox's merged stages", () => {
    assert.equal(flag(specs.kwok.args, "manage-nodes-with-annotation-selector"), "kwok.x-k8s.io/node=fake");
    assert.equal(flag(specs.kwok.args, "config"), "/sb/a/kwok-stages.yaml");
  });

  it("starts every component exactly once, etcd first and the apiserver second", () => {
    assert.deepEqual([...START_ORDER].sort(), [...COMPONENTS].sort());
    assert.deepEqual(START_ORDER.slice(0, 2), ["etcd", "kube-apiserver"]);
  });
});
