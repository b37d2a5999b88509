// One verified pull-request or comment delivery, from its body to what the controller is told.
//
// verify.ts has already checked the signature and found the event header to be one previews act
// on (PREVIEW_EVENTS); the steps left, each refusing with the same codes as a push:
//   1. read     the JSON body (400)
//   2. parse    the forge's payload (src/forge/webhook-events.ts; a field we need missing: 400)
//   3. replay   a delivery id seen before is refused (409); only parsed deliveries are remembered
//   4. decide   a pull request opened, pushed to, closed, merged or reopened, and a comment that
//               asks for `/moor plan`, become a PreviewNudge for the controller; anything else
//               (an edited title, a label, a chat comment) is ignored with the reason, answered 202
// The controller, not this server, decides whether the commenter may ask for a plan: it asks the
// forge for their write access with its own token.

import type { ForgeKind, PreviewNudge } from "../../core/preview/protocol.ts";
import type { ReplayGuard } from "../../core/webhook/replay.ts";
import { ForgeError } from "../../forge/forge.ts";
import { asksForPlan, type ForgeEvent, parseEvent } from "../../forge/webhook-events.ts";
import { readPayload, refusal, type WebhookRefusal } from "./verify.ts";

export interface PreviewDelivery {
  forge: ForgeKind;
  /** The event header's value as sent (`pull_request`, `Note Hook`). */
  eventName: string;
  deliveryId: string;
  /** The raw body, already verified. */
  body: Uint8Array;
  contentType?: string;
}

export type PreviewReceived =
  | { ok: true; nudge: PreviewNudge }
  | { ok: true; ignored: string; number?: number }
  | (WebhookRefusal & { deliveryId: string });

export function receivePreviewDelivery(
  delivery: PreviewDelivery,
  context: { guard: ReplayGuard; now: number },
): PreviewReceived {
  const { forge, deliveryId } = delivery;
  const read = readPayload(delivery.body, delivery.contentType);
  if (!read.ok) return { ...read, deliveryId };
  let event: ForgeEvent;
  try {
    event = parseEvent(forge, delivery.eventName, read.payload);
  } catch (err) {
    if (!(err instanceof ForgeError)) throw err;
    return { ...refusal("malformed-payload", err.message), deliveryId };
  }
  const admitted = context.guard.admit(forge, deliveryId, context.now);
  if (!admitted.ok) return { ...refusal("replayed-delivery", admitted.message), deliveryId };
  return decide(event);
}

function decide(event: ForgeEvent): PreviewReceived {
  switch (event.kind) {
    case "ignored":
      return { ok: true, ignored: event.reason };
    case "pull_request": {
      const { forge, number, action } = event;
      return {
        ok: true,
        nudge: {
          kind: "pull_request",
          forge,
          repoURL: event.base.repoURL,
          number,
          action,
          ...(event.head.sha ? { headSha: event.head.sha } : {}),
        },
      };
    }
    case "comment": {
      const { forge, repoURL, number, commenter } = event;
      if (!asksForPlan(event.body))
        return { ok: true, ignored: "the comment does not ask for /moor plan", number };
      return { ok: true, nudge: { kind: "comment", forge, repoURL, number, commenter, plan: true } };
    }
  }
}
