// The preview service against small fakes of the forge, git, app previews and Stack plans: what
// a PR's author and reviewers would see on the forge (one comment, the status) and what the
// controller keeps and audits. The real parts are tested end to end in test/e2e/previews.test.ts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AuditActor, AuditEntry, AuditKind } from "../core/audit/record.ts";
import type { JsonMap } from "../core/json.ts";
import type { KubeObject } from "../core/objects.ts";
import type { ChangedPath } from "../core/preview/affected.ts";
import { summariseApp } from "../core/preview/app-summary.ts";
import type { StackPreview } from "../core/preview/report.ts";
import {
  type CommitStatusInput,
  type ForgeClient,
  type ForgeComment,
  ForgeError,
  PREVIEW_MARKER,
  type PullRequest,
} from "../forge/forge.ts";
import type { AppPreviewer, AppPreviewResult } from "./app-preview.ts";
import type { ConfiguredForge } from "./forges.ts";
import { capturedLog, planOf } from "./previews.test-fixtures.ts";
import { PreviewService } from "./service.ts";
import type { StackPlanner } from "./stack-plan.ts";

const REPO_URL = "http://git.local:3000/team/app.git";
const BASE = "a".repeat(40);
const HEAD1 = "1".repeat(40);
const HEAD2 = "2".repeat(40);
const MERGE = "m".repeat(40);

/** A forge holding pull requests, comments and statuses in memory, as Gitea would answer. */
class FakeForge implements ForgeClient {
  readonly kind = "gitea" as const;
  readonly commentLimit = 262_144;
  readonly pulls = new Map<number, PullRequest>();
  readonly comments: (ForgeComment & { number: number })[] = [];
  /** Each status set, with the PR's comment as it read at that moment. */
  readonly statuses: { sha: string; status: CommitStatusInput; commentThen?: string }[] = [];
  readonly writers = new Set<string>(["ada"]);
  /** Calls of getPullRequest that fail first with this error. */
  failNext: ForgeError[] = [];
  /** The token may not ask about permissions (a Gitea token without repository admin). */
  forbidPermissions = false;
  openListed = true;
  #nextId = 100;

  async whoAmI() {
    return "mooring";
  }
  async listOpenPullRequests() {
    return this.openListed ? [...this.pulls.values()].filter((p) => p.state === "open") : [];
  }
  async getPullRequest(_repo: unknown, number: number) {
    const fail = this.failNext.shift();
    if (fail) throw fail;
    const pr = this.pulls.get(number);
    if (!pr) throw new ForgeError("not-found", `pull request ${number} not found`);
    return structuredClone(pr);
  }
  async listChangedFiles() {
    return [];
  }
  async findMarkedComment(_repo: unknown, number: number) {
    return this.comments.find((c) => c.number === number && c.body.includes(PREVIEW_MARKER));
  }
  async upsertMarkedComment(_repo: unknown, number: number, body: string) {
    const found = await this.findMarkedComment(_repo, number);
    if (found) {
      found.body = body;
      return { comment: found, created: false };
    }
    const comment = { id: this.#nextId++, body, author: "mooring", number };
    this.comments.push(comment);
    return { comment, created: true };
  }
  async setCommitStatus(_repo: unknown, sha: string, status: CommitStatusInput) {
    const pr = [...this.pulls.values()].find((p) => p.head.sha === sha);
    const commentThen = pr ? this.commentsOn(pr.number)[0]?.body : undefined;
    this.statuses.push({ sha, status, ...(commentThen !== undefined ? { commentThen } : {}) });
  }
  async listCommitStatuses() {
    return [];
  }
  async hasWriteAccess(_repo: unknown, login: string) {
    if (this.forbidPermissions)
      throw new ForgeError("forbidden", "gitea GET /api/v1/repos/team/app/collaborators answered 403");
    return this.writers.has(login);
  }

  pull(number: number, over: Partial<PullRequest> = {}): PullRequest {
    const pr: PullRequest = {
      number,
      title: `PR ${number}`,
      state: "open",
      base: { ref: "main", sha: BASE, repoURL: REPO_URL },
      head: { ref: "scale", sha: HEAD1, repoURL: REPO_URL },
      fromFork: false,
      author: "ada",
      url: `http://git.local:3000/team/app/pulls/${number}`,
      ...over,
    };
    this.pulls.set(number, pr);
    return pr;
  }
  commentsOn(number: number) {
    return this.comments.filter((c) => c.number === number);
  }
  lastStatus(sha: string) {
    return this.statuses.filter((s) => s.sha === sha).at(-1)?.status;
  }
}

function deployment(replicas: number, image = "nginx:1.25"): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "shop" },
    spec: { replicas, template: { spec: { containers: [{ name: "web", image }] } } },
  };
}

