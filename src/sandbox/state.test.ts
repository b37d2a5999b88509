import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { judgeHealth, type SandboxRecord } from "./state.ts";

// The test's own process stands in for a live component; a pid far above pid_max for a dead one.
const alive = { pid: process.pid, file: process.execPath };
const dead = { pid: 4_000_000_000, file: "/nonexistent/etcd" };

function record(overrides: Partial<SandboxRecord>): SandboxRecord {
  return {
    name: "a",
    createdAt: "2026-01-01T00:00:00Z",
    kubernetesVersion: "v1.36.3",
    server: "https://127.0.0.1:1",
    ports: { etcdClient: 1, etcdPeer: 2, apiserver: 3, controllerManager: 4, scheduler: 5, kwok: 6 },
    processes: {},
    phase: "ready",
    creatorPid: process.pid,
    ...overrides,
  };
}

describe("judgeHealth", () => {
  it("is Running when every recorded process is alive", () => {
    assert.deepEqual(judgeHealth(record({ processes: { etcd: alive, "kube-apiserver": alive } })), {
      status: "Running",
    });
  });

  it("is Broken and names the components that stopped", () => {
    const health = judgeHealth(record({ processes: { etcd: alive, "kube-apiserver": dead, kwok: dead } }));
    assert.deepEqual(health, { status: "Broken", reason: "not running: kube-apiserver, kwok" });
  });

  it("does not mistake a recycled pid running another program for the component", () => {
    const health = judgeHealth(record({ processes: { etcd: { pid: process.pid, file: "/usr/bin/etcd" } } }));
    assert.equal(health.status, "Broken");
  });

  it("is Creating while its creator is still at work, and Broken once the creator is gone", () => {
    assert.equal(judgeHealth(record({ phase: "creating", creatorPid: process.ppid })).status, "Creating");
    assert.deepEqual(judgeHealth(record({ phase: "creating", creatorPid: dead.pid })), {
      status: "Broken",
      reason: "creation was interrupted",
    });
  });

  it("keeps the first line of a failed creation's error", () => {
    assert.deepEqual(judgeHealth(record({ phase: "failed", error: "etcd exited" })), {
      status: "Broken",
      reason: "creation failed: etcd exited",
    });
  });

  it("is Broken when the state file is missing", () => {
    assert.equal(judgeHealth(null).status, "Broken");
  });
});
