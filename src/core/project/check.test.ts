import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  checkDestination,
  checkResource,
  checkSourceNamespace,
  checkSourceRepo,
  type Project,
  type ProjectSpec,
  serviceAccountFor,
} from "./project.ts";

function project(spec: ProjectSpec, name = "team-a"): Project {
  return {
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Project",
    metadata: { name, namespace: "mooring" },
    spec,
  };
}
const APP = "Application team-a/web";

describe("checkSourceRepo", () => {
  const p = project({
    sourceRepos: ["https://git.example.com/team-a/*", "!https://git.example.com/team-a/secret*"],
  });
  it("allows a listed repository", () => {
    assert.deepEqual(checkSourceRepo(p, APP, "https://git.example.com/team-a/web.git"), { allowed: true });
  });
  it("refuses an unlisted repository, naming object, rule and project", () => {
    assert.deepEqual(checkSourceRepo(p, APP, "https://x/y.git"), {
      allowed: false,
      rule: "sourceRepos",
      message: "Application team-a/web: repository https://x/y.git is not in project team-a's sourceRepos",
    });
  });
  it("never repeats a password from the URL in its message", () => {
    const decision = checkSourceRepo(p, APP, "https://user:s3cret@evil.example/x.git");
    assert.equal(
      decision.allowed ? "" : decision.message,
      "Application team-a/web: repository https://evil.example/x.git is not in project team-a's sourceRepos",
    );
  });
  it("lets a ! entry win over a matching allow", () => {
    const decision = checkSourceRepo(p, APP, "https://git.example.com/team-a/secrets.git");
    assert.equal(decision.allowed, false);
    assert.match(decision.allowed ? "" : decision.message, /denied by project team-a's sourceRepos entry/);
  });
  it("refuses everything when sourceRepos is empty", () => {
    assert.equal(checkSourceRepo(project({}), APP, "https://git.example.com/x").allowed, false);
  });
});

describe("checkDestination", () => {
  const inCluster = (namespace: string) => ({
    name: "in-cluster",
    server: "https://kubernetes.default.svc",
    namespace,
  });
  const cases: [string, ProjectSpec["destinations"], ReturnType<typeof inCluster>, boolean][] = [
    [
      "a namespace glob on a named cluster",
      [{ name: "in-cluster", namespace: "team-a-*" }],
      inCluster("team-a-web"),
      true,
    ],
    [
      "a namespace outside the glob",
      [{ name: "in-cluster", namespace: "team-a-*" }],
      inCluster("kube-system"),
      false,
    ],
    ["a server glob", [{ server: "https://kubernetes.default.svc", namespace: "*" }], inCluster("x"), true],
    ["another cluster", [{ name: "prod", namespace: "*" }], inCluster("x"), false],
    ["no destinations at all", [], inCluster("x"), false],
    [
      "a ! namespace entry, which wins over a * entry",
      [
        { server: "*", namespace: "!kube-system" },
        { server: "*", namespace: "*" },
      ],
      inCluster("kube-system"),
      false,
    ],
    [
      "another namespace next to a ! namespace entry",
      [
        { server: "*", namespace: "!kube-system" },
        { server: "*", namespace: "*" },
      ],
      inCluster("team-a"),
      true,
    ],
    [
      "a ! cluster entry",
      [
        { name: "!in-cluster", namespace: "*" },
        { name: "*", namespace: "*" },
      ],
      inCluster("team-a"),
      false,
    ],
    ["cluster scope when the project allows *", [{ name: "*", namespace: "*" }], inCluster(""), true],
    [
      "cluster scope when the project allows one namespace",
      [{ name: "*", namespace: "team-a" }],
      inCluster(""),
      false,
    ],
  ];
  for (const [name, destinations, destination, expected] of cases) {
    it(`${expected ? "allows" : "refuses"} ${name}`, () => {
      assert.equal(checkDestination(project({ destinations }), APP, destination).allowed, expected);
    });
  }
  it("names the destination and the project", () => {
    const decision = checkDestination(
      project({ destinations: [{ name: "in-cluster", namespace: "team-a" }] }),
      APP,
      inCluster("kube-system"),
    );
    assert.deepEqual(decision, {
      allowed: false,
      rule: "destinations",
      message:
        "Application team-a/web: destination in-cluster (https://kubernetes.default.svc), namespace kube-system is not allowed by project team-a's destinations",
    });
  });
});

describe("checkResource", () => {
  const crb = { group: "rbac.authorization.k8s.io", kind: "ClusterRoleBinding", namespaced: false };
  const secret = { group: "", kind: "Secret", namespaced: true };
  const cases: [string, ProjectSpec, typeof crb, boolean | string][] = [
    ["a cluster-scoped kind when the cluster whitelist is empty", {}, crb, "clusterResourceWhitelist"],
    [
      "a whitelisted cluster-scoped kind",
      { clusterResourceWhitelist: [{ group: "*", kind: "*" }] },
      crb,
      true,
    ],
    [
      "a cluster-scoped kind whitelisted and blacklisted",
      {
        clusterResourceWhitelist: [{ group: "*", kind: "*" }],
        clusterResourceBlacklist: [{ group: "rbac.authorization.k8s.io", kind: "Cluster*" }],
      },
      crb,
      "clusterResourceBlacklist",
    ],
    ["a namespaced kind when the namespace whitelist is empty", {}, secret, true],
    [
      "a namespaced kind missing from a non-empty whitelist",
      { namespaceResourceWhitelist: [{ group: "apps", kind: "Deployment" }] },
      secret,
      "namespaceResourceWhitelist",
    ],
    [
      "a core-group kind in the whitelist",
      { namespaceResourceWhitelist: [{ group: "", kind: "Secret" }] },
      secret,
      true,
    ],
    [
      "a blacklisted namespaced kind",
      { namespaceResourceBlacklist: [{ group: "", kind: "Secret" }] },
      secret,
      "namespaceResourceBlacklist",
    ],
    [
      "a namespaced kind whose group differs from the blacklisted one",
      { namespaceResourceBlacklist: [{ group: "example.com", kind: "Secret" }] },
      secret,
      true,
    ],
  ];
  for (const [name, spec, resource, expected] of cases) {
    it(`${expected === true ? "allows" : "refuses"} ${name}`, () => {
      const decision = checkResource(project(spec), APP, resource);
      if (expected === true) assert.deepEqual(decision, { allowed: true });
      else assert.equal(decision.allowed ? "" : decision.rule, expected);
    });
  }
  it("names the object, its kind, the rule and the project", () => {
    const decision = checkResource(project({}), APP, { ...crb, object: "ClusterRoleBinding/take-over" });
    assert.equal(
      decision.allowed ? "" : decision.message,
      "Application team-a/web: ClusterRoleBinding/take-over (cluster-scoped kind rbac.authorization.k8s.io/ClusterRoleBinding) is not in project team-a's clusterResourceWhitelist",
    );
  });
});

describe("checkSourceNamespace", () => {
  const p = project({ sourceNamespaces: ["team-a", "team-a-*"] });
  it("allows any project from the controller namespace", () => {
    assert.equal(checkSourceNamespace(project({}), APP, "mooring", "mooring").allowed, true);
  });
  it("allows a listed namespace", () => {
    assert.equal(checkSourceNamespace(p, APP, "team-a-dev", "mooring").allowed, true);
  });
  it("refuses another team's namespace, saying why", () => {
    const decision = checkSourceNamespace(p, "Application team-b/web", "team-b", "mooring");
    assert.equal(decision.allowed ? "" : decision.rule, "sourceNamespaces");
    assert.match(
      decision.allowed ? "" : decision.message,
      /^Application team-b\/web: namespace team-b is not in project team-a's sourceNamespaces/,
    );
  });
});

describe("serviceAccountFor", () => {
  const p = project({
    destinationServiceAccounts: [
      { server: "https://kubernetes.default.svc", namespace: "team-a-*", defaultServiceAccount: "deployer" },
      { name: "prod", namespace: "*", defaultServiceAccount: "mooring-tenants:team-a" },
      { server: "*", namespace: "*", defaultServiceAccount: "fallback" },
    ],
  });
  it("takes the first match and puts a bare name in the destination namespace", () => {
    assert.deepEqual(
      serviceAccountFor(p, {
        name: "in-cluster",
        server: "https://kubernetes.default.svc",
        namespace: "team-a-web",
      }),
      { namespace: "team-a-web", name: "deployer" },
    );
  });
  it("matches on the cluster name and reads namespace:name", () => {
    assert.deepEqual(
      serviceAccountFor(p, { name: "prod", server: "https://prod.example:6443", namespace: "web" }),
      {
        namespace: "mooring-tenants",
        name: "team-a",
      },
    );
  });
  it("falls through to a later entry", () => {
    assert.deepEqual(
      serviceAccountFor(p, { name: "in-cluster", server: "https://kubernetes.default.svc", namespace: "x" }),
      {
        namespace: "x",
        name: "fallback",
      },
    );
  });
  it("is undefined when nothing matches", () => {
    assert.equal(serviceAccountFor(project({}), { name: "in-cluster", namespace: "x" }), undefined);
  });
});
