// User story: "When I open a pull request on our Gitea, Mooring can read it and the files it
// changes, keep exactly one preview comment on it that it edits in place on every push, put a
// `mooring/preview` status on the head commit, tell a writer from a reader before planning a
// Stack, and believe Gitea's signed pull_request and comment webhooks — and nothing else."
//
// Everything runs against the real Gitea of the test harness; the pull request is opened through
// Gitea's API by the admin, and other users act through Gitea's `Sudo` header.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { type ForgeClient, PREVIEW_MARKER, type RepoRef } from "../../src/forge/forge.ts";
import { giteaForge } from "../../src/forge/gitea.ts";
import { type ForgeEvent, readDelivery } from "../../src/forge/webhook-events.ts";
import type { Gitea } from "../../src/sandbox/gitea.ts";
import { eventually } from "../harness/cluster.ts";
import { sharedGitea, uniqueRepoName } from "../harness/gitea.ts";

interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Gitea's REST API as the admin, or as another user through `Sudo`. */
async function api<T>(gitea: Gitea, method: string, path: string, body?: unknown, sudo?: string): Promise<T> {
  const res = await fetch(new URL(`api/v1/${path}`, gitea.url), {
    method,
    headers: {
      Authorization: `token ${gitea.adminToken}`,
      "Content-Type": "application/json",
      ...(sudo ? { Sudo: sudo } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  assert.ok(res.ok, `gitea ${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

describe("the Gitea forge client against a real Gitea", { timeout: 300_000 }, () => {
  const secret = `hook-${randomUUID()}`;
  const received: Received[] = [];
  let receiver: Server;
  let gitea: Gitea;
  let forge: ForgeClient;
  let repo: RepoRef;
  let number: number;
  let headSha: string;
  const writer = `writer${process.pid}`;
  const reader = `reader${process.pid}`;
  const outsider = `outsider${process.pid}`;

  before(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    gitea = await sharedGitea();
    forge = giteaForge({ url: gitea.url, token: gitea.adminToken });
    const created = await gitea.client.createRepo(uniqueRepoName("forge"));
    repo = { owner: created.owner, name: created.name };
    await gitea.client.commit({
      owner: repo.owner,
      repo: repo.name,
      branch: "main",
      files: {
        "apps/web/values.yaml": "replicas: 1\n",
        "apps/api/values.yaml": "replicas: 1\n",
        "old.txt": "x\n",
      },
      message: "base",
    });
    const { port } = receiver.address() as AddressInfo;
    await gitea.client.createHook(repo.owner, repo.name, {
      url: `http://127.0.0.1:${port}/hook`,
      secret,
      events: ["pull_request", "issue_comment"],
    });
    headSha = await gitea.client.commit({
      owner: repo.owner,
      repo: repo.name,
      branch: "scale",
      from: "main",
      files: { "apps/web/values.yaml": "replicas: 3\n", "old.txt": null, "apps/new/app.yaml": "kind: x\n" },
      message: "Scale web to 3",
    });
    const pr = await api<{ number: number }>(gitea, "POST", `repos/${repo.owner}/${repo.name}/pulls`, {
      base: "main",
      head: "scale",
      title: "Scale web to 3",
    });
    number = pr.number;
    for (const user of [writer, reader, outsider]) {
      await api(gitea, "POST", "admin/users", {
        username: user,
        email: `${user}@example.test`,
        password: `Pw-${randomUUID()}`,
        must_change_password: false,
      });
    }
    await api(gitea, "PUT", `repos/${repo.owner}/${repo.name}/collaborators/${writer}`, {
      permission: "write",
    });
    await api(gitea, "PUT", `repos/${repo.owner}/${repo.name}/collaborators/${reader}`, {
      permission: "read",
    });
  });
  after(() => new Promise((resolve) => receiver.close(resolve)));

  /** The verified events received so far; a delivery that fails verification fails the test. */
  const events = (): ForgeEvent[] =>
    received.map((r) => readDelivery({ forge: "gitea", headers: r.headers, body: r.body, secret }));

  it("lists the open pull request with its base, head and author", async () => {
    const open = await forge.listOpenPullRequests(repo);
    assert.equal(open.length, 1);
    const pr = open[0];
    assert.equal(pr?.number, number);
    assert.equal(pr?.state, "open");
    assert.equal(pr?.base.ref, "main");
    assert.deepEqual(pr?.head, {
      ref: "scale",
      sha: headSha,
      repoURL: gitea.client.cloneURL(repo.owner, repo.name),
    });
    assert.equal(pr?.fromFork, false);
    assert.equal(pr?.author, gitea.adminUser);
    assert.deepEqual(await forge.getPullRequest(repo, number), pr);
  });

  it("lists the files the pull request adds, changes and deletes", async () => {
    const files = await forge.listChangedFiles(repo, number);
    assert.deepEqual(files.map((f) => `${f.status} ${f.path}`).sort(), [
      "added apps/new/app.yaml",
      "deleted old.txt",
      "modified apps/web/values.yaml",
    ]);
  });

  it("creates the marked comment, then edits it in place: still one comment", async () => {
    const first = await forge.upsertMarkedComment(repo, number, "1 app changed");
    assert.equal(first.created, true);
    const second = await forge.upsertMarkedComment(repo, number, "2 apps changed");
    assert.equal(second.created, false);
    assert.equal(second.comment.id, first.comment.id);
    const comments = await api<{ id: number; body: string }[]>(
      gitea,
      "GET",
      `repos/${repo.owner}/${repo.name}/issues/${number}/comments`,
    );
    const marked = comments.filter((c) => c.body.includes(PREVIEW_MARKER));
    assert.deepEqual(
      marked.map((c) => [c.id, c.body]),
      [[first.comment.id, `${PREVIEW_MARKER}\n2 apps changed`]],
    );
  });

  it("takes a comment as long as Mooring's budget for Gitea, still edited in place", async () => {
    const big = "x".repeat(forge.commentLimit - PREVIEW_MARKER.length - 1);
    const saved = await forge.upsertMarkedComment(repo, number, big);
    assert.equal(saved.created, false);
    assert.equal((await forge.findMarkedComment(repo, number))?.body.length, forge.commentLimit);
  });

  it("leaves alone a marked comment written by someone else", async () => {
    await api(
      gitea,
      "POST",
      `repos/${repo.owner}/${repo.name}/issues/${number}/comments`,
      { body: `${PREVIEW_MARKER}\nforged by ${outsider}` },
      outsider,
    );
    const ours = await forge.upsertMarkedComment(repo, number, "3 apps changed");
    assert.equal(ours.created, false);
    const comments = await api<{ body: string; user: { login: string } }[]>(
      gitea,
      "GET",
      `repos/${repo.owner}/${repo.name}/issues/${number}/comments`,
    );
    assert.deepEqual(
      comments
        .filter((c) => c.body.includes(PREVIEW_MARKER))
        .map((c) => [c.user.login, c.body.split("\n")[1]]),
      [
        [gitea.adminUser, "3 apps changed"],
        [outsider, `forged by ${outsider}`],
      ],
    );
  });

  it("sets the mooring/preview status on the head commit and reads it back", async () => {
    await forge.setCommitStatus(repo, headSha, {
      state: "pending",
      description: "rendering 1 app",
      targetURL: "http://127.0.0.1:8080/previews/1",
    });
    await forge.setCommitStatus(repo, headSha, { state: "success", description: "1 app: 1 changed" });
    const statuses = await forge.listCommitStatuses(repo, headSha);
    assert.deepEqual(
      statuses.filter((s) => s.context === "mooring/preview").map((s) => [s.state, s.description]),
      [["success", "1 app: 1 changed"]],
    );
  });

  it("tells a writer and the owner from a reader and an outsider", async () => {
    assert.equal(await forge.hasWriteAccess(repo, writer), true);
    assert.equal(await forge.hasWriteAccess(repo, gitea.adminUser), true);
    assert.equal(await forge.hasWriteAccess(repo, reader), false);
    assert.equal(await forge.hasWriteAccess(repo, outsider), false);
    assert.equal(await forge.hasWriteAccess(repo, `nobody${process.pid}`), false);
  });

  it("believes Gitea's signed pull_request delivery and reads it as opened", async () => {
    const opened = await eventually("the pull_request delivery", async () =>
      events().find((e) => e.kind === "pull_request" && e.action === "opened"),
    );
    assert.equal(opened.kind === "pull_request" && opened.number, number);
    assert.equal(opened.kind === "pull_request" && opened.head.sha, headSha);
  });

  it("reads a push to the pull request's branch as synchronized", async () => {
    const pushed = await gitea.client.commit({
      owner: repo.owner,
      repo: repo.name,
      branch: "scale",
      files: { "apps/web/values.yaml": "replicas: 4\n" },
      message: "Scale web to 4",
    });
    const sync = await eventually("the synchronized delivery", async () =>
      events().find((e) => e.kind === "pull_request" && e.action === "synchronized" && e.head.sha === pushed),
    );
    assert.equal(sync.kind === "pull_request" && sync.number, number);
  });

  it("reads a writer's /moor plan comment with the commenter's login", async () => {
    await api(
      gitea,
      "POST",
      `repos/${repo.owner}/${repo.name}/issues/${number}/comments`,
      { body: "/moor plan" },
      writer,
    );
    const comment = await eventually("the comment delivery", async () =>
      events().find((e) => e.kind === "comment" && e.body === "/moor plan"),
    );
    assert.equal(comment.kind === "comment" && comment.commenter, writer);
    assert.equal(comment.kind === "comment" && comment.number, number);
  });

  it("refuses a delivery whose body was altered after Gitea signed it", () => {
    const original = received[0];
    assert.ok(original);
    const altered = Buffer.concat([original.body, Buffer.from(" ")]);
    assert.throws(
      () => readDelivery({ forge: "gitea", headers: original.headers, body: altered, secret }),
      /signature does not match/,
    );
  });
});
