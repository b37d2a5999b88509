// The preview of a change for the targets that follow it, with fakes for git, the renders and
// the plans, and the Projects' real policy rules (src/core/preview/policy.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../core/objects.ts";
import type { ChangedPath } from "../core/preview/affected.ts";
import { summariseApp } from "../core/preview/app-summary.ts";
import { candidateTargets } from "../core/preview/candidates.ts";
import type { PolicyRule } from "../core/preview/policy.ts";
import { previewStatus } from "../core/preview/status.ts";
import { createLogger } from "../util/log.ts";
import type { AppPreviewer } from "./app-preview.ts";
import { type PreviewRunDeps, runPreview } from "./pipeline.ts";
import { planOf } from "./previews.test-fixtures.ts";
import type { ReadsInput } from "./reads.ts";
import type { StackPlanner } from "./stack-plan.ts";
import { candidateOf, type PreviewCandidate } from "./targets.ts";

const REPO = "https://git.example/team/app.git";

function app(name: string, path: string): PreviewCandidate {
  const object: KubeObject = {
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Application",
    metadata: { namespace: "mooring", name },
    spec: { project: `project-${name}`, source: { repoURL: REPO, targetRevision: "main", path } },
  };
  return candidateOf(object) as PreviewCandidate;
}

const stack = candidateOf({
  apiVersion: "mooring.dev/v1alpha1",
  kind: "Stack",
  metadata: { namespace: "infra", name: "db" },
  spec: { project: "infra", source: { repoURL: REPO, path: "stacks/db" } },
}) as PreviewCandidate;

function deployment(hostNetwork: boolean): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "shop" },
    spec: { template: { spec: { hostNetwork, containers: [{ name: "web", image: "nginx" }] } } },
  };
}

const PLAN = planOf([{ type: "aws_db_instance", name: "main", action: "delete" }]);

const RULES: Record<string, PolicyRule[]> = {
  "project-web": [
    {
      name: "no-host-network",
      appliesTo: "objects",
      kinds: ["Deployment"],
      expression: "!podSpec.?hostNetwork.orValue(false)",
    },
  ],
  infra: [
    {
      name: "keep-databases",
      appliesTo: "planChanges",
      resourceTypes: ["aws_db_instance"],
      expression: "change.action != 'delete'",
    },
  ],
};

function deps(changes: ChangedPath[], reads: Record<string, string[]>) {
  const readsAsked: string[] = [];
  const rendered: string[] = [];
  const revisions: string[] = [];
  const resolved: string[] = [];
  const apps: AppPreviewer = {
    previewApp: async (a, baseRevision, headRevision) => {
      rendered.push(a.metadata.name);
      revisions.push(`${baseRevision} -> ${headRevision}`);
      const head = [deployment(a.metadata.name === "web")];
      return {
        preview: {
          namespace: a.metadata.namespace,
          name: a.metadata.name,
          status: "rendered",
          summary: summariseApp({ base: [deployment(false)], head }),
        },
        headObjects: head,
      };
    },
  };
  const stacks: StackPlanner = {
    planStack: async (s) => ({
      namespace: s.metadata.namespace,
      name: s.metadata.name,
      status: "planned",
      plan: PLAN,
    }),
  };
  const run: PreviewRunDeps = {
    git: {
      head: async (repoURL, revision, _force, chart) => {
        resolved.push(`${repoURL} ${revision}${chart ? ` chart ${chart}` : ""}`);
        return chart ? `${chart}@1.2.3` : "c".repeat(40);
      },
      fetch: async () => ({ dir: "/base" }),
      changedFiles: async () => changes,
      isAncestor: async () => false,
    },
    reads: async (_dir: string, input: ReadsInput) => {
      readsAsked.push(input.path);
      if (input.path === "apps/broken") throw new Error("unreadable kustomization");
      return reads[input.path] ?? [];
    },
    apps,
    stacks,
    policies: async (project) => RULES[project] ?? [],
    log: createLogger({ level: "error" }),
  };
  return { run, readsAsked, rendered, revisions, resolved };
}

const input = (candidates: PreviewCandidate[]) => ({
  repoURL: REPO,
  baseRef: "main",
  baseSha: "a".repeat(40),
  headSha: "b".repeat(40),
  candidates: candidateTargets(REPO, "main", true, candidates),
  stackGate: () => ({ plan: true as const }),
});

