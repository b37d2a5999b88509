// Pull-request and comment deliveries through the webhook route: what the forge sees (202 with
// what was forwarded, or why nothing was; 503 when the controller cannot be told, and the retry
// then goes through), what the controller is told (a PreviewNudge over its token-guarded channel,
// here a loopback HTTP listener standing in for it), and what the audit trail keeps (forge, event,
// PR number; never the body). A push is covered by webhooks.test.ts.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { AuditEntry } from "../../core/audit/record.ts";
import type { KubeObject } from "../../core/objects.ts";
import type { PreviewNudge } from "../../core/preview/protocol.ts";
import { ReplayGuard } from "../../core/webhook/replay.ts";
import type { KubeClient } from "../../kube/client.ts";
import { createLogger } from "../../util/log.ts";
import { createApiApp } from "../app.ts";
import type { ServerDeps } from "../context.ts";
import { ControllerStandIn, inspectTokenSecret } from "../controller-stand-in.test-util.ts";
import { InspectClient } from "../inspect-client.ts";
import { NO_LOGIN } from "../principal.ts";
import { signWebhookBody } from "../webhooks/verify.ts";
import { WEBHOOK_SECRET_NAME, webhookRoutes } from "./webhooks.ts";

const SECRET = "hook-secret";
const EVENTS = "POST /inspect/v1/previews/events";
const REPO = "http://127.0.0.1:3000/team/platform.git";

function pullRequest(action: string) {
  const repo = { id: 1, clone_url: REPO };
  return {
    action,
    number: 12,
    pull_request: {
      number: 12,
      title: "Scale web",
      state: "open",
      html_url: "http://127.0.0.1:3000/team/platform/pulls/12",
      user: { login: "ada" },
      base: { ref: "main", sha: "a".repeat(40), repo },
      head: { ref: "scale", sha: "b".repeat(40), repo },
    },
    repository: repo,
  };
}

function comment(body: string) {
  return {
    action: "created",
    is_pull: true,
    issue: { number: 12, pull_request: {} },
    comment: { id: 55, body, user: { login: "bob" } },
    repository: { clone_url: REPO },
  };
}

function secretObject(name: string, data: Record<string, string>): KubeObject {
  return { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "mooring" }, data };
}

function setup(controllerUrl: string | undefined) {
  const audit: AuditEntry[] = [];
  const b64 = (text: string) => Buffer.from(text).toString("base64");
  const kube = {
    get: async (_v: string, _kind: string, _ns: string, name: string) =>
      name === WEBHOOK_SECRET_NAME
        ? secretObject(name, { gitea: b64(SECRET), gitlab: b64(SECRET) })
        : inspectTokenSecret("mooring"),
    list: async () => assert.fail("a pull-request delivery lists no Applications"),
    mergePatch: async () => assert.fail("a pull-request delivery refreshes nothing"),
  } as unknown as KubeClient;
  const deps: ServerDeps = {
    authenticator: NO_LOGIN,
    audit: { record: (entry) => audit.push(entry) },
    clock: () => Date.parse("2026-12-03T06:00:00.000Z"),
    log: createLogger({ level: "error", stream: { write: () => true } as unknown as NodeJS.WritableStream }),
    kube,
    namespace: "mooring",
    ...(controllerUrl === undefined
      ? {}
      : { inspect: new InspectClient({ url: controllerUrl, kube, namespace: "mooring", timeoutMs: 2000 }) }),
  };
  const app = createApiApp(deps, webhookRoutes({ guard: new ReplayGuard() }));
  const deliver = (delivery: string, event: string, payload: unknown) => {
    const body = JSON.stringify(payload);
    return app.fetch(
      new Request("http://x/api/v1/webhooks/gitea", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-gitea-event": event,
          "x-gitea-delivery": delivery,
          "x-gitea-signature": signWebhookBody(SECRET, body).slice("sha256=".length),
        },
        body,
      }),
    );
  };
  /** GitLab proves itself with the token, names the event in X-Gitlab-Event. */
  const deliverGitlab = (delivery: string, event: string, payload: unknown) =>
    app.fetch(
      new Request("http://x/api/v1/webhooks/gitlab", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-gitlab-event": event,
          "x-gitlab-event-uuid": delivery,
          "x-gitlab-token": SECRET,
        },
        body: JSON.stringify(payload),
      }),
    );
  return { audit, deliver, deliverGitlab };
}

