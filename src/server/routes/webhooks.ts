// Webhooks: a forge tells Mooring the moment a branch moves, so Applications and Stacks that
// follow it refresh at once instead of at the next poll (Argo CD's /api/webhook, Flux's Receiver).
//
//   POST /api/v1/webhooks/{github|gitlab|gitea|bitbucket|generic}
//
// The routes are public: no login, since a forge has none; the proof is the signature over the
// raw body (HMAC-SHA256 for GitHub, Gitea and the generic hook, GitLab's token, Bitbucket's
// HMAC), checked with the secret of that forge's key in the Secret `mooring-webhook` of the
// controller namespace (Argo CD keeps its own in argocd-secret under `webhook.github.secret`).
// `<forge>.previous` may hold the secret being rotated out; both verify until it is removed.
// The Secret is read at every delivery, so a new secret applies at once.
//
// A delivery is verified before anything else is done for it (the cluster is read only for
// deliveries that verified), then read, parsed and checked against the replay guard
// (src/server/webhooks/receive.ts). Each Application and Stack whose repository and revision the
// push moved gets the refresh annotation (`mooring.dev/refresh: normal`) the controller already
// honours, all at once; the controller does the rest. Every delivery, verified or refused, leaves
// an audit record (webhook-received / webhook-refused) with the forge and delivery id (for a
// delivery refused before its signature verified: `claimedDeliveryId`, the sender's word), never
// the body. When the refresh cannot be written the delivery answers 503 and its id is forgotten, so
// the forge's retry goes through.
//
// Pull-request previews use the same endpoints, secrets and replay guard: Gitea's and GitHub's
// `pull_request` and `issue_comment`, GitLab's "Merge Request Hook" and "Note Hook", verified
// here, read by src/forge/webhook-events.ts (src/server/webhooks/receive-preview.ts) and handed
// to the controller as a PreviewNudge (core/preview/protocol.ts), which previews the pull
// request and comments on it. They answer 202 with what was forwarded, or with why nothing was
// (an edited title, a label, a comment that is not `/moor plan`); 503, the delivery id forgotten,
// when the controller cannot be told. Their audit records add the event and the PR's number.
import type { Context } from "hono";
import { z } from "zod";
import { APPLICATION_API_VERSION, REFRESH_ANNOTATION } from "../../core/application.ts";
import type { AuditEntry } from "../../core/audit/record.ts";
import type { JsonMap } from "../../core/json.ts";
import { formatRef, type KubeObject, type ObjectRef } from "../../core/objects.ts";
import {
  FORGE_KINDS,
  type ForgeKind,
  type NudgeAnswer,
  PREVIEWS_PREFIX,
} from "../../core/preview/protocol.ts";
import { STACK_API_VERSION } from "../../core/stack/spec.ts";
import { specSources, type WatchedSource } from "../../core/webhook/match.ts";
import { FORGES, type Forge, isForge } from "../../core/webhook/push.ts";
import { ReplayGuard } from "../../core/webhook/replay.ts";
import { KubeApiError } from "../../kube/client.ts";
import type { ServerDeps } from "../context.ts";
import { ApiError } from "../errors.ts";
import { ControllerUnreachable } from "../inspect-client.ts";
import { defineRoute, type Route } from "../route.ts";
import { readBodyLimited } from "../webhooks/body.ts";
import { receiveWebhook } from "../webhooks/receive.ts";
import { type PreviewDelivery, receivePreviewDelivery } from "../webhooks/receive-preview.ts";
import {
  claimedDeliveryId,
  type PreviewEventKind,
  verifyAnyDelivery,
  type WebhookRefusal,
} from "../webhooks/verify.ts";

/** The Secret in the controller namespace holding one webhook secret per forge. */
export const WEBHOOK_SECRET_NAME = "mooring-webhook";
/** The key of the secret being rotated out: `<forge>.previous`. */
export const PREVIOUS_SECRET_SUFFIX = ".previous";

/** What the controller is asked to do for a push: the normal refresh, not a hard one. */
const REFRESH_VALUE = "normal";

const TARGET_KINDS = [
  { apiVersion: APPLICATION_API_VERSION, kind: "Application" },
  { apiVersion: STACK_API_VERSION, kind: "Stack" },
] as const;

const refreshed = z.object({
  kind: z.enum(["Application", "Stack"]),
  namespace: z.string(),
  name: z.string(),
  /** The ref whose move refreshed it. */
  ref: z.string(),
});

