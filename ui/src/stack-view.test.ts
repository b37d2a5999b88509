import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StackObject, StackRow } from "./stack-api.ts";
import {
  actionWord,
  countsText,
  destroys,
  nextStep,
  queryFromStackList,
  stackListFromQuery,
  stackState,
} from "./stack-view.ts";

const row = (extra: Partial<StackRow> = {}): StackRow => ({
  namespace: "infra",
  name: "db",
  project: "team-a",
  labels: {},
  source: { repoURL: "https://git.example/infra.git", path: "db", targetRevision: "main" },
  ready: "True",
  reason: "Applied",
  drifted: false,
  suspended: false,
  ...extra,
});

const stack = (status: StackObject["status"], spec: Partial<StackObject["spec"]> = {}): StackObject => ({
  apiVersion: "mooring.dev/v1alpha1",
  kind: "Stack",
  metadata: { name: "db", namespace: "infra" },
  spec: { project: "team-a", source: { repoURL: "https://git.example/infra.git" }, ...spec },
  status,
});

const plan = (pending: boolean, purpose = "apply") => ({
  id: "p-0123456789abcdef",
  revision: "abc",
  createdAt: "2026-01-01T00:00:00Z",
  purpose,
  summary: { add: 2, change: 0, destroy: 0, replace: 0, forget: 0, import: 0, read: 0 },
  resources: [],
  pending,
});

describe("the Stack list's filters in the address bar", () => {
  it("writes only what differs from the defaults, in a fixed order", () => {
    const state = { ...stackListFromQuery(new URLSearchParams()), state: "pending", search: "db" };
    assert.equal(queryFromStackList(state).toString(), "search=db&state=pending");
  });

  it("reads back what it wrote and drops unknown states and sorts", () => {
    const read = stackListFromQuery(new URLSearchParams("state=bogus&sort=nope&order=desc&project=a"));
    assert.deepEqual(read, { search: "", project: "a", state: "", sort: "name", order: "desc" });
    const round = stackListFromQuery(queryFromStackList({ ...read, state: "drifted", sort: "lastApply" }));
    assert.equal(round.state, "drifted");
    assert.equal(round.sort, "lastApply");
  });
});

describe("a Stack's state in one word", () => {
  it("leads with what needs a person: suspension, then approval, then drift", () => {
    assert.deepEqual(stackState(row({ suspended: true, pendingPlan: "p-1" })), {
      word: "Suspended",
      tone: "quiet",
    });
    assert.deepEqual(stackState(row({ pendingPlan: "p-1", drifted: true })), {
      word: "Waiting for approval",
      tone: "warn",
    });
    assert.deepEqual(stackState(row({ drifted: true })), { word: "Drifted", tone: "warn" });
    assert.deepEqual(stackState(row()), { word: "Ready", tone: "good" });
    assert.deepEqual(stackState(row({ ready: "False", reason: "ApplyFailed" })), {
      word: "Not ready: ApplyFailed",
      tone: "bad",
    });
  });
});

describe("planned actions", () => {
  it("gives each action a word and a colour, and calls out the destructive ones", () => {
    assert.deepEqual(
      ["create", "update", "replace", "delete"].map((a) => [
        actionWord(a).word,
        actionWord(a).tone,
        destroys(a),
      ]),
      [
        ["create", "good", false],
        ["update", "warn", false],
        ["replace", "bad", true],
        ["delete", "bad", true],
      ],
    );
    assert.equal(actionWord("teleport").word, "teleport");
    assert.equal(countsText({ add: 2, change: 1, destroy: 0 }), "2 to add, 1 to change, 0 to destroy");
  });
});

describe("what to do next", () => {
  it("asks an approver to review and approve the pending plan by its id", () => {
    assert.match(
      nextStep(stack({ lastPlan: plan(true) }), true) ?? "",
      /Plan p-0123456789abcdef waits .* approve it/,
    );
  });

  it("tells someone who may not approve who can", () => {
    assert.match(nextStep(stack({ lastPlan: plan(true) }), false) ?? "", /approver role in project team-a/);
  });

  it("puts a stall first and quotes its message", () => {
    const stalled = stack({
      lastPlan: plan(true),
      conditions: [{ type: "Stalled", status: "True", reason: "InvalidConfiguration", message: "main.tf:2" }],
    });
    assert.match(nextStep(stalled, true) ?? "", /^Stalled \(InvalidConfiguration\): main\.tf:2/);
  });

  it("says nothing when the Stack is applied and Ready", () => {
    const ready = stack({
      lastPlan: plan(false),
      conditions: [{ type: "Ready", status: "True", reason: "Applied", message: "applied" }],
    });
    assert.equal(nextStep(ready, true), undefined);
  });
});
