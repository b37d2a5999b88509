// The shared pieces of forge.ts, and one contract every ForgeClient keeps: a pull request carries
// at most one Mooring comment, created once and then edited in place, and a marked comment by
// anyone else is never touched. The contract runs against each client, behind a local HTTP server
// that keeps comments the way that forge's API does.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import {
  COMMENT_LIMITS,
  type ForgeClient,
  ForgeError,
  markedBody,
  PREVIEW_MARKER,
  readAllPages,
  repoRefOf,
  STATUS_DESCRIPTION_LIMIT,
  statusDescription,
} from "./forge.ts";
import { giteaForge } from "./gitea.ts";
import { githubForge } from "./github.ts";
import { gitlabForge } from "./gitlab.ts";

describe("forge helpers", () => {
  it("puts the marker on a body that lacks it, and leaves one that has it", () => {
    assert.equal(markedBody("github", "hello"), `${PREVIEW_MARKER}\nhello`);
    assert.equal(markedBody("github", `x\n${PREVIEW_MARKER}`), `x\n${PREVIEW_MARKER}`);
  });
  it("refuses a body over the forge's limit, counting the marker", () => {
    const fits = "x".repeat(COMMENT_LIMITS.github - PREVIEW_MARKER.length - 1);
    assert.equal(markedBody("github", fits).length, COMMENT_LIMITS.github);
    assert.throws(
      () => markedBody("github", `${fits}x`),
      (error: ForgeError) => error.code === "invalid" && !error.retryable,
    );
  });
  it("makes a status description one line of at most 140 characters", () => {
    assert.equal(statusDescription("  3 changed\n1 added  "), "3 changed 1 added");
    const cut = statusDescription("z".repeat(500));
    assert.equal(cut.length, STATUS_DESCRIPTION_LIMIT);
    assert.ok(cut.endsWith("…"));
  });
  it("reads pages until a short one, and stops at the page cap", async () => {
    const asked: number[] = [];
    const all = await readAllPages(async (page) => {
      asked.push(page);
      return page < 3 ? [page, page] : [page];
    }, 2);
    assert.deepEqual(all, [1, 1, 2, 2, 3]);
    assert.deepEqual(asked, [1, 2, 3]);
    const capped = await readAllPages(async () => [1, 2], 2, 4);
    assert.equal(capped.length, 8);
  });
  it("finds the repository a repoURL names on a forge, over https or ssh, under a sub-path too", () => {
    const app = { owner: "team", name: "app" };
    assert.deepEqual(repoRefOf("github", "https://github.com/", "https://github.com/Team/App.git"), app);
    assert.deepEqual(repoRefOf("github", "https://github.com", "git@github.com:team/app.git"), app);
    assert.deepEqual(
      repoRefOf("gitea", "http://git.example/gitea/", "http://git.example/gitea/team/app"),
      app,
    );
    assert.deepEqual(repoRefOf("gitlab", "https://gitlab.com/", "https://gitlab.com/team/platform/app.git"), {
      owner: "team/platform",
      name: "app",
    });
  });
  it("finds no repository on another host, port or sub-path, or with the wrong depth", () => {
    assert.equal(repoRefOf("github", "https://github.com/", "https://gitlab.com/team/app.git"), undefined);
    assert.equal(
      repoRefOf("gitea", "http://git.example:3000/", "http://git.example:3001/team/app"),
      undefined,
    );
    assert.equal(repoRefOf("gitea", "http://git.example/gitea/", "http://git.example/team/app"), undefined);
    assert.equal(
      repoRefOf("github", "https://github.com/", "https://github.com/team/sub/app.git"),
      undefined,
    );
    assert.equal(repoRefOf("gitlab", "https://gitlab.com/", "https://gitlab.com/app.git"), undefined);
  });
  it("marks only rate-limited and unreachable as retryable", () => {
    assert.equal(new ForgeError("rate-limited", "x").retryable, true);
    assert.equal(new ForgeError("unreachable", "x").retryable, true);
    for (const code of ["unauthorized", "forbidden", "not-found", "invalid"] as const)
      assert.equal(new ForgeError(code, "x").retryable, false);
  });
});

