// Signed commits. A Project may list public keys in `spec.signatureKeys` (Argo CD's AppProject
// field name); then every commit its Applications and Stacks deploy must carry a good signature
// made by one of those keys, or nothing of that commit is rendered, planned or applied. A commit
// signature is checked by git itself (`git verify-commit`'s machinery, read through the `%G?`
// placeholders): OpenPGP signatures by gpg against a keyring holding the project's keys and
// nothing else, SSH signatures by `ssh-keygen -Y verify` against an allowed-signers file built
// from the project's lines. Trust is simple, as in Argo CD: a key listed in the project is
// trusted; there is no web of trust and no keyring shared between projects.
//
// An entry holds one key, in one of two forms:
//   { gpg: "-----BEGIN PGP PUBLIC KEY BLOCK----- ..." }      an ASCII-armored OpenPGP public key
//                                                           (`gpg --armor --export KEYID`); with
//   { gpg: ..., keyID: "34C3F0D8CE8528B4" }                 keyID, only that key (primary or
//                                                           subkey, long id or fingerprint) of it
//   { ssh: "alice@example.com ssh-ed25519 AAAA..." }        a line of ssh-keygen's allowed-signers
//   { ssh: "ssh-ed25519 AAAA... alice@example.com" }        file, or a bare public key (a .pub
//                                                           file's line)
// Argo CD's `{ keyID }` alone names a key in Argo CD's own keyring; Mooring has no such keyring,
// so that form is refused with a message saying to give the key itself.
//
// This module is pure: it checks entries, writes the allowed-signers file's text, reads gpg's
// and git's output, and words the refusals. src/git/signature.ts runs the programs.

/** One `spec.signatureKeys` entry. */
export interface SignatureKey {
  /** An ASCII-armored OpenPGP public key block. */
  gpg?: string;
  /** With `gpg`: the one key of the block that may sign (16-hex long id or 40-hex fingerprint). */
  keyID?: string;
  /** An allowed-signers line (`principals [options] keytype key [comment]`) or a bare public key. */
  ssh?: string;
}

export const SIGNATURE_FORMATS = ["gpg", "ssh"] as const;
export type SignatureFormat = (typeof SIGNATURE_FORMATS)[number];

/** Condition reason when a project requires signatures and the commit carries none. */
export const UNSIGNED_COMMIT_REASON = "UnsignedCommit";
/** Condition reason when the commit's signature is not a good one by an allowed key. */
export const UNTRUSTED_SIGNATURE_REASON = "UntrustedSignature";

/** Whether a project's `spec.signatureKeys` asks for signed commits. */
export function requiresSignedCommits(spec: { signatureKeys?: readonly unknown[] } | undefined): boolean {
  return (spec?.signatureKeys?.length ?? 0) > 0;
}

const MAX_KEY_CHARS = 64 * 1024;
const HEX_KEY_ID = /^(?:[0-9A-F]{16}|[0-9A-F]{40}|[0-9A-F]{64})$/;

