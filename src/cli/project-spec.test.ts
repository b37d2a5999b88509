import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UsageError } from "./output.ts";
import {
  parseDestination,
  parseDestinationServiceAccount,
  parseGroupKind,
  projectFromInput,
} from "./project-spec.ts";

describe("project flags", () => {
  it("read a destination by cluster name or by server URL", () => {
    assert.deepEqual(parseDestination("in-cluster,team-a"), { name: "in-cluster", namespace: "team-a" });
    assert.deepEqual(parseDestination("https://prod.example:6443,*"), {
      server: "https://prod.example:6443",
      namespace: "*",
    });
    assert.throws(() => parseDestination("team-a"), UsageError);
  });
  it("read GROUP/KIND, KIND alone being the core group", () => {
    assert.deepEqual(parseGroupKind("x", "rbac.authorization.k8s.io/ClusterRole"), {
      group: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
    });
    assert.deepEqual(parseGroupKind("x", "Namespace"), { group: "", kind: "Namespace" });
    assert.deepEqual(parseGroupKind("x", "*/*"), { group: "*", kind: "*" });
    assert.throws(() => parseGroupKind("x", "apps/"), UsageError);
  });
  it("read a destination service account", () => {
    assert.deepEqual(parseDestinationServiceAccount("in-cluster,team-a,deployer"), {
      name: "in-cluster",
      namespace: "team-a",
      defaultServiceAccount: "deployer",
    });
  });
});

describe("projectFromInput", () => {
  it("requires signed commits by the keys --gpg-key and --ssh-signer give, and names a bad one", () => {
    const ssh =
      "alice@example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM+xyHc0uSw499jXv9xQXvVPIpcenrQ3NYPyk93WLGQD";
    const project = projectFromInput({ name: "signed", values: { "ssh-signer": [ssh] } });
    assert.deepEqual(project.spec.signatureKeys, [{ ssh }]);
    assert.throws(
      () =>
        projectFromInput({
          name: "signed",
          values: {},
          gpgKeys: [{ text: "-----BEGIN PGP PRIVATE KEY BLOCK-----\n", source: "alice.asc" }],
        }),
      /project signed: spec.signatureKeys\[0\].gpg holds a private key/,
    );
  });
  it("builds a project from flags in the controller namespace", () => {
    const project = projectFromInput({
      name: "team-a",
      values: {
        "source-repo": ["https://git.example.com/team-a/*"],
        destination: ["in-cluster,team-a"],
        "source-namespace": ["team-a"],
        "deny-namespaced-resource": ["ResourceQuota"],
      },
    });
    assert.deepEqual(project, {
      apiVersion: "mooring.dev/v1alpha1",
      kind: "Project",
      metadata: { name: "team-a", namespace: "mooring" },
      spec: {
        sourceRepos: ["https://git.example.com/team-a/*"],
        destinations: [{ name: "in-cluster", namespace: "team-a" }],
        namespaceResourceBlacklist: [{ group: "", kind: "ResourceQuota" }],
        sourceNamespaces: ["team-a"],
      },
    });
  });
  it("refuses a project the controller would refuse, naming the field", () => {
    assert.throws(
      () => projectFromInput({ name: "team-a", values: { "source-repo": ["git.example.com/*"] } }),
      (err) => err instanceof UsageError && /project team-a: spec\.sourceRepos\[0\]/.test(err.message),
    );
  });
  it("reads a manifest and refuses flags mixed in", () => {
    const text =
      "apiVersion: mooring.dev/v1alpha1\nkind: Project\nmetadata:\n  name: team-b\nspec:\n  sourceRepos: ['*']\n";
    assert.equal(
      projectFromInput({ values: {}, manifest: { text, source: "p.yaml" } }).metadata.name,
      "team-b",
    );
    assert.throws(
      () => projectFromInput({ values: { "source-repo": ["*"] }, manifest: { text, source: "p.yaml" } }),
      /--source-repo cannot be combined with -f/,
    );
    assert.throws(
      () => projectFromInput({ values: {}, manifest: { text: "kind: AppProject\n", source: "p.yaml" } }),
      /not mooring.dev\/v1alpha1 Project/,
    );
  });
});
