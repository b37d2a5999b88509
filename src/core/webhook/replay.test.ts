import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ReplayGuard } from "./replay.ts";

const MINUTE = 60_000;

describe("ReplayGuard", () => {
  it("admits a delivery id once and refuses it again, saying when it was first seen", () => {
    const guard = new ReplayGuard();
    assert.deepEqual(guard.admit("github", "d1", 1000), { ok: true });
    const again = guard.admit("github", "d1", 2000);
    assert.equal(again.ok, false);
    if (again.ok) return;
    assert.equal(again.code, "replayed-delivery");
    assert.equal(again.firstSeenAt, 1000);
    assert.match(again.message, /^github delivery "d1" was already received/);
  });

  it("keeps ids of different forges apart", () => {
    const guard = new ReplayGuard();
    assert.equal(guard.admit("github", "same", 0).ok, true);
    assert.equal(guard.admit("gitea", "same", 0).ok, true);
    assert.equal(guard.admit("gitea", "same", 0).ok, false);
  });

  it("does not confuse a forge and id pair with another that joins to the same text", () => {
    const guard = new ReplayGuard();
    assert.equal(guard.admit("git", "hub:1", 0).ok, true);
    assert.equal(guard.admit("git:hub", "1", 0).ok, true);
  });

  it("forgets an id once the window has passed, and only then", () => {
    const guard = new ReplayGuard({ windowMs: 10 * MINUTE });
    guard.admit("gitlab", "d1", 0);
    assert.equal(guard.admit("gitlab", "d1", 10 * MINUTE - 1).ok, false);
    assert.equal(guard.admit("gitlab", "d1", 10 * MINUTE).ok, true);
  });

  it("drops expired ids as time goes on, so memory follows the window", () => {
    const guard = new ReplayGuard({ windowMs: MINUTE });
    for (let i = 0; i < 50; i++) guard.admit("github", `d${i}`, i * 1000);
    guard.admit("github", "late", 2 * MINUTE);
    assert.equal(guard.size, 1);
  });

  it("holds at most maxEntries ids, dropping the oldest first", () => {
    const guard = new ReplayGuard({ maxEntries: 3 });
    for (const id of ["a", "b", "c", "d"]) assert.equal(guard.admit("generic", id, 0).ok, true);
    assert.equal(guard.size, 3);
    assert.equal(guard.admit("generic", "d", 0).ok, false);
    assert.equal(guard.admit("generic", "b", 0).ok, false);
    assert.equal(guard.admit("generic", "a", 0).ok, true, "the oldest id was pushed out");
  });

  it("is not fooled by a clock that steps back into treating old ids as fresh or expiring new ones", () => {
    const guard = new ReplayGuard({ windowMs: 10 * MINUTE });
    guard.admit("github", "d1", 20 * MINUTE);
    guard.admit("github", "d2", 5 * MINUTE);
    assert.equal(guard.admit("github", "d1", 21 * MINUTE).ok, false);
    assert.equal(guard.admit("github", "d2", 29 * MINUTE).ok, false, "d2 counts from the latest time seen");
    assert.equal(guard.admit("github", "d2", 30 * MINUTE).ok, true);
  });

  it("lets a forgotten id through again, for a redelivery after handling failed", () => {
    const guard = new ReplayGuard();
    guard.admit("github", "d1", 0);
    guard.forget("github", "d1");
    assert.equal(guard.admit("github", "d1", 1).ok, true);
  });
});
