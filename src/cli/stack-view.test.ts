import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Stack, StackStatus } from "../core/stack/spec.ts";
import {
  approvalProblem,
  outputValues,
  parseSensitiveKeys,
  pendingPlan,
  renderDrift,
  renderOutputs,
  renderPlanHeader,
  renderStackList,
  renderStackSummary,
  tailLines,
} from "./stack-view.ts";

const NOW = Date.parse("2026-03-01T12:00:00Z");
const PLAN = "p-0123456789abcdef";
const OLD_PLAN = "p-fedcba9876543210";
const SHA = "1111111111aaaaaaaaaabbbbbbbbbbcccccccccc";

function stack(
  name: string,
  status?: StackStatus,
  spec: Partial<Stack["spec"]> = {},
  namespace = "mooring",
): Stack {
  return {
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Stack",
    metadata: { name, namespace, generation: 2, creationTimestamp: "2026-03-01T10:00:00Z" },
    spec: { source: { repoURL: "https://git.example.com/infra.git", path: "network" }, ...spec },
    ...(status ? { status } : {}),
  };
}

const pending: StackStatus = {
  conditions: [
    {
      type: "Ready",
      status: "False",
      reason: "AwaitingApproval",
      message: `plan ${PLAN} waits for approval`,
      lastTransitionTime: "2026-03-01T11:50:00Z",
    },
    {
      type: "PlanPending",
      status: "True",
      reason: "AwaitingApproval",
      message: "2 to add, 1 to change, 0 to destroy",
      lastTransitionTime: "2026-03-01T11:50:00Z",
    },
  ],
  lastPlan: {
    id: PLAN,
    revision: SHA,
    createdAt: "2026-03-01T11:50:00Z",
    purpose: "apply",
    summary: { add: 2, change: 1, destroy: 0, replace: 0, forget: 0, import: 0, read: 0 },
    resources: [
      {
        address: "kubernetes_namespace.team",
        action: "create",
        actions: ["create"],
        type: "t",
        name: "team",
      },
      { address: "terraform_data.a", action: "create", actions: ["create"], type: "t", name: "a" },
      {
        address: "kubernetes_config_map.settings",
        action: "update",
        actions: ["update"],
        type: "t",
        name: "settings",
        previousAddress: "kubernetes_config_map.old",
      },
    ],
    outputs: ["namespace"],
    pending: true,
  },
  lastApply: {
    planId: OLD_PLAN,
    approvedBy: "ada",
    appliedAt: "2026-03-01T09:00:00Z",
    result: "succeeded",
    message: "Apply complete! Resources: 1 added, 0 changed, 0 destroyed.",
  },
  outputsSecret: "network-outputs",
};

const applied: StackStatus = {
  conditions: [
    {
      type: "Ready",
      status: "True",
      reason: "Applied",
      message: "applied",
      lastTransitionTime: "2026-03-01T11:00:00Z",
    },
    {
      type: "Drifted",
      status: "True",
      reason: "DriftDetected",
      message: "1 resource drifted",
      lastTransitionTime: "2026-03-01T11:55:00Z",
    },
  ],
  lastPlan: { ...(pending.lastPlan as NonNullable<StackStatus["lastPlan"]>), pending: false },
  lastApply: {
    planId: PLAN,
    approvedBy: "ada",
    appliedAt: "2026-03-01T11:58:00Z",
    result: "succeeded",
    message: "Apply complete!",
  },
  drift: {
    checkedAt: "2026-03-01T11:59:00Z",
    drifted: true,
    resources: [{ address: "kubernetes_config_map.settings", actions: ["update"] }],
  },
};

describe("stack list", () => {
  it("shows readiness, plan, pending, counts, last apply, drift and age; dashes where nothing is known yet", () => {
    const text = renderStackList([stack("network", pending), stack("dns", applied), stack("fresh")], {
      now: NOW,
    });
    assert.equal(
      text,
      [
        "NAME      READY     PLAN                 PENDING   SUMMARY                               LAST APPLY         DRIFTED   AGE",
        "network   False     p-0123456789abcdef   yes       2 to add, 1 to change, 0 to destroy   3h ago succeeded   -         2h",
        "dns       True      p-0123456789abcdef   no        2 to add, 1 to change, 0 to destroy   2m ago succeeded   yes       2h",
        "fresh     Unknown   -                    -         -                                     -                  -         2h",
      ].join("\n"),
    );
  });

  it("adds a NAMESPACE column with -A", () => {
    const text = renderStackList([stack("network", pending, {}, "infra")], { now: NOW, allNamespaces: true });
    assert.match(text.split("\n")[1] ?? "", /^infra\s+network\s/);
  });
});