/** App previews: base renders 1 replica, each head its own count; a head in `broken` fails to render. */
class FakeApps implements AppPreviewer {
  readonly calls: { app: string; head: string }[] = [];
  readonly replicas = new Map<string, number>([
    [HEAD1, 2],
    [HEAD2, 3],
  ]);
  readonly broken = new Set<string>();
  /** Heads whose preview waits until released. */
  #gates = new Map<string, Promise<void>>();
  holdNext(head: string): () => void {
    const gate = Promise.withResolvers<void>();
    this.#gates.set(head, gate.promise);
    return () => gate.resolve();
  }

  async previewApp(
    app: { metadata: { namespace?: string; name?: string } },
    _base: string,
    head: string,
    options?: { signal?: AbortSignal },
  ): Promise<AppPreviewResult> {
    this.calls.push({ app: app.metadata.name ?? "", head });
    await this.#gates.get(head);
    options?.signal?.throwIfAborted();
    const target = { namespace: app.metadata.namespace ?? "", name: app.metadata.name ?? "" };
    if (this.broken.has(head))
      return {
        preview: {
          ...target,
          status: "render-error",
          error: { file: "apps/web/templates/deployment.yaml", message: "parse error" },
        },
        headObjects: [],
      };
    const after = deployment(this.replicas.get(head) ?? 1);
    return {
      preview: {
        ...target,
        status: "rendered",
        summary: summariseApp({ base: [deployment(1)], head: [after] }),
      },
      headObjects: [after],
    };
  }
}

const PLAN = planOf([{ type: "terraform_data", name: "db", action: "update" }]);

class FakeStacks implements StackPlanner {
  readonly planned: string[] = [];
  async planStack(
    stack: { metadata: { namespace: string; name: string } },
    head: string,
  ): Promise<StackPreview> {
    this.planned.push(head);
    return { namespace: stack.metadata.namespace, name: stack.metadata.name, status: "planned", plan: PLAN };
  }
}

class FakeAudit {
  readonly entries: { kind: AuditKind; project: string; details: JsonMap; actor?: AuditActor }[] = [];
  listener: ((entry: AuditEntry, seq: number) => void) | undefined;
  readonly controller: AuditActor = { type: "controller", name: "mooring-0" };
  recordInProject(kind: AuditKind, project: string, details: JsonMap, actor?: AuditActor) {
    this.entries.push({ kind, project, details, ...(actor ? { actor } : {}) });
  }
  onRecorded(listener: (entry: AuditEntry, seq: number) => void) {
    this.listener = listener;
    return () => {
      this.listener = undefined;
    };
  }
}

const app = (name: string, path: string): KubeObject => ({
  apiVersion: "mooring.dev/v1alpha1",
  kind: "Application",
  metadata: { namespace: "mooring", name },
  spec: { project: "team-a", source: { repoURL: REPO_URL, targetRevision: "main", path } },
});
const stack: KubeObject = {
  apiVersion: "mooring.dev/v1alpha1",
  kind: "Stack",
  metadata: { namespace: "infra", name: "db" },
  spec: { project: "team-a", source: { repoURL: REPO_URL, targetRevision: "main", path: "stacks/db" } },
};

