// What a Project's signature keys look like on a page: the kind of key, who it names and its
// fingerprint, never the key block itself (long, and not what people compare). Fingerprints are
// the ones the tools print, so a reader can match them against `gpg --fingerprint` or
// `ssh-keygen -l`:
// - OpenPGP v4: SHA-1 over 0x99, the two-octet length and the primary key packet's body, as 40
//   upper-case hex digits; v5 and v6 keys: SHA-256 over 0x9A / 0x9B and a four-octet length
//   (RFC 9580 section 5.5.4);
// - SSH: `SHA256:` and the unpadded base64 of the SHA-256 of the key blob.
import { createHash } from "node:crypto";
import {
  describeSignatureKey,
  normalizeKeyId,
  parseAllowedSigner,
  readArmoredPublicKey,
  type SignatureKey,
} from "../core/project/signature.ts";

export interface KeySummary {
  type: "gpg" | "ssh";
  /** `GPG Alice <alice@example.com>`, `SSH alice@example.com (ssh-ed25519)`. */
  description: string;
  /** Absent when the key cannot be read (the controller refuses such an entry with the reason). */
  fingerprint?: string;
  /** With gpg: the one key of the block that may sign. */
  keyID?: string;
}

/** The primary key packet's version and body, from a transferable public key's bytes. */
function primaryKeyPacket(bytes: Uint8Array): Uint8Array | undefined {
  const first = bytes[0] ?? 0;
  if ((first & 0x80) === 0) return undefined;
  let length: number;
  let body: number;
  if (first & 0x40) {
    if ((first & 0x3f) !== 6) return undefined;
    const l0 = bytes[1] ?? 0;
    if (l0 < 192) [length, body] = [l0, 2];
    else if (l0 < 224) [length, body] = [((l0 - 192) << 8) + (bytes[2] ?? 0) + 192, 3];
    else if (l0 === 255)
      [length, body] = [
        (((bytes[2] ?? 0) << 24) | ((bytes[3] ?? 0) << 16) | ((bytes[4] ?? 0) << 8) | (bytes[5] ?? 0)) >>> 0,
        6,
      ];
    else return undefined;
  } else {
    if (((first >> 2) & 0x0f) !== 6) return undefined;
    const type = first & 0x03;
    if (type === 0) [length, body] = [bytes[1] ?? 0, 2];
    else if (type === 1) [length, body] = [((bytes[1] ?? 0) << 8) | (bytes[2] ?? 0), 3];
    else if (type === 2)
      [length, body] = [
        (((bytes[1] ?? 0) << 24) | ((bytes[2] ?? 0) << 16) | ((bytes[3] ?? 0) << 8) | (bytes[4] ?? 0)) >>> 0,
        5,
      ];
    else return undefined;
  }
  if (body + length > bytes.length) return undefined;
  return bytes.subarray(body, body + length);
}

/** The OpenPGP fingerprint of an armored public key's primary key, upper-case hex. */
export function gpgFingerprint(armored: string): string | undefined {
  const read = readArmoredPublicKey(armored);
  if (!read.ok) return undefined;
  const packet = primaryKeyPacket(read.bytes);
  if (packet === undefined) return undefined;
  const version = packet[0];
  if (version === 4) {
    const head = Uint8Array.of(0x99, (packet.length >> 8) & 0xff, packet.length & 0xff);
    return createHash("sha1").update(head).update(packet).digest("hex").toUpperCase();
  }
  if (version === 5 || version === 6) {
    const n = packet.length;
    const head = Uint8Array.of(
      version === 5 ? 0x9a : 0x9b,
      (n >>> 24) & 0xff,
      (n >> 16) & 0xff,
      (n >> 8) & 0xff,
      n & 0xff,
    );
    return createHash("sha256").update(head).update(packet).digest("hex").toUpperCase();
  }
  return undefined;
}

/** `SHA256:...` of an allowed-signers line or public key line, as `ssh-keygen -l` prints it. */
export function sshFingerprint(line: string): string | undefined {
  const signer = parseAllowedSigner(line);
  if (!signer.ok) return undefined;
  const blob = Buffer.from(signer.key, "base64");
  if (blob.length === 0) return undefined;
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** One `spec.signatureKeys` entry as a page shows it; undefined for an entry that is not an object. */
export function summarizeKey(entry: unknown): KeySummary | undefined {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return undefined;
  const key = entry as SignatureKey;
  if (typeof key.gpg === "string") {
    const fingerprint = gpgFingerprint(key.gpg);
    return {
      type: "gpg",
      description: describeSignatureKey(key),
      ...(fingerprint ? { fingerprint } : {}),
      ...(typeof key.keyID === "string" ? { keyID: normalizeKeyId(key.keyID) } : {}),
    };
  }
  if (typeof key.ssh === "string") {
    const fingerprint = sshFingerprint(key.ssh);
    return { type: "ssh", description: describeSignatureKey(key), ...(fingerprint ? { fingerprint } : {}) };
  }
  return undefined;
}
