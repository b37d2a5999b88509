// Login throttling: slowing password guessing without locking real users out for good.
//
// Failed logins are counted twice: per account (one user name attacked from many addresses) and
// per address (many user names tried from one address: password spraying). Each counter allows
// a few free failures, then asks the next attempt to wait, doubling the wait at every further
// failure up to a cap: 1 s, 2 s, 4 s ... 15 min. The cap is the lockout window: an attacker gets
// a handful of guesses an hour, while the owner who mistyped waits seconds. A counter is
// forgotten once no failure came for `forgetAfterMs`, and a successful login clears its account's
// counter (not the address's, or one valid account would let an attacker reset the address
// between guesses). Unknown user names are counted like real ones, so the answers do not tell
// which names exist.
//
// Memory is bounded: each table keeps at most `maxEntries` counters and evicts the least
// recently failed one first. The two tables are separate, so flooding random user names cannot
// evict the address counter that is slowing the flood.
//
// IPv6 clients usually hold a whole /64, so addresses are counted per /64; an IPv4-mapped IPv6
// address counts as its IPv4 address.
//
// Pure: the clock (milliseconds) is passed in; the server calls check before verifying the
// password and failure or success after, and answers a refusal with 429 and Retry-After.

export interface LimitOptions {
  /** Failures allowed before any wait. */
  freeFailures: number;
  /** The first wait; each further failure doubles it. */
  baseDelayMs: number;
  /** The longest wait: the lockout window. */
  maxDelayMs: number;
}

export interface ThrottleOptions {
  account: LimitOptions;
  address: LimitOptions;
  /** A counter with no failure for this long is forgotten. */
  forgetAfterMs: number;
  /** Counters kept per table (accounts, addresses) before the least recent is evicted. */
  maxEntries: number;
}

/** Defaults: 5 free failures per account, 20 per address, 1 s doubling to 15 min, forgotten after 1 h. */
export function throttleOptions(overrides: Partial<ThrottleOptions> = {}): ThrottleOptions {
  return {
    account: { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 15 * 60_000 },
    address: { freeFailures: 20, baseDelayMs: 1000, maxDelayMs: 15 * 60_000 },
    forgetAfterMs: 60 * 60_000,
    maxEntries: 10_000,
    ...overrides,
  };
}

export const THROTTLE_SCOPES = ["account", "address"] as const;
export type ThrottleScope = (typeof THROTTLE_SCOPES)[number];

export interface LoginAttempt {
  account: string;
  address: string;
}

export type ThrottleVerdict =
  | { allowed: true }
  | { allowed: false; scope: ThrottleScope; retryAfterMs: number; reason: string };

interface Counter {
  failures: number;
  lastFailureAt: number;
}

/** The wait owed after `failures` failures, per the limit: 0 within the free failures. */
export function delayAfter(failures: number, limit: LimitOptions): number {
  const over = failures - limit.freeFailures;
  if (over <= 0) return 0;
  return Math.min(limit.maxDelayMs, limit.baseDelayMs * 2 ** Math.min(over - 1, 40));
}

export function accountKey(account: string): string {
  return account.trim().normalize("NFC").toLowerCase();
}

/** The key an address is counted under: IPv4 as is, IPv6 by its /64. */
export function addressKey(address: string): string {
  let text = address.trim().toLowerCase();
  if (text.startsWith("[") && text.endsWith("]")) text = text.slice(1, -1);
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (mapped !== null) return mapped[1] ?? text;
  if (!text.includes(":")) return text;
  const halves = text.split("::");
  if (halves.length > 2) return text;
  const groups = (part: string | undefined) =>
    part === undefined || part === ""
      ? []
      : part.split(":").flatMap((g) => (g.includes(".") ? ["0", "0"] : [g]));
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const all =
    halves.length === 2
      ? [...head, ...Array(Math.max(0, 8 - head.length - tail.length)).fill("0"), ...tail]
      : head;
  if (all.length !== 8 || all.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return text;
  return `${all
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(":")}::/64`;
}

class CounterTable {
  readonly #entries = new Map<string, Counter>();
  private readonly limit: LimitOptions;
  private readonly options: ThrottleOptions;

  constructor(limit: LimitOptions, options: ThrottleOptions) {
    this.limit = limit;
    this.options = options;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The counter for a key, forgetting it when stale. */
  read(key: string, now: number): Counter | undefined {
    const counter = this.#entries.get(key);
    if (counter !== undefined && now - counter.lastFailureAt >= this.options.forgetAfterMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return counter;
  }

  /** Milliseconds the next attempt must still wait. */
  wait(key: string, now: number): number {
    const counter = this.read(key, now);
    if (counter === undefined) return 0;
    return Math.max(0, counter.lastFailureAt + delayAfter(counter.failures, this.limit) - now);
  }

  fail(key: string, now: number): void {
    const failures = (this.read(key, now)?.failures ?? 0) + 1;
    this.#entries.delete(key); // re-inserted last: Map order is recency order
    this.#entries.set(key, { failures, lastFailureAt: now });
    while (this.#entries.size > this.options.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  clear(key: string): void {
    this.#entries.delete(key);
  }

  sweep(now: number): void {
    for (const key of [...this.#entries.keys()]) this.read(key, now);
  }
}

export class LoginThrottle {
  readonly options: ThrottleOptions;
  readonly #accounts: CounterTable;
  readonly #addresses: CounterTable;

  constructor(options: ThrottleOptions = throttleOptions()) {
    this.options = options;
    this.#accounts = new CounterTable(options.account, options);
    this.#addresses = new CounterTable(options.address, options);
  }

  /** Whether an attempt may be checked now; when not, how long to wait and why. */
  check(attempt: LoginAttempt, now: number): ThrottleVerdict {
    const byAccount = this.#accounts.wait(accountKey(attempt.account), now);
    const byAddress = this.#addresses.wait(addressKey(attempt.address), now);
    if (byAccount === 0 && byAddress === 0) return { allowed: true };
    const scope: ThrottleScope = byAccount >= byAddress ? "account" : "address";
    const retryAfterMs = Math.max(byAccount, byAddress);
    const seconds = Math.ceil(retryAfterMs / 1000);
    const reason =
      scope === "account"
        ? `too many failed logins for account ${attempt.account}: try again in ${seconds}s`
        : `too many failed logins from ${attempt.address}: try again in ${seconds}s`;
    return { allowed: false, scope, retryAfterMs, reason };
  }

  /** Counts a failed login against both the account and the address. */
  failure(attempt: LoginAttempt, now: number): void {
    this.#accounts.fail(accountKey(attempt.account), now);
    this.#addresses.fail(addressKey(attempt.address), now);
  }

  /** A successful login clears its account's counter; the address keeps its count. */
  success(attempt: LoginAttempt): void {
    this.#accounts.clear(accountKey(attempt.account));
  }

  /** Drops every forgotten counter (the tables also forget lazily as they are read). */
  sweep(now: number): void {
    this.#accounts.sweep(now);
    this.#addresses.sweep(now);
  }

  /** Counters held, per table. */
  get size(): { accounts: number; addresses: number } {
    return { accounts: this.#accounts.size, addresses: this.#addresses.size };
  }
}