const answer = z.object({
  forge: z.enum(FORGES),
  deliveryId: z.string(),
  event: z.enum(["push", "ping", "pull_request", "comment"]),
  refreshed: z.array(refreshed).optional().describe("push: the Applications and Stacks asked to refresh"),
  number: z.number().optional().describe("pull_request, comment: the pull request's number"),
  forwarded: z
    .object({ kind: z.enum(["pull_request", "comment"]) })
    .catchall(z.unknown())
    .optional()
    .describe("pull_request, comment: the PreviewNudge the controller was given (answered 202)"),
  accepted: z.boolean().optional().describe("whether the controller previews this repository"),
  reason: z.string().optional().describe("why the controller did not accept it, or why it was ignored"),
  ignored: z.boolean().optional().describe("the event changes nothing a preview shows (answered 202)"),
});

export interface WebhookRouteOptions {
  /** The replay guard of this server process; default: a new one with its default window. */
  guard?: ReplayGuard;
}

export function webhookRoutes(options: WebhookRouteOptions = {}): Route[] {
  const guard = options.guard ?? new ReplayGuard();
  return [
    defineRoute({
      method: "post",
      path: "/webhooks/{forge}",
      summary:
        "a forge's delivery, verified by its signature: a push refreshes the Applications and Stacks it moved; a pull request or `/moor plan` comment is forwarded to the controller's previews (202)",
      tag: "webhooks",
      public: true,
      // Checked by the receiver, so an unknown forge is refused and audited like any delivery.
      params: z.object({
        forge: z
          .string()
          .max(64)
          .describe(`one of ${FORGES.join(", ")}`),
      }),
      response: answer,
      handle: async (ctx) => {
        const { deps, hono } = ctx;
        const forgeName = ctx.params.forge;
        const address = ctx.actor.address;
        const audit = (entry: Omit<AuditEntry, "time" | "actor">) =>
          deps.audit.record({
            ...entry,
            time: new Date(deps.clock()).toISOString(),
            actor: {
              type: "webhook",
              name: isForge(forgeName) ? forgeName : "unknown",
              ...(address === undefined ? {} : { address }),
            },
          });
        const claimed = claimedDeliveryId(forgeName, hono.req.raw.headers);
        const refuse = (
          refusal: { code: string; status: number; message: string; deliveryId?: string },
          about: JsonMap = {},
        ) => {
          audit({
            kind: "webhook-refused",
            project: "",
            details: {
              forge: forgeName,
              // deliveryId once the signature verified; before that only what the sender claims.
              ...(refusal.deliveryId !== undefined
                ? { deliveryId: refusal.deliveryId }
                : claimed !== undefined
                  ? { claimedDeliveryId: claimed }
                  : {}),
              ...about,
              code: refusal.code,
              status: refusal.status,
              reason: refusal.message,
            },
          });
          return hono.json(
            { error: { code: refusal.code, message: refusal.message, retryable: refusal.status >= 500 } },
            refusal.status as 400,
          );
        };

        const read = await readBodyLimited(
          hono.req.raw.body === null
            ? emptyBody()
            : (hono.req.raw.body as unknown as AsyncIterable<Uint8Array>),
          hono.req.header("content-length"),
        );
        if (!read.ok) return refuse({ code: read.code, status: 413, message: read.message });
        const headers = hono.req.raw.headers;
        const contentType = hono.req.header("content-type");

        let secrets: readonly string[] = [];
        if (isForge(forgeName)) {
          try {
            secrets = await webhookSecrets(deps, forgeName);
          } catch (err) {
            return refuse({
              code: "upstream-unavailable",
              status: 503,
              message: `could not read the webhook secret ${deps.namespace}/${WEBHOOK_SECRET_NAME}: ${errorText(err)}`,
            });
          }
        }
        // Verify before the cluster is read for this delivery: a forgery costs no list.
        const verified = verifyAnyDelivery({ forge: forgeName, headers, body: read.body }, { secrets });
        if (!verified.ok) return refuse(verified);
        if (verified.kind === "pull_request" || verified.kind === "comment") {
          const { forge, deliveryId, eventName } = verified;
          if (!isForgeKind(forge)) throw new Error(`${forge} has no pull-request events`);
          return forwardPreviewEvent(ctx, {
            delivery: {
              forge,
              eventName,
              deliveryId,
              body: read.body,
              ...(contentType ? { contentType } : {}),
            },
            event: verified.kind,
            guard,
            audit,
            refuse,
          });
        }

        let targets: KubeObject[];
        try {
          targets = await listTargets(deps);
        } catch (err) {
          return refuse({
            code: "upstream-unavailable",
            status: 503,
            message: `could not list Applications and Stacks: ${errorText(err)}`,
            deliveryId: verified.deliveryId,
          });
        }
        const received = receiveWebhook(
          {
            forge: forgeName,
            headers,
            body: read.body,
            ...(contentType === undefined ? {} : { contentType }),
          },
          { secretsFor: () => secrets, guard, now: deps.clock(), targets, sourcesOf: sourcesOfTarget },
        );
        if (!received.ok) return refuse(refusalOf(received));

        const { event } = received;
        const written = await Promise.allSettled(received.refresh.map((m) => requestRefresh(deps, m.target)));
        const failed = written.flatMap((w, i) => (w.status === "rejected" ? [{ i, err: w.reason }] : []));
        if (failed.length > 0) {
          // The forge retries a failed delivery with the same id: let that retry through.
          guard.forget(event.forge, event.deliveryId);
          const first = failed[0];
          const target = first ? received.refresh[first.i]?.target : undefined;
          return refuse({
            code: "upstream-unavailable",
            status: 503,
            message: `could not ask for a refresh of ${failed.length} of ${received.refresh.length} targets${target ? ` (${formatRef(refOfTarget(target))}: ${errorText(first?.err)})` : ""}`,
            deliveryId: event.deliveryId,
          });
        }
        const done = received.refresh.flatMap((m, i) =>
          written[i]?.status === "fulfilled" && written[i].value
            ? [
                {
                  kind: m.target.kind as "Application" | "Stack",
                  namespace: m.target.metadata.namespace ?? "",
                  name: m.target.metadata.name ?? "",
                  ref: m.ref,
                },
              ]
            : [],
        );
        audit({
          kind: "webhook-received",
          project: "",
          details: {
            forge: event.forge,
            deliveryId: event.deliveryId,
            event: event.kind,
            ...(event.kind === "push" ? { refs: event.updates.map((u) => u.ref) } : {}),
            refreshed: done.map((d) => `${d.kind}/${d.namespace}/${d.name}`),
          } satisfies JsonMap,
        });
        deps.log.info("webhook delivery", {
          forge: event.forge,
          deliveryId: event.deliveryId,
          event: event.kind,
          refreshed: done.length,
        });
        return { forge: event.forge, deliveryId: event.deliveryId, event: event.kind, refreshed: done };
      },
    }),
  ];
}

