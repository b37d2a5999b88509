// Verifying a webhook delivery before a byte of it is believed.
//
// `POST /api/v1/webhooks/{forge}` is reachable without a session: the shared secret configured
// on both sides is the only credential. Each forge proves it knows the secret its own way:
//   github     X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>
//   gitea      X-Gitea-Signature: <hex HMAC-SHA256> (Forgejo: X-Forgejo-Signature; both also send
//              X-Gogs-Signature and GitHub's X-Hub-Signature-256 with the same digest, the latter
//              checked when no native header came, for senders that only speak GitHub's dialect).
//              Gitea signs the JSON it delivers, so a hook set to form encoding (where the body is
//              `payload=<json>`) fails verification: configure Gitea hooks as application/json.
//   gitlab     X-Gitlab-Token: the secret itself (GitLab signs nothing)
//   bitbucket  X-Hub-Signature: sha256=<hex HMAC-SHA256> (Bitbucket Cloud and Data Center)
//   generic    X-Mooring-Signature: sha256=<hex HMAC-SHA256>, for CI jobs and scripts
// The MAC is computed over the exact bytes received, never over re-serialised JSON, and compared
// in constant time: both sides are 32-byte digests (a token is hashed first), so neither the
// contents nor the length of what was sent changes how long the comparison takes. A malformed
// signature is compared against a zero digest rather than refused early, for the same reason.
// When a forge sends several signature headers, the first one listed above is the one checked;
// a bad one is never rescued by another. Several secrets may be configured (for rotation); each
// is tried, without stopping at the first match.
//
// Order of checks: size (413, before any work), signature (401), then the event and delivery
// headers (400) — an unauthenticated caller learns nothing about which events we handle.
// Verification does not parse the body; readPayload does, afterwards.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { type EventKind, eventKindOf, type Forge, isForge } from "../../core/webhook/push.ts";

/** Largest body accepted, in bytes: 1 MiB. GitHub caps its own payloads at 25 MB; a push is far smaller. */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

/** Every reason a delivery is refused, with the HTTP status it answers with. */
export const WEBHOOK_REFUSALS = {
  "unknown-forge": 404,
  "body-too-large": 413,
  "no-secret-configured": 401,
  "missing-signature": 401,
  "bad-signature": 401,
  "missing-event": 400,
  "unsupported-event": 400,
  "missing-delivery-id": 400,
  "malformed-json": 400,
  "malformed-payload": 400,
  "replayed-delivery": 409,
} as const;
export type WebhookRefusalCode = keyof typeof WEBHOOK_REFUSALS;

export interface WebhookRefusal {
  ok: false;
  code: WebhookRefusalCode;
  status: (typeof WEBHOOK_REFUSALS)[WebhookRefusalCode];
  message: string;
}

export function refusal(code: WebhookRefusalCode, message: string): WebhookRefusal {
  return { ok: false, code, status: WEBHOOK_REFUSALS[code], message };
}

/** Request headers as Node (lower-case keys) or the Fetch API (Hono, undici) hand them over. */
export type HeaderSource = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

function headerOf(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, string | readonly string[] | undefined>)[name];
  // A repeated header is joined as Node joins unknown ones; a joined signature never verifies.
  return Array.isArray(value) ? value.join(", ") : (value as string | undefined);
}

function firstHeader(
  headers: HeaderSource,
  names: readonly string[],
): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = headerOf(headers, name);
    if (value !== undefined && value !== "") return { name, value };
  }
  return undefined;
}

type Proof =
  | { kind: "hmac-sha256"; header: string; prefix: "sha256=" | "" }
  | { kind: "token"; header: string };

/** How each forge proves it holds the secret, in the order the headers are looked for. */
const PROOFS: Record<Forge, readonly Proof[]> = {
  github: [{ kind: "hmac-sha256", header: "x-hub-signature-256", prefix: "sha256=" }],
  gitea: [
    { kind: "hmac-sha256", header: "x-forgejo-signature", prefix: "" },
    { kind: "hmac-sha256", header: "x-gitea-signature", prefix: "" },
    { kind: "hmac-sha256", header: "x-gogs-signature", prefix: "" },
    { kind: "hmac-sha256", header: "x-hub-signature-256", prefix: "sha256=" },
  ],
  gitlab: [{ kind: "token", header: "x-gitlab-token" }],
  bitbucket: [{ kind: "hmac-sha256", header: "x-hub-signature", prefix: "sha256=" }],
  generic: [{ kind: "hmac-sha256", header: "x-mooring-signature", prefix: "sha256=" }],
};

