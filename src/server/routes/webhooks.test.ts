// The webhook route through the real request pipeline: what a forge sees (status and body), what
// the cluster is asked (the refresh annotation on exactly the matching objects), and what the
// audit trail keeps. The cluster is a small in-memory stand-in; test/e2e/webhooks.test.ts runs the
// same route against a real cluster, controller and Gitea.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { AuditEntry } from "../../core/audit/record.ts";
import type { KubeObject } from "../../core/objects.ts";
import { ReplayGuard } from "../../core/webhook/replay.ts";
import { KubeApiError, type KubeClient } from "../../kube/client.ts";
import { createLogger } from "../../util/log.ts";
import { createApiApp } from "../app.ts";
import type { ServerCache } from "../cache.ts";
import type { ServerDeps } from "../context.ts";
import { NO_LOGIN } from "../principal.ts";
import { signWebhookBody } from "../webhooks/verify.ts";
import { WEBHOOK_SECRET_NAME, webhookRoutes } from "./webhooks.ts";

const SECRET = "gitea-hook-secret";
const GITEA_PUSH = readFileSync(new URL("../../core/webhook/fixtures/gitea-push.json", import.meta.url));
// The fixture pushes refs/heads/develop of http://127.0.0.1:3000/team/platform.git.
const REPO = "http://127.0.0.1:3000/team/platform.git";

function target(
  kind: "Application" | "Stack",
  name: string,
  repoURL: string,
  targetRevision: string,
): KubeObject {
  return {
    apiVersion: "mooring.dev/v1alpha1",
    kind,
    metadata: { namespace: "mooring", name },
    spec: { source: { repoURL, targetRevision } },
  };
}

interface Patched {
  ref: string;
  patch: unknown;
}

