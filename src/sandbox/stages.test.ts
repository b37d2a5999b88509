import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { MOORING_STAGE_FILES, mergeStages } from "./stages.ts";

const stage = (name: string, extra = "") => `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: ${name}
spec:
  resourceRef: { apiGroup: v1, kind: Pod }
  next:
    statusTemplate: |
      phase: ${name}${extra}
`;

const DEFAULTS = [stage("pod-ready"), stage("pod-complete"), stage("pod-delete")].join("---\n");
const OURS = readFileSync(MOORING_STAGE_FILES[0] as string, "utf8");

interface Requirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: string[];
}
interface Stage {
  metadata: { name: string };
  spec: { selector: { matchExpressions: Requirement[] }; next: { statusTemplate: string } };
}

const names = (text: string) =>
  parseAllDocuments(text).map((d) => (d.toJS() as { metadata: { name: string } }).metadata.name);

/**
 * The values a selector key picks from an object, for the jq paths our Stages use:
 * `.a.b`, `.a["b"]` and `.a.[]`.
 */
function pick(obj: unknown, key: string): unknown[] {
  let values: unknown[] = [obj];
  for (const step of key.match(/\.\[\]|\["[^"]+"\]|\.[A-Za-z]+/g) ?? []) {
    if (step === ".[]") values = values.flatMap((v) => (Array.isArray(v) ? v : []));
    else {
      const field = step.startsWith("[") ? step.slice(2, -2) : step.slice(1);
      values = values.map((v) =>
        v && typeof v === "object" ? (v as Record<string, unknown>)[field] : undefined,
      );
    }
  }
  return values.filter((v) => v !== undefined && v !== null);
}

function matches(stage: Stage, pod: unknown): boolean {
  return stage.spec.selector.matchExpressions.every((r) => {
    const found = pick(pod, r.key).map(String);
    switch (r.operator) {
      case "Exists":
        return found.length > 0;
      case "DoesNotExist":
        return found.length === 0;
      case "In":
        return found.some((v) => r.values?.includes(v));
      case "NotIn":
        return !found.some((v) => r.values?.includes(v));
      default:
        throw new Error(`unknown operator ${r.operator}`);
    }
  });
}

function runningPod(
  restartPolicy: string,
  extra: { annotations?: Record<string, string>; job?: boolean } = {},
) {
  return {
    metadata: {
      name: "p",
      annotations: extra.annotations ?? {},
      ...(extra.job ? { ownerReferences: [{ kind: "Job", name: "j" }] } : {}),
    },
    spec: { restartPolicy, containers: [{ name: "main", image: "busybox" }] },
    status: { phase: "Running", podIP: "10.244.0.2" },
  };
}

const FAILING = { "pod-container-failed.stage.kwok.x-k8s.io/name": "main" };

describe("kwok stages of a sandbox", () => {
  it("replaces the default Stage of the same name and keeps the others", () => {
    const merged = mergeStages(DEFAULTS, [{ source: "ours.yaml", text: stage("pod-complete", "-ours") }]);
    assert.deepEqual(names(merged), ["pod-ready", "pod-delete", "pod-complete"]);
    const complete = parseAllDocuments(merged)
      .map((d) => d.toJS() as Stage)
      .find((s) => s.metadata.name === "pod-complete");
    assert.equal(complete?.spec.next.statusTemplate, "phase: pod-complete-ours\n");
  });

  it("keeps Mooring's status templates intact through the merge", () => {
    const merged = parseAllDocuments(mergeStages(DEFAULTS, [{ source: "pods.yaml", text: OURS }])).map(
      (d) => d.toJS() as Stage,
    );
    const original = parseAllDocuments(OURS).map((d) => d.toJS() as Stage);
    for (const ours of original) {
      const kept = merged.find((s) => s.metadata.name === ours.metadata.name);
      assert.equal(kept?.spec.next.statusTemplate, ours.spec.next.statusTemplate);
    }
  });

  const refusals: [string, string, RegExp][] = [
    ["a document that is not a Stage", "kind: ConfigMap\nmetadata: { name: x }\n", /must be a kwok Stage/],
    ["a Stage without a name", "kind: Stage\nmetadata: {}\n", /must be a kwok Stage/],
    ["a Stage defined twice", `${stage("pod-x")}---\n${stage("pod-x")}`, /"pod-x" is defined twice/],
    ["invalid YAML", "kind: [Stage\n", /invalid YAML/],
  ];
  for (const [what, text, error] of refusals) {
    it(`refuses ${what} among the overrides`, () => {
      assert.throws(() => mergeStages(DEFAULTS, [{ source: "bad.yaml", text }]), error);
    });
  }

  const ourStages = parseAllDocuments(OURS).map((d) => d.toJS() as Stage);
  const cases: [string, unknown, string[]][] = [
    ["a bare Pod with restartPolicy Never completes", runningPod("Never"), ["pod-complete"]],
    ["a bare Pod with restartPolicy OnFailure completes", runningPod("OnFailure"), ["pod-complete"]],
    ["a Job's Pod completes", runningPod("Never", { job: true }), ["pod-complete"]],
    [
      "a Pod with a delay completes (the delay is the Stage's, not the selector's)",
      runningPod("Never", { annotations: { "pod-complete.stage.kwok.x-k8s.io/delay": "60s" } }),
      ["pod-complete"],
    ],
    ["a Pod with restartPolicy Always keeps running", runningPod("Always"), []],
    [
      "a Pod told to fail with restartPolicy Never fails",
      runningPod("Never", { annotations: FAILING }),
      ["pod-failed"],
    ],
    [
      "a Pod told to fail with restartPolicy OnFailure keeps running",
      runningPod("OnFailure", { annotations: FAILING }),
      [],
    ],
    [
      "a Pod being deleted is left to the delete Stage",
      { ...runningPod("Never"), metadata: { name: "p", deletionTimestamp: "2026-01-01T00:00:00Z" } },
      [],
    ],
    ["a Pod not yet running waits", { ...runningPod("Never"), status: { phase: "Pending" } }, []],
  ];
  for (const [behaviour, pod, expected] of cases) {
    it(`${behaviour}: exactly the expected Stage matches`, () => {
      const matched = ourStages.filter((s) => matches(s, pod)).map((s) => s.metadata.name);
      assert.deepEqual(matched, expected);
    });
  }

  it("reads the failing container's exit code from kwok's annotation", () => {
    const failed = ourStages.find((s) => s.metadata.name === "pod-failed");
    assert.match(
      failed?.spec.next.statusTemplate ?? "",
      /pod-container-failed\.stage\.kwok\.x-k8s\.io\/exit-code/,
    );
    assert.match(failed?.spec.next.statusTemplate ?? "", /phase: Failed/);
  });
});
