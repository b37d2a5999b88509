import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AuditEntry } from "../audit/record.ts";
import {
  appliedEntryOf,
  forgeRetryDelayMs,
  planGate,
  pollActions,
  refusedPlanRequest,
} from "./pull-lifecycle.ts";

const HEAD = "b".repeat(40);
const gate = (over: Partial<Parameters<typeof planGate>[0]> = {}) =>
  planGate({
    fromFork: false,
    authorIsWriter: true,
    headSha: HEAD,
    approvedHeads: new Set(),
    repo: "team/app",
    ...over,
  });

describe("whether a pull request's Stacks may be planned", () => {
  it("plans a writer's own branch at once", () => {
    assert.deepEqual(gate(), { plan: true, by: "author" });
  });
  it("waits for /moor plan on a fork's PR, even one opened by a writer, and says who may ask", () => {
    const fork = gate({ fromFork: true });
    assert.equal(fork.plan, false);
    assert.match(
      !fork.plan ? fork.reason : "",
      /fork: a user with write access to team\/app must comment `\/moor plan`/,
    );
    assert.match(!fork.plan ? fork.reason : "", /bbbbbbbbbbbb/);
  });
  it("waits for /moor plan when the author has no write access", () => {
    const outsider = gate({ authorIsWriter: false });
    assert.match(!outsider.plan ? outsider.reason : "", /no write access/);
  });
  it("plans once a writer approved this head, and not a newer head", () => {
    assert.deepEqual(gate({ fromFork: true, approvedHeads: new Set([HEAD]) }), {
      plan: true,
      by: "approval",
    });
    assert.equal(gate({ fromFork: true, approvedHeads: new Set(["c".repeat(40)]) }).plan, false);
  });
  it("names who asked without the right to", () => {
    assert.match(
      refusedPlanRequest("waiting", "mallory"),
      /`\/moor plan` from mallory was ignored: mallory has no write access/,
    );
  });
});

describe("what a poll does", () => {
  it("previews open PRs with an unseen head and re-reads followed PRs that left the open list", () => {
    const actions = pollActions(
      [
        { number: 1, headSha: "a" },
        { number: 2, headSha: "b2" },
        { number: 3, headSha: "c" },
      ],
      [
        { number: 1, headSha: "a", open: true },
        { number: 2, headSha: "b1", open: true },
        { number: 4, headSha: "d", open: true },
        { number: 5, headSha: "e", open: false },
      ],
    );
    assert.deepEqual(actions, { preview: [2, 3], reread: [4] });
  });
});

describe("what an audit entry says went live", () => {
  const entry = (over: Partial<AuditEntry>): AuditEntry => ({
    time: "2026-12-03T06:00:00.000Z",
    kind: "sync",
    actor: { type: "controller", name: "c" },
    project: "team-a",
    object: { group: "mooring.dev", kind: "Application", namespace: "mooring", name: "web" },
    details: { revision: "abc", phase: "Succeeded" },
    ...over,
  });
  it("reads a successful sync and a successful Stack apply", () => {
    assert.deepEqual(appliedEntryOf(entry({})), {
      kind: "Application",
      namespace: "mooring",
      name: "web",
      revision: "abc",
      at: "2026-12-03T06:00:00.000Z",
    });
    const apply = entry({
      kind: "stack-apply",
      object: { group: "mooring.dev", kind: "Stack", namespace: "infra", name: "db" },
      details: { revision: "def", result: "succeeded" },
    });
    assert.equal(appliedEntryOf(apply)?.kind, "Stack");
  });
  it("ignores failed syncs and applies, other kinds and entries without a revision", () => {
    assert.equal(appliedEntryOf(entry({ details: { revision: "abc", phase: "Failed" } })), undefined);
    assert.equal(appliedEntryOf(entry({ kind: "drift-healed" })), undefined);
    assert.equal(appliedEntryOf(entry({ details: { phase: "Succeeded" } })), undefined);
    assert.equal(
      appliedEntryOf(entry({ kind: "stack-apply", details: { revision: "d", result: "failed" } })),
      undefined,
    );
  });
});

describe("forge retry backoff", () => {
  it("doubles from one second, takes the forge's Retry-After, and never waits over 30 s", () => {
    assert.deepEqual(
      [1, 2, 3].map((n) => forgeRetryDelayMs(n)),
      [1000, 2000, 4000],
    );
    assert.equal(forgeRetryDelayMs(1, 5), 5000);
    assert.equal(forgeRetryDelayMs(9), 30_000);
    assert.equal(forgeRetryDelayMs(1, 3600), 30_000);
  });
});
