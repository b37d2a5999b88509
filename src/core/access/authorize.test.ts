import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type AccessRequest,
  authorize,
  bindingsFromProjects,
  type ProjectRole,
  parseProjectRoles,
  roleVerbs,
  type Subject,
  visibleProjects,
} from "./authorize.ts";

function roles(project: string, spec: unknown): ProjectRole[] {
  const result = parseProjectRoles(project, spec);
  assert.ok(result.ok, JSON.stringify(result));
  return result.roles;
}

const PROJECTS = [
  {
    name: "team-a",
    roles: roles("team-a", [
      { name: "viewer", users: ["vera"], groups: ["auditors"] },
      { name: "deployer", users: ["dana"], groups: ["team-a-devs"] },
      { name: "approver", users: ["abe"] },
      { name: "admin", users: ["ada"] },
      { name: "refresher", verbs: ["get", "list", "refresh"], groups: ["ci"] },
    ]),
  },
  { name: "team-b", roles: roles("team-b", [{ name: "deployer", users: ["bob"], groups: ["auditors"] }]) },
];

function user(name: string, groups: string[] = []): Subject {
  return {
    kind: "user",
    name,
    groups,
    globalAdmin: false,
    bindings: bindingsFromProjects({ name, groups }, PROJECTS),
  };
}

const ROOT: Subject = { kind: "user", name: "admin", groups: [], globalAdmin: true, bindings: [] };

describe("authorize: the 403 matrix", () => {
  const a = (
    verb: AccessRequest["verb"],
    resource: AccessRequest["resource"],
    project?: string,
  ): AccessRequest =>
    project === undefined ? { verb, resource } : { verb, resource, project, name: "mooring/web" };
  const cases: [string, Subject, AccessRequest, true | string][] = [
    ["a viewer reads an app", user("vera"), a("get", "application", "team-a"), true],
    ["a viewer cannot sync", user("vera"), a("sync", "application", "team-a"), "verb-not-granted"],
    ["a deployer syncs", user("dana"), a("sync", "application", "team-a"), true],
    [
      "a deployer through a group syncs",
      user("x", ["team-a-devs"]),
      a("sync", "application", "team-a"),
      true,
    ],
    ["a deployer cannot approve a plan", user("dana"), a("approve", "stack", "team-a"), "verb-not-granted"],
    ["an approver approves a plan", user("abe"), a("approve", "stack", "team-a"), true],
    ["an approver cannot sync", user("abe"), a("sync", "application", "team-a"), "verb-not-granted"],
    ["team-a cannot see team-b", user("dana"), a("get", "application", "team-b"), "no-role-in-project"],
    ["a project admin manages its tokens", user("ada"), a("manage-tokens", "token", "team-a"), true],
    [
      "a project admin cannot touch team-b",
      user("ada"),
      a("delete", "application", "team-b"),
      "no-role-in-project",
    ],
    ["a custom role refreshes", user("ci-bot", ["ci"]), a("refresh", "stack", "team-a"), true],
    [
      "a custom role cannot sync",
      user("ci-bot", ["ci"]),
      a("sync", "application", "team-a"),
      "verb-not-granted",
    ],
    ["a stranger sees nothing", user("eve"), a("list", "application", "team-a"), "no-role-in-project"],
    [
      "a project admin cannot register a global cluster",
      user("ada"),
      a("manage-project", "cluster"),
      "global-resource",
    ],
    ["a global admin registers a cluster", ROOT, a("manage-project", "cluster"), true],
    ["a global admin syncs in any project", ROOT, a("sync", "application", "team-b"), true],
    ["nobody approves an application", ROOT, a("approve", "application", "team-a"), "verb-not-applicable"],
  ];
  for (const [name, subject, request, expected] of cases) {
    it(name, () => {
      const decision = authorize(subject, request);
      if (expected === true) assert.equal(decision.allowed, true, decision.reason);
      else assert.deepEqual(decision.allowed ? "allowed" : decision.code, expected, decision.reason);
    });
  }

  it("a refusal names who, what, where and why", () => {
    assert.deepEqual(authorize(user("vera"), a("sync", "application", "team-a")), {
      allowed: false,
      code: "verb-not-granted",
      reason:
        "user vera may not sync application mooring/web in project team-a: role viewer does not grant sync",
    });
  });
  it("an allowance names the roles that granted it", () => {
    assert.deepEqual(authorize(user("x", ["auditors", "team-a-devs"]), a("get", "stack", "team-a")), {
      allowed: true,
      reason: "user x may get stack mooring/web in project team-a: role viewer, deployer",
      roles: ["viewer", "deployer"],
    });
  });
  it("a token is named by its id", () => {
    const token: Subject = {
      kind: "token",
      name: "token:abc",
      groups: [],
      globalAdmin: false,
      bindings: [{ project: "team-a", role: "viewer", verbs: ["get", "list"] }],
    };
    assert.match(authorize(token, a("sync", "application", "team-a")).reason, /^token:abc may not sync/);
  });
});

