// GitHub's client against a local HTTP server answering in GitHub's documented shapes: what is
// sent (paths, headers, bodies) and how answers and failures are read. Not the real GitHub.
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { type ForgeError, PREVIEW_MARKER } from "./forge.ts";
import { githubForge } from "./github.ts";

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}
type Answer = { status?: number; json?: unknown; headers?: Record<string, string> };

/** A forge stand-in for the HTTP layer: routes are `METHOD /path?query`, answered in order. */
async function fakeForge(routes: Record<string, Answer | ((seen: Seen) => Answer)>) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString();
      const entry: Seen = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: text ? JSON.parse(text) : undefined,
      };
      seen.push(entry);
      const route = routes[`${entry.method} ${entry.url}`];
      const answer =
        typeof route === "function"
          ? route(entry)
          : (route ?? { status: 404, json: { message: "Not Found" } });
      res.writeHead(answer.status ?? 200, { "content-type": "application/json", ...answer.headers });
      res.end(answer.json === undefined ? "" : JSON.stringify(answer.json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, seen, close: () => new Promise((r) => server.close(r)) };
}

const TOKEN = "ghp_secret_token_value";
const REPO = { owner: "team", name: "app" };
const baseRepo = { id: 7, clone_url: "https://github.com/team/app.git" };

function pull(number: number, head = baseRepo) {
  return {
    number,
    title: `PR ${number}`,
    state: "open",
    html_url: `https://github.com/team/app/pull/${number}`,
    user: { login: "ada" },
    base: { ref: "main", sha: "a".repeat(40), repo: baseRepo },
    head: { ref: `b${number}`, sha: "b".repeat(40), repo: head },
  };
}

