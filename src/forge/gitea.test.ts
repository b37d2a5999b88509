// Gitea's dialect of the GitHub-shaped client against a local HTTP server: the token header, page
// size, one-answer comments and the `status` field. The real Gitea is exercised by
// test/e2e/forge-gitea.test.ts.
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { giteaAPIURL, giteaForge } from "./gitea.ts";

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

const TOKEN = "0123456789abcdef0123456789abcdef01234567";
const REPO = { owner: "team", name: "app" };

describe("Gitea client", () => {
  let forge: Awaited<ReturnType<typeof fakeForge>>;
  before(async () => {
    forge = await fakeForge({
      "GET /api/v1/user": { json: { login: "mooring-admin" } },
      "GET /api/v1/repos/team/app/pulls/3/files?limit=50&page=1": {
        json: Array.from({ length: 50 }, (_, i) => ({ filename: `f${i}.yaml`, status: "changed" })),
      },
      "GET /api/v1/repos/team/app/pulls/3/files?limit=50&page=2": {
        json: [{ filename: "gone.yaml", status: "deleted" }],
      },
      "GET /api/v1/repos/team/app/issues/3/comments": {
        json: [{ id: 12, body: "<!-- mooring-preview -->\nold", user: { login: "mooring-admin" } }],
      },
      "GET /api/v1/repos/team/app/commits/cafe/status": {
        json: {
          state: "success",
          statuses: [{ context: "mooring/preview", status: "success", description: "ok" }],
        },
      },
      "GET /api/v1/repos/team/app/collaborators/ada/permission": { json: { permission: "owner" } },
      // Gitea's answer for a merged pull request: state closed, merged true, the merge commit.
      "GET /api/v1/repos/team/app/pulls/4": {
        json: {
          number: 4,
          title: "Scale web",
          state: "closed",
          merged: true,
          merged_at: "2026-01-02T03:04:05Z",
          merge_commit_sha: "c".repeat(40),
          html_url: "http://gitea/team/app/pulls/4",
          user: { login: "ada" },
          base: { ref: "main", sha: "a".repeat(40), repo: { id: 1, clone_url: "http://gitea/team/app.git" } },
          head: {
            ref: "scale",
            sha: "b".repeat(40),
            repo: { id: 1, clone_url: "http://gitea/team/app.git" },
          },
        },
      },
    });
  });
  after(() => forge.close());
  const client = () => giteaForge({ url: forge.url, token: TOKEN });

  it("derives the API base from Gitea's web address", () => {
    assert.equal(giteaAPIURL("http://127.0.0.1:3000"), "http://127.0.0.1:3000/api/v1/");
    assert.equal(giteaAPIURL("https://git.example/gitea/"), "https://git.example/gitea/api/v1/");
  });
  it("sends the token as `token …` and pages changed files 50 at a time", async () => {
    const files = await client().listChangedFiles(REPO, 3);
    assert.equal(files.length, 51);
    assert.deepEqual(files[0], { path: "f0.yaml", status: "modified" });
    assert.deepEqual(files[50], { path: "gone.yaml", status: "deleted" });
    assert.equal(forge.seen.at(-1)?.headers.authorization, `token ${TOKEN}`);
  });
  it("finds its marked comment in Gitea's one-answer comment list", async () => {
    const found = await client().findMarkedComment(REPO, 3);
    assert.equal(found?.id, 12);
  });
  it("reads a status's state from Gitea's `status` field", async () => {
    const statuses = await client().listCommitStatuses(REPO, "cafe");
    assert.deepEqual(statuses, [
      { context: "mooring/preview", state: "success", description: "ok", targetURL: "" },
    ]);
  });
  it("reads a merged pull request as merged, with its merge commit", async () => {
    const pr = await client().getPullRequest(REPO, 4);
    assert.equal(pr.state, "merged");
    assert.equal(pr.mergeCommitSha, "c".repeat(40));
  });
  it("counts the owner as a writer", async () => {
    assert.equal(await client().hasWriteAccess(REPO, "ada"), true);
  });
});
