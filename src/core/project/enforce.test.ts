import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkBeforeFetch, checkRendered, summarizeViolations } from "./enforce.ts";
import type { Project } from "./project.ts";

const teamA: Project = {
  apiVersion: "mooring.dev/v1alpha1",
  kind: "Project",
  metadata: { name: "team-a", namespace: "mooring" },
  spec: {
    sourceRepos: ["http://127.0.0.1:*/team-a/*"],
    destinations: [{ name: "in-cluster", namespace: "team-a" }],
    sourceNamespaces: ["team-a"],
  },
};
const inCluster = { name: "in-cluster", server: "https://kubernetes.default.svc" };
const app = {
  subject: "Application team-a/web",
  namespace: "team-a",
  repoURL: "http://127.0.0.1:8123/team-a/web.git",
  cluster: inCluster,
  destinationNamespace: "team-a",
  controllerNamespace: "mooring",
};

describe("checkBeforeFetch", () => {
  it("admits an app in its team's namespace, from its repository, to its namespace", () => {
    assert.deepEqual(checkBeforeFetch(teamA, app), { allowed: true });
  });
  const cases: [string, Partial<typeof app>, string][] = [
    ["an app living in another team's namespace", { namespace: "team-b" }, "sourceNamespaces"],
    ["an unlisted repository", { repoURL: "http://127.0.0.1:8123/team-b/web.git" }, "sourceRepos"],
    [
      "a destination namespace the project does not list",
      { destinationNamespace: "kube-system" },
      "destinations",
    ],
  ];
  for (const [name, change, rule] of cases) {
    it(`refuses ${name} by ${rule}`, () => {
      const decision = checkBeforeFetch(teamA, { ...app, ...change });
      assert.equal(decision.allowed ? "" : decision.rule, rule);
    });
  }
  it("checks the namespace before the repository, so a stranger learns nothing about the rules", () => {
    const decision = checkBeforeFetch(teamA, {
      ...app,
      namespace: "team-b",
      repoURL: "https://evil.example/x",
    });
    assert.equal(decision.allowed ? "" : decision.rule, "sourceNamespaces");
  });
});

describe("checkRendered", () => {
  it("lists every object out of bounds with its rule, and lets the rest through", () => {
    const violations = checkRendered(teamA, "Application team-a/web", inCluster, [
      { ref: { group: "apps", kind: "Deployment", namespace: "team-a", name: "web" }, namespaced: true },
      {
        ref: {
          group: "rbac.authorization.k8s.io",
          kind: "ClusterRoleBinding",
          namespace: "",
          name: "own-it",
        },
        namespaced: false,
      },
      { ref: { group: "", kind: "ConfigMap", namespace: "kube-system", name: "x" }, namespaced: true },
      { ref: { group: "example.com", kind: "Unknown", namespace: "", name: "y" }, namespaced: undefined },
    ]);
    assert.deepEqual(
      violations.map((v) => [v.rule, v.ref.name]),
      [
        ["clusterResourceWhitelist", "own-it"],
        ["destinations", "x"],
      ],
    );
    assert.match(
      violations[1]?.message ?? "",
      /namespace kube-system is not allowed by project team-a's destinations \(object ConfigMap\/kube-system\/x\)$/,
    );
  });

  it("summarizes: the first few in full, then a count, and that nothing was applied", () => {
    const many = Array.from({ length: 5 }, (_, i) => ({
      ref: { group: "", kind: "ConfigMap", namespace: "kube-system", name: `c${i}` },
      rule: "destinations",
      message: `m${i}`,
    }));
    assert.equal(summarizeViolations(many), "m0; m1; m2; and 2 more objects; nothing was applied");
  });
});