const EVENT_HEADERS: Record<Forge, readonly string[]> = {
  github: ["x-github-event"],
  gitea: ["x-forgejo-event", "x-gitea-event", "x-gogs-event"],
  gitlab: ["x-gitlab-event"],
  bitbucket: ["x-event-key"],
  generic: ["x-mooring-event"],
};

// GitLab 17.4+ sends X-Gitlab-Idempotency-Key, the same across its retries; older ones only the
// per-event X-Gitlab-Event-UUID. Bitbucket Cloud sends X-Request-UUID, Data Center X-Request-Id.
const DELIVERY_HEADERS: Record<Forge, readonly string[]> = {
  github: ["x-github-delivery"],
  gitea: ["x-forgejo-delivery", "x-gitea-delivery", "x-gogs-delivery"],
  gitlab: ["x-gitlab-idempotency-key", "x-gitlab-event-uuid"],
  bitbucket: ["x-request-uuid", "x-request-id"],
  generic: ["x-mooring-delivery"],
};

const DELIVERY_ID = /^[\x21-\x7e]{1,200}$/;
const HEX_DIGEST = /^[0-9a-f]{64}$/i;

export interface WebhookRequest {
  /** The `{forge}` path segment of the endpoint. */
  forge: string;
  headers: HeaderSource;
  /** The raw body, exactly as received (see readBodyLimited). */
  body: Uint8Array;
}

export interface VerifyOptions {
  /** The secrets configured for this forge's endpoint; several while one is being rotated. */
  secrets: readonly string[];
  /** Default MAX_WEBHOOK_BODY_BYTES. */
  maxBodyBytes?: number;
}

/** What a pull-request event is about: the pull request itself, or a comment on it. */
export type PreviewEventKind = "pull_request" | "comment";

/**
 * The pull-request events previews act on, per forge: read by src/forge/webhook-events.ts once
 * verified here. Bitbucket and the generic hook have none.
 */
export const PREVIEW_EVENTS: Readonly<Record<Forge, Readonly<Record<string, PreviewEventKind>>>> = {
  github: { pull_request: "pull_request", issue_comment: "comment" },
  gitea: { pull_request: "pull_request", issue_comment: "comment" },
  gitlab: { "Merge Request Hook": "pull_request", "Note Hook": "comment" },
  bitbucket: {},
  generic: {},
};

/** A push or ping (src/core/webhook/push.ts), or a pull-request or comment event for previews. */
export type DeliveryKind = EventKind | PreviewEventKind;

function deliveryKindOf(forge: Forge, eventName: string): DeliveryKind | undefined {
  const previews = PREVIEW_EVENTS[forge];
  return (
    eventKindOf(forge, eventName) ?? (Object.hasOwn(previews, eventName) ? previews[eventName] : undefined)
  );
}

export interface VerifiedDelivery<K extends DeliveryKind = EventKind> {
  ok: true;
  forge: Forge;
  kind: K;
  /** The event header's value as sent (`push`, `Tag Push Hook`, `repo:push`). */
  eventName: string;
  deliveryId: string;
}

/** Whether any secret's HMAC-SHA256 of the body equals the hex digest sent; constant time. */
function hmacMatches(secrets: readonly string[], body: Uint8Array, sent: string, prefix: string): boolean {
  const hex = sent.startsWith(prefix) ? sent.slice(prefix.length) : "";
  const wellFormed = HEX_DIGEST.test(hex);
  const given = wellFormed ? Buffer.from(hex, "hex") : Buffer.alloc(32);
  let matched = 0;
  for (const secret of secrets) {
    const expected = createHmac("sha256", secret).update(body).digest();
    matched |= Number(timingSafeEqual(expected, given));
  }
  return wellFormed && matched === 1;
}

/** Whether the token sent equals any secret; both hashed to 32 bytes so length does not show. */
function tokenMatches(secrets: readonly string[], sent: string): boolean {
  const given = createHash("sha256").update(sent, "utf8").digest();
  let matched = 0;
  for (const secret of secrets) {
    const expected = createHash("sha256").update(secret, "utf8").digest();
    matched |= Number(timingSafeEqual(expected, given));
  }
  return matched === 1;
}

/**
 * The delivery id a request claims, before (or without) verification: for the audit record of a
 * refused delivery, so a forged or mis-signed one can be told apart from the forge's own. Only a
 * well-formed id (1 to 200 visible characters) is returned; it is the sender's word, not a fact.
 */
export function claimedDeliveryId(forge: string, headers: HeaderSource): string | undefined {
  if (!isForge(forge)) return undefined;
  const delivery = firstHeader(headers, DELIVERY_HEADERS[forge]);
  return delivery !== undefined && DELIVERY_ID.test(delivery.value) ? delivery.value : undefined;
}