describe("GitHub client", () => {
  let forge: Awaited<ReturnType<typeof fakeForge>>;
  const comments: { id: number; body: string; user: { login: string } }[] = [];
  before(async () => {
    forge = await fakeForge({
      "GET /user": { json: { login: "mooring-bot" } },
      "GET /repos/team/app/pulls?state=open&per_page=100&page=1": {
        json: Array.from({ length: 100 }, (_, i) => pull(i + 1)),
      },
      "GET /repos/team/app/pulls?state=open&per_page=100&page=2": { json: [pull(101)] },
      "GET /repos/team/app/pulls/5": {
        json: { ...pull(5, { id: 99, clone_url: "https://github.com/eve/app.git" }), merged: false },
      },
      "GET /repos/team/app/pulls/6": {
        json: { ...pull(6), state: "closed", merged: true, merge_commit_sha: "c".repeat(40) },
      },
      "GET /repos/team/app/pulls/7": {
        json: { ...pull(7), merged: false, merge_commit_sha: "d".repeat(40) },
      },
      "GET /repos/team/app/pulls/5/files?per_page=100&page=1": {
        json: [
          { filename: "apps/web/values.yaml", status: "modified" },
          { filename: "apps/old.yaml", status: "removed" },
          { filename: "apps/new/name.yaml", status: "renamed", previous_filename: "apps/old/name.yaml" },
          { filename: "apps/copy.yaml", status: "copied" },
        ],
      },
      "GET /repos/team/app/issues/5/comments?per_page=100&page=1": () => ({ json: comments }),
      "POST /repos/team/app/issues/5/comments": (seen) => {
        const made = { id: 900, body: (seen.body as { body: string }).body, user: { login: "mooring-bot" } };
        comments.push(made);
        return { status: 201, json: made };
      },
      "PATCH /repos/team/app/issues/comments/900": (seen) => {
        const found = comments.find((c) => c.id === 900);
        if (found) found.body = (seen.body as { body: string }).body;
        return { json: found };
      },
      "POST /repos/team/app/statuses/cafe": { status: 201, json: {} },
      "GET /repos/team/app/commits/cafe/status": {
        json: {
          state: "pending",
          statuses: [
            {
              context: "mooring/preview",
              state: "pending",
              description: "rendering",
              target_url: "http://x/",
            },
          ],
        },
      },
      "GET /repos/team/app/collaborators/ada/permission": {
        json: { permission: "write", role_name: "write" },
      },
      "GET /repos/team/app/collaborators/mo/permission": {
        json: { permission: "write", role_name: "maintain" },
      },
      "GET /repos/team/app/collaborators/eve/permission": { json: { permission: "read", role_name: "read" } },
      "GET /repos/team/app/pulls/401": { status: 401, json: { message: "Bad credentials" } },
      "GET /repos/team/app/pulls/403": {
        status: 403,
        json: { message: "API rate limit exceeded" },
        headers: { "x-ratelimit-remaining": "0", "retry-after": "60" },
      },
      "GET /repos/team/app/pulls/500": { status: 502, json: { message: "Server Error" } },
    });
  });
  after(() => forge.close());
  const client = () => githubForge({ apiURL: forge.url, token: TOKEN });

  it("sends the token as a bearer header with GitHub's API version, never in the URL", async () => {
    await client().getPullRequest(REPO, 5);
    const request = forge.seen.at(-1);
    assert.equal(request?.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(request?.headers["x-github-api-version"], "2022-11-28");
    assert.equal(
      forge.seen.some((s) => s.url.includes(TOKEN)),
      false,
    );
  });
  it("lists open pull requests across pages", async () => {
    const pulls = await client().listOpenPullRequests(REPO);
    assert.equal(pulls.length, 101);
    assert.equal(pulls[100]?.number, 101);
    assert.equal(pulls[0]?.fromFork, false);
  });
  it("reads one pull request from a fork with its head in the fork", async () => {
    const pr = await client().getPullRequest(REPO, 5);
    assert.equal(pr.fromFork, true);
    assert.equal(pr.head.repoURL, "https://github.com/eve/app.git");
    assert.equal(pr.state, "open");
    assert.equal(pr.author, "ada");
  });
  it("reads a merged pull request's merge commit, and no merge commit on an open one (GitHub's test merge)", async () => {
    const merged = await client().getPullRequest(REPO, 6);
    assert.equal(merged.state, "merged");
    assert.equal(merged.mergeCommitSha, "c".repeat(40));
    const open = await client().getPullRequest(REPO, 7);
    assert.equal(open.state, "open");
    assert.equal(open.mergeCommitSha, undefined);
  });
  it("lists changed files with removed as deleted and a rename's old path", async () => {
    assert.deepEqual(await client().listChangedFiles(REPO, 5), [
      { path: "apps/web/values.yaml", status: "modified" },
      { path: "apps/old.yaml", status: "deleted" },
      { path: "apps/new/name.yaml", previousPath: "apps/old/name.yaml", status: "renamed" },
      { path: "apps/copy.yaml", status: "added" },
    ]);
  });
  it("creates the marked comment once, then edits it in place, ignoring another user's marked comment", async () => {
    comments.push({ id: 1, body: `${PREVIEW_MARKER}\nforged`, user: { login: "eve" } });
    const first = await client().upsertMarkedComment(REPO, 5, "3 changed");
    assert.equal(first.created, true);
    assert.equal(first.comment.body, `${PREVIEW_MARKER}\n3 changed`);
    const second = await client().upsertMarkedComment(REPO, 5, "4 changed");
    assert.equal(second.created, false);
    assert.equal(second.comment.id, 900);
    assert.equal(comments.filter((c) => c.user.login === "mooring-bot").length, 1);
    assert.equal((await client().findMarkedComment(REPO, 5))?.body, `${PREVIEW_MARKER}\n4 changed`);
  });
  it("refuses a comment over GitHub's 65,536 characters before sending it", async () => {
    const before = forge.seen.length;
    await assert.rejects(
      client().upsertMarkedComment(REPO, 5, "x".repeat(65_536)),
      (error: ForgeError) => error.code === "invalid" && error.message.includes("65536"),
    );
    assert.equal(forge.seen.length, before);
  });
  it("sets the mooring/preview status with a description cut to 140 characters", async () => {
    await client().setCommitStatus(REPO, "cafe", {
      state: "failure",
      description: "y".repeat(300),
      targetURL: "https://m.example/p/1",
    });
    const body = forge.seen.at(-1)?.body as Record<string, string>;
    assert.equal(body.state, "failure");
    assert.equal(body.context, "mooring/preview");
    assert.equal(body.target_url, "https://m.example/p/1");
    assert.equal(body.description?.length, 140);
  });
  it("reads a commit's statuses back", async () => {
    assert.deepEqual(await client().listCommitStatuses(REPO, "cafe"), [
      { context: "mooring/preview", state: "pending", description: "rendering", targetURL: "http://x/" },
    ]);
  });
  it("counts write and maintain as write access, read and unknown users as none", async () => {
    assert.equal(await client().hasWriteAccess(REPO, "ada"), true);
    assert.equal(await client().hasWriteAccess(REPO, "mo"), true);
    assert.equal(await client().hasWriteAccess(REPO, "eve"), false);
    assert.equal(await client().hasWriteAccess(REPO, "nobody"), false);
  });
  it("reads 401 as unauthorized, a spent rate limit as retryable, a 5xx as unreachable; no token in messages", async () => {
    const failure = async (n: number) => {
      try {
        await client().getPullRequest(REPO, n);
      } catch (error) {
        return error as ForgeError;
      }
      throw new Error("expected a failure");
    };
    const unauthorized = await failure(401);
    assert.equal(unauthorized.code, "unauthorized");
    assert.match(unauthorized.message, /pull request team\/app#401/);
    const limited = await failure(403);
    assert.equal(limited.code, "rate-limited");
    assert.equal(limited.retryable, true);
    assert.equal(limited.retryAfterSeconds, 60);
    const down = await failure(500);
    assert.equal(down.code, "unreachable");
    assert.equal(down.retryable, true);
    for (const error of [unauthorized, limited, down]) assert.equal(error.message.includes(TOKEN), false);
  });
  it("reads a forge that does not answer as unreachable", async () => {
    const gone = githubForge({ apiURL: "http://127.0.0.1:1/", token: TOKEN, timeoutMs: 2000 });
    await assert.rejects(gone.getPullRequest(REPO, 1), (error: ForgeError) => error.code === "unreachable");
  });
});