interface StoredComment {
  id: number;
  body: string;
  login: string;
}

/** Comments on pull request 5 of team/app, kept the way each forge's API keeps them. */
function commentServer(kind: "gitea" | "github" | "gitlab", self: string, comments: StoredComment[]) {
  let nextId = 100;
  const gitlab = kind === "gitlab";
  const prefix = kind === "gitea" ? "/api/v1" : kind === "gitlab" ? "/api/v4" : "";
  const list = gitlab
    ? `${prefix}/projects/team%2Fapp/merge_requests/5/notes`
    : `${prefix}/repos/team/app/issues/5/comments`;
  const one = gitlab ? `${list}/` : `${prefix}/repos/team/app/issues/comments/`;
  const show = (c: StoredComment) =>
    gitlab
      ? { id: c.id, body: c.body, system: false, author: { username: c.login } }
      : { id: c.id, body: c.body, user: { login: c.login } };
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = req.url ?? "";
      const path = url.split("?")[0] ?? "";
      const body = chunks.length
        ? (JSON.parse(Buffer.concat(chunks).toString()) as { body: string })
        : undefined;
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(json));
      };
      if (req.method === "GET" && path === `${prefix}/user`)
        return send(200, gitlab ? { username: self } : { login: self });
      if (req.method === "GET" && path === list) {
        const page = Number(new URL(url, "http://x").searchParams.get("page") ?? "1");
        return send(200, page === 1 ? comments.map(show) : []);
      }
      if (req.method === "POST" && path === list && body) {
        const made = { id: nextId++, body: body.body, login: self };
        comments.push(made);
        return send(201, show(made));
      }
      if ((req.method === "PATCH" || req.method === "PUT") && path.startsWith(one) && body) {
        const found = comments.find((c) => c.id === Number(path.slice(one.length)));
        if (!found) return send(404, { message: "not found" });
        if (found.login !== self) return send(403, { message: "not yours" });
        found.body = body.body;
        return send(200, show(found));
      }
      send(404, { message: `no route ${req.method} ${url}` });
    });
  });
}

const CLIENTS: Record<"gitea" | "github" | "gitlab", (url: string) => ForgeClient> = {
  gitea: (url) => giteaForge({ url, token: "t" }),
  github: (url) => githubForge({ apiURL: url, token: "t" }),
  gitlab: (url) => gitlabForge({ apiURL: `${url}api/v4/`, token: "t" }),
};

for (const kind of ["gitea", "github", "gitlab"] as const) {
  describe(`${kind}: one preview comment per pull request`, () => {
    const comments: StoredComment[] = [
      { id: 1, body: "LGTM", login: "ada" },
      { id: 2, body: `${PREVIEW_MARKER}\nforged`, login: "eve" },
    ];
    const server = commentServer(kind, "mooring-bot", comments);
    let client: ForgeClient;
    before(async () => {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      client = CLIENTS[kind](`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    });
    after(() => new Promise((resolve) => server.close(resolve)));
    const repo = { owner: "team", name: "app" };

    it("finds no comment of its own before the first preview, despite another user's marker", async () => {
      assert.equal(await client.findMarkedComment(repo, 5), undefined);
    });
    it("creates the comment on the first preview and edits the same one on every later push", async () => {
      const first = await client.upsertMarkedComment(repo, 5, "push 1");
      const second = await client.upsertMarkedComment(repo, 5, "push 2");
      const third = await client.upsertMarkedComment(repo, 5, "push 3");
      assert.deepEqual([first.created, second.created, third.created], [true, false, false]);
      assert.equal(third.comment.id, first.comment.id);
      const mine = comments.filter((c) => c.login === "mooring-bot");
      assert.deepEqual(
        mine.map((c) => c.body),
        [`${PREVIEW_MARKER}\npush 3`],
      );
      assert.equal(comments.find((c) => c.id === 2)?.body, `${PREVIEW_MARKER}\nforged`);
    });
    it(`has ${kind}'s comment limit`, () => {
      assert.equal(client.commentLimit, COMMENT_LIMITS[kind]);
    });
  });
}