function isForgeKind(name: string): name is ForgeKind {
  return (FORGE_KINDS as readonly string[]).includes(name);
}

/**
 * A verified pull-request or comment delivery: read (receive-preview.ts), audited, and forwarded
 * to the controller as a PreviewNudge. 202 with what was forwarded or why nothing was; 503 when
 * the controller cannot be told, with the delivery id forgotten so the forge's retry goes through.
 */
async function forwardPreviewEvent(
  ctx: { deps: ServerDeps; hono: Context },
  input: {
    delivery: PreviewDelivery;
    event: PreviewEventKind;
    guard: ReplayGuard;
    audit: (entry: Omit<AuditEntry, "time" | "actor">) => void;
    refuse: (
      r: { code: string; status: number; message: string; deliveryId?: string },
      about?: JsonMap,
    ) => Response;
  },
): Promise<Response> {
  const { deps, hono } = ctx;
  const { delivery, event, guard, audit, refuse } = input;
  const { forge, deliveryId } = delivery;
  const received = receivePreviewDelivery(delivery, { guard, now: deps.clock() });
  if (!received.ok) return refuse(received, { event });
  const base = { forge, deliveryId, event };
  if ("ignored" in received) {
    const about = received.number === undefined ? {} : { number: received.number };
    audit({
      kind: "webhook-received",
      project: "",
      details: { ...base, ...about, ignored: received.ignored },
    });
    return hono.json({ ...base, ...about, ignored: true, reason: received.ignored }, 202);
  }
  const { nudge } = received;
  const about: JsonMap = {
    event,
    number: nudge.number,
    ...(nudge.kind === "pull_request" ? { action: nudge.action } : { plan: nudge.plan }),
  };
  const unavailable = (code: string, status: number, message: string) => {
    // The forge retries a failed delivery with the same id: let that retry through.
    guard.forget(forge, deliveryId);
    return refuse({ code, status, message, deliveryId }, about);
  };
  if (deps.inspect === undefined)
    return unavailable(
      "controller-unreachable",
      503,
      "this API server was started without a controller to tell (--controller-url); the forge will retry",
    );
  let answer: NudgeAnswer;
  try {
    answer = await deps.inspect.post<NudgeAnswer>(`${PREVIEWS_PREFIX}/events`, nudge);
  } catch (err) {
    if (err instanceof ControllerUnreachable)
      return unavailable("controller-unreachable", 503, `${err.message}; the forge will retry`);
    if (err instanceof ApiError && err.status >= 500) return unavailable(err.code, err.status, err.message);
    if (err instanceof ApiError)
      return refuse({ code: err.code, status: err.status, message: err.message, deliveryId }, about);
    throw err;
  }
  audit({
    kind: "webhook-received",
    project: "",
    details: {
      forge,
      deliveryId,
      ...about,
      forwarded: true,
      accepted: answer.accepted,
      ...(answer.reason === undefined ? {} : { reason: answer.reason }),
    },
  });
  deps.log.info("webhook delivery", {
    forge,
    deliveryId,
    event,
    number: nudge.number,
    accepted: answer.accepted,
  });
  return hono.json(
    {
      ...base,
      number: nudge.number,
      forwarded: nudge,
      accepted: answer.accepted,
      ...(answer.reason === undefined ? {} : { reason: answer.reason }),
    },
    202,
  );
}

