// One pull request's work, one job at a time. Forges cannot upsert a comment atomically, so two
// jobs of one PR must never write at once; and a preview of an older head is worth nothing once
// a newer head is known. So jobs run in order, and a superseding job (a new push, a merge)
// aborts the job under way and every older job still queued: they write nothing more. A job
// checks `isCurrent()` before each write and throws Superseded when it is not.

export class Superseded extends Error {
  constructor() {
    super("superseded by a newer request");
    this.name = "Superseded";
  }
}

export type Job = (signal: AbortSignal, isCurrent: () => boolean) => Promise<void>;

export interface JobOutcome {
  /** A job failed (not superseded, not stopped): `isCurrent` says whether it may still write. */
  failed: (err: unknown, isCurrent: () => boolean) => Promise<void>;
  /** A job was superseded or stopped. */
  superseded?: () => void;
}

export class SerialJobs {
  #generation = 0;
  #chain: Promise<void> = Promise.resolve();
  #running: AbortController | undefined;
  readonly #stop: AbortSignal;
  readonly #outcome: JobOutcome;

  /** `stop` aborts every job for good (leadership lost, shutdown). */
  constructor(stop: AbortSignal, outcome: JobOutcome) {
    this.#stop = stop;
    this.#outcome = outcome;
  }

  /** Whether a job runs now. */
  get busy(): boolean {
    return this.#running !== undefined;
  }

  /** Settles once every job queued so far has run. */
  get settled(): Promise<void> {
    return this.#chain;
  }

  /** Queues `job` after the others; a superseding one first aborts the job under way. */
  add(supersede: boolean, job: Job): void {
    if (supersede) {
      this.#generation += 1;
      this.#running?.abort();
    }
    const generation = this.#generation;
    this.#chain = this.#chain.then(async () => {
      if (generation !== this.#generation || this.#stop.aborted) return;
      const controller = new AbortController();
      this.#running = controller;
      const signal = AbortSignal.any([controller.signal, this.#stop]);
      const isCurrent = () => generation === this.#generation && !signal.aborted;
      try {
        await job(signal, isCurrent);
      } catch (err) {
        if (err instanceof Superseded || signal.aborted) this.#outcome.superseded?.();
        else await this.#outcome.failed(err, isCurrent).catch(() => {});
      } finally {
        if (this.#running === controller) this.#running = undefined;
      }
    });
  }

  /** Aborts the job under way. */
  abort(): void {
    this.#running?.abort();
  }
}
