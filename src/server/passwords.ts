// Local passwords, hashed with scrypt (node:crypto): a memory-hard function, so a stolen hash
// costs an attacker memory as well as time for every guess, which GPUs and ASICs are poor at.
//
// A hash is stored as a self-describing string in the PHC string format that other tools read:
//
//   $scrypt$ln=15,r=8,p=1$<salt>$<hash>          (salt and hash: base64 without padding)
//
// ln is log2 of N (the CPU/memory cost), r the block size, p the parallelism; memory is about
// 128 * N * r bytes (32 MiB for ln=15, r=8). The parameters travel with each hash, so raising
// them later does not break stored passwords: `needsRehash` says when to re-hash at the next
// successful login. Parameters read back from a stored string are bounded, so an edited Secret
// cannot make one login allocate gigabytes.
//
// DEFAULT_SCRYPT (ln=15, r=8, p=1) took 45 ms at ln=14 and 110 ms at ln=15 per hash on this
// 2-core machine while a CI run was loading it (load average 3.4); unloaded, ln=15 lands in the
// 50-100 ms wanted for an interactive login. Hashing runs in libuv's thread pool (async scrypt),
// so a login never blocks the event loop.
//
// A login for an unknown user still spends one hash (`verifyPassword(password, undefined)`), so
// response time does not tell an attacker which user names exist.
import { randomBytes, randomInt, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";

export interface ScryptParams {
  /** log2 of N, the CPU and memory cost. */
  ln: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: Readonly<ScryptParams> = { ln: 15, r: 8, p: 1 };

const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** What a stored string may ask for; beyond this it is refused rather than computed. */
const BOUNDS = { ln: [10, 20], r: [1, 32], p: [1, 16], bytes: [16, 64] } as const;

export class PasswordHashError extends Error {
  readonly code = "invalid-password-hash";
  constructor(message: string) {
    super(message);
    this.name = "PasswordHashError";
  }
}

function b64(bytes: Buffer): string {
  return bytes.toString("base64").replace(/=+$/, "");
}

function derive(password: string, salt: Buffer, params: ScryptParams, length: number): Promise<Buffer> {
  const N = 2 ** params.ln;
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r * params.p };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFC"), salt, length, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Hashes a password with a fresh random salt, returning the PHC string to store. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, params, HASH_BYTES);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(hash)}`;
}

export interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** Reads a stored PHC string; throws PasswordHashError saying what is wrong with it. */
export function parsePasswordHash(encoded: string): ParsedHash {
  const match = PHC.exec(encoded);
  if (match === null) {
    throw new PasswordHashError(
      "stored password hash is not a $scrypt$ln=..,r=..,p=..$salt$hash string: set the password again",
    );
  }
  const [ln, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const salt = Buffer.from(match[4] ?? "", "base64");
  const hash = Buffer.from(match[5] ?? "", "base64");
  const within = (value: number, [low, high]: readonly [number, number]) => value >= low && value <= high;
  if (!within(ln, BOUNDS.ln) || !within(r, BOUNDS.r) || !within(p, BOUNDS.p)) {
    throw new PasswordHashError(
      `stored password hash asks for scrypt ln=${ln},r=${r},p=${p}, outside ln 10-20, r 1-32, p 1-16: set the password again`,
    );
  }
  if (!within(salt.length, BOUNDS.bytes) || !within(hash.length, BOUNDS.bytes)) {
    throw new PasswordHashError(
      "stored password hash has a salt or hash outside 16-64 bytes: set the password again",
    );
  }
  return { params: { ln, r, p }, salt, hash };
}

const DUMMY_SALT = Buffer.alloc(SALT_BYTES);

/**
 * Whether `password` matches the stored hash, compared in constant time. With no stored hash
 * (unknown user) it spends the same work and answers false.
 */
export async function verifyPassword(password: string, encoded: string | undefined): Promise<boolean> {
  if (encoded === undefined) {
    await derive(password, DUMMY_SALT, DEFAULT_SCRYPT, HASH_BYTES);
    return false;
  }
  const stored = parsePasswordHash(encoded);
  const candidate = await derive(password, stored.salt, stored.params, stored.hash.length);
  return timingSafeEqual(candidate, stored.hash);
}

/** Whether a stored hash was made with other parameters than `params` (re-hash after login). */
export function needsRehash(encoded: string, params: ScryptParams = DEFAULT_SCRYPT): boolean {
  const stored = parsePasswordHash(encoded);
  return stored.params.ln !== params.ln || stored.params.r !== params.r || stored.params.p !== params.p;
}

/** Letters and digits without the look-alikes 0 O o 1 l I, so a printed password reads back right. */
export const PASSWORD_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz";

/**
 * A random password for the bootstrapped admin account: `length` characters drawn uniformly
 * (randomInt has no modulo bias) from PASSWORD_ALPHABET; 22 characters carry about 127 bits.
 */
export function generatePassword(length = 22): string {
  let out = "";
  for (let i = 0; i < length; i++) out += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return out;
}