function setup(options: { changed?: ChangedPath[]; targets?: KubeObject[] } = {}) {
  const { log, lines: logged } = capturedLog("error");
  const forge = new FakeForge();
  const configured: ConfiguredForge = {
    name: "gitea",
    kind: "gitea",
    url: "http://git.local:3000/",
    client: forge,
  };
  const apps = new FakeApps();
  const stacks = new FakeStacks();
  const audit = new FakeAudit();
  const ancestors = new Set<string>();
  /** Calls of changedFiles that fail first, as an unreachable git server would. */
  const gitDown = { failures: 0 };
  const changed = options.changed ?? [
    { kind: "modified", path: "apps/web/deployment.yaml" },
    { kind: "modified", path: "stacks/db/main.tf" },
  ];
  let clock = Date.parse("2026-12-03T06:00:00.000Z");
  const service = new PreviewService(
    {
      forges: { list: async () => [configured] },
      targets: () => options.targets ?? [app("web", "apps/web"), app("api", "apps/api"), stack],
      git: {
        head: async (_repo, revision, _force, chart) =>
          chart ? `${chart}@1.2.0` : revision === "HEAD" || revision === "main" ? BASE : revision,
        fetch: async () => ({ dir: "/checkout/base" }),
        changedFiles: async () => {
          if (gitDown.failures > 0) {
            gitDown.failures -= 1;
            throw new Error("git fetch http://git.local:3000/team/app.git failed: connection refused");
          }
          return changed;
        },
        isAncestor: async (_repo, a, b) => ancestors.has(`${a}..${b}`),
      },
      reads: async () => [],
      apps,
      stacks,
      policies: async () => [],
      log,
      audit,
      now: () => {
        clock += 1000;
        return new Date(clock);
      },
      sleep: async () => {},
    },
    { pollIntervalMs: 0 },
  );
  service.start();
  return { service, forge, apps, stacks, audit, ancestors, logged, gitDown };
}

/** The audit entry a sync (Application) or an apply (Stack) of the controller records. */
function appliedEntry(
  kind: "Application" | "Stack",
  namespace: string,
  name: string,
  details: JsonMap,
): AuditEntry {
  return {
    time: "2026-12-03T06:10:00.000Z",
    kind: kind === "Application" ? "sync" : "stack-apply",
    actor: { type: "controller", name: "mooring-0" },
    project: "team-a",
    object: { group: "mooring.dev", kind, namespace, name },
    details,
  };
}

const nudge = (number: number, action: "opened" | "synchronized" | "closed" | "merged" = "opened") =>
  ({ kind: "pull_request", forge: "gitea", repoURL: REPO_URL, number, action }) as const;
const planComment = (number: number, commenter: string) =>
  ({ kind: "comment", forge: "gitea", repoURL: REPO_URL, number, commenter, plan: true }) as const;

