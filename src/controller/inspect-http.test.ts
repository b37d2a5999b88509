import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { PreviewNudge } from "../core/preview/protocol.ts";
import type { PreviewEndpoints } from "../preview/http.ts";
import { createLogger } from "../util/log.ts";
import { type AppInspector, InspectError } from "./inspect.ts";
import { serveInspect } from "./inspect-http.ts";

describe("the controller's inspect endpoints over HTTP", () => {
  let server: Server;
  let base = "";
  let token: string | undefined = "s3cret-token";
  let stored = "s3cret-token";
  let leading = true;
  let reloads = 0;
  const asked: string[] = [];
  const inspector = {
    tree: async (ns: string, name: string) => {
      asked.push(`tree ${ns}/${name}`);
      return { nodes: [], truncated: false };
    },
    object: async (_ns: string, _name: string, ref: { kind: string; name: string }) => {
      throw new InspectError(
        "not-found",
        `${ref.kind}/${ref.name} is neither managed by nor owned through it`,
      );
    },
    preview: () => new Promise(() => {}),
  } as unknown as AppInspector;
  const nudges: PreviewNudge[] = [];
  const previews: PreviewEndpoints = {
    nudge: async (nudge) => {
      nudges.push(nudge);
      return { accepted: true };
    },
    list: () => [],
    get: async () => undefined,
    runLocal: async () => {
      throw new Error("git: repository not found");
    },
  };

  before(async () => {
    server = createServer((req, res) => {
      const handled = serveInspect(req, res, {
        token: () => token,
        reloadToken: async () => {
          reloads++;
          token = stored;
        },
        inspector: () => (leading ? inspector : null),
        previews: () => (leading ? previews : null),
        log: createLogger({ level: "error", format: "json" }),
        timeoutMs: 300,
      });
      if (!handled) {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/inspect/v1/applications/mooring/shop`;
  });
  after(() => server.close());

  const ask = (what: string, bearer?: string) =>
    fetch(`${base}/${what}`, bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {});

  it("refuses requests without the token or with another one, before inspecting anything", async () => {
    assert.equal((await ask("tree")).status, 401);
    const wrong = await ask("tree", "guess");
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { error: { code: string } }).error.code, "unauthorized");
    assert.deepEqual(asked, []);
  });

  it("answers with the token, and carries the inspector's refusals with their codes", async () => {
    const tree = await ask("tree", "s3cret-token");
    assert.equal(tree.status, 200);
    assert.deepEqual(await tree.json(), { nodes: [], truncated: false });
    assert.deepEqual(asked, ["tree mooring/shop"]);
    const object = await ask("object?kind=Pod&name=x", "s3cret-token");
    assert.equal(object.status, 404);
    assert.match(
      ((await object.json()) as { error: { message: string } }).error.message,
      /Pod\/x is neither/,
    );
  });

  it("reads the token again when a request carries one it does not know (the server made or rotated it)", async () => {
    stored = "rotated";
    assert.equal((await ask("tree", "rotated")).status, 200);
    assert.ok(reloads >= 1);
    assert.equal((await ask("tree", "s3cret-token")).status, 401, "the old token no longer opens");
  });

  it("gives up on work past its deadline, and sends a standby's callers to the leader", async () => {
    const slow = await ask("preview?revision=main", "rotated");
    assert.equal(slow.status, 504);
    leading = false;
    const standby = await ask("tree", "rotated");
    assert.equal(standby.status, 503);
    assert.equal(((await standby.json()) as { error: { code: string } }).error.code, "not-leader");
    leading = true;
  });

  it("serves the preview endpoints behind the same token, sending a standby's callers to the leader", async () => {
    const root = base.replace("/applications/mooring/shop", "/previews");
    const post = (path: string, body: unknown, bearer = "rotated") =>
      fetch(`${root}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const nudge = {
      kind: "pull_request",
      forge: "gitea",
      repoURL: "http://g/team/app.git",
      number: 4,
      action: "opened",
    };
    assert.equal((await post("/events", nudge, "guess")).status, 401);
    const accepted = await post("/events", nudge);
    assert.equal(accepted.status, 202);
    assert.deepEqual(await accepted.json(), { accepted: true });
    assert.deepEqual(nudges, [nudge]);
    const bad = await post("/events", { ...nudge, number: -1 });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /positive integer/);
    const list = await fetch(root, { headers: { authorization: "Bearer rotated" } });
    assert.deepEqual(await list.json(), { items: [] });
    const unknown = await fetch(`${root}/pull?repoURL=x&number=3`, {
      headers: { authorization: "Bearer rotated" },
    });
    assert.equal(unknown.status, 404);
    const failed = await post("/run", {
      repoURL: "http://g/team/app.git",
      base: "main",
      head: "f",
      planProjects: [],
    });
    assert.equal(failed.status, 502);
    assert.match(
      ((await failed.json()) as { error: { message: string } }).error.message,
      /repository not found/,
    );
    leading = false;
    assert.equal((await post("/events", nudge)).status, 503);
    leading = true;
  });
});
