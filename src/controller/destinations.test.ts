import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { stringify } from "yaml";
import type { KubeObject } from "../core/objects.ts";
import { fromKubeconfigText } from "../kube/kubeconfig.ts";
import type { Credentials } from "../kube/rest.ts";
import {
  clusterFromSecret,
  clusterSecret,
  DestinationError,
  findClusterSecret,
  secretText,
  selfContainedKubeconfig,
  validateClusterName,
} from "./destinations.ts";

const CA = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
const CERT = "-----BEGIN CERTIFICATE-----\nCERT\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n";
const credentials: Credentials = { server: "https://10.0.0.1:6443", caPem: CA, certPem: CERT, keyPem: KEY };

function secret(
  name: string,
  data: Record<string, string>,
  label = "mooring.dev/secret-type",
  resourceVersion = "1",
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace: "mooring", labels: { [label]: "cluster" }, resourceVersion },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
  };
}

function expectInvalid(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof DestinationError);
    assert.equal(err.code, "cluster-invalid");
    assert.match(err.message, pattern);
    assert.match(err.message, /moor cluster add/);
    return true;
  });
}

describe("cluster registration Secrets", () => {
  it("round-trips credentials through a self-contained kubeconfig", () => {
    const text = selfContainedKubeconfig("prod", {
      ...credentials,
      token: "tok",
      insecureSkipTlsVerify: true,
    });
    assert.doesNotMatch(text, /BEGIN CERTIFICATE/, "certificates are base64-embedded");
    assert.deepEqual(fromKubeconfigText(text, "test").credentials, {
      ...credentials,
      token: "tok",
      insecureSkipTlsVerify: true,
    });
  });

  it("writes name, server, config and the namespace scope, labelled as a cluster", () => {
    const s = clusterSecret({ name: "prod", credentials, namespaces: ["a", "b"], namespace: "mooring" });
    assert.equal(s.metadata.name, "cluster-prod");
    assert.deepEqual(s.metadata.labels, { "mooring.dev/secret-type": "cluster" });
    assert.equal(secretText(s, "name"), "prod");
    assert.equal(secretText(s, "server"), credentials.server);
    assert.equal(secretText(s, "namespaces"), "a,b");
    const decoded = clusterFromSecret(s, "mooring");
    assert.deepEqual(decoded.credentials, credentials);
    assert.deepEqual(decoded.namespaces, ["a", "b"]);
  });

  it("reads Argo CD's JSON cluster config", () => {
    const config = JSON.stringify({
      bearerToken: "tok",
      tlsClientConfig: { insecure: false, caData: Buffer.from(CA).toString("base64") },
    });
    const decoded = clusterFromSecret(
      secret("argo", { name: "argo", server: "https://argo:6443", config }, "argocd.argoproj.io/secret-type"),
      "mooring",
    );
    assert.deepEqual(decoded.credentials, { server: "https://argo:6443", caPem: CA, token: "tok" });
  });

  it("refuses a kubeconfig that points at local files", () => {
    const config = stringify({
      clusters: [{ name: "c", cluster: { server: "https://evil:6443" } }],
      users: [{ name: "u", user: { tokenFile: "/var/run/secrets/kubernetes.io/serviceaccount/token" } }],
      contexts: [{ name: "c", context: { cluster: "c", user: "u" } }],
      "current-context": "c",
    });
    expectInvalid(
      () => clusterFromSecret(secret("cluster-x", { name: "x", config }), "mooring"),
      /cluster "x" \(Secret mooring\/cluster-x\) cannot be used: its kubeconfig refers to a local file \(tokenFile\)/,
    );
  });

  it("refuses exec plugins, missing and unreadable configs with the cluster's name", () => {
    const exec = stringify({
      clusters: [{ name: "c", cluster: { server: "https://h" } }],
      users: [{ name: "u", user: { exec: { command: "aws" } } }],
      contexts: [{ name: "c", context: { cluster: "c", user: "u" } }],
      "current-context": "c",
    });
    expectInvalid(
      () => clusterFromSecret(secret("cluster-e", { name: "e", config: exec }), "mooring"),
      /plugin/,
    );
    expectInvalid(() => clusterFromSecret(secret("cluster-m", { name: "m" }), "mooring"), /no data.config/);
    expectInvalid(
      () => clusterFromSecret(secret("cluster-g", { name: "g", config: "{{ not yaml" }), "mooring"),
      /neither a kubeconfig nor JSON/,
    );
    expectInvalid(
      () =>
        clusterFromSecret(
          secret("a", { name: "a", config: JSON.stringify({ execProviderConfig: {} }), server: "https://h" }),
          "mooring",
        ),
      /exec or AWS auth plugin/,
    );
  });

  it("finds a cluster by data.name before metadata.name, Mooring's label first", () => {
    const byData = secret("cluster-prod", { name: "prod", config: "x" });
    const named = secret("prod", { name: "other", config: "x" });
    const argo = secret("aaa", { name: "prod", config: "x" }, "argocd.argoproj.io/secret-type");
    assert.equal(findClusterSecret([named, argo, byData], "prod"), byData);
    assert.equal(findClusterSecret([named, argo], "prod"), argo);
    assert.equal(findClusterSecret([named], "prod"), named);
    assert.equal(findClusterSecret([named], "staging"), undefined);
  });
});

describe("cluster names", () => {
  it("reserves in-cluster and refuses names that cannot be part of a Secret name", () => {
    for (const name of ["in-cluster", "Prod", "a_b", "-x", "x".repeat(56)]) {
      assert.throws(
        () => validateClusterName(name),
        (err) => err instanceof DestinationError && err.code === "invalid-name",
        name,
      );
    }
    assert.throws(() => validateClusterName("in-cluster"), /reserved for the cluster Mooring runs in/);
    for (const name of ["prod", "eu-west-1", "x".repeat(55)]) validateClusterName(name);
  });
});
