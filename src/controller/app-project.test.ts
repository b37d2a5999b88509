// Signed commits across the sources of an Application: a chart has no commit to verify.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Application } from "../core/application.ts";
import type { Project } from "../core/project/project.ts";
import { enforceSignedSources, UNVERIFIABLE_SOURCE_REASON } from "./app-project.ts";
import { CommitRefused } from "./commit-signature.ts";

const SHA = "0123456789abcdef0123456789abcdef01234567";

const app = {
  apiVersion: "mooring.dev/v1alpha1",
  kind: "Application",
  metadata: { name: "web", namespace: "mooring" },
  spec: {
    sources: [
      { repoURL: "https://git.example.com/values.git", ref: "values" },
      { repoURL: "oci://registry.example.com/charts", chart: "web", targetRevision: "1.2.0" },
    ],
    destination: {},
  },
} as Application;

function project(signed: boolean): Project {
  return {
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Project",
    metadata: { name: "team", namespace: "mooring" },
    spec: signed ? { signatureKeys: [{ ssh: "ssh-ed25519 AAAA test" }] } : {},
  } as Project;
}

const check = (signed: boolean, verified: string[]) => ({
  sources: {
    verify: async (repoURL: string) => {
      verified.push(repoURL);
      return {
        decision: { allowed: true as const, signer: { format: "ssh" as const, key: "k", identity: "dev" } },
        check: { status: "good" as const },
      } as never;
    },
  },
  project: project(signed),
  subject: "Application mooring/web",
  conditions: [],
});

describe("enforceSignedSources", () => {
  it("asks nothing when the project does not require signed commits", async () => {
    const verified: string[] = [];
    assert.deepEqual(await enforceSignedSources(check(false, verified), app, [SHA, "web@1.2.0"]), [
      undefined,
      undefined,
    ]);
    assert.deepEqual(verified, []);
  });

  it("refuses a chart source under a project requiring signatures, naming the chart", async () => {
    const verified: string[] = [];
    await assert.rejects(
      () => enforceSignedSources(check(true, verified), app, [SHA, "web@1.2.0"]),
      (err: unknown) =>
        err instanceof CommitRefused &&
        err.reason === UNVERIFIABLE_SOURCE_REASON &&
        /sources\[1\] \(chart web\) is chart web from oci:\/\/registry\.example\.com\/charts, and a chart cannot be verified/.test(
          err.message,
        ),
    );
    // The Git source before it was checked like any commit.
    assert.deepEqual(verified, ["https://git.example.com/values.git"]);
  });
});