describe("pull-request previews", () => {
  it("posts one comment with the affected app and Stack and a success status, and edits it in place on a push", async () => {
    const { service, forge, apps } = setup();
    forge.pull(4);
    assert.deepEqual(await service.nudge(nudge(4)), { accepted: true });
    await service.idle();
    assert.equal(forge.commentsOn(4).length, 1);
    const first = forge.commentsOn(4)[0];
    assert.match(first?.body ?? "", /mooring\/web/);
    assert.doesNotMatch(first?.body ?? "", /mooring\/api/, "an app the PR does not touch is not previewed");
    assert.match(first?.body ?? "", /terraform_data\.db/);
    assert.equal(forge.lastStatus(HEAD1)?.state, "success");
    assert.deepEqual(
      forge.statuses.filter((s) => s.sha === HEAD1).map((s) => s.status.state),
      ["pending", "success"],
      "pending while it runs, then the result",
    );
    assert.deepEqual(apps.calls, [{ app: "web", head: HEAD1 }]);
    assert.match(
      forge.statuses.at(-1)?.commentThen ?? "",
      /replicas 1 → 2/,
      "the comment explains the status before the status is set",
    );

    forge.pull(4, { head: { ref: "scale", sha: HEAD2, repoURL: REPO_URL } });
    await service.nudge(nudge(4, "synchronized"));
    await service.idle();
    assert.equal(forge.commentsOn(4).length, 1, "never a second comment");
    assert.equal(forge.commentsOn(4)[0]?.id, first?.id);
    assert.match(forge.commentsOn(4)[0]?.body ?? "", /2222222/);
    assert.match(forge.commentsOn(4)[0]?.body ?? "", /replicas 1 → 3/);
    assert.equal(forge.lastStatus(HEAD2)?.state, "success");
    const stored = await service.get(REPO_URL, 4);
    assert.equal(stored?.headSha, HEAD2);
    assert.equal(stored?.state, "done");
    assert.deepEqual(stored?.projects, { "Application/mooring/web": "team-a", "Stack/infra/db": "team-a" });
    assert.equal(service.list().length, 1);
  });

  it("drops a run superseded by a newer push: only the newer head reaches the forge", async () => {
    const { service, forge, apps } = setup();
    forge.pull(5);
    const release = apps.holdNext(HEAD1);
    await service.nudge(nudge(5));
    // Let the first run reach the app preview and wait there.
    while (apps.calls.length === 0) await new Promise((r) => setImmediate(r));
    forge.pull(5, { head: { ref: "scale", sha: HEAD2, repoURL: REPO_URL } });
    await service.nudge(nudge(5, "synchronized"));
    release();
    await service.idle();
    assert.equal(forge.lastStatus(HEAD1)?.state, "pending", "the superseded head never got a result");
    assert.equal(forge.lastStatus(HEAD2)?.state, "success");
    assert.equal(forge.commentsOn(5).length, 1);
    assert.match(forge.commentsOn(5)[0]?.body ?? "", /2222222/);
    assert.doesNotMatch(forge.commentsOn(5)[0]?.body ?? "", /replicas 1 → 2/);
  });

  it("gives a fork's PR app previews but no Stack plan until a writer's /moor plan for its head", async () => {
    const { service, forge, stacks, audit } = setup();
    forge.pull(6, {
      fromFork: true,
      author: "eve",
      head: { ref: "x", sha: HEAD1, repoURL: "http://git.local:3000/eve/app.git" },
    });
    await service.nudge(nudge(6));
    await service.idle();
    assert.deepEqual(stacks.planned, []);
    let body = forge.commentsOn(6)[0]?.body ?? "";
    assert.match(body, /mooring\/web/);
    assert.match(body, /\/moor plan/);
    assert.equal(forge.lastStatus(HEAD1)?.state, "pending");

    // A non-writer's request is ignored, and the comment says who may ask.
    await service.nudge(planComment(6, "mallory"));
    await service.idle();
    assert.deepEqual(stacks.planned, []);
    body = forge.commentsOn(6)[0]?.body ?? "";
    assert.match(body, /from mallory was ignored/);
    assert.deepEqual(
      audit.entries
        .filter((e) => e.kind === "preview-plan-requested")
        .map((e) => [e.actor?.name, e.details.granted]),
      [["mallory", false]],
    );

    // A writer's request plans this head.
    await service.nudge(planComment(6, "ada"));
    await service.idle();
    assert.deepEqual(stacks.planned, [HEAD1]);
    assert.match(forge.commentsOn(6)[0]?.body ?? "", /terraform_data\.db/);
    assert.equal(forge.lastStatus(HEAD1)?.state, "success");
    assert.equal(forge.commentsOn(6).length, 1);

    // A new push is new code: it needs a new /moor plan.
    forge.pull(6, {
      fromFork: true,
      author: "eve",
      head: { ref: "x", sha: HEAD2, repoURL: "http://git.local:3000/eve/app.git" },
    });
    await service.nudge(nudge(6, "synchronized"));
    await service.idle();
    assert.deepEqual(stacks.planned, [HEAD1]);
    assert.equal(forge.lastStatus(HEAD2)?.state, "pending");
    assert.equal((await service.get(REPO_URL, 6))?.report.stacks[0]?.status, "awaiting-plan");
  });

  it("holds Stack plans of a same-repository PR whose author has no write access", async () => {
    const { service, forge, stacks } = setup();
    forge.pull(7, { author: "guest" });
    await service.nudge(nudge(7));
    await service.idle();
    assert.deepEqual(stacks.planned, []);
    assert.match(forge.commentsOn(7)[0]?.body ?? "", /no write access/);
  });

  it("holds Stack plans when the forge will not say who may write, and logs it for a person naming the forge Secret", async () => {
    const { service, forge, stacks, logged } = setup();
    forge.forbidPermissions = true;
    forge.pull(14);
    await service.nudge(nudge(14));
    await service.idle();
    assert.deepEqual(stacks.planned, []);
    assert.equal(forge.lastStatus(HEAD1)?.state, "pending");
    const line = logged.find((l) => l.includes("forge-forbidden"));
    assert.ok(line, logged.join(""));
    assert.match(line, /"forgeSecret":"gitea"/);
    assert.match(line, /"repo":"team\/app"/);
  });

  it("shows what was applied after the merge: commit, time and audit id", async () => {
    const { service, forge, audit, ancestors } = setup();
    forge.pull(8);
    await service.nudge(nudge(8));
    await service.idle();
    forge.pull(8, { state: "merged", mergeCommitSha: MERGE });
    await service.nudge(nudge(8, "merged"));
    await service.idle();
    assert.equal((await service.get(REPO_URL, 8))?.state, "merged");
    const applied = "f".repeat(40);
    ancestors.add(`${MERGE}..${applied}`);
    const entry = appliedEntry("Application", "mooring", "web", { revision: applied, phase: "Succeeded" });
    // Another app's sync, or a sync without the merge, changes nothing.
    audit.listener?.(
      { ...entry, object: { group: "mooring.dev", kind: "Application", namespace: "mooring", name: "api" } },
      41,
    );
    audit.listener?.({ ...entry, details: { revision: "e".repeat(40), phase: "Succeeded" } }, 42);
    await service.idle();
    assert.equal((await service.get(REPO_URL, 8))?.state, "merged");
    audit.listener?.(entry, 43);
    await service.idle();
    const stored = await service.get(REPO_URL, 8);
    assert.equal(stored?.state, "applied");
    assert.deepEqual(stored?.report.applied, {
      commit: applied,
      at: "2026-12-03T06:10:00.000Z",
      auditId: "43",
    });
    const body = forge.commentsOn(8)[0]?.body ?? "";
    assert.match(body, /ffffffff/);
    assert.match(body, /43/);
    assert.equal(forge.commentsOn(8).length, 1);
  });

  it("counts an apply seen before the merge was learned", async () => {
    const { service, forge, audit } = setup();
    forge.pull(9);
    await service.nudge(nudge(9));
    await service.idle();
    audit.listener?.(appliedEntry("Stack", "infra", "db", { revision: MERGE, result: "succeeded" }), 50);
    forge.pull(9, { state: "merged", mergeCommitSha: MERGE });
    await service.nudge(nudge(9, "merged"));
    await service.idle();
    assert.equal((await service.get(REPO_URL, 9))?.report.applied?.auditId, "50");
  });

  it("fails the status naming the file when the head does not render", async () => {
    const { service, forge, apps, audit } = setup();
    apps.broken.add(HEAD1);
    forge.pull(10);
    await service.nudge(nudge(10));
    await service.idle();
    const status = forge.lastStatus(HEAD1);
    assert.equal(status?.state, "failure");
    assert.match(status?.description ?? "", /apps\/web\/templates\/deployment\.yaml/);
    const recorded = audit.entries.find((e) => e.kind === "preview");
    assert.equal(recorded?.details.status, "failure");
    assert.equal(recorded?.project, "team-a");
    assert.equal(recorded?.details.number, 10);
  });

  it("finds, by polling, a PR whose webhook was lost, and once only", async () => {
    const { service, forge, apps } = setup();
    forge.pull(11);
    await service.poll();
    await service.idle();
    assert.equal(forge.commentsOn(11).length, 1);
    assert.equal(forge.lastStatus(HEAD1)?.state, "success");
    await service.poll();
    await service.idle();
    assert.equal(apps.calls.length, 1, "a head previewed already is not previewed again");
    // It left the open list: the poll reads it again and learns that it closed.
    forge.pull(11, { state: "closed" });
    await service.poll();
    await service.idle();
    assert.equal((await service.get(REPO_URL, 11))?.state, "closed");
  });

  it("says on the PR when a preview could not be made, and the next poll tries the head again", async () => {
    const { service, forge, gitDown } = setup();
    gitDown.failures = 1;
    forge.pull(15);
    await service.nudge(nudge(15));
    await service.idle();
    assert.equal(forge.lastStatus(HEAD1)?.state, "error");
    assert.match(
      forge.lastStatus(HEAD1)?.description ?? "",
      /preview failed: git fetch .* connection refused/,
    );
    await service.poll();
    await service.idle();
    assert.equal(forge.lastStatus(HEAD1)?.state, "success");
    assert.equal(forge.commentsOn(15).length, 1);
  });

  it("tries a rate-limited forge again, and refuses nudges for repositories nobody reads", async () => {
    const { service, forge } = setup();
    forge.pull(12);
    forge.failNext = [new ForgeError("rate-limited", "slow down", 1), new ForgeError("unreachable", "down")];
    await service.nudge(nudge(12));
    await service.idle();
    assert.equal(forge.lastStatus(HEAD1)?.state, "success");
    const other = await service.nudge({ ...nudge(1), repoURL: "http://git.local:3000/team/other.git" });
    assert.equal(other.accepted, false);
    assert.match(other.reason ?? "", /no Application or Stack reads gitea:team\/other/);
    const elsewhere = await service.nudge({ ...nudge(1), repoURL: "https://github.com/team/app.git" });
    assert.match(elsewhere.reason ?? "", /no configured forge serves/);
  });

  it("posts no comment when the PR touches nothing previewed, only a success status", async () => {
    const { service, forge } = setup({ changed: [{ kind: "modified", path: "README.md" }] });
    forge.pull(13);
    await service.nudge(nudge(13));
    await service.idle();
    assert.equal(forge.commentsOn(13).length, 0);
    assert.equal(forge.lastStatus(HEAD1)?.description, "no Application or Stack affected");
  });

  it("previews two revisions without a forge, planning Stacks only in projects the caller may plan in", async () => {
    const { service, forge, stacks } = setup();
    const answer = await service.runLocal({ repoURL: REPO_URL, base: "main", head: HEAD2, planProjects: [] });
    assert.equal(answer.headSha, HEAD2);
    assert.equal(answer.baseSha, BASE);
    assert.equal(answer.report.apps[0]?.status, "rendered");
    const held = answer.report.stacks[0];
    assert.equal(held?.status, "awaiting-plan");
    assert.match(held?.status === "awaiting-plan" ? held.reason : "", /verb plan in project team-a/);
    assert.equal(answer.status.state, "pending");
    assert.deepEqual(stacks.planned, []);
    const planned = await service.runLocal({
      repoURL: REPO_URL,
      base: "main",
      head: HEAD2,
      planProjects: ["team-a"],
    });
    assert.equal(planned.report.stacks[0]?.status, "planned");
    assert.equal(planned.status.state, "success");
    assert.equal(forge.comments.length + forge.statuses.length, 0, "nothing posted to the forge");
  });

  it("previews a chart app whose values come from the PR's repository, and sees its merge applied through that source", async () => {
    const chartApp: KubeObject = {
      apiVersion: "mooring.dev/v1alpha1",
      kind: "Application",
      metadata: { namespace: "mooring", name: "shop" },
      spec: {
        project: "team-a",
        sources: [
          {
            repoURL: "oci://registry.local/charts",
            chart: "shop",
            targetRevision: "1.x",
            helm: { valueFiles: ["$values/envs/prod.yaml"] },
          },
          // The same repository as the forge serves it, spelt otherwise.
          { repoURL: "http://git.local:3000/Team/App", targetRevision: "main", ref: "values" },
        ],
      },
    };
    const { service, forge, apps, audit, ancestors } = setup({
      changed: [{ kind: "modified", path: "envs/prod.yaml" }],
      targets: [chartApp, app("web", "apps/web")],
    });
    forge.pull(14);
    assert.deepEqual(await service.nudge(nudge(14)), { accepted: true });
    await service.idle();
    assert.deepEqual(
      apps.calls.map((c) => c.app),
      ["shop"],
    );
    assert.equal(
      apps.calls[0]?.head,
      `shop@1.2.0,${HEAD1}`,
      "the chart where it stands, the values at the PR's head",
    );
    assert.match(forge.commentsOn(14)[0]?.body ?? "", /mooring\/shop/);
    forge.pull(14, { state: "merged", mergeCommitSha: MERGE });
    await service.nudge(nudge(14, "merged"));
    await service.idle();
    const applied = "f".repeat(40);
    ancestors.add(`${MERGE}..${applied}`);
    audit.listener?.(
      appliedEntry("Application", "mooring", "shop", {
        revision: `shop@1.2.0,${applied}`,
        phase: "Succeeded",
      }),
      60,
    );
    await service.idle();
    assert.equal((await service.get(REPO_URL, 14))?.report.applied?.commit, applied);
  });
});
