// A Stack's state lock, as the controller handles it around tofu's own locking. tofu takes the
// Lease next to the state for every plan and apply; when a run dies without releasing it (its
// controller Pod died), the next run would wait out tofu's lock timeout and fail. The rules for
// when a held lock is stale are pure (src/core/stack/state-lock.ts); this module reads the
// Lease, releases a stale lock before a step (or once, after tofu reports it), and answers
// `moor stack unlock`. The Lease is read and written with the run's identity — the Stack's
// ServiceAccount, which holds the same rights on it as tofu — never with the controller's.
import { join } from "node:path";
import { lockCreated } from "../core/stack/diagnostics.ts";
import { type Stack, UNLOCK_ANNOTATION, UNLOCK_REQUESTED_BY_ANNOTATION } from "../core/stack/spec.ts";
import {
  decideUnlock,
  describeStateLock,
  heldStateLock,
  isStaleLock,
  releaseLockPatch,
  runUnderWay,
  type StateLock,
} from "../core/stack/state-lock.ts";
import type { KubeClient } from "../kube/client.ts";
import type { EventRecorder } from "../kube/events.ts";
import { TofuError, type TofuRunner } from "../terraform/runner.ts";
import { stackLockLease } from "../terraform/state-backend.ts";
import type { Logger } from "../util/log.ts";
import { processesWorkingUnder } from "../util/processes.ts";
import type { ControllerAudit } from "./audit.ts";

export interface StateLocksDeps {
  events: EventRecorder;
  log: Logger;
  /** Parent folder of run folders: a process working in one of a Stack's is a live run. */
  workRoot: string;
  /** The audit trail: unlocks asked for and stale locks released are recorded (audit.ts). */
  audit: ControllerAudit;
}

export class StateLocks {
  private readonly deps: StateLocksDeps;
  /**
   * When this replica began leading: the locks are made at the start of each leadership term.
   * Only the leader runs tofu, so a state lock taken before this moment belongs to a run of an
   * earlier leader (or of this replica before a restart), never to a run of this term.
   */
  readonly leadingSince = Date.now();
  /** Per Stack object read by a reconcile: whether its status showed a run under way then. */
  private readonly runUnderWayAtStart = new WeakMap<Stack, boolean>();

  constructor(deps: StateLocksDeps) {
    this.deps = deps;
  }

  /**
   * Call before a reconcile writes anything: did a run (perhaps of a dead leader) leave the
   * status saying it was under way? Only such a run's lock may be released as stale.
   */
  noteStart(stack: Stack): void {
    this.runUnderWayAtStart.set(stack, runUnderWay(stack.status));
  }

  /**
   * Runs a tofu step, first releasing a state lock left by a run that died with an earlier
   * leader (the Lease says who took it and when), so a takeover does not sit out tofu's lock
   * timeout. Should the lock only show up as tofu's error (taken while we looked), the same rule
   * applies then, once. A lock taken during this term is a live run elsewhere, and a lock taken
   * while the Stack showed no run of Mooring's is someone's tofu by hand: both are left alone.
   */
  async unlockingStale<T>(
    stack: Stack,
    client: KubeClient,
    runner: TofuRunner,
    dir: string,
    step: () => Promise<T>,
  ): Promise<T> {
    const held = await this.read(stack, client);
    const runWasUnderWay = this.runUnderWayAtStart.get(stack) ?? false;
    if (
      held &&
      isStaleLock(held, this.leadingSince, runWasUnderWay) &&
      !tofuStillRunning(this.deps.workRoot, stack)
    ) {
      await this.releaseStale(stack, runner, dir, held);
    }
    try {
      return await step();
    } catch (err) {
      if (!(err instanceof TofuError) || err.code !== "state-locked" || !err.lockId) throw err;
      const lock = { id: err.lockId, who: "", operation: "", createdMs: lockCreated(err.diagnostics) };
      if (!isStaleLock(lock, this.leadingSince, runWasUnderWay)) throw err;
      // A run orphaned by a killed controller may still be finishing: never unlock under it.
      if (tofuStillRunning(this.deps.workRoot, stack)) throw err;
      await this.releaseStale(stack, runner, dir, lock);
      return step();
    }
  }

