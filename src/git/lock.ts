// A per-key async lock. A repository mirror is one git directory: two fetches into it at once
// race on ref locks, and a tree being written must not be read half-done. Work on the same
// repository therefore runs one call at a time, in arrival order, while different repositories
// proceed in parallel. It only orders work inside this process.

export class KeyedLock {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Runs `work` once every earlier call for the same key has settled; not re-entrant. */
  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    // Tails never reject, so each call starts after the previous one whatever its outcome.
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(work);
    const tail = result.catch(() => {});
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** Whether work for the key is queued or running. */
  busy(key: string): boolean {
    return this.#tails.has(key);
  }

  /** Number of keys with work queued or running (for tests). */
  get size(): number {
    return this.#tails.size;
  }
}
