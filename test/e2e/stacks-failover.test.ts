// User stories of Stacks under leader failover, with two controller replicas (each in a process
// group of its own, as each Pod has its own processes) and real OpenTofu:
// - the leader dies mid-apply the way a Pod dies — together with its tofu, which never gets to
//   release the state lock. The standby takes the leader Lease, sees in the lock Lease that the
//   lock was taken before it began leading by a run that is gone, releases it at once (Event
//   StaleLockReleased) instead of sitting out tofu's 60 s lock timeout, and finishes the apply;
// - the leader loses its Lease to the standby mid-apply while it lives on. It interrupts its
//   tofu at once, which releases the lock itself, and the new leader finishes the work.
// Either way the state ends consistent and unlocked.
// - someone runs tofu by hand against a Stack's state (here `tofu console`, which holds the lock
//   while it is open) before the present leader began leading. That lock is old, but no run of
//   Mooring's was under way: the controller reports StateLocked and waits, never releasing it by
//   itself. Someone who knows better releases it with `moor stack unlock NAME LOCK_ID` (another
//   lock's id is refused), and the Stack goes ahead.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { heldStateLock } from "../../src/core/stack/state-lock.ts";
import { writeBackendOverride } from "../../src/terraform/state-backend.ts";
import { providerMirrors, tofuBinary, tofuEnv, writeProviderCliConfig } from "../../src/toolchain/tofu.ts";
import { runCommand } from "../../src/util/exec.ts";
import { eventually, kubectl, kubectlOk, moor } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { runEnv, runSandboxKubeconfig } from "../harness/env.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";
import {
  condition,
  createStackNamespace,
  type StackView,
  waitStack as waitStackIn,
} from "../harness/stacks.ts";

/** A module whose apply takes `seconds`: long enough to act in the middle of it. */
const slowModule = (seconds: number) => `
variable "n" {
  type = number
}
resource "terraform_data" "slow" {
  input = var.n
  provisioner "local-exec" {
    command = "sleep ${seconds}"
  }
}
`;

interface EventView {
  reason: string;
  message: string;
  reportingInstance?: string;
}

