// Refusing a webhook delivery seen before.
//
// A forge's signature covers the body, not the moment it was sent: a delivery captured on the
// way (a proxy log, a leaked request dump) verifies again whenever it is replayed. Every forge
// gives each delivery a unique id (X-GitHub-Delivery, X-Gitea-Delivery, X-Gitlab-Event-UUID,
// Bitbucket's X-Request-UUID), so the server remembers the ids of verified deliveries and refuses
// a second one with the same id.
//
// Memory is bounded two ways: an id is remembered for `windowMs` after it was first seen, and at
// most `maxEntries` ids are kept (the oldest go first when more arrive). A replay older than the
// window, or pushed out by a flood, is let through; what it can do then is a refresh, which is
// idempotent, so the bounds trade an extra refresh for a guard that cannot grow without end.
// Ids are keyed by forge, since two forges may well pick the same id. The clock is passed in.
// A forge's manual "redeliver" keeps the id (GitHub's X-GitHub-Delivery names the event, not the
// attempt), so the server forgets an id whose handling failed, letting that redelivery through.
// One guard serves one server process; replicas sharing work need the audit store's record.

export interface ReplayGuardOptions {
  /** How long an id is remembered, in milliseconds; default 24 hours. */
  windowMs?: number;
  /** How many ids are remembered at most; default 100,000 (a few MiB). */
  maxEntries?: number;
}

export const REPLAY_GUARD_DEFAULTS: Required<ReplayGuardOptions> = {
  windowMs: 24 * 60 * 60 * 1000,
  maxEntries: 100_000,
};

export type ReplayCheck =
  | { ok: true }
  | {
      ok: false;
      code: "replayed-delivery";
      /** When (ms since the epoch, by the clock passed in) the id was first accepted. */
      firstSeenAt: number;
      message: string;
    };

export class ReplayGuard {
  readonly #windowMs: number;
  readonly #maxEntries: number;
  /** Key → first seen; insertion order is time order, as `now` never goes backwards here. */
  readonly #seen = new Map<string, number>();
  #latest = Number.NEGATIVE_INFINITY;

  constructor(options: ReplayGuardOptions = {}) {
    this.#windowMs = options.windowMs ?? REPLAY_GUARD_DEFAULTS.windowMs;
    this.#maxEntries = Math.max(1, options.maxEntries ?? REPLAY_GUARD_DEFAULTS.maxEntries);
  }

  /**
   * Accept a delivery id the first time within the window and remember it; refuse it after.
   * Call it only once the signature has been verified, so forged requests cannot fill the guard.
   */
  admit(forge: string, deliveryId: string, now: number): ReplayCheck {
    // A clock that steps back must not make remembered ids look younger than newer ones.
    this.#latest = Math.max(this.#latest, now);
    this.#expire(this.#latest);
    const key = `${forge}\u0000${deliveryId}`;
    const firstSeenAt = this.#seen.get(key);
    if (firstSeenAt !== undefined)
      return {
        ok: false,
        code: "replayed-delivery",
        firstSeenAt,
        message: `${forge} delivery ${JSON.stringify(deliveryId)} was already received and is refused as a replay; to run it again, push a new commit or refresh the app`,
      };
    while (this.#seen.size >= this.#maxEntries) this.#dropOldest();
    this.#seen.set(key, this.#latest);
    return { ok: true };
  }

  /** Forget an admitted id, when handling it failed and the forge's retry should get through. */
  forget(forge: string, deliveryId: string): void {
    this.#seen.delete(`${forge}\u0000${deliveryId}`);
  }

  /** How many ids are remembered now. */
  get size(): number {
    return this.#seen.size;
  }

  #expire(now: number): void {
    for (const [key, seenAt] of this.#seen) {
      if (now - seenAt < this.#windowMs) return;
      this.#seen.delete(key);
    }
  }

  #dropOldest(): void {
    const oldest = this.#seen.keys().next();
    if (!oldest.done) this.#seen.delete(oldest.value);
  }
}
