import assert from "node:assert/strict";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { GitError } from "../git/errors.ts";
import { fetchHelmIndex } from "./chart-catalog.ts";

const CREDS = { username: "deployer", password: "index-pw-51c2" };
const INDEX = "apiVersion: v1\nentries: {}\n";

describe("fetchHelmIndex from a hostile or broken repository", () => {
  const servers: Server[] = [];
  after(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  /** A server on a loopback port of its own: another origin than every other one here. */
  async function serve(handler: RequestListener): Promise<string> {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function refusal(promise: Promise<unknown>, code: string): Promise<GitError> {
    const err = await promise.then(
      () => assert.fail("expected a refusal"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof GitError, String(err));
    assert.equal(err.code, code, err.message);
    assert.ok(!err.message.includes(CREDS.password));
    return err;
  }

  it("follows a redirect to another host without the credentials", async () => {
    const seen: { where: string; authorization: string | undefined }[] = [];
    const elsewhere = await serve((req, res) => {
      seen.push({ where: "elsewhere", authorization: req.headers.authorization });
      res.end(INDEX);
    });
    const origin = await serve((req, res) => {
      seen.push({ where: "origin", authorization: req.headers.authorization });
      res.writeHead(302, { location: `${elsewhere}/mirror/index.yaml` }).end();
    });
    assert.equal(await fetchHelmIndex(`${origin}/charts`, CREDS), INDEX);
    const basic = `Basic ${Buffer.from(`${CREDS.username}:${CREDS.password}`).toString("base64")}`;
    assert.deepEqual(seen, [
      { where: "origin", authorization: basic },
      { where: "elsewhere", authorization: undefined },
    ]);
  });

  it("refuses an index whose declared size passes the limit", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { "content-length": 4096 });
      res.end(Buffer.alloc(4096, "a"));
    });
    const err = await refusal(fetchHelmIndex(`${url}/charts`, CREDS, { maxBytes: 1024 }), "too-large");
    assert.match(err.message, /answers with more than 1024 bytes/);
  });

  it("stops reading an index that streams past the limit without declaring its size", async () => {
    let stopped = false;
    const url = await serve((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write(Buffer.alloc(64 * 1024, "a")), 1);
      res.on("close", () => {
        stopped = true;
        clearInterval(timer);
      });
    });
    await refusal(fetchHelmIndex(`${url}/charts`, CREDS, { maxBytes: 1024 * 1024 }), "too-large");
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(stopped, "the connection was dropped");
  });

  it("gives up on an index that never finishes, with a timeout that says waiting may help", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200);
      res.write("apiVersion: v1\n");
    });
    const started = Date.now();
    const err = await refusal(fetchHelmIndex(`${url}/charts`, CREDS, { timeoutMs: 300 }), "timeout");
    assert.match(err.message, /did not answer within 0\.3 s; waiting helps/);
    assert.ok(Date.now() - started < 5000);
  });

  it("says a repository refused the credentials, naming it and no password", async () => {
    const url = await serve((_req, res) => res.writeHead(401).end());
    const err = await refusal(fetchHelmIndex(`${url}/charts`, CREDS), "auth-failed");
    assert.match(err.message, new RegExp(`${url}/charts refused index.yaml \\(HTTP 401\\)`));
  });
});
