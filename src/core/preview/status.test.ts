import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PlanSummary } from "../stack/plan.ts";
import { summariseApp } from "./app-summary.ts";
import type { AppPreview, PolicyViolation, PreviewReport, StackPreview } from "./report.ts";
import {
  DESCRIPTION_LIMIT,
  fitDescription,
  LOCAL_PLAN_WAIT,
  previewStatus,
  STATUS_CONTEXT,
} from "./status.ts";

const CM = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "a", namespace: "shop" },
  data: { x: "1" },
};
const CHANGED: AppPreview = {
  namespace: "mooring",
  name: "web",
  status: "rendered",
  summary: summariseApp({ base: [CM], head: [{ ...CM, data: { x: "2" } }] }),
};
const UNCHANGED: AppPreview = {
  namespace: "mooring",
  name: "docs",
  status: "rendered",
  summary: summariseApp({ base: [CM], head: [CM] }),
};
const PENDING_APP: AppPreview = { namespace: "mooring", name: "api", status: "pending" };
const BROKEN_CHART: AppPreview = {
  namespace: "mooring",
  name: "web",
  status: "render-error",
  error: { file: "charts/web/templates/deployment.yaml", message: "parse error" },
};
const BROKEN_DIR: AppPreview = {
  namespace: "mooring",
  name: "raw",
  status: "render-error",
  error: { message: "\nyaml: line 3: mapping values are not allowed here\nmore" },
};

function plan(destroy: number): PlanSummary {
  return {
    formatVersion: "1.2",
    tofuVersion: "1.12.6",
    counts: { add: 1, change: 0, destroy, replace: 0, forget: 0, import: 0, read: 0 },
    resources: [],
    drifted: [],
    outputs: [],
    declaredVariables: [],
    changes: true,
    errored: false,
  };
}

const PLANNED: StackPreview = { namespace: "infra", name: "db", status: "planned", plan: plan(2) };
const PLAN_ERROR: StackPreview = { namespace: "infra", name: "db", status: "plan-error", message: "boom" };
const AWAITING: StackPreview = { namespace: "infra", name: "db", status: "awaiting-plan", reason: "fork" };
const VIOLATION: PolicyViolation = {
  rule: "no-host-network",
  target: { kind: "Application", namespace: "mooring", name: "web" },
  subject: "Deployment/shop/web",
  message: "hostNetwork is not allowed",
};

function report(fields: Partial<PreviewReport>): PreviewReport {
  return { headSha: "abc", apps: [], stacks: [], violations: [], ...fields };
}

describe("previewStatus", () => {
  const cases: [string, Partial<PreviewReport>, string, string][] = [
    [
      "succeeds when everything rendered and planned",
      { apps: [CHANGED, UNCHANGED], stacks: [PLANNED] },
      "success",
      "2 apps rendered, 1 with changes; 1 Stack planned, 2 resources destroyed",
    ],
    ["succeeds when nothing is affected", {}, "success", "no Application or Stack affected"],
    [
      "fails on a render error and names the file",
      { apps: [CHANGED, BROKEN_CHART] },
      "failure",
      "render error in charts/web/templates/deployment.yaml (mooring/web)",
    ],
    [
      "names the first line of the message when the renderer blamed no file",
      { apps: [BROKEN_DIR] },
      "failure",
      "render error in mooring/raw: yaml: line 3: mapping values are not allowed here",
    ],
    ["fails on a plan error", { stacks: [PLAN_ERROR] }, "failure", "plan error in Stack infra/db"],
    [
      "fails on a policy violation and names the rule",
      { apps: [CHANGED], violations: [VIOLATION] },
      "failure",
      "policy no-host-network violated by mooring/web (Deployment/shop/web)",
    ],
    [
      "counts the other problems",
      { apps: [BROKEN_CHART], stacks: [PLAN_ERROR], violations: [VIOLATION] },
      "failure",
      "render error in charts/web/templates/deployment.yaml (mooring/web) and 2 more problems",
    ],
    [
      "fails at once even while other previews still run",
      { apps: [PENDING_APP, BROKEN_CHART] },
      "failure",
      "render error in charts/web/templates/deployment.yaml (mooring/web)",
    ],
    ["is pending while previews run", { apps: [CHANGED, PENDING_APP] }, "pending", "previewing: 1 of 2 done"],
    [
      "is pending while a fork's Stack plan waits for /moor plan",
      { apps: [CHANGED], stacks: [AWAITING] },
      "pending",
      "1 Stack plan waits for /moor plan from a user with write access",
    ],
  ];
  for (const [name, fields, state, description] of cases) {
    it(name, () => {
      assert.deepEqual(previewStatus(report(fields)), { context: STATUS_CONTEXT, state, description });
    });
  }

  it("says a local preview's held plan waits for a user allowed to plan, not for /moor plan", () => {
    const status = previewStatus(report({ apps: [CHANGED], stacks: [AWAITING] }), LOCAL_PLAN_WAIT);
    assert.equal(status.state, "pending");
    assert.equal(status.description, "1 Stack plan waits for a user whose role allows the verb plan");
  });

  it("keeps the description within 140 characters, keeping the count of other problems", () => {
    const long: AppPreview = {
      ...BROKEN_CHART,
      error: { file: `charts/${"x".repeat(300)}.yaml`, message: "" },
    };
    const status = previewStatus(report({ apps: [long], violations: [VIOLATION] }));
    assert.equal(status.state, "failure");
    assert.ok(status.description.length <= DESCRIPTION_LIMIT);
    assert.match(status.description, /… and 1 more problem$/);
  });
});

describe("fitDescription", () => {
  it("leaves a short text alone and flattens whitespace", () => {
    assert.equal(fitDescription("a\n  b"), "a b");
  });
  it("cuts a long text with an ellipsis within the limit", () => {
    const text = fitDescription("y".repeat(500));
    assert.equal(text.length, DESCRIPTION_LIMIT);
    assert.ok(text.endsWith("…"));
  });
  it("never splits a surrogate pair", () => {
    const text = fitDescription("🙂".repeat(100), 10);
    assert.equal(text, "🙂🙂🙂🙂…");
  });
});
