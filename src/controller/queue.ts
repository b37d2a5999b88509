// A keyed work queue, the heart of every Kubernetes controller. Events only say "look at this
// key again"; the queue collapses repeated adds of a key into one pending item, never runs the
// same key twice at once (an add during processing is remembered and runs after), bounds how many
// keys run concurrently, and retries failures with per-key exponential backoff.
import { setTimeout as sleep } from "node:timers/promises";

export interface QueueOptions {
  /** Keys processed at once; default 4. */
  concurrency?: number;
  /** First retry delay after a failure; default 1 s. */
  baseDelayMs?: number;
  /** Longest retry delay; default 5 min. */
  maxDelayMs?: number;
}

export interface ProcessResult {
  /** Look at the key again after this long even if nothing happens (periodic resync). */
  requeueAfterMs?: number;
}

export type Processor = (key: string) => Promise<ProcessResult | undefined>;

export class WorkQueue {
  private readonly concurrency: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly processor: Processor;
  private readonly onError: (key: string, err: unknown, failures: number) => void;
  /** Keys ready to run, in arrival order (a Set keeps each key once). */
  private readonly ready = new Set<string>();
  private readonly running = new Set<string>();
  /** Keys added again while running: they run once more when the current run ends. */
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly failures = new Map<string, number>();
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    processor: Processor,
    onError: (key: string, err: unknown, failures: number) => void,
    options: QueueOptions = {},
  ) {
    this.processor = processor;
    this.onError = onError;
    this.concurrency = options.concurrency ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 300_000;
  }

  /** Queues a key now (cancelling any delayed add of it). */
  add(key: string): void {
    if (this.stopped) return;
    const timer = this.timers.get(key);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(key);
    }
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    this.ready.add(key);
    this.pump();
  }

  /** Queues a key after a delay, unless an earlier add for it is already due. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped || this.ready.has(key) || this.timers.has(key)) return;
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, timer);
  }

  /** Drops a key's pending and delayed adds and its failure count (e.g. the object was deleted). */
  forget(key: string): void {
    this.ready.delete(key);
    this.dirty.delete(key);
    this.failures.delete(key);
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
  }

  get length(): number {
    return this.ready.size;
  }

  get active(): number {
    return this.running.size;
  }

  /** Stops taking work, cancels delayed adds, and waits for running keys to finish. */
  async shutdown(timeoutMs = 30_000): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.ready.clear();
    const deadline = Date.now() + timeoutMs;
    while (this.running.size > 0 && Date.now() < deadline) await sleep(20);
  }

  /** Resolves when nothing is ready or running (delayed adds do not count). */
  idle(): Promise<void> {
    if (this.ready.size === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.concurrency && this.ready.size > 0) {
      const key = this.ready.values().next().value as string;
      this.ready.delete(key);
      this.running.add(key);
      void this.run(key);
    }
    if (this.ready.size === 0 && this.running.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async run(key: string): Promise<void> {
    let retryAfter: number | undefined;
    let requeueAfter: number | undefined;
    try {
      const result = await this.processor(key);
      this.failures.delete(key);
      requeueAfter = result?.requeueAfterMs;
    } catch (err) {
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      retryAfter = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (failures - 1));
      this.onError(key, err, failures);
    } finally {
      this.running.delete(key);
    }
    if (this.dirty.delete(key)) this.add(key);
    else if (retryAfter !== undefined) this.addAfter(key, retryAfter);
    else if (requeueAfter !== undefined) this.addAfter(key, requeueAfter);
    this.pump();
  }
}

/** A resync delay spread by ±10%, so a thousand apps do not all refresh in the same second. */
export function jittered(ms: number, random: () => number = Math.random): number {
  return Math.round(ms * (0.9 + random() * 0.2));
}
