import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { type ChainHead, parseAnchor } from "../core/audit/chain.ts";
import type { AuditEntry } from "../core/audit/record.ts";
import { createLogger } from "../util/log.ts";
import { openSqliteAuditStore } from "./sqlite-store.ts";
import type { AuditStore } from "./store.ts";
import { sampleEntry } from "./store-contract.ts";
import { verifyStore } from "./verify.ts";
import { AuditWriter, type AuditWriterOptions } from "./writer.ts";

let root = "";
let counter = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), "mooring-audit-writer-"));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A real SQLite store whose appends are counted, and a logger whose JSON lines are kept. */
function setup(options: Partial<AuditWriterOptions> = {}) {
  const store = openSqliteAuditStore({ path: join(root, `audit-${++counter}.db`) });
  const appends: number[] = [];
  const append = store.append.bind(store);
  const counted: AuditStore = Object.assign(Object.create(store) as AuditStore, {
    append: (entries: readonly AuditEntry[]) => {
      appends.push(entries.length);
      return append(entries);
    },
    close: () => store.close(),
  });
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const writer = new AuditWriter(counted, {
    log: createLogger({ stream, level: "debug" }),
    anchorEveryMs: 0,
    ...options,
  });
  return { store, writer, appends, lines };
}

describe("audit writer", () => {
  it("puts entries recorded within the batch window into one append, in the order recorded", async () => {
    const { store, writer, appends } = setup({ batchWindowMs: 20 });
    await Promise.all([0, 1, 2, 3, 4].map((i) => writer.record(sampleEntry(i))));
    assert.deepEqual(appends, [5]);
    const details: unknown[] = [];
    for await (const r of store.iterate()) details.push(r.details.i);
    assert.deepEqual(details, [0, 1, 2, 3, 4]);
    await writer.close();
  });

  it("returns to the caller before anything is stored", async () => {
    const { store, writer } = setup({ batchWindowMs: 50 });
    const stored = writer.record(sampleEntry(0));
    assert.equal((await store.head()).seq, 0, "nothing appended while the window is open");
    await stored;
    assert.equal((await store.head()).seq, 1);
    await writer.close();
  });

  it("appends a full batch at once without waiting for the window", async () => {
    const { writer, appends } = setup({ batchWindowMs: 60_000, maxBatch: 3 });
    await Promise.all([0, 1, 2, 3, 4, 5].map((i) => writer.record(sampleEntry(i))));
    assert.deepEqual(appends, [3, 3]);
    await writer.close();
  });

  it("flush stores what was recorded and keeps one valid chain across batches", async () => {
    const { store, writer, appends } = setup({ batchWindowMs: 60_000 });
    void writer.record(sampleEntry(0));
    void writer.record(sampleEntry(1));
    await writer.flush();
    void writer.record(sampleEntry(2));
    await writer.flush();
    assert.deepEqual(appends, [2, 1]);
    const result = await verifyStore(store);
    assert.equal(result.ok && result.count, 3);
    await writer.close();
  });

  it("drops an entry the store would refuse alone, logging audit-entry-invalid, and stores the others", async () => {
    const { store, writer, lines } = setup();
    const bad = { ...sampleEntry(1), kind: "deploy" } as unknown as AuditEntry;
    const seqs = await Promise.all([
      writer.record(sampleEntry(0)),
      writer.record(bad),
      writer.record(sampleEntry(2)),
    ]);
    assert.deepEqual(seqs, [1, undefined, 2], "each caller learns its record's seq; the dropped one none");
    assert.equal((await store.head()).seq, 2);
    const logged = lines.find((l) => l.code === "audit-entry-invalid");
    assert.ok(logged, JSON.stringify(lines));
    assert.match(String(logged.problems), /kind "deploy"/);
    await writer.close();
  });

  it("never throws into the caller when the store fails: it logs audit-write-failed naming what was lost", async () => {
    const { store, writer, lines } = setup();
    await store.close();
    assert.equal(await writer.record({ ...sampleEntry(3), project: "team-a" }), undefined);
    const logged = lines.find((l) => l.code === "audit-write-failed");
    assert.ok(logged, JSON.stringify(lines));
    assert.match(String(logged.error), /closed/);
    assert.deepEqual(logged.lost, [`${sampleEntry(3).time} ${sampleEntry(3).kind} team-a`]);
  });

  it("drops entries past maxQueued while earlier ones wait, logging audit-queue-full", async () => {
    const { store, writer, lines } = setup({ batchWindowMs: 20, maxQueued: 2 });
    await Promise.all([0, 1, 2].map((i) => writer.record(sampleEntry(i))));
    assert.equal((await store.head()).seq, 2);
    assert.ok(lines.some((l) => l.code === "audit-queue-full" && l.time === sampleEntry(2).time));
    await writer.record(sampleEntry(3));
    assert.equal((await store.head()).seq, 3, "room again once the queue is stored");
    await writer.close();
  });

  it("publishes an anchor every N records, in the log and through publishAnchor", async () => {
    const published: ChainHead[] = [];
    const { store, writer, lines } = setup({
      anchorEvery: 3,
      publishAnchor: async (head) => {
        published.push(head);
      },
    });
    for (let i = 0; i < 7; i++) await writer.record(sampleEntry(i));
    assert.deepEqual(
      published.map((h) => h.seq),
      [3, 6],
    );
    const atSix = await store.get(6);
    assert.equal(published[1]?.hash, atSix?.hash);
    const logged = lines.filter((l) => l.auditAnchor).map((l) => parseAnchor(String(l.auditAnchor)));
    assert.deepEqual(logged, published);
    await writer.close();
    assert.deepEqual(
      published.map((h) => h.seq),
      [3, 6, 7],
      "closing anchors the last record",
    );
  });

  it("publishes an anchor on a timer while records arrive, and none when nothing changed", async () => {
    const published: number[] = [];
    const { writer } = setup({
      anchorEvery: 1000,
      anchorEveryMs: 30,
      publishAnchor: async (head) => {
        published.push(head.seq);
      },
    });
    await writer.record(sampleEntry(0));
    await new Promise((resolve) => setTimeout(resolve, 120));
    assert.deepEqual(published, [1]);
    await writer.close();
    assert.deepEqual(published, [1]);
  });

  it("logs a failed anchor publication as audit-anchor-failed and tries again at the next one", async () => {
    let fail = true;
    const published: number[] = [];
    const { writer, lines } = setup({
      anchorEvery: 2,
      publishAnchor: async (head) => {
        if (fail) throw new Error("events are forbidden");
        published.push(head.seq);
      },
    });
    for (let i = 0; i < 2; i++) await writer.record(sampleEntry(i));
    assert.ok(lines.some((l) => l.code === "audit-anchor-failed" && /forbidden/.test(String(l.error))));
    fail = false;
    await writer.record(sampleEntry(2));
    assert.deepEqual(published, [3]);
    await writer.close();
  });
});