describe("the preview of a change", () => {
  it("renders the apps built on a changed shared base, and asks what a target reads only when its own path was not touched", async () => {
    const { run, readsAsked, rendered } = deps(
      [
        { kind: "modified", path: "base/deployment.yaml" },
        { kind: "modified", path: "apps/own/x.yaml" },
      ],
      { "apps/web": ["base"], "apps/api": ["base"], "apps/other": ["elsewhere"] },
    );
    const candidates = [
      app("web", "apps/web"),
      app("api", "apps/api"),
      app("other", "apps/other"),
      app("own", "apps/own"),
    ];
    const { report, projects } = await runPreview(run, input(candidates));
    assert.deepEqual(report.apps.map((a) => a.name).sort(), ["api", "own", "web"]);
    assert.deepEqual(rendered.sort(), ["api", "own", "web"]);
    assert.deepEqual(
      readsAsked.sort(),
      ["apps/api", "apps/other", "apps/web"],
      "own's path covers it already",
    );
    assert.deepEqual(projects, {
      "Application/mooring/web": "project-web",
      "Application/mooring/api": "project-api",
      "Application/mooring/own": "project-own",
    });
  });

  it("counts only a target's own path when what it reads cannot be told", async () => {
    const { run } = deps([{ kind: "modified", path: "base/x.yaml" }], {});
    const { report } = await runPreview(run, input([app("broken", "apps/broken")]));
    assert.deepEqual(report.apps, []);
  });

  it("checks rendered objects and planned changes against the rules of each target's Project", async () => {
    const { run } = deps(
      [
        { kind: "modified", path: "apps/web/d.yaml" },
        { kind: "modified", path: "apps/api/d.yaml" },
        { kind: "modified", path: "stacks/db/main.tf" },
      ],
      {},
    );
    const { report } = await runPreview(run, input([app("web", "apps/web"), app("api", "apps/api"), stack]));
    assert.deepEqual(
      report.violations.map((v) => [v.rule, `${v.target.kind} ${v.target.name}`, v.subject]),
      [
        ["no-host-network", "Application web", "Deployment/shop/web"],
        ["keep-databases", "Stack db", "aws_db_instance.main"],
      ],
    );
    assert.equal(previewStatus(report).state, "failure");
    assert.match(previewStatus(report).description, /policy no-host-network violated by mooring\/web/);
  });

  it("holds a Stack the gate closes, with the gate's reason", async () => {
    const { run } = deps([{ kind: "modified", path: "stacks/db/main.tf" }], {});
    const { report } = await runPreview(run, {
      ...input([stack]),
      stackGate: () => ({ plan: false as const, reason: "a writer must comment /moor plan" }),
    });
    assert.deepEqual(report.stacks, [
      { namespace: "infra", name: "db", status: "awaiting-plan", reason: "a writer must comment /moor plan" },
    ]);
    assert.deepEqual(report.violations, []);
  });

  describe("of a multi-source app", () => {
    const CHARTS = "oci://registry.example/charts";
    const shop = candidateOf({
      apiVersion: "mooring.dev/v1alpha1",
      kind: "Application",
      metadata: { namespace: "mooring", name: "shop" },
      spec: {
        sources: [
          {
            repoURL: CHARTS,
            chart: "shop",
            targetRevision: "1.x",
            helm: { valueFiles: ["$values/envs/prod.yaml"] },
          },
          { repoURL: REPO, targetRevision: "main", ref: "values" },
          {
            repoURL: REPO,
            targetRevision: "main",
            path: "apps/shop-extras",
            helm: { valueFiles: ["$values/x.yaml", "local.yaml"] },
          },
        ],
      },
    }) as PreviewCandidate;

    it("renders a chart at the version it stands at with the values file the PR changes, both sides", async () => {
      const { run, rendered, revisions, resolved, readsAsked } = deps(
        [{ kind: "modified", path: "envs/prod.yaml" }],
        {},
      );
      const { report } = await runPreview(run, input([shop, app("web", "apps/web")]));
      assert.deepEqual(
        report.apps.map((a) => a.name),
        ["shop"],
      );
      assert.deepEqual(rendered, ["shop"]);
      const [a, b] = ["a".repeat(40), "b".repeat(40)];
      assert.deepEqual(revisions, [`shop@1.2.3,${a},${a} -> shop@1.2.3,${b},${b}`]);
      assert.deepEqual(resolved, [`${CHARTS} 1.x chart shop`], "the chart is resolved once, for both sides");
      assert.deepEqual(readsAsked, ["apps/web"], "the values file covers shop before anything of it is read");
    });

    it("renders it when a folder of its own changes, asking what that folder reads with its own values entries only", async () => {
      const { run, rendered, readsAsked } = deps([{ kind: "modified", path: "base/cm.yaml" }], {
        "apps/shop-extras": ["base"],
      });
      await runPreview(run, input([shop]));
      assert.deepEqual(rendered, ["shop"]);
      assert.deepEqual(readsAsked, ["apps/shop-extras"]);
    });

    it("leaves it out when the PR touches neither its folders nor the values files it names", async () => {
      const { run, rendered } = deps([{ kind: "modified", path: "envs/staging.yaml" }], {});
      const { report } = await runPreview(run, input([shop]));
      assert.deepEqual(report.apps, []);
      assert.deepEqual(rendered, []);
    });
  });
});
