import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Stack } from "../core/stack/spec.ts";
import { UsageError } from "./output.ts";
import { sameStack, stackFromFlags, validateStackName } from "./stack-spec.ts";

const REPO = "https://git.example.com/infra.git";

function usageError(pattern: RegExp) {
  return (err: unknown) => err instanceof UsageError && pattern.test(err.message);
}

describe("stackFromFlags", () => {
  it("builds the smallest Stack from a name and a repository, in namespace mooring", () => {
    assert.deepEqual(stackFromFlags({ name: "network", values: { repo: REPO } }), {
      apiVersion: "mooring.dev/v1alpha1",
      kind: "Stack",
      metadata: { name: "network", namespace: "mooring" },
      spec: { source: { repoURL: REPO } },
    });
  });

  it("maps every flag onto its spec field", () => {
    const stack = stackFromFlags({
      name: "db",
      values: {
        namespace: "infra",
        repo: REPO,
        revision: "v2",
        path: "stacks/db",
        workspace: "prod",
        "service-account": "db-runner",
        approve: "auto",
        var: ["region=eu-west-1", "dsn=a=b"],
        "var-json": ['zones=["a","b"]', "size=3", 'tags={"team":"data"}'],
        "destroy-on-delete": true,
        "outputs-secret": "db-outputs",
        "drift-interval": "30m",
        "drift-mode": "remediate",
        "depends-on": ["network", "shared/dns", "infra/vpc"],
      },
    });
    assert.equal(stack.metadata.namespace, "infra");
    assert.deepEqual(stack.spec, {
      source: { repoURL: REPO, targetRevision: "v2", path: "stacks/db" },
      workspace: "prod",
      serviceAccountName: "db-runner",
      vars: { region: "eu-west-1", dsn: "a=b", zones: ["a", "b"], size: 3, tags: { team: "data" } },
      approvePlan: "auto",
      destroyOnDelete: true,
      writeOutputsToSecret: { name: "db-outputs" },
      driftDetection: { interval: "30m", mode: "remediate" },
      dependsOn: [{ name: "network" }, { name: "dns", namespace: "shared" }, { name: "vpc" }],
    });
  });

  it("starts from a manifest and lets flags override its fields, keeping what flags do not name", () => {
    const manifest = {
      source: "db.yaml",
      text: [
        "apiVersion: mooring.dev/v1alpha1",
        "kind: Stack",
        "metadata:",
        "  name: db",
        "  namespace: infra",
        "  labels: { team: data }",
        "  uid: from-the-server",
        "spec:",
        "  source: { repoURL: https://old.example.com/x.git, path: db }",
        "  vars: { region: us-east-1, size: 2 }",
        "  writeOutputsToSecret: { name: old, renames: { endpoint: DATABASE_HOST } }",
        "status: { lastError: ignored }",
      ].join("\n"),
    };
    const stack = stackFromFlags({
      values: { repo: REPO, var: ["region=eu-west-1"], "outputs-secret": "db-outputs" },
      manifest,
    });
    assert.deepEqual(stack, {
      apiVersion: "mooring.dev/v1alpha1",
      kind: "Stack",
      metadata: { name: "db", namespace: "infra", labels: { team: "data" } },
      spec: {
        source: { repoURL: REPO, path: "db" },
        vars: { region: "eu-west-1", size: 2 },
        writeOutputsToSecret: { name: "db-outputs", renames: { endpoint: "DATABASE_HOST" } },
      },
    });
  });

  const refusals: [string, Parameters<typeof stackFromFlags>[0], RegExp][] = [
    ["a missing name", { values: { repo: REPO } }, /expected a stack name/],
    ["a missing repository", { name: "db", values: {} }, /--repo is required/],
    ["a name that is not a DNS name", { name: "DB_1", values: { repo: REPO } }, /invalid stack name "DB_1"/],
    ["a name too long for a label value", { name: "a".repeat(64), values: { repo: REPO } }, /at most 63/],
    ["--var without '='", { name: "db", values: { repo: REPO, var: ["region"] } }, /--var takes NAME=VALUE/],
    ["--var with a bad name", { name: "db", values: { repo: REPO, var: ["1x=a"] } }, /--var 1x: not a valid/],
    [
      "--var-json that is not JSON",
      { name: "db", values: { repo: REPO, "var-json": ["zones=[a"] } },
      /--var-json zones: the value is not JSON/,
    ],
    [
      "the same variable twice",
      { name: "db", values: { repo: REPO, var: ["a=1"], "var-json": ["a=2"] } },
      /variable a is set more than once/,
    ],
    [
      "an unknown approve mode",
      { name: "db", values: { repo: REPO, approve: "yes" } },
      /--approve takes auto or manual/,
    ],
    [
      "an unknown drift mode",
      { name: "db", values: { repo: REPO, "drift-mode": "fix" } },
      /--drift-mode takes report or remediate/,
    ],
    [
      "a drift interval that is not a duration",
      { name: "db", values: { repo: REPO, "drift-interval": "daily" } },
      /spec.driftDetection.interval: "daily" is not a duration/,
    ],
    [
      "a workspace that is not a DNS label",
      { name: "db", values: { repo: REPO, workspace: "Prod" } },
      /spec.workspace: "Prod" must be a lower-case DNS label/,
    ],
    [
      "a ServiceAccount name that is not one",
      { name: "db", values: { repo: REPO, "service-account": "Runner_1" } },
      /spec.serviceAccountName: "Runner_1" is not a valid ServiceAccount name/,
    ],
    [
      "a path outside the repository",
      { name: "db", values: { repo: REPO, path: "../x" } },
      /spec.source.path/,
    ],
    [
      "a malformed --depends-on",
      { name: "db", values: { repo: REPO, "depends-on": ["a/b/c"] } },
      /--depends-on takes NAME or NAMESPACE\/NAME/,
    ],
    [
      "a NAME that differs from the manifest's",
      {
        name: "other",
        values: {},
        manifest: {
          source: "db.yaml",
          text: "apiVersion: mooring.dev/v1alpha1\nkind: Stack\nmetadata: { name: db }\nspec: { source: { repoURL: x } }",
        },
      },
      /NAME "other" differs from metadata.name "db" in db.yaml/,
    ],
    [
      "a manifest of another kind",
      {
        values: {},
        manifest: { source: "a.yaml", text: "apiVersion: mooring.dev/v1alpha1\nkind: Application" },
      },
      /declares kind Application, not Stack/,
    ],
    [
      "a tofu-controller manifest",
      {
        values: {},
        manifest: {
          source: "tf.yaml",
          text: "apiVersion: infra.contrib.fluxcd.io/v1alpha2\nkind: Terraform",
        },
      },
      /tofu-controller Terraform/,
    ],
  ];
  for (const [what, input, pattern] of refusals) {
    it(`refuses ${what} as a usage error`, () => {
      assert.throws(() => stackFromFlags(input), usageError(pattern));
    });
  }

  it("keeps a dependency in the Stack's own namespace implicit", () => {
    const stack = stackFromFlags({
      name: "app",
      values: { repo: REPO, namespace: "infra", "depends-on": ["infra/db", "db", "other/db"] },
    });
    assert.deepEqual(stack.spec.dependsOn, [{ name: "db" }, { name: "db", namespace: "other" }]);
  });
});

describe("validateStackName", () => {
  it("accepts lower-case DNS names up to 63 characters", () => {
    assert.equal(validateStackName("network-eu.1"), "network-eu.1");
    assert.equal(validateStackName("a".repeat(63)), "a".repeat(63));
  });
});

describe("sameStack", () => {
  const desired = stackFromFlags({ name: "db", values: { repo: REPO, var: ["a=1"] } });
  it("ignores what the server and the controller add", () => {
    const live: Stack = {
      ...structuredClone(desired),
      metadata: {
        ...desired.metadata,
        uid: "u",
        resourceVersion: "7",
        annotations: { "mooring.dev/approve-plan": "p-0123456789abcdef" },
      },
      status: { outputsSecret: "x" },
    };
    assert.equal(sameStack(live, desired), true);
  });
  it("sees a changed variable", () => {
    const live = structuredClone(desired);
    live.spec.vars = { a: "2" };
    assert.equal(sameStack(live, desired), false);
  });
});
