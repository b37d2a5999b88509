// One webhook delivery, from raw request to the list of things to refresh.
//
// The steps, each able to refuse with a stable code (verify.ts's WEBHOOK_REFUSALS):
//   1. verify    size, signature, event and delivery headers (413, 401, 400)
//   2. read      the JSON body, or the `payload` field of a form (400)
//   3. parse     the forge's payload into a push or ping event (core/webhook/push.ts; 400)
//   4. replay    a delivery id seen before is refused (core/webhook/replay.ts; 409); only
//                deliveries that verified and parsed are remembered, so forgeries fill nothing
//   5. match     the Applications and Stacks the push refreshes (core/webhook/match.ts)
// The HTTP route answers with `status` and, on success, asks the controller to refresh each
// match (the `mooring.dev/refresh` annotation). Every refusal carries what is known of the
// delivery (forge, delivery id) for the audit record; nothing of the body goes into a message.
import { type PushMatch, targetsRefreshedBy, type WatchedSource } from "../../core/webhook/match.ts";
import { type Forge, isForge, parseWebhookEvent, type WebhookEvent } from "../../core/webhook/push.ts";
import type { ReplayGuard } from "../../core/webhook/replay.ts";
import { type HeaderSource, readPayload, refusal, verifyWebhook, type WebhookRefusal } from "./verify.ts";

export interface ReceiveRequest {
  /** The `{forge}` path segment. */
  forge: string;
  headers: HeaderSource;
  /** The raw body, read with readBodyLimited. */
  body: Uint8Array;
  contentType?: string;
}

export interface ReceiveContext<T> {
  /** The secrets configured for a forge's endpoint; empty when none is. */
  secretsFor: (forge: Forge) => readonly string[];
  guard: ReplayGuard;
  /** Milliseconds since the epoch, for the replay window. */
  now: number;
  /** The Applications and Stacks that might follow the pushed repository. */
  targets: Iterable<T>;
  sourcesOf: (target: T) => readonly WatchedSource[];
  maxBodyBytes?: number;
}

export type Received<T> =
  | { ok: true; status: 200; event: WebhookEvent; refresh: PushMatch<T>[] }
  | (WebhookRefusal & { forge?: Forge; deliveryId?: string });

export function receiveWebhook<T>(request: ReceiveRequest, context: ReceiveContext<T>): Received<T> {
  const verified = verifyWebhook(
    { forge: request.forge, headers: request.headers, body: request.body },
    {
      // An unknown forge is refused by verifyWebhook before secrets matter.
      secrets: isForge(request.forge) ? context.secretsFor(request.forge) : [],
      ...(context.maxBodyBytes === undefined ? {} : { maxBodyBytes: context.maxBodyBytes }),
    },
  );
  if (!verified.ok) return isForge(request.forge) ? { ...verified, forge: request.forge } : verified;
  const { forge, kind, deliveryId } = verified;
  const read = readPayload(request.body, request.contentType);
  if (!read.ok) return { ...read, forge, deliveryId };
  const parsed = parseWebhookEvent({ forge, kind, deliveryId, payload: read.payload });
  if (!parsed.ok) return { ...refusal("malformed-payload", parsed.error.message), forge, deliveryId };
  const admitted = context.guard.admit(forge, deliveryId, context.now);
  if (!admitted.ok) return { ...refusal("replayed-delivery", admitted.message), forge, deliveryId };
  const event = parsed.event;
  const refresh = event.kind === "push" ? targetsRefreshedBy(event, context.targets, context.sourcesOf) : [];
  return { ok: true, status: 200, event, refresh };
}
