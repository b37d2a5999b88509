import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { authorize } from "./authorize.ts";
import {
  DAY_MS,
  decideToken,
  shouldRecordUse,
  type TokenRecord,
  tokenState,
  tokenSubject,
  validateTokenRequest,
} from "./tokens.ts";

const T0 = Date.UTC(2026, 0, 1);
const RECORD: TokenRecord = {
  id: "0123456789abcdef",
  project: "team-a",
  role: "deployer",
  createdBy: "ada",
  createdAt: T0,
  expiresAt: T0 + 30 * DAY_MS,
};

describe("tokenState", () => {
  const cases: [string, Partial<TokenRecord>, number, string][] = [
    ["active before expiry", {}, T0 + DAY_MS, "active"],
    ["expired at the expiry instant", {}, T0 + 30 * DAY_MS, "expired"],
    ["revoked once revoked", { revokedAt: T0 + DAY_MS }, T0 + 2 * DAY_MS, "revoked"],
    ["revoked beats expired", { revokedAt: T0 + DAY_MS }, T0 + 40 * DAY_MS, "revoked"],
    ["active before a future revocation", { revokedAt: T0 + 2 * DAY_MS }, T0 + DAY_MS, "active"],
  ];
  for (const [name, change, now, expected] of cases) {
    it(name, () => assert.equal(tokenState({ ...RECORD, ...change }, now), expected));
  }
});

describe("decideToken", () => {
  it("lets an active token through", () => {
    assert.deepEqual(decideToken(RECORD, T0), { ok: true, record: RECORD });
  });
  const cases: [string, TokenRecord | undefined, string, string][] = [
    [
      "an unknown token",
      undefined,
      "unknown-token",
      "API token is not known: create one with moor token create",
    ],
    [
      "an expired token, saying when",
      RECORD,
      "token-expired",
      "API token 0123456789abcdef expired at 2026-01-31T00:00:00.000Z: create a new one with moor token create",
    ],
    [
      "a revoked token, saying when",
      { ...RECORD, revokedAt: T0 + DAY_MS },
      "token-revoked",
      "API token 0123456789abcdef was revoked at 2026-01-02T00:00:00.000Z: create a new one with moor token create",
    ],
  ];
  for (const [name, record, code, message] of cases) {
    it(`refuses ${name}`, () =>
      assert.deepEqual(decideToken(record, T0 + 31 * DAY_MS), { ok: false, code, message }));
  }
});

describe("shouldRecordUse", () => {
  it("records the first use", () => assert.equal(shouldRecordUse(RECORD, T0), true));
  it("skips a use within a minute of the last", () => {
    assert.equal(shouldRecordUse({ ...RECORD, lastUsedAt: T0 }, T0 + 59_999), false);
  });
  it("records a use a minute after the last", () => {
    assert.equal(shouldRecordUse({ ...RECORD, lastUsedAt: T0 }, T0 + 60_000), true);
  });
});

describe("tokenSubject", () => {
  it("acts in its one project with its role's verbs", () => {
    const subject = tokenSubject(RECORD, ["get", "list", "sync"]);
    assert.equal(
      authorize(subject, { verb: "sync", resource: "application", project: "team-a" }).allowed,
      true,
    );
    assert.equal(
      authorize(subject, { verb: "sync", resource: "application", project: "team-b" }).allowed,
      false,
    );
    assert.equal(subject.globalAdmin, false);
    assert.equal(subject.name, "token:0123456789abcdef");
  });
  it("grants nothing once its role is gone", () => {
    const decision = authorize(tokenSubject(RECORD, undefined), {
      verb: "get",
      resource: "application",
      project: "team-a",
    });
    assert.equal(decision.allowed ? "allowed" : decision.code, "no-role-in-project");
  });
});

describe("validateTokenRequest", () => {
  const ok = { project: "team-a", role: "deployer", lifetimeMs: 30 * DAY_MS };
  it("accepts a known role and a month", () => assert.deepEqual(validateTokenRequest(ok, true), []));
  const cases: [string, typeof ok, boolean, RegExp][] = [
    ["an unknown role", { ...ok, role: "boss" }, false, /project team-a has no role boss/],
    ["no lifetime", { ...ok, lifetimeMs: 0 }, true, /must be positive/],
    ["a lifetime that is not a number", { ...ok, lifetimeMs: Number.NaN }, true, /must be positive/],
    ["more than a year", { ...ok, lifetimeMs: 366 * DAY_MS }, true, /longer than the allowed 365d/],
  ];
  for (const [name, request, roleExists, message] of cases) {
    it(`refuses ${name}`, () => {
      const problems = validateTokenRequest(request, roleExists);
      assert.equal(problems.length, 1);
      assert.match(problems[0] ?? "", message);
    });
  }
});
