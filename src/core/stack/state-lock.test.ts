// lease-state-locked.json is the lock Lease of a Stack read with kubectl while `tofu apply` held
// it (tofu 1.12.6, Kubernetes backend); lease-state-unlocked.json is the same Lease as tofu
// leaves it on unlocking: no holder, no lock-info annotation.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { KubeObject } from "../objects.ts";
import {
  decideUnlock,
  describeStateLock,
  heldStateLock,
  isStaleLock,
  LOCK_INFO_ANNOTATION,
  parseGoTime,
  releaseLockPatch,
  runUnderWay,
  type StateLock,
} from "./state-lock.ts";

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")) as KubeObject;

const LOCKED = fixture("lease-state-locked.json");
const CREATED = Date.parse("2026-11-26T07:43:02.016Z");

function withAnnotation(value: string | undefined): KubeObject {
  const lease = structuredClone(LOCKED);
  const annotations = { ...lease.metadata.annotations };
  if (value === undefined) delete annotations[LOCK_INFO_ANNOTATION];
  else annotations[LOCK_INFO_ANNOTATION] = value;
  lease.metadata.annotations = annotations;
  return lease;
}

describe("the state lock in tofu's Lease", () => {
  it("reads who holds the lock, for what, and since when", () => {
    assert.deepEqual(heldStateLock(LOCKED), {
      id: "9404975a-0049-e2fd-f1c0-6ada03ec1f8d",
      who: "root@vm",
      operation: "apply",
      createdMs: CREATED,
    });
  });

  it("finds no lock on an unlocked or missing Lease", () => {
    assert.equal(heldStateLock(fixture("lease-state-unlocked.json")), undefined);
    assert.equal(heldStateLock({ ...LOCKED, spec: { holderIdentity: "" } }), undefined);
    assert.equal(heldStateLock(null), undefined);
    assert.equal(heldStateLock(undefined), undefined);
  });

  it("still names a lock whose details are missing or unreadable, with an unknown age", () => {
    for (const annotation of [undefined, "not json", "[]", '{"Created":"yesterday"}']) {
      const lock = heldStateLock(withAnnotation(annotation));
      assert.equal(lock?.id, "9404975a-0049-e2fd-f1c0-6ada03ec1f8d", String(annotation));
      assert.equal(lock?.createdMs, undefined, String(annotation));
    }
  });

  it("calls a lock stale only when it was taken before this replica began leading, by a run of Mooring's", () => {
    const lock = heldStateLock(LOCKED) as StateLock;
    assert.equal(isStaleLock(lock, CREATED + 1, true), true);
    assert.equal(isStaleLock(lock, CREATED, true), false, "taken in the same millisecond: this term's");
    assert.equal(isStaleLock(lock, CREATED - 60_000, true), false);
    assert.equal(
      isStaleLock({ ...lock, createdMs: undefined }, CREATED + 3_600_000, true),
      false,
      "unknown age",
    );
    assert.equal(
      isStaleLock(lock, CREATED + 3_600_000, false),
      false,
      "no run of Mooring's: someone's by hand",
    );
  });

  it("tells a run under way from a Stack waiting for approval or at rest", () => {
    const reconciling = (status: string, reason: string) => ({
      conditions: [{ type: "Reconciling", status, reason }],
    });
    assert.equal(runUnderWay(reconciling("True", "Progressing")), true);
    assert.equal(runUnderWay(reconciling("True", "AwaitingApproval")), false);
    assert.equal(runUnderWay(reconciling("False", "Succeeded")), false);
    assert.equal(runUnderWay(undefined), false);
  });

  it("describes a lock by id, operation, holder and creation time", () => {
    const lock = heldStateLock(LOCKED) as StateLock;
    assert.equal(
      describeStateLock(lock),
      "lock 9404975a-0049-e2fd-f1c0-6ada03ec1f8d (apply by root@vm, created 2026-11-26T07:43:02.016Z)",
    );
    assert.equal(
      describeStateLock({ id: "x", who: "", operation: "", createdMs: undefined }),
      "lock x (created at an unknown time)",
    );
  });

  it("reads times as Go writes them, to the millisecond", () => {
    const cases: [string, number | undefined][] = [
      ["2026-11-26T07:43:02.016596143Z", CREATED],
      ["2026-11-26T08:43:02.0165+01:00", CREATED],
      ["2026-11-26T07:43:02Z", CREATED - 16],
      ["0001-01-01T00:00:00Z", undefined],
      ["2026-11-26 07:43:02 +0000 UTC", undefined],
      ["", undefined],
    ];
    for (const [text, expected] of cases) assert.equal(parseGoTime(text), expected, text);
  });

  it("releases on request only the very lock that was named", () => {
    const lock = heldStateLock(LOCKED) as StateLock;
    const yes = decideUnlock("ns/db", lock.id, "alice", lock);
    assert.equal(yes.release, true);
    assert.match(yes.message, new RegExp(`released state lock ${lock.id} .* of stack ns/db, as alice asked`));
    const other = decideUnlock("ns/db", "0000", "alice", lock);
    assert.equal(other.release, false);
    assert.match(other.message, new RegExp(`did not release lock 0000 .*: it is locked by lock ${lock.id}`));
    const none = decideUnlock("ns/db", lock.id, "alice", undefined);
    assert.equal(none.release, false);
    assert.match(none.message, /the state is not locked/);
  });

  it("clears holder and lock info, guarded by the resourceVersion read", () => {
    const patch = releaseLockPatch(LOCKED) as {
      metadata: { resourceVersion?: string; annotations: Record<string, null> };
      spec: { holderIdentity: null };
    };
    assert.equal(patch.metadata.resourceVersion, LOCKED.metadata.resourceVersion);
    assert.ok(patch.metadata.resourceVersion, "the fixture has a resourceVersion");
    assert.deepEqual(patch.metadata.annotations, { [LOCK_INFO_ANNOTATION]: null });
    assert.equal(patch.spec.holderIdentity, null);
  });
});