/** Check a push or ping delivery's size and signature, then read which event and delivery it is. */
export function verifyWebhook(
  request: WebhookRequest,
  options: VerifyOptions,
): VerifiedDelivery | WebhookRefusal {
  return verifyDelivery(request, options, eventKindOf);
}

/** As verifyWebhook, also accepting the pull-request and comment events of PREVIEW_EVENTS. */
export function verifyAnyDelivery(
  request: WebhookRequest,
  options: VerifyOptions,
): VerifiedDelivery<DeliveryKind> | WebhookRefusal {
  return verifyDelivery(request, options, deliveryKindOf);
}

function verifyDelivery<K extends DeliveryKind>(
  request: WebhookRequest,
  options: VerifyOptions,
  kindOf: (forge: Forge, eventName: string) => K | undefined,
): VerifiedDelivery<K> | WebhookRefusal {
  const { forge, headers, body } = request;
  if (!isForge(forge))
    return refusal(
      "unknown-forge",
      `no webhook endpoint for ${JSON.stringify(forge)}; use github, gitea, gitlab, bitbucket or generic`,
    );
  const limit = options.maxBodyBytes ?? MAX_WEBHOOK_BODY_BYTES;
  if (body.byteLength > limit)
    return refusal(
      "body-too-large",
      `${forge} webhook body is larger than ${limit} bytes; Mooring needs push events only`,
    );
  const secrets = options.secrets.filter((secret) => secret !== "");
  if (secrets.length === 0)
    return refusal(
      "no-secret-configured",
      `no secret is configured for the ${forge} webhook; set one in Mooring and in the forge's hook, unsigned deliveries are never accepted`,
    );

  const proofs = PROOFS[forge];
  const sent = firstHeader(
    headers,
    proofs.map((proof) => proof.header),
  );
  if (sent === undefined)
    return refusal(
      "missing-signature",
      `${forge} webhook has no ${proofs.map((p) => p.header).join(" or ")} header; set the secret in the forge's hook`,
    );
  const proof = proofs.find((p) => p.header === sent.name) as Proof;
  const valid =
    proof.kind === "token"
      ? tokenMatches(secrets, sent.value)
      : hmacMatches(secrets, body, sent.value, proof.prefix);
  if (!valid)
    return refusal(
      "bad-signature",
      `${forge} webhook ${sent.name} does not match the body under the configured secret; check both sides hold the same secret`,
    );

  const event = firstHeader(headers, EVENT_HEADERS[forge]);
  if (event === undefined)
    return refusal("missing-event", `${forge} webhook has no ${EVENT_HEADERS[forge].join(" or ")} header`);
  const kind = kindOf(forge, event.value);
  if (kind === undefined) {
    const names = Object.keys(PREVIEW_EVENTS[forge]);
    const previews = names.length > 0 ? ` (and ${names.join(", ")} for previews)` : "";
    return refusal(
      "unsupported-event",
      `${forge} webhook event ${JSON.stringify(event.value)} is not handled; subscribe the hook to push events${previews} only`,
    );
  }
  const delivery = firstHeader(headers, DELIVERY_HEADERS[forge]);
  if (delivery === undefined || !DELIVERY_ID.test(delivery.value))
    return refusal(
      "missing-delivery-id",
      `${forge} webhook has no usable ${DELIVERY_HEADERS[forge].join(" or ")} header (1 to 200 visible characters)`,
    );
  return { ok: true, forge, kind, eventName: event.value, deliveryId: delivery.value };
}

/**
 * The JSON a verified body carries. Forges send it as the body (`application/json`) or, when the
 * hook is set to form encoding (GitHub signs such a body whole), as the `payload` field of a form.
 */
export function readPayload(
  body: Uint8Array,
  contentType: string | undefined,
): { ok: true; payload: unknown } | WebhookRefusal {
  let text = new TextDecoder("utf-8", { fatal: false }).decode(body);
  if ((contentType ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    const payload = new URLSearchParams(text).get("payload");
    if (payload === null)
      return refusal(
        "malformed-json",
        "form-encoded webhook body has no payload field; set the hook's content type to JSON",
      );
    text = payload;
  }
  try {
    return { ok: true, payload: JSON.parse(text) as unknown };
  } catch (error) {
    return refusal("malformed-json", `webhook body is not JSON: ${(error as Error).message}`);
  }
}

/** The value a sender puts in a `sha256=<hex>` header, for tests and `moor` tooling. */
export function signWebhookBody(secret: string, body: Uint8Array | string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}
