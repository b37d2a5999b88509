import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { ReplayGuard } from "../../core/webhook/replay.ts";
import { type ReceiveContext, receiveWebhook } from "./receive.ts";
import { signWebhookBody } from "./verify.ts";

const SECRET = "gitea-hook-secret";
const GITEA_PUSH = readFileSync(new URL("../../core/webhook/fixtures/gitea-push.json", import.meta.url));

interface App {
  name: string;
  repoURL: string;
  targetRevision?: string;
}

const apps: App[] = [
  { name: "develop", repoURL: "http://127.0.0.1:3000/team/platform.git", targetRevision: "develop" },
  { name: "head", repoURL: "http://127.0.0.1:3000/team/platform.git", targetRevision: "HEAD" },
  { name: "other", repoURL: "http://127.0.0.1:3000/team/other.git", targetRevision: "develop" },
];

function context(guard = new ReplayGuard()): ReceiveContext<App> {
  return {
    secretsFor: (forge) => (forge === "gitea" ? [SECRET] : []),
    guard,
    now: 1_000,
    targets: apps,
    sourcesOf: (app) => [app],
  };
}

function giteaHeaders(
  delivery: string,
  body: Uint8Array = GITEA_PUSH,
  secret = SECRET,
): Record<string, string> {
  return {
    "x-gitea-signature": signWebhookBody(secret, body).slice("sha256=".length),
    "x-gitea-event": "push",
    "x-gitea-delivery": delivery,
  };
}

describe("receiveWebhook", () => {
  it("turns a signed Gitea push into the apps that follow the pushed branch", () => {
    const result = receiveWebhook(
      { forge: "gitea", headers: giteaHeaders("d1"), body: GITEA_PUSH, contentType: "application/json" },
      context(),
    );
    assert.ok(result.ok, result.ok ? "" : result.message);
    assert.equal(result.status, 200);
    assert.deepEqual(
      result.refresh.map((m) => [m.target.name, m.ref, m.after]),
      [["develop", "refs/heads/develop", "bffeb74224043ba2feb48d137756c8a9331c449a"]],
    );
  });

  it("refuses the same delivery a second time, naming forge and delivery for the audit record", () => {
    const ctx = context();
    const request = { forge: "gitea", headers: giteaHeaders("d1"), body: GITEA_PUSH };
    assert.equal(receiveWebhook(request, ctx).ok, true);
    const again = receiveWebhook(request, ctx);
    assert.equal(again.ok, false);
    if (again.ok) return;
    assert.deepEqual(
      [again.code, again.status, again.forge, again.deliveryId],
      ["replayed-delivery", 409, "gitea", "d1"],
    );
  });

  it("refuses a forged delivery without remembering its id", () => {
    const ctx = context();
    const forged = receiveWebhook(
      { forge: "gitea", headers: giteaHeaders("d2", GITEA_PUSH, "guess"), body: GITEA_PUSH },
      ctx,
    );
    assert.deepEqual(forged.ok ? "ok" : [forged.code, forged.status, forged.forge], [
      "bad-signature",
      401,
      "gitea",
    ]);
    assert.equal(ctx.guard.size, 0);
    assert.equal(
      receiveWebhook({ forge: "gitea", headers: giteaHeaders("d2"), body: GITEA_PUSH }, ctx).ok,
      true,
    );
  });

  it("refuses a signed payload that is not a push, naming the field", () => {
    const body = Buffer.from(JSON.stringify({ ref: "refs/heads/main" }));
    const result = receiveWebhook({ forge: "gitea", headers: giteaHeaders("d3", body), body }, context());
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual([result.code, result.status], ["malformed-payload", 400]);
    assert.match(result.message, /^gitea push payload: repository is required/);
  });

  it("refuses signed bytes that are not JSON", () => {
    const body = Buffer.from("payload=%7B");
    const result = receiveWebhook({ forge: "gitea", headers: giteaHeaders("d4", body), body }, context());
    assert.deepEqual(result.ok ? "ok" : [result.code, result.status], ["malformed-json", 400]);
  });

  it("refuses every delivery to a forge without a configured secret", () => {
    const headers = {
      "x-hub-signature-256": signWebhookBody("", GITEA_PUSH),
      "x-github-event": "push",
      "x-github-delivery": "g",
    };
    const result = receiveWebhook({ forge: "github", headers, body: GITEA_PUSH }, context());
    assert.deepEqual(result.ok ? "ok" : [result.code, result.status], ["no-secret-configured", 401]);
  });

  it("answers a ping with nothing to refresh", () => {
    const body = Buffer.from(JSON.stringify({ repoURL: "http://127.0.0.1:3000/team/platform.git" }));
    const ctx = { ...context(), secretsFor: () => [SECRET] };
    const headers = {
      "x-mooring-signature": signWebhookBody(SECRET, body),
      "x-mooring-event": "ping",
      "x-mooring-delivery": "p",
    };
    const result = receiveWebhook({ forge: "generic", headers, body }, ctx);
    assert.ok(result.ok);
    assert.equal(result.event.kind, "ping");
    assert.deepEqual(result.refresh, []);
  });
});
