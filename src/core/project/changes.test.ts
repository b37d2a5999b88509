import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_VALUE_CHARS, projectChanges, roleChanges } from "./changes.ts";

const base = {
  sourceRepos: ["https://git.example.com/team-a/*"],
  destinations: [{ server: "*", namespace: "team-a-*" }],
  roles: [
    { name: "deployer", groups: ["team-a-devs"] },
    { name: "viewer", users: ["carol"] },
  ],
};

describe("projectChanges", () => {
  it("records a project created, with its fields and its roles as added", () => {
    const changes = projectChanges(undefined, base);
    assert.deepEqual(
      changes.map((c) => c.kind),
      ["project-changed", "role-changed"],
    );
    assert.equal(changes[0]?.details.change, "created");
    assert.deepEqual(changes[0]?.details.fields, ["destinations", "roles", "sourceRepos"]);
    assert.deepEqual(
      ((changes[1]?.details.roles ?? []) as { role: string; change: string }[]).map(
        (r) => `${r.role}:${r.change}`,
      ),
      ["deployer:added", "viewer:added"],
    );
  });

  it("records a project deleted, with the spec it had", () => {
    const [change] = projectChanges(base, undefined);
    assert.equal(change?.kind, "project-changed");
    assert.equal(change?.details.change, "deleted");
    assert.deepEqual(change?.details.spec, base);
  });

  it("names a widened destination with its value before and after", () => {
    const after = { ...base, destinations: [{ server: "*", namespace: "*" }] };
    const changes = projectChanges(base, after);
    assert.equal(changes.length, 1);
    assert.deepEqual(changes[0]?.details, {
      change: "updated",
      fields: ["destinations"],
      before: { destinations: base.destinations },
      after: { destinations: after.destinations },
    });
  });

  it("reads a field that appears as changed from absent (null before)", () => {
    const after = { ...base, sourceNamespaces: ["team-a"] };
    const [change] = projectChanges(base, after);
    assert.deepEqual(change?.details.before, { sourceNamespaces: null });
  });

  it("records nothing when the spec is the same, whatever the key order", () => {
    const reordered = { roles: base.roles, destinations: base.destinations, sourceRepos: base.sourceRepos };
    assert.deepEqual(projectChanges(base, reordered), []);
  });

  it("keeps a long value as its length only", () => {
    const key = { gpg: "x".repeat(MAX_VALUE_CHARS + 10) };
    const [change] = projectChanges(base, { ...base, signatureKeys: [key] });
    assert.match(
      String(((change?.details.after ?? {}) as Record<string, unknown>).signatureKeys),
      /^\(\d+ characters\)$/,
    );
  });
});

describe("roleChanges", () => {
  it("names the user granted a role and the group that lost it", () => {
    const after = {
      roles: [
        { name: "deployer", groups: ["team-a-leads"], users: ["bob"] },
        { name: "viewer", users: ["carol"] },
      ],
    };
    assert.deepEqual(roleChanges(base, after), [
      {
        role: "deployer",
        change: "updated",
        usersAdded: ["bob"],
        groupsAdded: ["team-a-leads"],
        groupsRemoved: ["team-a-devs"],
      },
    ]);
  });

  it("names the verbs a custom role gained", () => {
    const before = { roles: [{ name: "bot", verbs: ["get", "list"], groups: ["ci"] }] };
    const after = { roles: [{ name: "bot", verbs: ["get", "list", "sync"], groups: ["ci"] }] };
    assert.deepEqual(roleChanges(before, after), [{ role: "bot", change: "updated", verbsAdded: ["sync"] }]);
  });

  it("records a removed role with the users and groups that held it", () => {
    const after = { roles: [{ name: "deployer", groups: ["team-a-devs"] }] };
    assert.deepEqual(roleChanges(base, after), [
      { role: "viewer", change: "removed", usersRemoved: ["carol"] },
    ]);
  });
});
