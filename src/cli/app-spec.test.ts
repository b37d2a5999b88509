import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Application } from "../core/application.ts";
import { applicationFromFlags, type CreateInput, sameApplication, specDifferences } from "./app-spec.ts";
import { UsageError } from "./output.ts";

const REPO = "https://git.example.com/shop.git";

function usageError(pattern: RegExp) {
  return (err: unknown) => err instanceof UsageError && pattern.test(err.message);
}

describe("applicationFromFlags", () => {
  it("builds the smallest Application from a name and a repository, in namespace mooring", () => {
    assert.deepEqual(applicationFromFlags({ name: "shop", values: { repo: REPO } }), {
      apiVersion: "mooring.dev/v1alpha1",
      kind: "Application",
      metadata: { name: "shop", namespace: "mooring" },
      spec: { source: { repoURL: REPO }, destination: {} },
    });
  });

  it("maps every flag onto the Argo CD field of the same meaning", () => {
    const app = applicationFromFlags({
      name: "shop",
      values: {
        namespace: "apps",
        repo: REPO,
        revision: "v1.2.0",
        path: "deploy/shop",
        "dest-namespace": "shop",
        "dest-cluster": "prod",
        "sync-policy": "automated",
        "auto-prune": true,
        "self-heal": true,
        "sync-option": ["CreateNamespace=true", "PruneLast=true"],
        "helm-set": ["image.tag=1.2.0", "args=a=b"],
        "helm-values-file": ["values-prod.yaml"],
        "release-name": "shop-prod",
      },
    });
    assert.equal(app.metadata.namespace, "apps");
    assert.deepEqual(app.spec, {
      source: {
        repoURL: REPO,
        targetRevision: "v1.2.0",
        path: "deploy/shop",
        helm: {
          parameters: [
            { name: "image.tag", value: "1.2.0" },
            { name: "args", value: "a=b" },
          ],
          valueFiles: ["values-prod.yaml"],
          releaseName: "shop-prod",
        },
      },
      destination: { namespace: "shop", cluster: "prod" },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: ["CreateNamespace=true", "PruneLast=true"],
      },
    });
  });

  it("recurses into directories with --directory-recurse", () => {
    const app = applicationFromFlags({ name: "a", values: { repo: REPO, "directory-recurse": true } });
    assert.deepEqual(app.spec.source?.directory, { recurse: true });
  });

  const manifest = `
apiVersion: mooring.dev/v1alpha1
kind: Application
metadata:
  name: shop
  namespace: apps
  labels: { team: web }
  resourceVersion: "123"
spec:
  source: { repoURL: ${REPO}, path: deploy, targetRevision: main }
  destination: { namespace: shop }
  syncPolicy: { automated: { prune: true } }
status: { sync: { status: Synced } }
operation: { sync: {} }
`;

  it("starts from a -f manifest and lets flags override its fields", () => {
    const app = applicationFromFlags({
      values: { revision: "v2", "sync-policy": "none" },
      manifest: { text: manifest, source: "app.yaml" },
    });
    assert.deepEqual(app, {
      apiVersion: "mooring.dev/v1alpha1",
      kind: "Application",
      metadata: { name: "shop", namespace: "apps", labels: { team: "web" } },
      spec: {
        source: { repoURL: REPO, path: "deploy", targetRevision: "v2" },
        destination: { namespace: "shop" },
      },
    });
  });

  const refusals: [string, CreateInput, RegExp][] = [
    ["no repository", { name: "a", values: {} }, /--repo is required/],
    ["no name", { values: { repo: REPO } }, /expected an application name/],
    [
      "a name Kubernetes refuses",
      { name: "Shop_1", values: { repo: REPO } },
      /invalid application name "Shop_1"/,
    ],
    [
      "an unknown sync policy",
      { name: "a", values: { repo: REPO, "sync-policy": "auto" } },
      /automated or none/,
    ],
    [
      "self-heal without automation",
      { name: "a", values: { repo: REPO, "self-heal": true } },
      /--self-heal needs --sync-policy automated/,
    ],
    ["a sync option without =", { name: "a", values: { repo: REPO, "sync-option": ["Prune"] } }, /KEY=VALUE/],
    [
      "an unknown sync option",
      { name: "a", values: { repo: REPO, "sync-option": ["Nope=true"] } },
      /--sync-option/,
    ],
    [
      "a helm parameter without a key",
      { name: "a", values: { repo: REPO, "helm-set": ["=1"] } },
      /--helm-set takes KEY=VALUE/,
    ],
    [
      "helm flags on a plain directory",
      { name: "a", values: { repo: REPO, "directory-recurse": true, "release-name": "r" } },
      /for helm charts/,
    ],
    [
      "a NAME that contradicts the manifest",
      { name: "other", values: {}, manifest: { text: manifest, source: "app.yaml" } },
      /differs from metadata.name "shop" in app.yaml/,
    ],
    [
      "a namespace that contradicts the manifest",
      { values: { namespace: "x" }, manifest: { text: manifest, source: "app.yaml" } },
      /-n x differs from metadata.namespace "apps"/,
    ],
    [
      "an Argo CD manifest",
      {
        values: {},
        manifest: { text: "apiVersion: argoproj.io/v1alpha1\nkind: Application\n", source: "a.yaml" },
      },
      /change apiVersion to mooring.dev\/v1alpha1/,
    ],
    [
      "a manifest of another kind",
      { values: {}, manifest: { text: "apiVersion: v1\nkind: ConfigMap\n", source: "a.yaml" } },
      /declares kind ConfigMap/,
    ],
    [
      "a manifest that is not YAML",
      { values: {}, manifest: { text: "a: [", source: "a.yaml" } },
      /not valid YAML/,
    ],
  ];
  for (const [what, input, pattern] of refusals) {
    it(`refuses ${what} with a usage error`, () => {
      assert.throws(() => applicationFromFlags(input), usageError(pattern));
    });
  }
});

describe("sameApplication", () => {
  const desired = applicationFromFlags({ name: "shop", values: { repo: REPO, path: "deploy" } });
  const existing = (changes: Partial<Application["metadata"]>, spec = desired.spec): Application => ({
    ...desired,
    metadata: { ...desired.metadata, uid: "u", resourceVersion: "9", ...changes },
    spec: structuredClone(spec),
  });

  it("treats the same spec with server metadata as unchanged", () => {
    assert.equal(sameApplication(existing({ labels: { extra: "x" } }), desired), true);
  });

  it("reads no project as the default project the API server fills in", () => {
    assert.equal(sameApplication(existing({}, { ...desired.spec, project: "default" }), desired), true);
    assert.equal(sameApplication(existing({}, { ...desired.spec, project: "team-a" }), desired), false);
  });

  it("sees a changed spec or a changed desired label", () => {
    assert.equal(sameApplication(existing({}, { ...desired.spec, suspend: true }), desired), false);
    const labelled = { ...desired, metadata: { ...desired.metadata, labels: { team: "web" } } };
    assert.equal(sameApplication(existing({ labels: { team: "ops" } }), labelled), false);
  });
});

describe("specDifferences", () => {
  it("names the fields that still differ after an apply", () => {
    const desired = applicationFromFlags({ name: "shop", values: { repo: REPO } }).spec;
    assert.deepEqual(specDifferences({ ...desired, suspend: true }, desired), ["spec.suspend"]);
    assert.deepEqual(specDifferences(desired, desired), []);
  });
});
