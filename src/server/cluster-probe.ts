// A registered cluster's connection state, as the clusters page shows it: reachable with its
// Kubernetes version, or unreachable with the reason. Asking a cluster costs a network round trip
// that may hang until a timeout, so answers are kept for a while (30 s by default) and a list of
// clusters never waits on every cluster at every request:
// - a fresh answer is served as it is;
// - a stale one is served at once while a new probe runs in the background;
// - a cluster never asked yet is probed, and the request waits for it at most the probe's timeout
//   (the probe itself is bounded by that timeout too).
// Concurrent requests share one probe per cluster. A failed probe is an answer ("unreachable:
// why"), never a failure of the request that asked.

export interface ClusterState {
  state: "reachable" | "unreachable" | "unknown";
  /** The cluster's gitVersion (`v1.36.3`) when reachable. */
  version?: string;
  /** Why it could not be reached, or why its state is not known yet. */
  error?: string;
  /** When the answer was obtained (ISO time); absent while the first probe runs. */
  checkedAt?: string;
}

/** Reads one cluster's version; throws with the reason when it cannot. */
export type ProbeCluster = (name: string, timeoutMs: number) => Promise<string>;

export interface ClusterProberOptions {
  /** How long an answer is served without asking again; default 30 000 ms. */
  ttlMs?: number;
  /** Limit of one probe, and of how long a request waits for a first answer; default 3000 ms. */
  timeoutMs?: number;
  /** Milliseconds since the epoch; default Date.now. */
  clock?: () => number;
}

interface Entry {
  answer?: { state: ClusterState; at: number };
  running?: Promise<void>;
}

export class ClusterProber {
  readonly #probe: ProbeCluster;
  readonly #ttlMs: number;
  readonly #timeoutMs: number;
  readonly #clock: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(probe: ProbeCluster, options: ClusterProberOptions = {}) {
    this.#probe = probe;
    this.#ttlMs = options.ttlMs ?? 30_000;
    this.#timeoutMs = options.timeoutMs ?? 3000;
    this.#clock = options.clock ?? Date.now;
  }

  /** The state of each named cluster; clusters no longer named are forgotten. */
  async states(names: readonly string[]): Promise<Map<string, ClusterState>> {
    for (const known of [...this.#entries.keys()]) if (!names.includes(known)) this.#entries.delete(known);
    const firsts: Promise<void>[] = [];
    for (const name of names) {
      const entry = this.#entries.get(name) ?? {};
      this.#entries.set(name, entry);
      const fresh = entry.answer !== undefined && this.#clock() - entry.answer.at < this.#ttlMs;
      if (fresh) continue;
      entry.running ??= this.#run(name, entry);
      if (entry.answer === undefined) firsts.push(entry.running);
    }
    if (firsts.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(firsts),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, this.#timeoutMs + 500);
        }),
      ]);
      clearTimeout(timer);
    }
    const out = new Map<string, ClusterState>();
    for (const name of names) {
      const answer = this.#entries.get(name)?.answer;
      out.set(name, answer?.state ?? { state: "unknown", error: "checking the connection" });
    }
    return out;
  }

  async #run(name: string, entry: Entry): Promise<void> {
    let state: ClusterState;
    try {
      const version = await this.#probe(name, this.#timeoutMs);
      state = { state: "reachable", version };
    } catch (err) {
      state = { state: "unreachable", error: err instanceof Error ? err.message : String(err) };
    }
    const at = this.#clock();
    entry.answer = { state: { ...state, checkedAt: new Date(at).toISOString() }, at };
    entry.running = undefined;
  }
}