describe("stack get", () => {
  it("summarises spec, conditions, last plan with one line per resource, last apply and outputs, and says how to approve", () => {
    const text = renderStackSummary(stack("network", pending), NOW);
    assert.match(text, /^Name:\s+mooring\/network$/m);
    assert.match(text, /^Approve:\s+manual/m);
    assert.match(text, /^Drift checks:\s+every 1h, report$/m);
    assert.match(text, /^On delete:\s+keep state and infrastructure$/m);
    assert.match(text, /^Ready:\s+False \(AwaitingApproval\) plan p-0123456789abcdef waits for approval$/m);
    assert.match(
      text,
      /^Last plan:\s+p-0123456789abcdef \(apply\) from 1111111111, 10m ago: 2 to add, 1 to change, 0 to destroy$/m,
    );
    assert.match(text, /^Plan status:\s+pending: waiting for approval$/m);
    assert.match(text, /^Last apply:\s+succeeded 3h ago: plan p-fedcba9876543210, approved by ada/m);
    assert.match(text, /^Outputs:\s+Secret network-outputs \(`moor stack outputs network`\)$/m);
    assert.match(text, /^create\s+kubernetes_namespace\.team$/m);
    assert.match(text, /^update\s+kubernetes_config_map\.settings\s+moved from kubernetes_config_map\.old$/m);
    assert.match(text, /^outputs changing: namespace$/m);
    assert.match(text, /`moor stack approve network p-0123456789abcdef`/);
  });

  it("shows the drift report of a drifted stack", () => {
    const text = renderStackSummary(stack("dns", applied), NOW);
    assert.match(text, /^Drift:\s+1 resource\(s\) drifted \(checked 60s ago\)$/m);
    assert.match(text, /^kubernetes_config_map\.settings\s+update$/m);
    assert.match(text, /^Plan status:\s+applied 2m ago \(approved by ada\)$/m);
  });

  it("shows who holds the state lock, and nothing when it is free", () => {
    const lock = { id: "5e77b0c1", who: "runner@pod-a", operation: "apply", createdMs: NOW - 90_000 };
    const text = renderStackSummary(stack("dns", applied), NOW, lock);
    assert.match(
      text,
      new RegExp(
        `^State lock:\\s+lock 5e77b0c1 \\(apply by runner@pod-a, created ${new Date(NOW - 90_000).toISOString()}\\)$`,
        "m",
      ),
    );
    assert.doesNotMatch(renderStackSummary(stack("dns", applied), NOW), /State lock/);
  });

  it("says there is no status yet instead of printing empty fields", () => {
    const text = renderStackSummary(stack("fresh"), NOW);
    assert.match(text, /^Status:\s+none yet/m);
    assert.doesNotMatch(text, /Last plan/);
  });
});

describe("stack plan header", () => {
  it("names the plan, its revision, counts and that it waits for approval", () => {
    const text = renderPlanHeader(stack("network", pending, {}, "infra"), NOW);
    assert.match(text, /^Plan:\s+p-0123456789abcdef \(apply\)$/m);
    assert.match(text, /^Revision:\s+1111111111aaaaaaaaaabbbbbbbbbbcccccccccc$/m);
    assert.match(text, /^Created:\s+2026-03-01 11:50:00 UTC \(10m ago\)$/m);
    assert.match(text, /^Changes:\s+2 to add, 1 to change, 0 to destroy$/m);
    assert.match(text, /^Status:\s+pending: waiting for approval$/m);
    assert.match(text, /^Approve with: moor stack approve network p-0123456789abcdef -n infra$/m);
  });

  it("says an auto-approved pending plan is applied automatically and gives no approve hint", () => {
    const text = renderPlanHeader(stack("network", pending, { approvePlan: "auto" }), NOW);
    assert.match(text, /pending: to be applied automatically/);
    assert.doesNotMatch(text, /Approve with/);
  });
});