describe("Stacks when the leader changes mid-apply", () => {
  let git: GitServer;
  const replicas = new Map<string, RunningController>();
  const run = Date.now().toString(36);
  const ns = `failover-${run}`;

  const waitStack = (name: string, what: string, check: (s: StackView) => boolean, timeoutMs?: number) =>
    waitStackIn(ns, name, what, check, timeoutMs);
  const appliedAndReady = (s: StackView) =>
    condition(s, "Ready")?.status === "True" &&
    s.status?.lastApply?.result === "succeeded" &&
    s.status.lastPlan?.pending === false;
  const controllerLeaseHolder = async () =>
    (
      await kubectlOk([
        "get",
        "lease",
        "mooring-controller",
        "-n",
        "mooring",
        "-o",
        "jsonpath={.spec.holderIdentity}",
      ])
    ).trim();
  const stateLock = async (name: string) => {
    const res = await kubectl(["get", "lease", `lock-tfstate-default-${ns}.${name}`, "-n", ns, "-o", "json"]);
    return res.code === 0 ? heldStateLock(JSON.parse(res.stdout)) : undefined;
  };
  const eventsOf = async (name: string, reason: string) =>
    JSON.parse(
      await kubectlOk([
        "get",
        "events",
        "-n",
        ns,
        "--field-selector",
        `involvedObject.name=${name},reason=${reason}`,
        "-o",
        "json",
      ]),
    ).items as EventView[];
  const staleLockEvents = (name: string) => eventsOf(name, "StaleLockReleased");

  async function startReplica(name: string): Promise<string> {
    const identity = `replica-${name}-${run}`;
    replicas.set(identity, await startController({ identity, ownProcessGroup: true }));
    return identity;
  }

  async function createStack(name: string, path: string, n: number): Promise<void> {
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Stack",
        metadata: { name, namespace: ns },
        spec: {
          source: { repoURL: git.url("failover"), targetRevision: "main", path },
          vars: { n },
          approvePlan: "auto",
        },
      }),
    });
  }

  /** Waits until the Stack's apply holds the state lock, and returns that lock. */
  async function applyHoldingLock(name: string) {
    await waitStack(name, "to start applying", (s) =>
      (s.status?.conditions ?? []).some((c) => c.type === "Reconciling" && /applying/.test(c.message)),
    );
    // The plan released its lock before the apply began, so a held lock is the apply's.
    const lock = await eventually(
      `the apply of ${name} to take the state lock`,
      () => stateLock(name),
      60_000,
    );
    assert.equal(lock.operation, "apply");
    assert.ok(lock.createdMs !== undefined, "the Lease says when the lock was taken");
    return lock;
  }

  /** A refresh plans no changes: the state matches what was applied. */
  async function assertConsistent(name: string, done: StackView): Promise<void> {
    assert.equal(await stateLock(name), undefined, "the state is unlocked");
    await kubectlOk(["annotate", "stack", name, "-n", ns, "mooring.dev/refresh=normal", "--overwrite"]);
    const before = JSON.stringify(done.status?.lastPlan);
    const replanned = await waitStack(
      name,
      "to plan again",
      (s) => s.status?.lastPlan !== undefined && JSON.stringify(s.status.lastPlan) !== before,
    );
    assert.equal(replanned.status?.lastPlan?.pending, false, "no changes");
    assert.equal(condition(replanned, "Ready")?.status, "True");
  }

  before(async () => {
    await ensureInstalled();
    await createStackNamespace(ns);
    git = await startGitServer();
    await git.createRepo(
      "failover",
      { "slow/main.tf": slowModule(15), "slower/main.tf": slowModule(40), "quick/main.tf": slowModule(0) },
      "slow modules",
    );
    // Both replicas are up before any Stack exists.
    await startReplica("a");
    await startReplica("b");
    await eventually("one replica to lead", async () =>
      replicas.has(await controllerLeaseHolder()) ? true : undefined,
    );
  });

  after(async () => {
    await Promise.all([...replicas.values()].map((r) => r.stop()));
    await git?.close();
    await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
  });

  it("a leader killed with its tofu: the standby releases the dead run's lock at once and finishes the apply", async (t) => {
    await createStack("killed", "slow", 1);
    const lock = await applyHoldingLock("killed");
    const leaderId = await controllerLeaseHolder();
    const leader = replicas.get(leaderId);
    const standbyId = [...replicas.keys()].find((id) => id !== leaderId) ?? "";
    assert.ok(leader, `the leader ${leaderId} is one of ours`);
    assert.match(
      await (await fetch(leader.metricsUrl.replace(/\/metrics$/, "/healthz"))).text(),
      /ok \(leader\)/,
    );
    await leader.killGroup();
    replicas.delete(leaderId);
    assert.deepEqual(await stateLock("killed"), lock, "the dead run left its lock behind");

    // The leader Lease changes hands once the dead leader's term runs out (15 s).
    await eventually("the standby to lead", async () =>
      (await controllerLeaseHolder()) === standbyId ? true : undefined,
    );
    const tookOver = Date.now();
    const done = await waitStack("killed", "to be Ready with the apply done", appliedAndReady, 180_000);
    const took = Date.now() - tookOver;
    t.diagnostic(`Ready ${took} ms after the takeover`);
    // Had the survivor only learned of the lock from tofu, tofu would first have waited out its
    // 60 s lock timeout, then the apply would have slept its 15 s: Ready no sooner than 75 s
    // after the takeover. Reading the lock Lease first, it needs init and the 15 s apply (and,
    // had the dead run already written state, one more plan and apply): well under 60 s.
    assert.ok(took < 60_000, `Ready ${took} ms after the takeover`);
    assert.equal(done.status?.lastApply?.planId, done.status?.lastPlan?.id);

    const events = await staleLockEvents("killed");
    assert.equal(events.length, 1, `one StaleLockReleased event: ${JSON.stringify(events)}`);
    const [released] = events;
    t.diagnostic(`StaleLockReleased: ${released?.message}`);
    assert.equal(released?.reportingInstance, standbyId, "the survivor released it");
    assert.ok(released?.message.includes(lock.id), released?.message);
    assert.ok(released?.message.includes(new Date(lock.createdMs ?? 0).toISOString()), released?.message);
    if (lock.who) assert.ok(released?.message.includes(lock.who), released?.message);
    await assertConsistent("killed", done);
  });

  it("a leader that loses its Lease interrupts its tofu, which releases the lock for the new leader", async (t) => {
    const newLeaderId = await startReplica("c");
    const leaderId = await controllerLeaseHolder();
    const leader = replicas.get(leaderId);
    assert.ok(leader && leaderId !== newLeaderId, `the leader ${leaderId} is one of ours`);
    await createStack("handed-over", "slower", 2);
    const lock = await applyHoldingLock("handed-over");

    // The Lease goes to the standby while the leader lives on, as when the leader could not renew
    // in time (say, cut off from the API server for a while) and the standby took over.
    const now = new Date().toISOString().replace(/Z$/, "000Z");
    await kubectlOk([
      "patch",
      "lease",
      "mooring-controller",
      "-n",
      "mooring",
      "--type=merge",
      "-p",
      JSON.stringify({ spec: { holderIdentity: newLeaderId, acquireTime: now, renewTime: now } }),
    ]);
    const handedOver = Date.now();
    await eventually(
      "the apply's lock to be released",
      async () => ((await stateLock("handed-over"))?.id !== lock.id ? true : undefined),
      60_000,
    );
    const released = Date.now() - handedOver;
    t.diagnostic(`lock released ${released} ms after the Lease changed hands`);
    // The apply sleeps 40 s and had just begun: left alone it would hold the lock for half a
    // minute more. The old leader notices the loss at its next renewal (every 2 s) and interrupts
    // tofu, which stops the provisioner and unlocks within a few seconds.
    assert.ok(released < 15_000, `lock released ${released} ms after the Lease changed hands`);
    // Like kube-controller-manager, a replica that lost its Lease exits, to be restarted.
    assert.equal(await leader.exited, 1);
    replicas.delete(leaderId);
    assert.ok(leader.logs.some((l) => /lost the leader lease/.test(String(l.msg))));

    const done = await waitStack("handed-over", "to be Ready with the apply done", appliedAndReady, 180_000);
    assert.deepEqual(await staleLockEvents("handed-over"), [], "tofu released its own lock");
    await assertConsistent("handed-over", done);
  });
  it("a lock someone's own tofu took before this leader began leading is released only on request", async (t) => {
    // Someone opens `tofu console` on the state of Stack "by-hand": it holds the lock while open.
    const work = await mkdtemp(join(tmpdir(), "mooring-by-hand-"));
    const dir = join(work, "module");
    await mkdir(dir);
    await writeFile(join(dir, "main.tf"), slowModule(0));
    await writeBackendOverride(dir, {
      stack: { namespace: ns, name: "by-hand" },
      access: { kubeconfig: runSandboxKubeconfig() },
    });
    const cliConfigFile = await writeProviderCliConfig(join(work, "tofu.tfrc"), providerMirrors(runEnv()));
    const env = { ...tofuEnv({ cliConfigFile, base: runEnv() }), HOME: work };
    const init = await runCommand(tofuBinary(runEnv()), ["init", "-input=false", "-no-color"], {
      cwd: dir,
      env,
      timeoutMs: 120_000,
    });
    assert.equal(init.code, 0, init.stderr);
    const holder = spawn(tofuBinary(runEnv()), ["console", "-var=n=1"], { cwd: dir, env, stdio: "pipe" });
    try {
      const lock = await eventually(
        "tofu console to take the state lock",
        () => stateLock("by-hand"),
        60_000,
      );

      // A new leader takes over: the lock is now older than its term.
      const newLeaderId = await startReplica("d");
      const oldLeaderId = await controllerLeaseHolder();
      await replicas.get(oldLeaderId)?.stop();
      replicas.delete(oldLeaderId);
      await eventually("the new replica to lead", async () =>
        (await controllerLeaseHolder()) === newLeaderId ? true : undefined,
      );

      await createStack("by-hand", "quick", 1);
      // tofu waits out its lock timeout (60 s), then the controller says who holds the state.
      const locked = await waitStack(
        "by-hand",
        "to report the state locked",
        (s) => condition(s, "Ready")?.reason === "StateLocked",
        120_000,
      );
      t.diagnostic(condition(locked, "Ready")?.message ?? "");
      assert.match(condition(locked, "Ready")?.message ?? "", new RegExp(lock.id));
      assert.deepEqual(await stateLock("by-hand"), lock, "the lock is still the console's");
      assert.deepEqual(await staleLockEvents("by-hand"), []);
      assert.equal(locked.status?.lastApply, undefined, "nothing applied");
      assert.ok(
        condition(locked, "Ready")?.message.includes(`moor stack unlock by-hand ${lock.id} -n ${ns}`),
        "the condition says how to release the lock",
      );

      const kc = ["-n", ns, "--kubeconfig", runSandboxKubeconfig()];
      const shown = await moor(["stack", "get", "by-hand", ...kc]);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, new RegExp(`^State lock:\\s+lock ${lock.id} \\(.*by ${lock.who}`, "m"));
      const wrong = await moor(["stack", "unlock", "by-hand", "not-the-lock", ...kc]);
      assert.equal(wrong.code, 1, wrong.stderr);
      assert.match(wrong.stderr, new RegExp(`locked by lock ${lock.id}.*not not-the-lock`));
      const unlocked = await moor(["stack", "unlock", "by-hand", lock.id, "--wait", ...kc]);
      assert.equal(unlocked.code, 0, unlocked.stderr);
      // Released: the Stack's own next run may already hold a lock of its own.
      assert.notEqual((await stateLock("by-hand"))?.id, lock.id);
      const done = await waitStack("by-hand", "to apply once the lock is free", appliedAndReady, 180_000);
      assert.equal(condition(done, "Ready")?.status, "True");
      const released = await eventsOf("by-hand", "StateLockReleased");
      assert.equal(released.length, 1, JSON.stringify(released));
      assert.match(released[0]?.message ?? "", new RegExp(`released state lock ${lock.id} .* as .+ asked`));
      assert.deepEqual(await staleLockEvents("by-hand"), [], "never released as stale");
      const annotations = JSON.parse(
        (await kubectlOk(["get", "stack", "by-hand", "-n", ns, "-o", "jsonpath={.metadata.annotations}"])) ||
          "{}",
      );
      assert.equal(annotations["mooring.dev/unlock"], undefined, "the request is cleared");
    } finally {
      holder.stdin.end();
      await new Promise((resolve) => holder.once("exit", resolve));
      await rm(work, { recursive: true, force: true });
    }
  });
});
