import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../../objects.ts";
import { assessHealth } from "../assess.ts";
import { compileExpression } from "../cel.ts";
import { assessWithRules, type BuiltinCheck, findBuiltinCheck } from "./check.ts";
import { builtinFixture } from "./fixtures/cases.ts";
import { BUILTIN_CHECKS } from "./index.ts";

function object(apiVersion: string, kind: string, status?: Record<string, unknown>): KubeObject {
  return { apiVersion, kind, metadata: { name: "x", namespace: "shop", generation: 1 }, spec: {}, status };
}

/** One object per kind a check names (or a made-up kind for `*`), in its first group. */
function samples(check: BuiltinCheck): KubeObject[] {
  const group = (check.groups[0] ?? "").replace("*.", "example.");
  return check.kinds.map((kind) => object(`${group}/v1`, kind === "*" ? "Widget" : kind));
}

describe("built-in CEL health checks", () => {
  it("every expression compiles, with the type its place needs", () => {
    for (const check of BUILTIN_CHECKS) {
      const expressions: [string, string, string][] = check.rules.flatMap((rule) => [
        [rule.when, "bool", "when"] as [string, string, string],
        ...(rule.message ? [[rule.message, "string", "message"] as [string, string, string]] : []),
      ]);
      if (check.detect) expressions.push([check.detect, "bool", "detect"]);
      for (const [source, type, place] of expressions) {
        const compiled = compileExpression(source);
        assert.ok(compiled.ok, `${check.project} ${place}: ${compiled.ok ? "" : compiled.error}\n${source}`);
        assert.ok(
          compiled.resultType === type || compiled.resultType === "dyn",
          `${check.project} ${place} is ${compiled.resultType}`,
        );
      }
    }
  });

  it("every check ends with a rule that always holds", () => {
    for (const check of BUILTIN_CHECKS) assert.equal(check.rules.at(-1)?.when, "true", check.project);
  });

  it("every check has a verdict for an object without status or with no conditions", () => {
    for (const check of BUILTIN_CHECKS) {
      for (const obj of samples(check)) {
        for (const status of [undefined, {}, { conditions: [] }]) {
          const result = assessWithRules({ ...obj, status }, check);
          assert.notEqual(result.status, "Unknown", `${check.project} ${obj.kind}: ${result.message}`);
        }
      }
    }
  });

  it("a user's health check for the kind wins over the built-in one", () => {
    const issuer = builtinFixture("clusterissuer-acme-failed.yaml");
    assert.deepEqual(
      assessHealth(issuer, [{ group: "cert-manager.io", kind: "ClusterIssuer", healthy: "true" }]),
      { status: "Healthy" },
    );
  });

  it("a group pattern matches every group under its suffix and nothing else", () => {
    const crossplane = (apiVersion: string) =>
      findBuiltinCheck(object(apiVersion, "Bucket"), BUILTIN_CHECKS)?.project;
    assert.equal(crossplane("s3.aws.upbound.io/v1beta1"), "Crossplane");
    assert.equal(crossplane("storage.gcp.crossplane.io/v1alpha3"), "Crossplane");
    assert.equal(crossplane("upbound.io.example.com/v1"), undefined);
    assert.equal(crossplane("notupbound.io/v1"), undefined);
  });

  it("a kind of a covered group that the check does not name is left to the generic rules", () => {
    assert.equal(findBuiltinCheck(object("argoproj.io/v1alpha1", "AnalysisRun"), BUILTIN_CHECKS), undefined);
  });

  it("a custom resource with Ready and Synced conditions but other reasons is not taken for Crossplane", () => {
    const widget = object("widgets.example.com/v1", "Widget", {
      conditions: [
        { type: "Ready", status: "True", reason: "Succeeded" },
        { type: "Synced", status: "True", reason: "Synced" },
      ],
    });
    assert.equal(findBuiltinCheck(widget, BUILTIN_CHECKS), undefined);
  });

  it("a broken rule makes the object Unknown and says which check and how to replace it", () => {
    const broken: BuiltinCheck = {
      project: "Example",
      groups: ["example.com"],
      kinds: ["Widget"],
      rules: [{ when: "object.status.missing > 1", status: "Healthy" }],
    };
    assert.deepEqual(assessWithRules(object("example.com/v1", "Widget", {}), broken), {
      status: "Unknown",
      message:
        "built-in Example health check, rule 1 when: No such key: missing; write a health check for this kind in spec.healthChecks to replace it",
    });
  });

  it("a custom resource being deleted is Progressing whatever its built-in check would say", () => {
    const issuer = builtinFixture("clusterissuer-acme-failed.yaml");
    issuer.metadata.deletionTimestamp = "2026-03-05T23:00:00Z";
    issuer.metadata.finalizers = ["finalizer.acme.cert-manager.io"];
    assert.deepEqual(assessHealth(issuer), {
      status: "Progressing",
      message: "being deleted: waiting for finalizers finalizer.acme.cert-manager.io",
    });
  });
});