/** A keyID as compared: upper-case hex without a 0x prefix or spaces. */
export function normalizeKeyId(keyID: string): string {
  return keyID.replace(/^0x/i, "").replace(/\s+/g, "").toUpperCase();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Problems with one `spec.signatureKeys` entry, as [field suffix, text] pairs; empty when it is
 * well-formed. The suffix is appended to the entry's path (`spec.signatureKeys[0]` + `.gpg`).
 */
export function signatureKeyProblems(entry: unknown): [string, string][] {
  if (!isRecord(entry))
    return [["", "must be an object with gpg (an armored public key) or ssh (an allowed-signers line)"]];
  const problems: [string, string][] = [];
  for (const key of Object.keys(entry)) {
    if (!["gpg", "ssh", "keyID"].includes(key))
      problems.push([`.${key}`, "is not a field of a signature key (gpg, keyID, ssh)"]);
  }
  const { gpg, ssh, keyID } = entry;
  if (gpg === undefined && ssh === undefined) {
    problems.push(
      keyID !== undefined
        ? [
            "",
            "has only keyID, which in Argo CD names a key in its own keyring; Mooring keeps no keyring: give the key itself in gpg (the output of gpg --armor --export KEYID), keyID may stay to pick that key",
          ]
        : ["", "needs gpg (an ASCII-armored public key) or ssh (an allowed-signers line or a public key)"],
    );
    return problems;
  }
  if (gpg !== undefined && ssh !== undefined) {
    problems.push(["", "has both gpg and ssh: give one key per entry"]);
    return problems;
  }
  if (gpg !== undefined) {
    if (typeof gpg !== "string" || gpg.trim() === "") problems.push([".gpg", "must be a non-empty string"]);
    else {
      const armor = readArmoredPublicKey(gpg);
      if (!armor.ok) problems.push([".gpg", armor.problem]);
    }
    if (keyID !== undefined) {
      if (typeof keyID !== "string" || !HEX_KEY_ID.test(normalizeKeyId(keyID)))
        problems.push([
          ".keyID",
          `${JSON.stringify(keyID)} is not a key id: write the 16-hex long id or the 40-hex fingerprint (gpg --list-keys --keyid-format long)`,
        ]);
    }
  } else {
    if (keyID !== undefined)
      problems.push([".keyID", "applies to gpg keys only: an ssh entry names its key itself"]);
    if (typeof ssh !== "string" || ssh.trim() === "") problems.push([".ssh", "must be a non-empty string"]);
    else {
      const line = parseAllowedSigner(ssh);
      if (!line.ok) problems.push([".ssh", line.problem]);
    }
  }
  return problems;
}

// --- OpenPGP ASCII armor (RFC 9580 section 6) ---

const PUBLIC_HEADER = "-----BEGIN PGP PUBLIC KEY BLOCK-----";
const PUBLIC_FOOTER = "-----END PGP PUBLIC KEY BLOCK-----";
/** OpenPGP packet tags of the first packet of a transferable key. */
const PUBLIC_KEY_TAG = 6;
const SECRET_KEY_TAG = 5;

export type ArmorResult = { ok: true; bytes: Uint8Array } | { ok: false; problem: string };

/** Reads one ASCII-armored public key block, checking its base64 and, when present, its CRC-24. */
export function readArmoredPublicKey(text: string): ArmorResult {
  const fail = (problem: string): ArmorResult => ({ ok: false, problem });
  if (text.length > MAX_KEY_CHARS)
    return fail(`is ${text.length} characters long; a public key fits in ${MAX_KEY_CHARS}`);
  if (/PRIVATE KEY/.test(text))
    return fail(
      "holds a private key: give the public key (gpg --armor --export KEYID), and replace this key, since it is no longer secret",
    );
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const start = lines.indexOf(PUBLIC_HEADER);
  const end = lines.indexOf(PUBLIC_FOOTER);
  if (start < 0 || end < start)
    return fail(
      `is not an ASCII-armored public key: it must run from ${PUBLIC_HEADER} to ${PUBLIC_FOOTER} (gpg --armor --export KEYID)`,
    );
  if (lines.indexOf(PUBLIC_HEADER, start + 1) >= 0)
    return fail("holds more than one key block: give one key per entry");
  let i = start + 1;
  // Armor headers (Comment:, Version:) run up to the first empty line.
  while (i < end && lines[i] !== "" && /^[A-Za-z-]+: /.test(lines[i] ?? "")) i++;
  let body = "";
  let checksum: string | undefined;
  for (; i < end; i++) {
    const line = lines[i] ?? "";
    if (line === "") continue;
    if (line.startsWith("=") && line.length === 5) checksum = line.slice(1);
    else body += line;
  }
  const bytes = decodeBase64(body);
  if (bytes === undefined || bytes.length === 0)
    return fail("is damaged: the text between its armor lines is not base64; export the key again");
  if (checksum !== undefined) {
    const sum = decodeBase64(checksum);
    const expected =
      sum && sum.length === 3 ? ((sum[0] ?? 0) << 16) | ((sum[1] ?? 0) << 8) | (sum[2] ?? 0) : -1;
    if (expected !== crc24(bytes))
      return fail(
        "is damaged: its checksum does not match (changed or cut while copying); export the key again",
      );
  }
  const tag = packetTag(bytes[0] ?? 0);
  if (tag === SECRET_KEY_TAG)
    return fail(
      "holds a private key: give the public key (gpg --armor --export KEYID), and replace this key, since it is no longer secret",
    );
  if (tag !== PUBLIC_KEY_TAG)
    return fail("does not start with a public key packet: give the output of gpg --armor --export KEYID");
  return { ok: true, bytes };
}

const USER_ID_TAG = 13;

/** The first user id of an armored public key (`Alice <alice@example.com>`), for display. */
export function gpgUserId(armored: string): string | undefined {
  const read = readArmoredPublicKey(armored);
  if (!read.ok) return undefined;
  const bytes = read.bytes;
  let at = 0;
  while (at < bytes.length) {
    const first = bytes[at] ?? 0;
    const tag = packetTag(first);
    if (tag < 0) return undefined;
    let length: number;
    let body: number;
    if (first & 0x40) {
      // New format: one, two or five length octets (partial lengths do not occur in keys).
      const l0 = bytes[at + 1] ?? 0;
      if (l0 < 192) [length, body] = [l0, at + 2];
      else if (l0 < 224) [length, body] = [((l0 - 192) << 8) + (bytes[at + 2] ?? 0) + 192, at + 3];
      else if (l0 === 255)
        [length, body] = [
          (((bytes[at + 2] ?? 0) << 24) |
            ((bytes[at + 3] ?? 0) << 16) |
            ((bytes[at + 4] ?? 0) << 8) |
            (bytes[at + 5] ?? 0)) >>>
            0,
          at + 6,
        ];
      else return undefined;
    } else {
      const type = first & 0x03;
      if (type === 0) [length, body] = [bytes[at + 1] ?? 0, at + 2];
      else if (type === 1) [length, body] = [((bytes[at + 1] ?? 0) << 8) | (bytes[at + 2] ?? 0), at + 3];
      else if (type === 2)
        [length, body] = [
          (((bytes[at + 1] ?? 0) << 24) |
            ((bytes[at + 2] ?? 0) << 16) |
            ((bytes[at + 3] ?? 0) << 8) |
            (bytes[at + 4] ?? 0)) >>>
            0,
          at + 5,
        ];
      else return undefined;
    }
    if (tag === USER_ID_TAG) return new TextDecoder().decode(bytes.slice(body, body + length));
    at = body + length;
  }
  return undefined;
}

/** How `moor project get` shows an entry: `GPG Alice <alice@example.com>`, `SSH alice@example.com (ssh-ed25519)`. */
export function describeSignatureKey(entry: SignatureKey): string {
  if (entry.gpg !== undefined) {
    const uid = gpgUserId(entry.gpg) ?? "key";
    return `GPG ${uid}${entry.keyID ? ` (keyID ${normalizeKeyId(entry.keyID)})` : ""}`;
  }
  const signer = parseAllowedSigner(entry.ssh ?? "");
  return signer.ok ? `SSH ${signer.principals} (${signer.keyType})` : "SSH (malformed)";
}

function packetTag(first: number): number {
  if ((first & 0x80) === 0) return -1;
  return first & 0x40 ? first & 0x3f : (first >> 2) & 0x0f;
}

/** CRC-24 of RFC 9580 section 6.1. */
export function crc24(bytes: Uint8Array): number {
  let crc = 0xb704ce;
  for (const byte of bytes) {
    crc ^= byte << 16;
    for (let bit = 0; bit < 8; bit++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

function decodeBase64(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  try {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}

// --- SSH allowed signers (ssh-keygen(1), ALLOWED SIGNERS) ---

/** Public key types ssh-keygen signs and verifies with. */
export const SSH_KEY_TYPES = [
  "ssh-ed25519",
  "ssh-rsa",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
] as const;

const SSH_OPTIONS = new Set(["cert-authority", "namespaces", "valid-after", "valid-before"]);
/** A comment that can stand as a principal: no wildcard, list or negation characters. */
const PLAIN_PRINCIPAL = /^[A-Za-z0-9._%+@-]+$/;

export interface AllowedSigner {
  principals: string;
  options: string;
  keyType: string;
  key: string;
  comment: string;
}

export type AllowedSignerResult = ({ ok: true } & AllowedSigner) | { ok: false; problem: string };

/** Splits on spaces and tabs outside double quotes. */
function fields(line: string): string[] {
  const out: string[] = [];
  let current = "";
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && (ch === " " || ch === "\t")) {
      if (current !== "") out.push(current);
      current = "";
    } else current += ch;
  }
  if (current !== "") out.push(current);
  return out;
}

const isKeyType = (token: string | undefined) => (SSH_KEY_TYPES as readonly string[]).includes(token ?? "");

/**
 * Reads an allowed-signers line, or a bare public key (`keytype key [comment]`), whose principal
 * is then its comment when that is a plain name or address, else `*` (any).
 */
export function parseAllowedSigner(text: string): AllowedSignerResult {
  const fail = (problem: string): AllowedSignerResult => ({ ok: false, problem });
  if (/PRIVATE KEY/.test(text))
    return fail(
      "holds a private key: give the public key (the .pub file's line), and replace this key, since it is no longer secret",
    );
  const line = text.trim();
  if (/[\r\n]/.test(line)) return fail("must be one line: one key per entry");
  if (line.length > MAX_KEY_CHARS)
    return fail(`is ${line.length} characters long; a public key fits in ${MAX_KEY_CHARS}`);
  const tokens = fields(line);
  let principals = "";
  let options = "";
  let at = 0;
  if (!isKeyType(tokens[0])) {
    principals = tokens[0] ?? "";
    at = 1;
    if (!isKeyType(tokens[1])) {
      options = tokens[1] ?? "";
      at = 2;
    }
  }
  const keyType = tokens[at] ?? "";
  const key = tokens[at + 1] ?? "";
  const comment = tokens.slice(at + 2).join(" ");
  if (!isKeyType(keyType))
    return fail(
      `is not an allowed-signers line (PRINCIPALS [OPTIONS] KEYTYPE KEY) nor a public key (KEYTYPE KEY [COMMENT]): the key type must be one of ${SSH_KEY_TYPES.join(", ")}`,
    );
  const blob = decodeBase64(key);
  if (blob === undefined || wireString(blob) !== keyType)
    return fail(
      `holds a ${keyType} key that is not valid base64 of a ${keyType} public key; copy the .pub file's line again`,
    );
  if (principals !== "" && (/["\s]/.test(principals) || principals.split(",").some((p) => p === "")))
    return fail(`principals "${principals}" must be a comma-separated list of names or patterns`);
  if (options !== "") {
    for (const option of options.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)) {
      const name = option.split("=")[0] ?? "";
      if (!SSH_OPTIONS.has(name))
        return fail(`option "${name}" is not one of ${[...SSH_OPTIONS].join(", ")}`);
      if (name === "namespaces" && !/(^|[",])git([",]|$)/.test(option.slice(name.length + 1)))
        return fail('namespaces must include git, the namespace git signs commits in (namespaces="git")');
    }
  }
  if (principals === "") principals = PLAIN_PRINCIPAL.test(comment) ? comment : "*";
  return { ok: true, principals, options, keyType, key, comment };
}

/** The first length-prefixed string of an SSH wire-format key blob: its key type. */
function wireString(blob: Uint8Array): string {
  if (blob.length < 4) return "";
  const length =
    (((blob[0] ?? 0) << 24) | ((blob[1] ?? 0) << 16) | ((blob[2] ?? 0) << 8) | (blob[3] ?? 0)) >>> 0;
  if (length > 64 || blob.length < 4 + length) return "";
  return String.fromCharCode(...blob.slice(4, 4 + length));
}

/** The allowed-signers file for a project's ssh entries (only well-formed ones; validate first). */
export function allowedSignersFile(keys: readonly SignatureKey[]): string {
  const lines: string[] = [];
  for (const entry of keys) {
    if (entry.ssh === undefined) continue;
    const signer = parseAllowedSigner(entry.ssh);
    if (!signer.ok) continue;
    lines.push(
      [signer.principals, signer.options, signer.keyType, signer.key].filter((f) => f !== "").join(" "),
    );
  }
  return lines.map((l) => `${l}\n`).join("");
}

// --- gpg's key listing (`gpg --with-colons`, doc/DETAILS) ---

export interface GpgKeyListing {
  /** The primary key's fingerprint. */
  primary: string;
  /** The primary key's and every subkey's fingerprint. */
  fingerprints: string[];
  /** User ids, e.g. `Alice <alice@example.com>`. */
  uids: string[];
}

/** Reads `gpg --with-colons --import-options show-only --import` (or `--list-keys`) output. */
export function parseGpgListing(output: string): GpgKeyListing[] {
  const keys: GpgKeyListing[] = [];
  let current: GpgKeyListing | undefined;
  let expectPrimary = false;
  for (const line of output.split("\n")) {
    const f = line.split(":");
    const type = f[0];
    if (type === "pub" || type === "sec") {
      current = { primary: "", fingerprints: [], uids: [] };
      keys.push(current);
      expectPrimary = true;
    } else if (type === "sub" || type === "ssb") {
      expectPrimary = false;
    } else if (type === "fpr" && current) {
      const fpr = (f[9] ?? "").toUpperCase();
      if (expectPrimary && current.primary === "") current.primary = fpr;
      current.fingerprints.push(fpr);
    } else if (type === "uid" && current) {
      current.uids.push(f[9] ?? "");
    }
  }
  return keys.filter((k) => k.primary !== "");
}

/** The fingerprints a gpg entry allows: all of its keys', or only the one its keyID names. */
export function allowedFingerprints(listing: readonly GpgKeyListing[], keyID?: string): string[] {
  const all = listing.flatMap((k) => k.fingerprints);
  if (keyID === undefined) return all;
  const id = normalizeKeyId(keyID);
  return all.filter((fpr) => fpr.endsWith(id));
}

// --- git's verdict (`git show -s --format=...` with the %G placeholders) ---

/** Status, key, key fingerprint, primary key fingerprint and signer, NUL-separated. */
export const SIGNATURE_CHECK_FORMAT = "--format=%G?%x00%GK%x00%GF%x00%GP%x00%GS";

export interface Signer {
  format: SignatureFormat;
  /** gpg: the user id signed with (`Alice <alice@example.com>`); ssh: the allowed-signers principal. */
  identity: string;
  /** gpg: the signing key's fingerprint; ssh: the key's SHA256 fingerprint. */
  key: string;
  /** gpg: the primary key's fingerprint when the signing key is a subkey. */
  primaryKey?: string;
}

/** What a commit's signature is, before the project's keyIDs are applied. */
export type SignatureCheck =
  | { status: "good"; signer: Signer }
  | { status: "unsigned" }
  /** Signed by a key the project does not list (or gpg/ssh-keygen could not check it). */
  | { status: "unknown-key"; format: SignatureFormat; key: string }
  | { status: "bad-signature"; format: SignatureFormat; key: string; identity: string }
  | { status: "expired"; what: "signature" | "key"; signer: Signer }
  | { status: "revoked"; signer: Signer };

export class SignatureOutputError extends Error {
  readonly code = "unexpected-git-output";
}

/** Reads git's output for SIGNATURE_CHECK_FORMAT. */
export function parseSignatureCheck(output: string): SignatureCheck {
  const parts = output.replace(/\n+$/, "").split("\0");
  if (parts.length !== 5)
    throw new SignatureOutputError(`unexpected git signature output: ${parts.length} fields instead of 5`);
  const [code = "", keyId = "", fingerprint = "", primary = "", identity = ""] = parts;
  // ssh-keygen names keys by their SHA256 fingerprint; gpg by hex ids.
  const format: SignatureFormat =
    keyId.startsWith("SHA256:") || fingerprint.startsWith("SHA256:") ? "ssh" : "gpg";
  const key = fingerprint || keyId;
  const signer: Signer = {
    format,
    identity,
    key,
    ...(primary && primary !== fingerprint ? { primaryKey: primary } : {}),
  };
  switch (code) {
    case "G":
      return { status: "good", signer };
    case "N":
      return { status: "unsigned" };
    // U: good, but the key's validity is unknown. Every key Mooring imports is fully trusted, and
    // an ssh key that no allowed-signers line lists reads as U: either way, not a project's key.
    case "U":
    case "E":
      return { status: "unknown-key", format, key };
    case "B":
      return { status: "bad-signature", format, key, identity };
    case "X":
      return { status: "expired", what: "signature", signer };
    case "Y":
      return { status: "expired", what: "key", signer };
    case "R":
      return { status: "revoked", signer };
    default:
      throw new SignatureOutputError(`unexpected git signature status ${JSON.stringify(code)}`);
  }
}

/** What the project decides about a commit: the signer to record, or why it is refused. */
export type SignatureDecision =
  | { allowed: true; signer: Signer }
  | {
      allowed: false;
      reason: typeof UNSIGNED_COMMIT_REASON | typeof UNTRUSTED_SIGNATURE_REASON;
      why: string;
    };

/**
 * The project's verdict on a check. `gpgAllowed` holds the fingerprints the gpg entries allow
 * (allowedFingerprints); a good gpg signature by a key outside it (another key of a block whose
 * entry names one keyID) is refused like an unknown key. A good ssh signature was made by a key an
 * allowed-signers line lists.
 */
export function decideSignature(check: SignatureCheck, gpgAllowed: readonly string[]): SignatureDecision {
  const untrusted = (why: string): SignatureDecision => ({
    allowed: false,
    reason: UNTRUSTED_SIGNATURE_REASON,
    why,
  });
  switch (check.status) {
    case "good": {
      const { signer } = check;
      if (signer.format === "ssh") return { allowed: true, signer };
      const allowed = new Set(gpgAllowed.map((f) => f.toUpperCase()));
      if (
        allowed.has(signer.key.toUpperCase()) ||
        (signer.primaryKey && allowed.has(signer.primaryKey.toUpperCase()))
      )
        return { allowed: true, signer };
      return untrusted(
        `is signed by GPG key ${signer.key} (${signer.identity}), which is in the project's keys but not the keyID its entry allows`,
      );
    }
    case "unsigned":
      return { allowed: false, reason: UNSIGNED_COMMIT_REASON, why: "is not signed" };
    case "unknown-key":
      return untrusted(
        check.format === "ssh"
          ? `is signed by SSH key ${check.key || "(unnamed)"}, which is not one of the project's signatureKeys (or its line's valid-after/valid-before dates exclude the commit's date)`
          : `is signed by GPG key ${check.key || "(unnamed)"}, which is not one of the project's signatureKeys`,
      );
    case "bad-signature":
      return untrusted(
        `has a bad signature by ${check.format === "ssh" ? "SSH" : "GPG"} key ${check.key}: the commit was changed after it was signed`,
      );
    case "expired":
      return untrusted(
        check.what === "key"
          ? `is signed by ${describeSigner(check.signer)}, a key that has expired`
          : `has a signature by ${describeSigner(check.signer)} that has expired`,
      );
    case "revoked":
      return untrusted(`is signed by ${describeSigner(check.signer)}, a key that has been revoked`);
  }
}

/** `GPG key A2E1... (Alice <alice@example.com>)`, as messages, history and audit show a signer. */
export function describeSigner(signer: Signer): string {
  const identity = signer.identity && signer.identity !== "*" ? ` (${signer.identity})` : "";
  return `${signer.format === "ssh" ? "SSH" : "GPG"} key ${signer.key}${identity}`;
}

/**
 * The condition message of a refused commit: which object, which commit, why, what to do. The
 * whole sha is named, so it can be looked up (`git show SHA`) and matched in the audit trail.
 */
export function refusalMessage(subject: string, project: string, sha: string, why: string): string {
  return `${subject}: commit ${sha} ${why}; project ${project} requires commits signed by one of its spec.signatureKeys, so nothing of this commit is rendered or applied: sign the commit with an allowed key (git commit -S) and push, or add the signer's public key to the project`;
}
