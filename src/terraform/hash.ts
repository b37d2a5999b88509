// Digests for plan ids (src/core/stack/plan-id.ts), which the pure core takes as a function.
// The controller should use the keyed form: a plan id is public, and most of what it hashes can
// be read by anyone who can read the Stack, so with a plain hash someone could test guesses of
// a short secret against it. With a key only the controller holds, the id reveals nothing.
import { createHash, createHmac } from "node:crypto";
import type { Digest } from "../core/stack/plan-id.ts";

/** SHA-256 of the UTF-8 text, lower-case hex. */
export const sha256Hex: Digest = (text) => createHash("sha256").update(text, "utf8").digest("hex");

/** HMAC-SHA-256 with `key` (at least 32 bytes, kept in a Secret of the installation), lower-case hex. */
export function hmacSha256Hex(key: Uint8Array): Digest {
  if (key.length < 32) throw new Error(`plan id key has ${key.length} bytes; use at least 32 random bytes`);
  const copy = Buffer.from(key);
  return (text) => createHmac("sha256", copy).update(text, "utf8").digest("hex");
}
