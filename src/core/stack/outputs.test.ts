import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../objects.ts";
import { outputsSecretData, outputsSecretOwnership } from "./outputs.ts";

const stack = { namespace: "team-a", name: "db", uid: "uid-1" };

function secret(ownerReferences?: { kind: string; uid: string }[]): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: "db-outputs",
      namespace: "team-a",
      ...(ownerReferences
        ? {
            ownerReferences: ownerReferences.map((r) => ({
              apiVersion: "mooring.dev/v1alpha1",
              name: "db",
              ...r,
            })),
          }
        : {}),
    },
  };
}

describe("who may write a Stack's outputs Secret", () => {
  it("creates a Secret that does not exist yet and rewrites one this Stack owns", () => {
    assert.deepEqual(outputsSecretOwnership(null, stack), { writable: true });
    assert.deepEqual(outputsSecretOwnership(secret([{ kind: "Stack", uid: "uid-1" }]), stack), {
      writable: true,
    });
  });

  it("never takes over a Secret someone else made, nor one of another (or an earlier) Stack of that name", () => {
    for (const existing of [
      secret(),
      secret([{ kind: "Stack", uid: "uid-of-an-earlier-db" }]),
      secret([{ kind: "Deployment", uid: "uid-1" }]),
    ]) {
      const decision = outputsSecretOwnership(existing, stack);
      assert.equal(decision.writable, false);
      if (!decision.writable) {
        assert.match(decision.message, /Stack team-a\/db/);
        assert.match(decision.message, /Secret team-a\/db-outputs/);
        assert.match(decision.message, /Choose another name/);
      }
    }
    assert.equal(
      outputsSecretOwnership(secret([{ kind: "Stack", uid: "" }]), { ...stack, uid: "" }).writable,
      false,
    );
  });
});

describe("the outputs Secret's data", () => {
  it("keeps the chosen outputs under their keys, JSON for non-strings, and lists the sensitive keys", () => {
    const { data, sensitive } = outputsSecretData(
      { name: "x", outputs: ["host", "port", "password"], renames: { host: "DB_HOST" } },
      {
        host: { value: "db.local", sensitive: false },
        port: { value: 5432, sensitive: false },
        password: { value: "s3cret", sensitive: true },
        other: { value: "left out", sensitive: false },
      },
    );
    const decoded = Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]),
    );
    assert.deepEqual(decoded, { DB_HOST: "db.local", port: "5432", password: "s3cret" });
    assert.deepEqual(sensitive, ["password"]);
  });
});
