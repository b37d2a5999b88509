// What `moor preview` prints and how it exits, from the server's answers (LocalPreviewAnswer)
// built with the real preview core: a replicas change, a broken render, a Stack plan with a
// destroy, a policy violation.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../core/objects.ts";
import { summariseApp } from "../core/preview/app-summary.ts";
import type { LocalPreviewAnswer } from "../core/preview/protocol.ts";
import type { PreviewReport } from "../core/preview/report.ts";
import { previewStatus } from "../core/preview/status.ts";
import type { PlanSummary } from "../core/stack/plan.ts";
import { main } from "./main.ts";
import { previewExitCode, renderPreview } from "./preview-commands.ts";

function deployment(replicas: number): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { namespace: "shop", name: "web" },
    spec: { replicas, template: { spec: { containers: [{ name: "web", image: "nginx:1.27" }] } } },
  };
}

const PLAN: PlanSummary = {
  formatVersion: "1.2",
  tofuVersion: "1.8.0",
  counts: { add: 1, change: 0, destroy: 1, replace: 0, forget: 0, import: 0, read: 0 },
  resources: [
    {
      address: "null_resource.new",
      action: "create",
      actions: ["create"],
      type: "null_resource",
      name: "new",
    },
    {
      address: "null_resource.old",
      action: "delete",
      actions: ["delete"],
      type: "null_resource",
      name: "old",
    },
  ],
  drifted: [],
  outputs: [],
  declaredVariables: ["size"],
  changes: true,
  errored: false,
};

function answerOf(report: PreviewReport): LocalPreviewAnswer {
  return {
    report,
    projects: {},
    status: previewStatus(report),
    baseSha: "1".repeat(40),
    headSha: report.headSha,
  };
}

const scaled = summariseApp({ base: [deployment(2)], head: [deployment(3)], live: [deployment(2)] });

const PASSING: PreviewReport = {
  headSha: "a".repeat(40),
  baseRef: "main",
  apps: [{ namespace: "mooring", name: "shop", status: "rendered", summary: scaled }],
  stacks: [
    { namespace: "infra", name: "db", status: "planned", plan: PLAN },
    { namespace: "infra", name: "dns", status: "awaiting-plan", reason: "you may not plan in project net" },
  ],
  violations: [],
};

describe("moor preview output", () => {
  it("prints the status, one row per target with its summary line, then the diffs and the plan", () => {
    const text = renderPreview(answerOf(PASSING));
    const lines = text.split("\n");
    assert.match(lines[0] ?? "", /^head aaaaaaaaaa against main \(1111111111\): pending, /);
    const row = lines.find((l) => l.startsWith("Application"));
    assert.match(
      row ?? "",
      /^Application\s+mooring\/shop\s+changes\s+1 changed; web: replicas 2 → 3 · live: 1 changed/,
    );
    assert.match(text, /Stack\s+infra\/db\s+destroys\s+1 to add, 0 to change, 1 to destroy/);
    assert.match(text, /Stack\s+infra\/dns\s+not planned\s+you may not plan in project net/);
    assert.match(
      text,
      /Application mooring\/shop against main:\n@@ Deployment\/shop\/web \(changed\) @@\n- spec.replicas: 2\n\+ spec.replicas: 3/,
    );
    assert.match(text, /Application mooring\/shop against the live cluster \(server-side dry run\):\n@@ /);
    assert.match(text, /Stack infra\/db plan: 1 to add, 0 to change, 1 to destroy\n/);
    assert.match(text, /delete\s+null_resource\.old/);
    assert.doesNotMatch(text, /Policy violations/);
  });

  it("names the broken file and the broken rule, and says so in the status line", () => {
    const report: PreviewReport = {
      ...PASSING,
      apps: [
        {
          namespace: "mooring",
          name: "shop",
          status: "render-error",
          error: {
            file: "apps/shop/deployment.yaml",
            message: "yaml: line 3: mapping values are not allowed",
          },
        },
      ],
      violations: [
        {
          rule: "no-host-network",
          target: { kind: "Application", namespace: "mooring", name: "shop" },
          subject: "Deployment/shop/web",
          message: "hostNetwork is not allowed",
        },
      ],
    };
    const text = renderPreview(answerOf(report));
    assert.match(text.split("\n")[0] ?? "", /failure, render error in apps\/shop\/deployment.yaml/);
    assert.match(text, /Application\s+mooring\/shop\s+render error\s+in apps\/shop\/deployment.yaml/);
    assert.match(text, /render error in apps\/shop\/deployment.yaml\nyaml: line 3: mapping values/);
    assert.match(
      text,
      /Policy violations:\n {2}no-host-network \(Application mooring\/shop, Deployment\/shop\/web\): hostNetwork is not allowed/,
    );
  });

  it("says when nothing the caller may see is affected", () => {
    const text = renderPreview(answerOf({ headSha: "b".repeat(40), apps: [], stacks: [], violations: [] }));
    assert.match(text, /success, no Application or Stack affected/);
    assert.match(text, /No Application or Stack you may see is affected/);
  });
});

describe("moor preview exit codes", () => {
  it("exits 1 when the preview fails and 0 otherwise, waiting Stacks included", () => {
    assert.equal(previewExitCode(answerOf(PASSING)), 0);
    const broken: PreviewReport = {
      ...PASSING,
      stacks: [{ namespace: "infra", name: "db", status: "plan-error", message: "Error: bad" }],
    };
    assert.equal(previewExitCode(answerOf(broken)), 1);
  });

  const usage: [string, string[], RegExp][] = [
    ["without --repo", ["preview", "--base", "main", "--head", "f"], /--repo is required/],
    ["without --head", ["preview", "--repo", "https://g/r.git", "--base", "main"], /--head is required/],
    ["with an unknown flag", ["preview", "--repo", "x", "--base", "a", "--head", "b", "--live"], /--live/],
    ["with -o name", ["preview", "--repo", "x", "--base", "a", "--head", "b", "-o", "name"], /json or yaml/],
    ["with a stray argument", ["preview", "extra", "--repo", "x", "--base", "a", "--head", "b"], /extra/],
  ];
  for (const [name, argv, message] of usage) {
    it(`exits 2 ${name}, before asking any server`, async () => {
      const written: string[] = [];
      const original = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((chunk: string) => {
        written.push(String(chunk));
        return true;
      }) as typeof process.stderr.write;
      try {
        assert.equal(await main(argv), 2);
      } finally {
        process.stderr.write = original;
      }
      assert.match(written.join(""), message);
    });
  }
});
