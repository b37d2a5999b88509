import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BUILT_IN_ROLE_VERBS, parseVerbs, VERB_RESOURCES, VERBS, verbApplies } from "./roles.ts";

describe("built-in roles", () => {
  const cases: [string, keyof typeof BUILT_IN_ROLE_VERBS, string, boolean][] = [
    ["a viewer reads", "viewer", "get", true],
    ["a viewer lists", "viewer", "list", true],
    ["a viewer cannot sync", "viewer", "sync", false],
    ["a deployer syncs", "deployer", "sync", true],
    ["a deployer rolls back", "deployer", "rollback", true],
    ["a deployer terminates a sync", "deployer", "terminate", true],
    ["a deployer cannot approve a plan", "deployer", "approve", false],
    ["a deployer cannot delete", "deployer", "delete", false],
    ["an approver approves a plan", "approver", "approve", true],
    ["an approver applies the approved plan", "approver", "apply", true],
    ["an approver cannot sync an app", "approver", "sync", false],
    ["an admin manages tokens", "admin", "manage-tokens", true],
    ["an admin deletes", "admin", "delete", true],
  ];
  for (const [name, role, verb, expected] of cases) {
    it(name, () => assert.equal(BUILT_IN_ROLE_VERBS[role].includes(verb as never), expected));
  }
  it("admin holds every verb", () => assert.deepEqual([...BUILT_IN_ROLE_VERBS.admin], [...VERBS]));
});

describe("verbApplies", () => {
  it("every verb applies to at least one resource", () => {
    for (const verb of VERBS) assert.ok(VERB_RESOURCES[verb].length > 0, verb);
  });
  const cases: [string, Parameters<typeof verbApplies>, boolean][] = [
    ["sync applies to an application", ["sync", "application"], true],
    ["sync means nothing for a stack", ["sync", "stack"], false],
    ["approve applies to a stack", ["approve", "stack"], true],
    ["approve means nothing for an application", ["approve", "application"], false],
    ["get applies to the audit trail", ["get", "audit"], true],
    ["delete means nothing for the audit trail", ["delete", "audit"], false],
  ];
  for (const [name, args, expected] of cases) it(name, () => assert.equal(verbApplies(...args), expected));
});

describe("parseVerbs", () => {
  it("keeps known verbs in vocabulary order without duplicates", () => {
    assert.deepEqual(parseVerbs("bot", ["refresh", "get", "refresh"]), {
      ok: true,
      verbs: ["get", "refresh"],
    });
  });
  const cases: [string, unknown, string, string][] = [
    [
      "refuses an unknown verb, naming it",
      ["get", "deploy"],
      "unknown-verb",
      'role bot: unknown verb "deploy"',
    ],
    ["refuses an empty list", [], "empty-verbs", "role bot: verbs is empty"],
    ["refuses a string", "get", "not-a-list", "role bot: verbs must be a list"],
    ["refuses a non-string verb", [1], "unknown-verb", "role bot: unknown verb 1"],
  ];
  for (const [name, value, code, message] of cases) {
    it(name, () => {
      const result = parseVerbs("bot", value);
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.equal(result.code, code);
      assert.ok(result.message.startsWith(message), result.message);
    });
  }
});
