import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../objects.ts";
import type { PlanSummary } from "../stack/plan.ts";
import { summariseApp } from "./app-summary.ts";
import { COMMENT_MARKER, cell, fenced, GITHUB_COMMENT_LIMIT, renderComment } from "./comment.ts";
import type { AppPreview, PreviewReport, StackPreview } from "./report.ts";

function configMap(name: string, data: Record<string, string>): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "shop" }, data };
}

function deployment(name: string, replicas: number): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "shop" },
    spec: { replicas, template: { spec: { containers: [{ name: "web", image: "nginx:1.25" }] } } },
  };
}

function rendered(name: string, base: KubeObject[], head: KubeObject[]): AppPreview {
  return { namespace: "mooring", name, status: "rendered", summary: summariseApp({ base, head }) };
}

/** An app whose diff is about `size` characters long. */
function appOfSize(name: string, size: number): AppPreview {
  return rendered(name, [configMap(name, { v: "a" })], [configMap(name, { v: "b".repeat(size) })]);
}

function plan(fields: Partial<PlanSummary> = {}): PlanSummary {
  return {
    formatVersion: "1.2",
    tofuVersion: "1.12.6",
    counts: { add: 1, change: 0, destroy: 1, replace: 0, forget: 0, import: 0, read: 0 },
    resources: [
      {
        address: "aws_s3_bucket.logs",
        action: "create",
        actions: ["create"],
        type: "aws_s3_bucket",
        name: "logs",
      },
      {
        address: "aws_db_instance.main",
        action: "delete",
        actions: ["delete"],
        type: "aws_db_instance",
        name: "main",
      },
    ],
    drifted: [],
    outputs: [{ name: "db_password", action: "update", sensitive: true }],
    declaredVariables: [],
    changes: true,
    errored: false,
    ...fields,
  };
}

const QUIET_PLAN: Partial<PlanSummary> = {
  changes: false,
  resources: [],
  outputs: [],
  counts: { add: 0, change: 0, destroy: 0, replace: 0, forget: 0, import: 0, read: 0 },
};

function report(fields: Partial<PreviewReport> = {}): PreviewReport {
  return {
    headSha: "0123456789abcdef0123456789abcdef01234567",
    baseRef: "main",
    apps: [],
    stacks: [],
    violations: [],
    ...fields,
  };
}