  /**
   * `moor stack unlock NAME LOCK_ID`: someone who knows the lock's holder is gone asks for it to
   * be released. It is, while that very lock is held; either way an Event says what was done and
   * for whom. Returns the annotations to clear.
   */
  async answerUnlockRequest(stack: Stack, client: KubeClient): Promise<string[]> {
    const annotations = stack.metadata.annotations ?? {};
    const requested = annotations[UNLOCK_ANNOTATION];
    if (!requested) return [];
    const { namespace, name } = stack.metadata;
    const leaseName = stackLockLease(stack).name;
    const lease = await client.get("coordination.k8s.io/v1", "Lease", namespace, leaseName);
    const by = annotations[UNLOCK_REQUESTED_BY_ANNOTATION] || "someone";
    const decision = decideUnlock(`${namespace}/${name}`, requested, by, heldStateLock(lease));
    if (decision.release && lease) {
      const ref = {
        apiVersion: "coordination.k8s.io/v1",
        group: "coordination.k8s.io",
        kind: "Lease",
        namespace,
        name: leaseName,
      };
      await client.mergePatch(ref, releaseLockPatch(lease));
    }
    this.deps.log.info(decision.message, { stack: `${namespace}/${name}`, requestedBy: by });
    this.deps.audit.record(
      "stack-unlock",
      stack,
      { lockId: requested, released: decision.release, message: decision.message },
      this.deps.audit.actorFor(by === "someone" ? undefined : by),
    );
    await this.deps.events.record(
      stack,
      decision.release ? "Normal" : "Warning",
      decision.release ? "StateLockReleased" : "UnlockRefused",
      decision.message,
    );
    return [UNLOCK_ANNOTATION, UNLOCK_REQUESTED_BY_ANNOTATION];
  }

  /**
   * The lock held on the Stack's state, read from the backend's Lease (in the Stack's namespace,
   * where the backend override puts the state). Undefined when unlocked — or unreadable: tofu
   * then meets the lock itself and the after-failure path decides.
   */
  private async read(stack: Stack, client: KubeClient): Promise<StateLock | undefined> {
    const { namespace, name } = stack.metadata;
    const lease = stackLockLease(stack).name;
    try {
      return heldStateLock(await client.get("coordination.k8s.io/v1", "Lease", namespace, lease));
    } catch (err) {
      this.deps.log.debug("could not read the state lock; tofu will report it if held", {
        stack: `${namespace}/${name}`,
        lease,
        error: String(err),
      });
      return undefined;
    }
  }

  /** Force-unlocks a lock known to be stale, saying so on the Stack first. */
  private async releaseStale(stack: Stack, runner: TofuRunner, dir: string, lock: StateLock): Promise<void> {
    const message =
      `released state ${describeStateLock(lock)} of stack ${stack.metadata.namespace}/${stack.metadata.name}: ` +
      `it was taken before this controller began leading at ${new Date(this.leadingSince).toISOString()} ` +
      "and no tofu run of this controller holds it, so the run that took it is gone";
    this.deps.log.warn("releasing a stale state lock", {
      stack: `${stack.metadata.namespace}/${stack.metadata.name}`,
      lock: lock.id,
      heldBy: lock.who,
      createdAt: lock.createdMs === undefined ? undefined : new Date(lock.createdMs).toISOString(),
    });
    await this.deps.events.record(stack, "Warning", "StaleLockReleased", message);
    this.deps.audit.record("stack-unlock", stack, { lockId: lock.id, released: true, stale: true, message });
    await runner.forceUnlock(dir, lock.id);
  }
}

/** True when a process on this machine still works in one of the Stack's run folders. */
function tofuStillRunning(workRoot: string, stack: Stack): boolean {
  const prefix = join(workRoot, `${stack.metadata.namespace}.${stack.metadata.name}-`);
  return processesWorkingUnder(workRoot).some((cwd) => cwd.startsWith(prefix));
}