describe("approval refusal", () => {
  it("accepts the id of the current pending plan", () => {
    assert.equal(approvalProblem(stack("network", pending), PLAN, NOW), undefined);
  });

  it("refuses an id that is not the current plan, naming both ids and how to review", () => {
    assert.equal(
      approvalProblem(stack("network", pending), OLD_PLAN, NOW),
      "plan p-fedcba9876543210 is not the current plan of stack mooring/network: the current plan is p-0123456789abcdef (pending), made 10m ago from 1111111111; review it with `moor stack plan network` and approve p-0123456789abcdef if it is what you want",
    );
  });

  it("refuses a plan that was already applied", () => {
    assert.match(
      approvalProblem(stack("dns", applied), PLAN, NOW) ?? "",
      /^plan p-0123456789abcdef of stack mooring\/dns is not pending: applied 2m ago \(approved by ada\)/,
    );
  });

  it("refuses a plan that changes nothing and suggests a re-plan", () => {
    const status: StackStatus = {
      lastPlan: {
        id: PLAN,
        revision: SHA,
        createdAt: "2026-03-01T11:50:00Z",
        purpose: "apply",
        summary: { add: 0, change: 0, destroy: 0, replace: 0, forget: 0, import: 0, read: 0 },
        resources: [],
        pending: false,
      },
    };
    assert.match(
      approvalProblem(stack("network", status, {}, "infra"), PLAN, NOW) ?? "",
      /is not pending: it changes nothing; `moor stack plan network --refresh -n infra` makes a new plan$/,
    );
  });

  it("explains a stack without status or without a plan", () => {
    assert.match(approvalProblem(stack("fresh"), PLAN, NOW) ?? "", /stack mooring\/fresh has no status yet/);
    const stalled: StackStatus = {
      conditions: [
        {
          type: "Stalled",
          status: "True",
          reason: "InvalidModule",
          message: "Unsupported argument",
          lastTransitionTime: "2026-03-01T11:00:00Z",
        },
      ],
    };
    assert.equal(
      approvalProblem(stack("bad", stalled), PLAN, NOW),
      "stack mooring/bad has no plan yet: InvalidModule: Unsupported argument; there is nothing to approve",
    );
  });

  it("apply takes the pending plan and refuses when nothing is pending", () => {
    assert.deepEqual(pendingPlan(stack("network", pending)), { plan: pending.lastPlan });
    const none = pendingPlan(stack("dns", applied), NOW);
    assert.ok("problem" in none);
    assert.match(
      none.problem,
      /has nothing pending to apply: its last plan p-0123456789abcdef was approved already \(applied 2m ago\)/,
    );
  });
});

describe("stack drift", () => {
  it("lists the drifted resources and how they are put back", () => {
    const text = renderDrift(stack("dns", applied), NOW);
    assert.match(
      text,
      /^stack mooring\/dns: 1 resource\(s\) drifted, checked 2026-03-01 11:59:00 UTC \(60s ago\)$/m,
    );
    assert.match(text, /^kubernetes_config_map\.settings\s+update$/m);
    assert.match(text, /mode is report/);
  });

  it("says when no check has run yet and how to run one", () => {
    assert.match(
      renderDrift(stack("network", pending), NOW),
      /not been checked for drift yet; `moor stack drift network --check`/,
    );
  });
});

describe("stack outputs", () => {
  const data = {
    endpoint: Buffer.from("db.internal:5432").toString("base64"),
    password: Buffer.from("s3cret").toString("base64"),
  };

  it("hides the values the Secret marks sensitive and decodes the rest", () => {
    assert.deepEqual(outputValues(data, ["password"], false), {
      endpoint: "db.internal:5432",
      password: "(sensitive)",
    });
  });

  it("hides every value when the Secret does not say which are sensitive", () => {
    assert.deepEqual(outputValues(data, undefined, false), {
      endpoint: "(sensitive)",
      password: "(sensitive)",
    });
  });

  it("shows every value with --show-sensitive", () => {
    assert.deepEqual(outputValues(data, undefined, true), {
      endpoint: "db.internal:5432",
      password: "s3cret",
    });
  });

  it("reads the sensitive-outputs annotation", () => {
    assert.deepEqual(parseSensitiveKeys(" password, token ,"), ["password", "token"]);
    assert.deepEqual(parseSensitiveKeys(""), []);
    assert.equal(parseSensitiveKeys(undefined), undefined);
  });

  it("prints a table, multi-line values quoted on one line", () => {
    assert.equal(
      renderOutputs({ a: "1", cert: "line1\nline2" }),
      'NAME   VALUE\na      1\ncert   "line1\\nline2"',
    );
  });
});

describe("stack logs", () => {
  it("keeps the last N lines", () => {
    assert.equal(tailLines("a\nb\nc\n", 2), "b\nc\n");
    assert.equal(tailLines("a\nb\nc", 5), "a\nb\nc\n");
    assert.equal(tailLines("a\nb\n", 0), "");
    assert.equal(tailLines("a\nb\n", undefined), "a\nb\n");
  });
});