function sourcesOfTarget(target: KubeObject) {
  return specSources(target as { spec?: { source?: WatchedSource; sources?: WatchedSource[] } });
}

async function* emptyBody(): AsyncIterable<Uint8Array> {}

function refusalOf(r: WebhookRefusal & { deliveryId?: string }) {
  return {
    code: r.code,
    status: r.status,
    message: r.message,
    ...(r.deliveryId === undefined ? {} : { deliveryId: r.deliveryId }),
  };
}

/** The forge's secret and, while one is rotated out, the previous one; none when unset. */
export async function webhookSecrets(deps: Pick<ServerDeps, "kube" | "namespace">, forge: Forge) {
  const secret = await deps.kube.get("v1", "Secret", deps.namespace, WEBHOOK_SECRET_NAME);
  return secretValuesOf(secret, forge);
}

/** Reads `<forge>` and `<forge>.previous` from a Secret's data (base64) or stringData. */
export function secretValuesOf(secret: KubeObject | null, forge: Forge): string[] {
  if (secret === null) return [];
  const data = (secret.data ?? {}) as Record<string, unknown>;
  const values: string[] = [];
  for (const key of [forge, `${forge}${PREVIOUS_SECRET_SUFFIX}`]) {
    const encoded = data[key];
    if (typeof encoded !== "string") continue;
    // A trailing newline sneaks in with `kubectl create secret --from-file`; a secret never ends in one.
    const value = Buffer.from(encoded, "base64")
      .toString("utf8")
      .replace(/\r?\n$/, "");
    if (value !== "") values.push(value);
  }
  return values;
}

/**
 * Every Application and Stack in the cluster, from the server's informer caches once they have
 * listed (no round trip per delivery), else from the API server; a kind whose CRD is not
 * installed has none.
 */
async function listTargets(deps: ServerDeps): Promise<KubeObject[]> {
  const cached = (kind: "Application" | "Stack") => {
    const cache = deps.cache;
    if (cache === undefined || !cache.hasSynced(kind)) return undefined;
    return (kind === "Application" ? cache.apps : cache.stacksInformer).list();
  };
  const lists = await Promise.all(
    TARGET_KINDS.map(async ({ apiVersion, kind }) => {
      const fromCache = cached(kind);
      if (fromCache !== undefined) return fromCache.map((item) => ({ ...item, apiVersion, kind }));
      try {
        return (await deps.kube.list(apiVersion, kind)).items;
      } catch (err) {
        if (err instanceof KubeApiError && err.reason === "UnknownKind") return [];
        throw err;
      }
    }),
  );
  return lists.flat();
}

function refOfTarget(target: KubeObject): ObjectRef {
  return {
    group: "mooring.dev",
    kind: target.kind,
    namespace: target.metadata.namespace ?? "",
    name: target.metadata.name ?? "",
  };
}

/** Sets the refresh annotation; false when the object is gone by now (nothing to refresh). */
async function requestRefresh(deps: ServerDeps, target: KubeObject): Promise<boolean> {
  try {
    await deps.kube.mergePatch(
      { ...refOfTarget(target), apiVersion: target.apiVersion },
      { metadata: { annotations: { [REFRESH_ANNOTATION]: REFRESH_VALUE } } },
    );
    return true;
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) return false;
    throw err;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
