// Reading a webhook body without letting a sender make us hold more than the limit.
//
// The signature covers the raw bytes, so the body is read whole before anything else — which is
// exactly what a sender who streams gigabytes hopes for. A declared Content-Length over the limit
// is refused before a byte is read; an undeclared or understated one is cut off the moment the
// bytes read pass the limit. Either way the answer is 413 (verify.ts's body-too-large).
import { MAX_WEBHOOK_BODY_BYTES } from "./verify.ts";

export type BodyRead = { ok: true; body: Buffer } | { ok: false; code: "body-too-large"; message: string };

function tooLarge(limit: number): BodyRead {
  return {
    ok: false,
    code: "body-too-large",
    message: `webhook body is larger than ${limit} bytes; Mooring needs push events only`,
  };
}

/**
 * Read a request body (a Node IncomingMessage, or any stream of byte chunks) up to `limit`
 * bytes. The caller should stop reading the request (or close the connection) on a refusal.
 */
export async function readBodyLimited(
  chunks: AsyncIterable<Uint8Array | string>,
  contentLength: string | undefined,
  limit = MAX_WEBHOOK_BODY_BYTES,
): Promise<BodyRead> {
  if (contentLength !== undefined && /^\d+$/.test(contentLength.trim()) && Number(contentLength) > limit)
    return tooLarge(limit);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    const bytes =
      typeof chunk === "string"
        ? Buffer.from(chunk)
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    size += bytes.byteLength;
    if (size > limit) return tooLarge(limit);
    parts.push(bytes);
  }
  return { ok: true, body: Buffer.concat(parts, size) };
}
