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
          policies: [
            {
              name: "no-host-network",
              appliesTo: "objects",
              kinds: ["Deployment", "Pod"],
              expression: "!podSpec.?hostNetwork.orValue(false)",
              message: "pods may not use the host's network",
            },
            {
              name: "keep-databases",
              appliesTo: "planChanges",
              resourceTypes: ["aws_db_instance"],
              expression: 'change.action != "delete"',
            },
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
    [
      "policies not a list",
      withSpec({ policies: { name: "x" } }),
      "project team-a: spec.policies must be a list",
    ],
    [
      "a policy whose expression does not compile",
      withSpec({
        policies: [
          { name: "a", appliesTo: "objects", expression: "true" },
          { name: "b", appliesTo: "objects", expression: "true" },
          { name: "no-host-network", appliesTo: "objects", expression: "object.spec.hostNetwork ==" },
        ],
      }),
      "project team-a: spec.policies[2] (no-host-network): expression does not compile: Unexpected token: EOF",
    ],
    [
      "a policy that returns no bool",
      withSpec({
        policies: [{ name: "count", appliesTo: "planChanges", expression: "change.actions.size()" }],
      }),
      "project team-a: spec.policies[0] (count): expression must return bool, not int",
    ],
    [
      "two policies with one name",
      withSpec({
        policies: [
          { name: "same", appliesTo: "objects", expression: "true" },
          { name: "same", appliesTo: "planChanges", expression: "true" },
        ],
      }),
      'project team-a: spec.policies[1] (same): name "same" is already used by spec.policies[0]',
    ],
    [
      "a policy name that is not a DNS label",
      withSpec({ policies: [{ name: "No Host Network", appliesTo: "objects", expression: "true" }] }),
      'spec.policies[0] (No Host Network): name "No Host Network" must be lower-case letters',
    ],
    [
      "a policy applying to something unknown",
      withSpec({ policies: [{ name: "x", appliesTo: "pods", expression: "true" }] }),
      "spec.policies[0] (x): appliesTo must be one of objects, planChanges",
    ],
    [
      "resourceTypes on an object rule",
      withSpec({
        policies: [{ name: "x", appliesTo: "objects", resourceTypes: ["aws_vpc"], expression: "true" }],
      }),
      "spec.policies[0] (x): resourceTypes is only for appliesTo: planChanges",
    ],
    [
      "kinds on a plan rule",
      withSpec({ policies: [{ name: "x", appliesTo: "planChanges", kinds: ["Pod"], expression: "true" }] }),
      "spec.policies[0] (x): kinds is only for appliesTo: objects",
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
