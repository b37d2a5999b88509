import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateProject } from "./validate.ts";

function withSpec(spec: unknown, name = "team-a") {
  return { apiVersion: "mooring.dev/v1alpha1", kind: "Project", metadata: { name }, spec };
}

describe("validateProject", () => {
  it("accepts a full project", () => {
    assert.deepEqual(
      validateProject(
        withSpec({
          description: "team A",
          sourceRepos: ["https://git.example.com/team-a/*", "!https://git.example.com/team-a/old", "*"],
          destinations: [
            { name: "in-cluster", namespace: "team-a-*" },
            { server: "*", namespace: "!kube-system" },
          ],
          clusterResourceWhitelist: [{ group: "", kind: "Namespace" }],
          namespaceResourceBlacklist: [{ group: "", kind: "ResourceQuota" }],
          sourceNamespaces: ["team-a"],
          destinationServiceAccounts: [
            { server: "*", namespace: "team-a", defaultServiceAccount: "deployer" },
            { name: "prod", namespace: "*", defaultServiceAccount: "tenants:team-a" },
          ],
          roles: [
            { name: "deployer", description: "team A's developers", groups: ["team-a-devs"] },
            { name: "ci", verbs: ["get", "list", "refresh"], users: ["bot"] },
          ],
        }),
      ),
      [],
    );
  });
  it("accepts a project without a spec", () => {
    assert.deepEqual(validateProject(withSpec(undefined)), []);
  });
  const cases: [string, unknown, string][] = [
    [
      "a repo pattern with a password",
      withSpec({ sourceRepos: ["https://u:p@git.example.com/*"] }),
      'project team-a: spec.sourceRepos[0] "https://u:p@git.example.com/*" is not a repository URL pattern',
    ],
    ["a bare host prefix", withSpec({ sourceRepos: ["git.example.com/*"] }), "spec.sourceRepos[0]"],
    [
      "a destination without namespace",
      withSpec({ destinations: [{ server: "*" }] }),
      "project team-a: spec.destinations[0].namespace is required",
    ],
    [
      "a destination without cluster",
      withSpec({ destinations: [{ namespace: "*" }] }),
      "spec.destinations[0] needs server or name",
    ],
    [
      "a kind entry without kind",
      withSpec({ clusterResourceWhitelist: [{ group: "" }] }),
      "spec.clusterResourceWhitelist[0].kind is required",
    ],
    [
      "a service account with a glob",
      withSpec({ destinationServiceAccounts: [{ server: "*", namespace: "*", defaultServiceAccount: "*" }] }),
      'defaultServiceAccount "*" is not NAME or NAMESPACE:NAME',
    ],
    [
      "sourceNamespaces not a list",
      withSpec({ sourceNamespaces: "team-a" }),
      "spec.sourceNamespaces must be a list of strings",
    ],
    ["a bad name", withSpec({}, "Team_A"), 'metadata.name "Team_A" is not a valid object name'],
    [
      "Argo CD's signatureKeys entry naming a keyring key",
      withSpec({ signatureKeys: [{ keyID: "4AEE18F83AFDEB23" }] }),
      "project team-a: spec.signatureKeys[0] has only keyID",
    ],
    [
      "a signature key that is not a public key",
      withSpec({ signatureKeys: [{ ssh: "ssh-ed25519 AAAA bob@example.com" }] }),
      "project team-a: spec.signatureKeys[0].ssh holds a ssh-ed25519 key that is not valid base64",
    ],
    [
      "a role with a verb Mooring does not know",
      withSpec({ roles: [{ name: "ci", verbs: ["get", "deploy"], groups: ["ci"] }] }),
      'project team-a: spec.roles[0].verbs: role ci: unknown verb "deploy"',
    ],
    [
      "Argo CD's Casbin policies in a role",
      withSpec({
        roles: [{ name: "dev", policies: ["p, proj:team-a:dev, applications, get, team-a/*, allow"] }],
      }),
      "project team-a: spec.roles[0].policies is Argo CD's Casbin form",
    ],
  ];
  for (const [name, obj, expected] of cases) {
    it(`refuses ${name}`, () => {
      const problems = validateProject(obj);
      assert.ok(
        problems.some((p) => p.includes(expected)),
        problems.join("\n"),
      );
    });
  }
});
