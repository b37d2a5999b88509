// GitLab's client against a local HTTP server answering in GitLab's documented v4 shapes: what is
// sent (paths, headers, bodies) and how answers are read. Not the real GitLab.
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { PREVIEW_MARKER } from "./forge.ts";
import { gitlabForge } from "./gitlab.ts";

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

const TOKEN = "glpat-secret-token";
const REPO = { owner: "team/platform", name: "app" };
const P = "/projects/team%2Fplatform%2Fapp";

function mr(iid: number, sourceProject = 11) {
  return {
    iid,
    title: `MR ${iid}`,
    state: "opened",
    web_url: `https://gitlab.example/team/platform/app/-/merge_requests/${iid}`,
    author: { username: "ada" },
    source_branch: "scale",
    target_branch: "main",
    sha: "b".repeat(40),
    source_project_id: sourceProject,
    target_project_id: 11,
    diff_refs: { base_sha: "a".repeat(40), head_sha: "b".repeat(40) },
  };
}

describe("GitLab client", () => {
  let forge: Awaited<ReturnType<typeof fakeForge>>;
  const notes: { id: number; body: string; system: boolean; author: { username: string } }[] = [
    { id: 1, body: "added 1 commit", system: true, author: { username: "mooring-bot" } },
  ];
  before(async () => {
    forge = await fakeForge({
      "GET /api/v4/user": { json: { username: "mooring-bot" } },
      "GET /api/v4/projects/11": {
        json: { http_url_to_repo: "https://gitlab.example/team/platform/app.git" },
      },
      "GET /api/v4/projects/12": { json: { http_url_to_repo: "https://gitlab.example/eve/app.git" } },
      [`GET /api/v4${P}/merge_requests?state=opened&per_page=100&page=1`]: { json: [mr(1), mr(2, 12)] },
      [`GET /api/v4${P}/merge_requests/9`]: { json: mr(9, 12) },
      [`GET /api/v4${P}/merge_requests/10`]: {
        json: { ...mr(10), state: "merged", merge_commit_sha: "c".repeat(40), squash_commit_sha: null },
      },
      [`GET /api/v4${P}/merge_requests/11`]: {
        json: { ...mr(11), state: "merged", merge_commit_sha: null, squash_commit_sha: "d".repeat(40) },
      },
      [`GET /api/v4${P}/merge_requests/9/diffs?per_page=100&page=1`]: {
        json: [
          { old_path: "a.yaml", new_path: "a.yaml" },
          { old_path: "b.yaml", new_path: "b.yaml", new_file: true },
          { old_path: "c.yaml", new_path: "c.yaml", deleted_file: true },
          { old_path: "d/old.yaml", new_path: "d/new.yaml", renamed_file: true },
        ],
      },
      [`GET /api/v4${P}/merge_requests/9/notes?sort=asc&order_by=created_at&per_page=100&page=1`]: () => ({
        json: notes,
      }),
      [`POST /api/v4${P}/merge_requests/9/notes`]: (seen) => {
        const made = {
          id: 50,
          body: (seen.body as { body: string }).body,
          system: false,
          author: { username: "mooring-bot" },
        };
        notes.push(made);
        return { status: 201, json: made };
      },
      [`PUT /api/v4${P}/merge_requests/9/notes/50`]: (seen) => {
        const found = notes.find((n) => n.id === 50);
        if (found) found.body = (seen.body as { body: string }).body;
        return { json: found };
      },
      [`POST /api/v4${P}/statuses/cafe`]: { status: 201, json: {} },
      [`GET /api/v4${P}/repository/commits/cafe/statuses?per_page=100&page=1`]: {
        json: [
          { id: 3, name: "mooring/preview", status: "running", description: "old", target_url: null },
          {
            id: 8,
            name: "mooring/preview",
            status: "failed",
            description: "render error",
            target_url: "http://m/",
          },
          { id: 5, name: "ci", status: "canceled", description: null, target_url: null },
        ],
      },
      "GET /api/v4/users?username=ada": { json: [{ id: 3, username: "ada" }] },
      "GET /api/v4/users?username=guest": { json: [{ id: 4, username: "guest" }] },
      "GET /api/v4/users?username=outsider": { json: [{ id: 5, username: "outsider" }] },
      "GET /api/v4/users?username=ghost": { json: [] },
      [`GET /api/v4${P}/members/all/3`]: { json: { id: 3, access_level: 30 } },
      [`GET /api/v4${P}/members/all/4`]: { json: { id: 4, access_level: 10 } },
    });
  });
  after(() => forge.close());
  const client = () => gitlabForge({ apiURL: `${forge.url}api/v4/`, token: TOKEN });

  it("sends the token in PRIVATE-TOKEN and names the project by its encoded path", async () => {
    await client().getPullRequest(REPO, 9);
    const request = forge.seen.find((s) => s.url.endsWith("/merge_requests/9"));
    assert.equal(request?.headers["private-token"], TOKEN);
    assert.equal(request?.headers.authorization, undefined);
    assert.equal(
      forge.seen.some((s) => s.url.includes(TOKEN)),
      false,
    );
  });
  it("reads a merge request from a fork with both projects' clone URLs and the base commit", async () => {
    const pr = await client().getPullRequest(REPO, 9);
    assert.deepEqual(pr, {
      number: 9,
      title: "MR 9",
      state: "open",
      base: { ref: "main", sha: "a".repeat(40), repoURL: "https://gitlab.example/team/platform/app.git" },
      head: { ref: "scale", sha: "b".repeat(40), repoURL: "https://gitlab.example/eve/app.git" },
      fromFork: true,
      author: "ada",
      url: "https://gitlab.example/team/platform/app/-/merge_requests/9",
    });
  });
  it("reads a merged merge request's merge commit, or its squash commit after a fast-forward merge", async () => {
    const merged = await client().getPullRequest(REPO, 10);
    assert.equal(merged.state, "merged");
    assert.equal(merged.mergeCommitSha, "c".repeat(40));
    const squashed = await client().getPullRequest(REPO, 11);
    assert.equal(squashed.mergeCommitSha, "d".repeat(40));
  });
  it("lists opened merge requests, reading each project's clone URL once", async () => {
    const gitlab = client();
    const before = forge.seen.filter((s) => s.url === "/api/v4/projects/11").length;
    const pulls = await gitlab.listOpenPullRequests(REPO);
    assert.deepEqual(
      pulls.map((p) => [p.number, p.fromFork]),
      [
        [1, false],
        [2, true],
      ],
    );
    assert.equal(forge.seen.filter((s) => s.url === "/api/v4/projects/11").length - before, 1);
  });
  it("reads changed files from new_file, deleted_file and renamed_file", async () => {
    assert.deepEqual(await client().listChangedFiles(REPO, 9), [
      { path: "a.yaml", status: "modified" },
      { path: "b.yaml", status: "added" },
      { path: "c.yaml", status: "deleted" },
      { path: "d/new.yaml", previousPath: "d/old.yaml", status: "renamed" },
    ]);
  });
  it("creates the marked note once, then edits it with PUT, skipping system notes", async () => {
    const first = await client().upsertMarkedComment(REPO, 9, "1 changed");
    assert.equal(first.created, true);
    const second = await client().upsertMarkedComment(REPO, 9, "2 changed");
    assert.equal(second.created, false);
    assert.equal(second.comment.id, 50);
    assert.equal(notes.filter((n) => n.body.includes(PREVIEW_MARKER)).length, 1);
    assert.equal(notes.find((n) => n.id === 50)?.body, `${PREVIEW_MARKER}\n2 changed`);
  });
  it("sends error as failed, since GitLab has no error state, under the name mooring/preview", async () => {
    await client().setCommitStatus(REPO, "cafe", { state: "error", description: "plan failed" });
    assert.deepEqual(forge.seen.at(-1)?.body, {
      state: "failed",
      name: "mooring/preview",
      description: "plan failed",
    });
  });
  it("reads back the newest status of each name, failed as failure and canceled as error", async () => {
    assert.deepEqual(await client().listCommitStatuses(REPO, "cafe"), [
      { context: "mooring/preview", state: "failure", description: "render error", targetURL: "http://m/" },
      { context: "ci", state: "error", description: "", targetURL: "" },
    ]);
  });
  it("grants write access from Developer up; guests, non-members and unknown users have none", async () => {
    assert.equal(await client().hasWriteAccess(REPO, "ada"), true);
    assert.equal(await client().hasWriteAccess(REPO, "guest"), false);
    assert.equal(await client().hasWriteAccess(REPO, "outsider"), false);
    assert.equal(await client().hasWriteAccess(REPO, "ghost"), false);
  });
});