describe("visibleProjects", () => {
  const all = ["team-b", "team-a", "team-c"];
  it("a user sees only the projects they hold a role in", () => {
    assert.deepEqual(visibleProjects(user("dana"), all), ["team-a"]);
    assert.deepEqual(visibleProjects(user("x", ["auditors"]), all), ["team-a", "team-b"]);
  });
  it("a stranger sees none", () => assert.deepEqual(visibleProjects(user("eve"), all), []));
  it("a global admin sees all, sorted", () =>
    assert.deepEqual(visibleProjects(ROOT, all), ["team-a", "team-b", "team-c"]));
  it("a role without get does not make a project visible", () => {
    const subject: Subject = {
      ...user("y"),
      bindings: [{ project: "team-c", role: "hook", verbs: ["refresh"] }],
    };
    assert.deepEqual(visibleProjects(subject, all), []);
  });
});

describe("parseProjectRoles", () => {
  it("accepts no roles", () => assert.deepEqual(parseProjectRoles("p", undefined), { ok: true, roles: [] }));
  it("resolves built-in verbs and keeps descriptions", () => {
    assert.deepEqual(roles("p", [{ name: "viewer", description: "read", groups: ["g"] }]), [
      { name: "viewer", description: "read", verbs: ["get", "list"], users: [], groups: ["g"] },
    ]);
  });
  const cases: [string, unknown, string][] = [
    ["a role list that is not a list", { name: "x" }, "project p: spec.roles must be a list"],
    ["a role that is not an object", ["viewer"], "project p: spec.roles[0] must be an object"],
    ["a role without a name", [{ users: ["a"] }], "project p: spec.roles[0].name must be a role name"],
    [
      "a role name with a slash",
      [{ name: "a/b", verbs: ["get"] }],
      "project p: spec.roles[0].name must be a role name",
    ],
    [
      "a repeated role",
      [{ name: "viewer" }, { name: "viewer" }],
      "project p: spec.roles[1].name repeats role viewer",
    ],
    [
      "a custom role without verbs",
      [{ name: "bot" }],
      "project p: spec.roles[0].verbs is required for custom role bot",
    ],
    [
      "a custom role with an unknown verb",
      [{ name: "bot", verbs: ["get", "deploy"] }],
      'project p: spec.roles[0].verbs: role bot: unknown verb "deploy"',
    ],
    ["verbs on a built-in role", [{ name: "viewer", verbs: ["sync"] }], "cannot change built-in role viewer"],
    ["users that are not strings", [{ name: "viewer", users: [1] }], "spec.roles[0].users must be a list"],
    [
      "Argo CD's Casbin policies",
      [{ name: "viewer", policies: ["p, x"] }],
      "spec.roles[0].policies is Argo CD's Casbin",
    ],
    ["Argo CD's jwtTokens", [{ name: "viewer", jwtTokens: [] }], "create API tokens with moor token create"],
    ["an unknown field", [{ name: "viewer", user: ["a"] }], "spec.roles[0].user is not a role field"],
  ];
  for (const [name, spec, message] of cases) {
    it(`refuses ${name}`, () => {
      const result = parseProjectRoles("p", spec);
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.ok(
        result.problems.some((p) => p.includes(message)),
        result.problems.join("\n"),
      );
    });
  }
  it("refuses the whole list when one role is wrong", () => {
    assert.equal(parseProjectRoles("p", [{ name: "viewer" }, { name: "bot" }]).ok, false);
  });
});

describe("roleVerbs", () => {
  it("finds built-in and custom roles, and nothing for an unknown one", () => {
    const team = PROJECTS[0]?.roles ?? [];
    assert.deepEqual(roleVerbs(team, "deployer"), [
      "get",
      "list",
      "sync",
      "refresh",
      "rollback",
      "terminate",
      "suspend",
    ]);
    assert.deepEqual(roleVerbs(team, "refresher"), ["get", "list", "refresh"]);
    assert.equal(roleVerbs(team, "gone"), undefined);
  });
});
