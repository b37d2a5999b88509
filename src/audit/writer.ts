// The one way the controller and the API server write to the audit trail. Work must never wait
// on the audit store, and the store must not take one transaction per record: `record` queues
// the entry and returns at once, and entries recorded within a few milliseconds of each other go
// into the store as one append (one transaction, one lock, one fsync). Appends run one after the
// other, so this writer's records keep the order they were recorded in.
//
// A store that fails (disk full, database down) must not break a sync either: the failure is
// logged with the stable code `audit-write-failed`, naming the records lost, and `record` still
// resolves. An entry the store would refuse (an unknown kind, details JSON cannot carry) is
// logged as `audit-entry-invalid` and dropped alone, so it cannot take a batch of good ones with it.
//
// Anchors: a hash chain cannot show that its newest records were cut off (see
// src/core/audit/chain.ts). So every `anchorEvery` records, or every `anchorEveryMs` when
// records arrived since the last anchor, the writer publishes the newest head it appended:
// as a log line with the field `auditAnchor`, and through `publishAnchor` (a Kubernetes Event,
// ./anchors.ts). `moor audit verify` reads both back. A failed publish is logged
// (`audit-anchor-failed`) and tried again at the next occasion.
import { type ChainHead, formatAnchor } from "../core/audit/chain.ts";
import { type AuditEntry, checkEntry } from "../core/audit/record.ts";
import type { Logger } from "../util/log.ts";
import type { AuditStore } from "./store.ts";

/** What code that records needs: the writer, or a stand-in that keeps nothing. */
export interface AuditRecorder {
  /**
   * Queues one entry (already secret-masked); resolves once stored, with the record's `seq` (its
   * id in `moor audit show`), or with undefined once dropped or logged as lost. Never rejects.
   */
  record(entry: AuditEntry): Promise<number | undefined>;
}

/** Keeps nothing: for a controller or server started without an audit store (tests, tools). */
export const NO_AUDIT: AuditRecorder = { record: async () => undefined };

export interface AuditWriterOptions {
  log: Logger;
  /** How long an entry waits for others to share its append; default 5 ms. */
  batchWindowMs?: number;
  /** Entries in one append at most; a full batch is appended at once; default 500. */
  maxBatch?: number;
  /**
   * Entries waiting at most while the store is slow or down; past it new entries are dropped and
   * logged (`audit-queue-full`) rather than filling memory; default 100,000.
   */
  maxQueued?: number;
  /** Publish an anchor after this many records; default 100. */
  anchorEvery?: number;
  /** Publish an anchor this often while records arrive; default 60 s. 0: only by count and on close. */
  anchorEveryMs?: number;
  /** Publishes an anchor outside the database (besides the log line); default: the log only. */
  publishAnchor?: (head: ChainHead) => Promise<void>;
}

interface Queued {
  entry: AuditEntry;
  /** Called once: with the stored record's seq, or undefined when it was lost. */
  done: (seq: number | undefined) => void;
}

export class AuditWriter implements AuditRecorder {
  readonly store: AuditStore;
  readonly #log: Logger;
  readonly #batchWindowMs: number;
  readonly #maxBatch: number;
  readonly #maxQueued: number;
  /** Entries handed to appends that have not finished yet. */
  #inFlight = 0;
  readonly #anchorEvery: number;
  readonly #publishAnchor: ((head: ChainHead) => Promise<void>) | undefined;
  #queue: Queued[] = [];
  #timer: NodeJS.Timeout | null = null;
  #anchorTimer: NodeJS.Timeout | null = null;
  /** The appends and anchor publications under way, one after the other. */
  #tail: Promise<void> = Promise.resolve();
  /** The newest head this writer appended, and whether it was anchored yet. */
  #head: ChainHead | null = null;
  #sinceAnchor = 0;
  #anchored: ChainHead | null = null;
  #closed = false;

  constructor(store: AuditStore, options: AuditWriterOptions) {
    this.store = store;
    this.#log = options.log;
    this.#batchWindowMs = options.batchWindowMs ?? 5;
    this.#maxBatch = options.maxBatch ?? 500;
    this.#maxQueued = options.maxQueued ?? 100_000;
    this.#anchorEvery = options.anchorEvery ?? 100;
    this.#publishAnchor = options.publishAnchor;
    const every = options.anchorEveryMs ?? 60_000;
    if (every > 0) {
      this.#anchorTimer = setInterval(() => {
        this.#tail = this.#tail.then(() => this.#anchor());
      }, every);
      this.#anchorTimer.unref();
    }
  }

  record(entry: AuditEntry): Promise<number | undefined> {
    const problems = checkEntry(entry);
    const full = this.#queue.length + this.#inFlight >= this.#maxQueued;
    if (problems.length > 0 || this.#closed || full) {
      this.#log.error("audit entry dropped", {
        code: this.#closed
          ? "audit-writer-closed"
          : problems.length > 0
            ? "audit-entry-invalid"
            : "audit-queue-full",
        kind: entry.kind,
        time: entry.time,
        ...(problems.length > 0 ? { problems: problems.map((p) => p.message) } : {}),
      });
      return Promise.resolve(undefined);
    }
    return new Promise<number | undefined>((done) => {
      this.#queue.push({ entry, done });
      if (this.#queue.length >= this.#maxBatch) this.#appendNow();
      else if (!this.#timer) {
        this.#timer = setTimeout(() => this.#appendNow(), this.#batchWindowMs);
      }
    });
  }

  /** Appends everything recorded so far and waits for it (and for appends under way). */
  async flush(): Promise<void> {
    if (this.#queue.length > 0) this.#appendNow();
    await this.#tail;
  }

  /** Flushes, publishes a last anchor for what this writer appended, and closes the store. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    if (this.#anchorTimer) clearInterval(this.#anchorTimer);
    await this.#anchor();
    await this.store.close();
  }

  #appendNow(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const batch = this.#queue.splice(0, this.#maxBatch);
    this.#inFlight += batch.length;
    if (this.#queue.length > 0) this.#timer = setTimeout(() => this.#appendNow(), 0);
    this.#tail = this.#tail.then(() => this.#append(batch));
  }

  async #append(batch: Queued[]): Promise<void> {
    let seqs: (number | undefined)[] = [];
    try {
      const records = await this.store.append(batch.map((q) => q.entry));
      seqs = records.map((r) => r.seq);
      const last = records.at(-1);
      if (last) {
        this.#head = { seq: last.seq, hash: last.hash };
        this.#sinceAnchor += records.length;
      }
      if (this.#sinceAnchor >= this.#anchorEvery) await this.#anchor();
    } catch (error) {
      this.#log.error("audit records could not be stored", {
        code: "audit-write-failed",
        error: error instanceof Error ? error.message : String(error),
        lost: batch.map((q) => `${q.entry.time} ${q.entry.kind} ${q.entry.project}`),
      });
    } finally {
      this.#inFlight -= batch.length;
      batch.forEach((q, i) => {
        q.done(seqs[i]);
      });
    }
  }

  /** Publishes the newest head this writer appended, unless it is anchored already. */
  async #anchor(): Promise<void> {
    const head = this.#head;
    if (!head || (this.#anchored && this.#anchored.seq === head.seq)) return;
    this.#log.info("audit anchor", { auditAnchor: formatAnchor(head) });
    try {
      await this.#publishAnchor?.(head);
      this.#anchored = head;
      this.#sinceAnchor = 0;
    } catch (error) {
      this.#log.warn("audit anchor could not be published; trying again at the next one", {
        code: "audit-anchor-failed",
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