function setup(
  options: {
    secretData?: Record<string, string> | null;
    failPatch?: () => boolean;
    stacksServed?: boolean;
    /** Serve the targets from a synced informer cache instead of LISTs. */
    cached?: boolean;
  } = {},
) {
  const audit: AuditEntry[] = [];
  const patched: Patched[] = [];
  let lists = 0;
  const objects = [
    target("Application", "develop", REPO, "develop"),
    target("Application", "main", REPO, "main"),
    target("Application", "other-repo", "http://127.0.0.1:3000/team/other.git", "develop"),
    target("Stack", "infra", `${REPO.replace(".git", "")}`, "refs/heads/develop"),
  ];
  const secretData =
    options.secretData === undefined ? { gitea: Buffer.from(SECRET).toString("base64") } : options.secretData;
  const kube = {
    get: async (_v: string, kind: string, namespace: string, name: string) => {
      assert.deepEqual([kind, namespace, name], ["Secret", "mooring", WEBHOOK_SECRET_NAME]);
      return secretData === null
        ? null
        : { apiVersion: "v1", kind: "Secret", metadata: { name, namespace }, data: secretData };
    },
    list: async (_v: string, kind: string) => {
      lists += 1;
      if (kind === "Stack" && options.stacksServed === false)
        throw new KubeApiError(404, "UnknownKind", "the cluster does not serve kind Stack");
      return { items: objects.filter((o) => o.kind === kind), resourceVersion: "1" };
    },
    mergePatch: async (ref: { kind: string; namespace: string; name: string }, patch: unknown) => {
      if (options.failPatch?.()) throw new KubeApiError(500, "InternalError", "etcd is away");
      patched.push({ ref: `${ref.kind}/${ref.namespace}/${ref.name}`, patch });
      return {} as KubeObject;
    },
  } as unknown as KubeClient;
  const deps: ServerDeps = {
    authenticator: NO_LOGIN,
    audit: { record: (entry) => audit.push(entry) },
    clock: () => Date.parse("2026-12-02T10:00:00.000Z"),
    log: createLogger({ level: "error", stream: { write: () => true } as unknown as NodeJS.WritableStream }),
    kube,
    namespace: "mooring",
    ...(options.cached
      ? {
          cache: {
            hasSynced: () => true,
            // Informer items as the watch delivers them.
            apps: { list: () => objects.filter((o) => o.kind === "Application") },
            stacksInformer: { list: () => objects.filter((o) => o.kind === "Stack") },
          } as unknown as ServerCache,
        }
      : {}),
  };
  const app = createApiApp(deps, webhookRoutes({ guard: new ReplayGuard() }));
  const deliver = (
    delivery: string,
    init: { body?: Uint8Array | string; secret?: string; forge?: string } = {},
  ) => {
    const body = init.body ?? GITEA_PUSH;
    return app.fetch(
      new Request(`http://x/api/v1/webhooks/${init.forge ?? "gitea"}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-gitea-event": "push",
          "x-gitea-delivery": delivery,
          "x-gitea-signature": signWebhookBody(init.secret ?? SECRET, body).slice("sha256=".length),
        },
        body,
      }),
    );
  };
  return { audit, patched, deliver, lists: () => lists };
}

describe("POST /api/v1/webhooks/{forge}", () => {
  it("refreshes every Application and Stack following the pushed branch, and only those, in one delivery", async () => {
    const { deliver, patched, audit } = setup();
    const res = await deliver("d-1");
    assert.equal(res.status, 200);
    const body = (await res.json()) as { refreshed: { kind: string; name: string; ref: string }[] };
    assert.deepEqual(
      body.refreshed.map((r) => `${r.kind}/${r.name} ${r.ref}`),
      ["Application/develop refs/heads/develop", "Stack/infra refs/heads/develop"],
    );
    assert.deepEqual(
      patched.map((p) => p.ref),
      ["Application/mooring/develop", "Stack/mooring/infra"],
    );
    assert.deepEqual(patched[0]?.patch, { metadata: { annotations: { "mooring.dev/refresh": "normal" } } });
    assert.equal(audit.length, 1);
    assert.equal(audit[0]?.kind, "webhook-received");
    assert.deepEqual(audit[0]?.actor, { type: "webhook", name: "gitea", address: "local" });
    assert.deepEqual(audit[0]?.details, {
      forge: "gitea",
      deliveryId: "d-1",
      event: "push",
      refs: ["refs/heads/develop"],
      refreshed: ["Application/mooring/develop", "Stack/mooring/infra"],
    });
  });

  it("answers a forged signature with 401, audits the refusal, and never reads or touches the apps", async () => {
    const { deliver, patched, audit, lists } = setup();
    const res = await deliver("d-forged", { secret: "guessed" });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, "bad-signature");
    assert.equal(lists(), 0);
    assert.deepEqual(patched, []);
    assert.equal(audit[0]?.kind, "webhook-refused");
    assert.equal(audit[0]?.details.code, "bad-signature");
    assert.equal(audit[0]?.details.forge, "gitea");
    // Unverified, so kept apart from the delivery ids of verified deliveries.
    assert.equal(audit[0]?.details.claimedDeliveryId, "d-forged");
    assert.equal(audit[0]?.details.deliveryId, undefined);
  });

  it("refuses a replayed delivery id with 409 and audits it, refreshing nothing the second time", async () => {
    const { deliver, patched, audit } = setup();
    assert.equal((await deliver("d-2")).status, 200);
    const again = await deliver("d-2");
    assert.equal(again.status, 409);
    assert.equal(patched.length, 2);
    assert.deepEqual(
      audit.map((a) => [a.kind, a.details.code ?? null, a.details.deliveryId]),
      [
        ["webhook-received", null, "d-2"],
        ["webhook-refused", "replayed-delivery", "d-2"],
      ],
    );
  });

  it("refuses a body over 1 MiB with 413 before verifying it", async () => {
    const { deliver, audit } = setup();
    const res = await deliver("d-big", { body: `{"pad":"${"x".repeat(1024 * 1024)}"}` });
    assert.equal(res.status, 413);
    assert.equal(audit[0]?.details.code, "body-too-large");
  });

  const secretCases = [
    { name: "no Secret at all", secretData: null, status: 401, code: "no-secret-configured" },
    {
      name: "a Secret without the forge's key",
      secretData: { github: "eA==" },
      status: 401,
      code: "no-secret-configured",
    },
    {
      name: "the rotated-out secret under gitea.previous",
      secretData: {
        gitea: Buffer.from("the-new-one").toString("base64"),
        "gitea.previous": Buffer.from(`${SECRET}\n`).toString("base64"),
      },
      status: 200,
      code: undefined,
    },
  ] as const;
  for (const c of secretCases) {
    it(`with ${c.name} answers ${c.status}`, async () => {
      const { deliver, audit } = setup({ secretData: c.secretData });
      const res = await deliver("d-secret");
      assert.equal(res.status, c.status);
      assert.equal(audit[0]?.details.code, c.code);
    });
  }

  it("answers 404 for an endpoint that names no forge, and audits it", async () => {
    const { deliver, audit } = setup();
    const res = await deliver("d-x", { forge: "sourcehut" });
    assert.equal(res.status, 404);
    assert.equal(audit[0]?.kind, "webhook-refused");
    assert.equal(audit[0]?.actor.name, "unknown");
  });

  it("matches against the server's informer caches once synced, listing nothing from the API server", async () => {
    const { deliver, patched, lists } = setup({ cached: true });
    assert.equal((await deliver("d-cached")).status, 200);
    assert.equal(lists(), 0);
    assert.deepEqual(
      patched.map((p) => p.ref),
      ["Application/mooring/develop", "Stack/mooring/infra"],
    );
  });

  it("still refreshes Applications on a cluster without the Stack CRD", async () => {
    const { deliver, patched } = setup({ stacksServed: false });
    assert.equal((await deliver("d-nostack")).status, 200);
    assert.deepEqual(
      patched.map((p) => p.ref),
      ["Application/mooring/develop"],
    );
  });

  it("answers 503 when a refresh cannot be written, and lets the forge's retry of the same delivery through", async () => {
    let fail = true;
    const { deliver, patched, audit } = setup({ failPatch: () => fail });
    const first = await deliver("d-retry");
    assert.equal(first.status, 503);
    assert.equal(((await first.json()) as { error: { retryable: boolean } }).error.retryable, true);
    fail = false;
    assert.equal((await deliver("d-retry")).status, 200);
    assert.equal(patched.length, 2);
    assert.deepEqual(
      audit.map((a) => a.kind),
      ["webhook-refused", "webhook-received"],
    );
  });
});
