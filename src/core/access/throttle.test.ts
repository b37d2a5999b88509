import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addressKey, delayAfter, type LoginAttempt, LoginThrottle, throttleOptions } from "./throttle.ts";

const T0 = 1_000_000;
const ALICE: LoginAttempt = { account: "alice", address: "10.0.0.1" };

function failTimes(throttle: LoginThrottle, attempt: LoginAttempt, times: number, now = T0) {
  for (let i = 0; i < times; i++) throttle.failure(attempt, now);
}

describe("delayAfter", () => {
  const limit = { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 15 * 60_000 };
  const cases: [number, number][] = [
    [0, 0],
    [5, 0],
    [6, 1000],
    [7, 2000],
    [8, 4000],
    [15, 512_000],
    [16, 900_000],
    [10_000, 900_000],
  ];
  for (const [failures, wait] of cases) {
    it(`waits ${wait} ms after ${failures} failures`, () => assert.equal(delayAfter(failures, limit), wait));
  }
});

describe("LoginThrottle", () => {
  it("lets the free failures through without a wait", () => {
    const throttle = new LoginThrottle();
    failTimes(throttle, ALICE, 5);
    assert.deepEqual(throttle.check(ALICE, T0), { allowed: true });
  });
  it("slows an account attacked from many addresses", () => {
    const throttle = new LoginThrottle();
    for (let i = 0; i < 6; i++) throttle.failure({ account: "alice", address: `10.0.0.${i}` }, T0);
    assert.deepEqual(throttle.check({ account: "alice", address: "10.9.9.9" }, T0 + 200), {
      allowed: false,
      scope: "account",
      retryAfterMs: 800,
      reason: "too many failed logins for account alice: try again in 1s",
    });
    assert.deepEqual(throttle.check({ account: "bob", address: "10.9.9.9" }, T0), { allowed: true });
  });
  it("doubles the wait at each further failure and lets the attempt through once it has passed", () => {
    const throttle = new LoginThrottle();
    failTimes(throttle, ALICE, 8);
    const verdict = throttle.check(ALICE, T0);
    assert.equal(verdict.allowed ? 0 : verdict.retryAfterMs, 4000);
    assert.equal(throttle.check(ALICE, T0 + 3999).allowed, false);
    assert.equal(throttle.check(ALICE, T0 + 4000).allowed, true);
  });
  it("caps the wait at the lockout window", () => {
    const throttle = new LoginThrottle();
    failTimes(throttle, ALICE, 100);
    const verdict = throttle.check(ALICE, T0);
    assert.equal(verdict.allowed ? 0 : verdict.retryAfterMs, 15 * 60_000);
  });
  it("slows one address spraying many account names", () => {
    const throttle = new LoginThrottle();
    for (let i = 0; i < 21; i++) throttle.failure({ account: `user${i}`, address: "10.0.0.1" }, T0);
    const verdict = throttle.check({ account: "someone-new", address: "10.0.0.1" }, T0);
    assert.deepEqual(verdict, {
      allowed: false,
      scope: "address",
      retryAfterMs: 1000,
      reason: "too many failed logins from 10.0.0.1: try again in 1s",
    });
  });
  it("counts user names without regard to case", () => {
    const throttle = new LoginThrottle();
    failTimes(throttle, { account: "Alice", address: "10.0.0.1" }, 6);
    assert.equal(throttle.check({ account: " alice", address: "10.0.0.2" }, T0).allowed, false);
  });
  it("clears the account on success but keeps the address count", () => {
    const throttle = new LoginThrottle(
      throttleOptions({ address: { freeFailures: 6, baseDelayMs: 1000, maxDelayMs: 60_000 } }),
    );
    failTimes(throttle, ALICE, 7);
    throttle.success(ALICE);
    const verdict = throttle.check(ALICE, T0);
    assert.equal(verdict.allowed ? "allowed" : verdict.scope, "address");
    assert.deepEqual(throttle.size, { accounts: 0, addresses: 1 });
  });
  it("forgets a counter after an hour without failures", () => {
    const throttle = new LoginThrottle();
    failTimes(throttle, ALICE, 30);
    assert.equal(throttle.check(ALICE, T0 + 14 * 60_000).allowed, false, "within the lockout window");
    throttle.failure(ALICE, T0 + 59 * 60_000);
    assert.equal(throttle.check(ALICE, T0 + 59 * 60_000).allowed, false, "still counted within the hour");
    throttle.failure(ALICE, T0 + 120 * 60_000);
    assert.equal(throttle.check(ALICE, T0 + 120 * 60_000).allowed, true, "counting starts again from one");
  });
  it("sweeps forgotten counters", () => {
    const throttle = new LoginThrottle();
    throttle.failure(ALICE, T0);
    throttle.failure({ account: "bob", address: "10.0.0.2" }, T0 + 30 * 60_000);
    throttle.sweep(T0 + 60 * 60_000);
    assert.deepEqual(throttle.size, { accounts: 1, addresses: 1 });
  });
  it("keeps at most maxEntries counters, evicting the least recently failed", () => {
    const throttle = new LoginThrottle(throttleOptions({ maxEntries: 3 }));
    failTimes(throttle, { account: "first", address: "10.0.0.1" }, 6, T0);
    for (const name of ["a", "b", "c"]) throttle.failure({ account: name, address: "10.0.0.1" }, T0 + 1);
    assert.deepEqual(throttle.size, { accounts: 3, addresses: 1 });
    assert.equal(throttle.check({ account: "first", address: "10.0.0.9" }, T0 + 2).allowed, true, "evicted");
  });
  it("a re-failing account is recent again and survives eviction", () => {
    const throttle = new LoginThrottle(throttleOptions({ maxEntries: 3 }));
    failTimes(throttle, { account: "first", address: "10.0.0.1" }, 5, T0);
    throttle.failure({ account: "a", address: "10.0.0.1" }, T0 + 1);
    throttle.failure({ account: "b", address: "10.0.0.1" }, T0 + 1);
    throttle.failure({ account: "first", address: "10.0.0.1" }, T0 + 2);
    throttle.failure({ account: "c", address: "10.0.0.1" }, T0 + 2);
    assert.equal(throttle.check({ account: "first", address: "10.0.0.9" }, T0 + 2).allowed, false);
  });
  it("a flood of account names cannot evict the address counter slowing it", () => {
    const throttle = new LoginThrottle(throttleOptions({ maxEntries: 10 }));
    for (let i = 0; i < 1000; i++) throttle.failure({ account: `u${i}`, address: "10.0.0.1" }, T0);
    assert.deepEqual(throttle.size, { accounts: 10, addresses: 1 });
    assert.equal(throttle.check({ account: "x", address: "10.0.0.1" }, T0).allowed, false);
  });
  it("counts an IPv6 client by its /64", () => {
    const throttle = new LoginThrottle();
    for (let i = 0; i < 21; i++)
      throttle.failure({ account: `u${i}`, address: `2001:db8:1:2::${i.toString(16)}` }, T0);
    assert.equal(throttle.check({ account: "x", address: "2001:db8:1:2:ffff::1" }, T0).allowed, false);
    assert.equal(throttle.check({ account: "x", address: "2001:db8:1:3::1" }, T0).allowed, true);
  });
});

describe("addressKey", () => {
  const cases: [string, string][] = [
    ["10.0.0.1", "10.0.0.1"],
    ["::ffff:10.0.0.1", "10.0.0.1"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:DB8:0001:0002::1", "2001:db8:1:2::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["[2001:db8::1]", "2001:db8:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["64:ff9b::192.0.2.1", "64:ff9b:0:0::/64"],
    ["not-an-address", "not-an-address"],
    ["1::2::3", "1::2::3"],
  ];
  for (const [address, key] of cases)
    it(`counts ${address} as ${key}`, () => assert.equal(addressKey(address), key));
});