/** Every code fence opened is closed by the same fence, and every <details> is closed. */
function assertWellFormed(body: string): void {
  let open: string | undefined;
  for (const line of body.split("\n")) {
    const fence = /^(`{3,})/.exec(line)?.[1];
    if (open === undefined && fence !== undefined) open = fence;
    else if (open !== undefined && line === open) open = undefined;
  }
  assert.equal(open, undefined, "a code fence is left open");
  assert.equal(body.split("<details>").length, body.split("</details>").length, "a <details> is left open");
}

describe("renderComment", () => {
  it("starts with the marker and shows a table, per-app diffs, per-Stack plans and the head SHA", () => {
    const { body, omitted } = renderComment(
      report({
        apps: [rendered("web", [deployment("web", 2)], [deployment("web", 3)])],
        stacks: [{ namespace: "infra", name: "db", status: "planned", plan: plan() }],
      }),
    );
    assert.ok(body.startsWith(`${COMMENT_MARKER}\n`));
    assert.match(body, /\| Application \| mooring\/web \| changes \| 1 changed; web: replicas 2 → 3 \|/);
    assert.match(body, /\| Stack \| infra\/db \| \*\*destroys\*\* \| 1 to add, 0 to change, 1 to destroy \|/);
    assert.match(
      body,
      /<details><summary>Application mooring\/web: 1 changed; web: replicas 2 → 3<\/summary>/,
    );
    assert.match(
      body,
      /```diff\n@@ Deployment\/shop\/web \(changed\) @@\n- spec\.replicas: 2\n\+ spec\.replicas: 3\n```/,
    );
    assert.match(body, /\| \*\*destroy\*\* \| \*\*`aws_db_instance\.main`\*\* \|/);
    assert.match(body, /\| create \| `aws_s3_bucket\.logs` \|/);
    assert.match(body, /\*\*1 resource is destroyed\.\*\*/);
    assert.match(body, /`db_password` \(update, sensitive\)/);
    assert.match(body, /Preview of `0123456789abcdef0123456789abcdef01234567` against `main`/);
    assert.deepEqual(omitted, []);
    assertWellFormed(body);
  });

  it("leaves unchanged apps and Stacks out of the details but in the table", () => {
    const same = [configMap("a", { x: "1" })];
    const { body } = renderComment(
      report({
        apps: [rendered("quiet", same, same)],
        stacks: [
          {
            namespace: "infra",
            name: "dns",
            status: "planned",
            plan: plan(QUIET_PLAN),
          },
        ],
      }),
    );
    assert.match(body, /\| Application \| mooring\/quiet \| no changes \| no changes \|/);
    assert.match(body, /\| Stack \| infra\/dns \| no changes \| 0 to add, 0 to change, 0 to destroy \|/);
    assert.doesNotMatch(body, /<details>/);
  });

  it("names the broken file of a render error", () => {
    const app: AppPreview = {
      namespace: "mooring",
      name: "web",
      status: "render-error",
      error: { file: "charts/web/templates/deployment.yaml", message: "parse error at line 3" },
    };
    const { body } = renderComment(report({ apps: [app] }));
    assert.match(
      body,
      /\| Application \| mooring\/web \| \*\*render error\*\* \| in charts\/web\/templates\/deployment\.yaml \|/,
    );
    assert.match(body, /```text\nparse error at line 3\n```/);
  });

  it("lists policy violations with the rule, target and object", () => {
    const { body } = renderComment(
      report({
        violations: [
          {
            rule: "no-host-network",
            target: { kind: "Application", namespace: "mooring", name: "web" },
            subject: "Deployment/shop/web",
            message: "hostNetwork is not allowed",
          },
        ],
      }),
    );
    assert.match(
      body,
      /- `no-host-network` \(Application mooring\/web, Deployment\/shop\/web\): hostNetwork is not allowed/,
    );
  });

  it("tells a fork's PR that Stack plans wait for /moor plan", () => {
    const stack: StackPreview = {
      namespace: "infra",
      name: "db",
      status: "awaiting-plan",
      reason: "pull request from a fork",
    };
    const { body } = renderComment(report({ stacks: [stack] }));
    assert.match(body, /\| Stack \| infra\/db \| waiting for `\/moor plan` \| pull request from a fork \|/);
    assert.match(body, /wait until a user with write access comments `\/moor plan`/);
  });

  it("says so when the PR affects nothing", () => {
    assert.match(renderComment(report()).body, /No Application or Stack is affected/);
  });

  it("keeps a cell to one line and its pipes and HTML inert", () => {
    assert.equal(cell("a | b\n<script>"), "a \\| b &lt;script&gt;");
  });

  it("shows a pull request's text as plain text: no link, image, emphasis, mention or address", () => {
    const hostile =
      "see [the fix](https://evil.example/x) ![t](http://t.example/p.png) **now** @admins at www.evil.example";
    const app: AppPreview = {
      namespace: "shop",
      name: "web",
      status: "render-error",
      error: { message: hostile },
    };
    const { body } = renderComment(report({ apps: [app] }));
    const row = body.split("\n").find((line) => line.startsWith("| Application |")) ?? "";
    assert.ok(row.includes("see \\[the fix\\]\\(https:\u200b//evil.example/x\\)"), row);
    assert.ok(row.includes("\\!\\[t\\]"), row);
    assert.ok(row.includes("\\*\\*now\\*\\*"), row);
    assert.ok(row.includes("@\u200badmins"), row);
    assert.ok(row.includes("www\u200b.evil.example"), row);
    assert.ok(!/(?<!\\)\[[^\]]*(?<!\\)\]\(/.test(row), "no Markdown link is left");
  });

  it("fences content holding backticks with a longer fence", () => {
    assert.equal(fenced("diff", "+ x: ```y```"), "````diff\n+ x: ```y```\n````\n");
    const { body } = renderComment(
      report({
        apps: [rendered("md", [configMap("md", { r: "a" })], [configMap("md", { r: "```sh\nrm\n```" })])],
      }),
    );
    assertWellFormed(body);
  });

  it("never shows a Secret value", () => {
    const secret = (v: string): KubeObject => ({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "db", namespace: "shop" },
      data: { password: v },
    });
    const { body } = renderComment(
      report({ apps: [rendered("db", [secret("b2xkcGFzcw==")], [secret("bmV3cGFzcw==")])] }),
    );
    assert.doesNotMatch(body, /b2xkcGFzcw|bmV3cGFzcw/);
    assert.match(body, /\+{8} \(2\)/);
  });
});

describe("renderComment within the forge's size limit", () => {
  it("drops a huge diff, keeps the small ones and points to the API", () => {
    const apps = [appOfSize("small-1", 100), appOfSize("huge", 300_000), appOfSize("small-2", 100)];
    const { body, omitted } = renderComment(report({ apps }), {
      apiPath: "/api/v1/previews/org/repo/pulls/7",
    });
    assert.ok(body.length <= GITHUB_COMMENT_LIMIT, `${body.length} characters`);
    assert.deepEqual(omitted, ["Application mooring/huge"]);
    assert.match(body, /1 more diff: GET \/api\/v1\/previews\/org\/repo\/pulls\/7/);
    assert.match(body, /Application mooring\/small-1/);
    assert.match(body, /<details><summary>Application mooring\/small-2/);
    assert.match(body, /\| Application \| mooring\/huge \| changes \|/);
    assertWellFormed(body);
  });

  it("drops the largest sections first", () => {
    const apps = [appOfSize("a", 3000), appOfSize("b", 1000), appOfSize("c", 2000), appOfSize("d", 500)];
    const { omitted } = renderComment(report({ apps }), { budget: 3000 });
    assert.deepEqual(omitted, ["Application mooring/a", "Application mooring/c"]);
  });

  it("cuts rows of a table too long for the budget and says how many", () => {
    const apps = Array.from({ length: 2000 }, (_, i) => appOfSize(`app-${i}`, 10));
    const { body, omittedRows, omitted } = renderComment(report({ apps }), { budget: 20_000 });
    assert.ok(body.length <= 20_000);
    assert.ok(omittedRows > 0);
    assert.equal(omitted.length, 2000);
    assert.match(body, new RegExp(`${omittedRows} more rows: GET /api/v1/previews`));
    assertWellFormed(body);
  });

  for (const budget of [10, 100, 400, 1000, 2500, 8000, 30_000]) {
    it(`never exceeds a budget of ${budget} characters and never cuts a fence`, () => {
      const apps = [appOfSize("a", 5000), appOfSize("b", 700), appOfSize("c", 50_000), appOfSize("d", 120)];
      const stacks: StackPreview[] = [{ namespace: "infra", name: "db", status: "planned", plan: plan() }];
      const { body } = renderComment(report({ apps, stacks }), { budget });
      assert.ok(body.length <= budget, `${body.length} > ${budget}`);
      if (budget >= 100) assertWellFormed(body);
    });
  }
});

describe("renderComment: after the merge, and drift", () => {
  it("shows what was applied after the merge, with the audit record's id", () => {
    const { body } = renderComment(
      report({ applied: { commit: "fedcba98", at: "2026-12-02T21:30:00Z", auditId: "a-1042" } }),
    );
    assert.match(
      body,
      /\*\*Applied\*\* commit `fedcba98` at 2026-12-02T21:30:00Z \(audit record `a-1042`\)\./,
    );
  });

  it("names resources changed outside OpenTofu that the plan puts back", () => {
    const drifted = plan({ drifted: [{ address: "aws_s3_bucket.logs", actions: ["update"] }] });
    const { body } = renderComment(
      report({ stacks: [{ namespace: "infra", name: "db", status: "planned", plan: drifted }] }),
    );
    assert.match(
      body,
      /Changed outside OpenTofu since the last apply, and put back by this plan: `aws_s3_bucket\.logs`/,
    );
  });
});
