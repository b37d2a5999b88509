import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { reservedEnvReason, resolveEnv } from "./env.ts";
import type { LookupData } from "./vars.ts";

const objects: Record<string, Record<string, string>> = {
  "Secret/aws": { AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "s3cr3t-key", TF_LOG: "TRACE" },
  "ConfigMap/region": { AWS_REGION: "eu-west-1", "bad-name": "x" },
};
const lookup: LookupData = (kind, name) => objects[`${kind}/${name}`];

describe("resolveEnv", () => {
  it("takes envFrom in order, then env, each later one winning", () => {
    const result = resolveEnv(
      {
        envFrom: [{ secretRef: { name: "aws" } }, { configMapRef: { name: "region" }, prefix: "X_" }],
        env: [
          { name: "AWS_ACCESS_KEY_ID", value: "AKIAOVERRIDE" },
          { name: "REGION", valueFrom: { configMapKeyRef: { name: "region", key: "AWS_REGION" } } },
        ],
      },
      lookup,
    );
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.env, {
      AWS_ACCESS_KEY_ID: "AKIAOVERRIDE",
      AWS_SECRET_ACCESS_KEY: "s3cr3t-key",
      X_AWS_REGION: "eu-west-1",
      REGION: "eu-west-1",
    });
  });

  it("skips envFrom keys that are reserved or not names, naming them without values", () => {
    const result = resolveEnv(
      { envFrom: [{ secretRef: { name: "aws" } }, { configMapRef: { name: "region" } }] },
      lookup,
    );
    assert.ok(!("TF_LOG" in result.env));
    assert.ok(!("bad-name" in result.env));
    assert.equal(result.skipped.length, 2);
    assert.ok(result.skipped.every((s) => !s.includes("TRACE")));
  });

  it("refuses a reserved name in env", () => {
    const result = resolveEnv({ env: [{ name: "TF_CLI_ARGS_plan", value: "-lock=false" }] }, lookup);
    assert.match(result.problems[0] ?? "", /TF_CLI_ARGS_plan would add arguments/);
  });

  it("fails on a missing Secret or key unless optional", () => {
    const result = resolveEnv(
      {
        envFrom: [{ secretRef: { name: "gone" } }, { secretRef: { name: "gone2", optional: true } }],
        env: [
          { name: "A", valueFrom: { secretKeyRef: { name: "aws", key: "NOPE" } } },
          { name: "B", valueFrom: { secretKeyRef: { name: "aws", key: "NOPE", optional: true } } },
        ],
      },
      lookup,
    );
    assert.deepEqual(result.problems, [
      "envFrom[0]: Secret gone not found",
      "env[0] (A): Secret aws has no key NOPE",
    ]);
  });
});

describe("reservedEnvReason", () => {
  for (const name of [
    "PATH",
    "HOME",
    "TF_CLI_CONFIG_FILE",
    "TF_DATA_DIR",
    "TF_LOG",
    "TF_LOG_PROVIDER",
    "TF_CLI_ARGS",
    "KUBE_HOST",
    "KUBE_TOKEN",
    "KUBE_CLUSTER_CA_CERT_DATA",
  ]) {
    it(`keeps ${name} for Mooring`, () => assert.ok(reservedEnvReason(name)));
  }
  for (const name of ["AWS_REGION", "KUBE_NAMESPACE", "TF_VAR_region", "TF_ENCRYPTION"]) {
    it(`lets a Stack set ${name}`, () => assert.equal(reservedEnvReason(name), undefined));
  }
});