describe("POST /api/v1/webhooks/{forge}: pull-request previews", () => {
  const controller = new ControllerStandIn();
  const nudges = () =>
    controller.requests.filter((r) => `${r.method} ${r.url}` === EVENTS).map((r) => r.body as PreviewNudge);
  const answer = (status: number, body: unknown) => controller.answers.set(EVENTS, () => ({ status, body }));
  before(async () => {
    answer(202, { accepted: true });
    await controller.start();
  });
  after(() => controller.stop());

  it("forwards an opened pull request to the controller and answers 202 with what it forwarded", async () => {
    const { deliver, audit } = setup(controller.url);
    const res = await deliver("pr-1", "pull_request", pullRequest("opened"));
    assert.equal(res.status, 202);
    const body = (await res.json()) as Record<string, unknown>;
    const nudge = {
      kind: "pull_request",
      forge: "gitea",
      repoURL: REPO,
      number: 12,
      action: "opened",
      headSha: "b".repeat(40),
    };
    assert.deepEqual(body, {
      forge: "gitea",
      deliveryId: "pr-1",
      event: "pull_request",
      number: 12,
      forwarded: nudge,
      accepted: true,
    });
    assert.deepEqual(nudges().at(-1), nudge);
    assert.deepEqual(
      audit.map((a) => [a.kind, a.details]),
      [
        [
          "webhook-received",
          {
            forge: "gitea",
            deliveryId: "pr-1",
            event: "pull_request",
            number: 12,
            action: "opened",
            forwarded: true,
            accepted: true,
          },
        ],
      ],
    );
  });

  it("forwards a /moor plan comment with the commenter, for the controller to check their access", async () => {
    const { deliver } = setup(controller.url);
    const res = await deliver("c-1", "issue_comment", comment("looks good\n/moor plan\n"));
    assert.equal(res.status, 202);
    assert.deepEqual(nudges().at(-1), {
      kind: "comment",
      forge: "gitea",
      repoURL: REPO,
      number: 12,
      commenter: "bob",
      plan: true,
    });
  });

  it("answers 202 with the reason, telling the controller nothing, for an edit or a chat comment", async () => {
    const { deliver, audit } = setup(controller.url);
    const before = nudges().length;
    const edited = await deliver("e-1", "pull_request", pullRequest("edited"));
    assert.equal(edited.status, 202);
    assert.deepEqual(await edited.json(), {
      forge: "gitea",
      deliveryId: "e-1",
      event: "pull_request",
      ignored: true,
      reason: 'pull_request action "edited" changes no code',
    });
    const chat = await deliver("e-2", "issue_comment", comment("nice work"));
    assert.equal(
      ((await chat.json()) as { reason: string }).reason,
      "the comment does not ask for /moor plan",
    );
    assert.equal(nudges().length, before);
    assert.deepEqual(
      audit.map((a) => [a.kind, a.details.event, a.details.ignored]),
      [
        ["webhook-received", "pull_request", 'pull_request action "edited" changes no code'],
        ["webhook-received", "comment", "the comment does not ask for /moor plan"],
      ],
    );
    assert.equal(audit[1]?.details.number, 12);
    assert.doesNotMatch(JSON.stringify(audit), /nice work/);
  });

  it("answers 503 while the controller cannot be told, and lets the forge's retry through", async () => {
    answer(503, { error: { code: "not-leader", message: "standby" } });
    try {
      const { deliver, audit } = setup(controller.url);
      const res = await deliver("pr-2", "pull_request", pullRequest("synchronized"));
      assert.equal(res.status, 503);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, "controller-unreachable");
      assert.equal(audit[0]?.kind, "webhook-refused");
      assert.equal(audit[0]?.details.number, 12);
      assert.equal(audit[0]?.details.event, "pull_request");
      answer(202, { accepted: false, reason: "no Application reads it" });
      const retry = await deliver("pr-2", "pull_request", pullRequest("synchronized"));
      assert.equal(retry.status, 202);
      assert.deepEqual(
        ((await retry.json()) as { accepted: boolean; reason: string }).reason,
        "no Application reads it",
      );
      const replay = await deliver("pr-2", "pull_request", pullRequest("synchronized"));
      assert.equal(replay.status, 409);
    } finally {
      answer(202, { accepted: true });
    }
  });

  it("forwards GitLab's merge request pushes and /moor plan notes, and ignores an update without commits", async () => {
    const { deliverGitlab } = setup(controller.url);
    const project = "https://gitlab.example/team/platform.git";
    const mergeRequest = (extra: Record<string, unknown>) => ({
      user: { username: "ada" },
      object_attributes: {
        iid: 9,
        action: "update",
        source_branch: "scale",
        target_branch: "main",
        source_project_id: 1,
        target_project_id: 1,
        url: "https://gitlab.example/team/platform/-/merge_requests/9",
        last_commit: { id: "c".repeat(40) },
        source: { git_http_url: project },
        target: { git_http_url: project },
        ...extra,
      },
    });
    const pushed = await deliverGitlab("g-1", "Merge Request Hook", mergeRequest({ oldrev: "d".repeat(40) }));
    assert.equal(pushed.status, 202);
    assert.deepEqual(nudges().at(-1), {
      kind: "pull_request",
      forge: "gitlab",
      repoURL: project,
      number: 9,
      action: "synchronized",
      headSha: "c".repeat(40),
    });
    const retitled = await deliverGitlab("g-2", "Merge Request Hook", mergeRequest({}));
    assert.equal(((await retitled.json()) as { ignored?: boolean }).ignored, true);
    const note = await deliverGitlab("g-3", "Note Hook", {
      user: { username: "bob" },
      project: { git_http_url: project },
      merge_request: { iid: 9 },
      object_attributes: { id: 77, noteable_type: "MergeRequest", note: "/moor plan" },
    });
    assert.equal(note.status, 202);
    assert.deepEqual(nudges().at(-1), {
      kind: "comment",
      forge: "gitlab",
      repoURL: project,
      number: 9,
      commenter: "bob",
      plan: true,
    });
  });

  it("answers 503 when the server has no controller to tell", async () => {
    const { deliver, audit } = setup(undefined);
    const res = await deliver("pr-3", "pull_request", pullRequest("opened"));
    assert.equal(res.status, 503);
    assert.equal(audit[0]?.details.code, "controller-unreachable");
  });

  it("refuses a pull request whose payload lacks a field it needs with 400 naming the field", async () => {
    const { deliver, audit } = setup(controller.url);
    const broken = pullRequest("opened");
    (broken.pull_request.head as { sha?: string }).sha = undefined;
    const res = await deliver("pr-4", "pull_request", broken);
    assert.equal(res.status, 400);
    assert.match(
      ((await res.json()) as { error: { message: string } }).error.message,
      /pull_request\.head\.sha/,
    );
    assert.equal(audit[0]?.details.code, "malformed-payload");
  });
});
