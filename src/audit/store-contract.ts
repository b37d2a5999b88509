// The one test suite every audit store passes (SQLite now, PostgreSQL later): what `append`,
// `head`, `get`, `list` and `iterate` promise, whatever keeps the records. An implementation's
// test file calls `auditStoreContract` with a factory that makes a fresh, empty store.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EMPTY_HEAD, GENESIS_HASH } from "../core/audit/chain.ts";
import type { AuditEntry, AuditKind, AuditRecord } from "../core/audit/record.ts";
import { type AuditQuery, type AuditStore, AuditStoreError } from "./store.ts";
import { verifyStore } from "./verify.ts";

export interface StoreFixture {
  /** A new connection to this fixture's store (each call its own, as another process would have). */
  open(): Promise<AuditStore>;
  /** Removes the store (files, database). */
  cleanup(): Promise<void>;
}

/** Makes a fresh, empty store for one test. */
export type StoreFactory = () => Promise<StoreFixture>;

const PROJECTS = ["team-a", "team-b", ""] as const;
const KINDS: readonly AuditKind[] = ["sync", "api-denied", "login", "drift-healed"];
const ACTORS = ["alice", "bob", "mooring-0"] as const;

/** A varied, deterministic entry: the i-th of a test's history, one second after the one before. */
export function sampleEntry(i: number): AuditEntry {
  const actorName = ACTORS[i % ACTORS.length] as string;
  const entry: AuditEntry = {
    time: new Date(Date.UTC(2026, 11, 2, 12, 0, 0) + i * 1000).toISOString(),
    kind: KINDS[i % KINDS.length] as AuditKind,
    actor:
      actorName === "mooring-0"
        ? { type: "controller", name: actorName }
        : { type: "user", name: actorName, address: `203.0.113.${i % 250}` },
    project: PROJECTS[i % PROJECTS.length] as string,
    details: {
      i,
      revision: `${i}`.padStart(40, "0"),
      note: "ünïcødé ✓",
      nested: { list: [1, 0.5, null, true] },
    },
  };
  if (i % 5 !== 0)
    entry.object = { group: "mooring.dev", kind: "Application", namespace: "mooring", name: `app-${i}` };
  return entry;
}

const entries = (from: number, count: number) =>
  Array.from({ length: count }, (_, k) => sampleEntry(from + k));

async function collect(iterable: AsyncIterable<AuditRecord>): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const r of iterable) out.push(r);
  return out;
}

/** Every page of a query, following cursors. */
async function allPages(
  store: AuditStore,
  query: AuditQuery,
): Promise<{ pages: number; records: AuditRecord[] }> {
  const records: AuditRecord[] = [];
  let pages = 0;
  let cursor: string | undefined;
  do {
    const page = await store.list({ ...query, ...(cursor ? { cursor } : {}) });
    pages += 1;
    records.push(...page.records);
    cursor = page.nextCursor;
  } while (cursor && pages < 10_000);
  return { pages, records };
}

export function auditStoreContract(name: string, factory: StoreFactory): void {
  /** Runs a test body with a fresh store, closing and removing it afterwards. */
  async function withStore(body: (store: AuditStore, fixture: StoreFixture) => Promise<void>): Promise<void> {
    const fixture = await factory();
    const store = await fixture.open();
    try {
      await body(store, fixture);
    } finally {
      await store.close();
      await fixture.cleanup();
    }
  }

  describe(`audit store contract: ${name}`, () => {
    it("starts empty", () =>
      withStore(async (store) => {
        assert.deepEqual(await store.head(), EMPTY_HEAD);
        assert.deepEqual(await store.list(), { records: [] });
        assert.deepEqual(await collect(store.iterate()), []);
        assert.equal(await store.get(1), undefined);
        assert.deepEqual(await verifyStore(store), {
          ok: true,
          count: 0,
          head: EMPTY_HEAD,
          anchorsChecked: 0,
        });
      }));

    it("appends entries as records numbered from 1, linked from the genesis hash", () =>
      withStore(async (store) => {
        const records = await store.append(entries(0, 3));
        assert.deepEqual(
          records.map((r) => r.seq),
          [1, 2, 3],
        );
        assert.equal(records[0]?.prevHash, GENESIS_HASH);
        assert.equal(records[1]?.prevHash, records[0]?.hash);
        assert.deepEqual(await store.head(), { seq: 3, hash: records[2]?.hash });
      }));

    it("gives back exactly what it stored: absent object and address stay absent, details stay as given", () =>
      withStore(async (store) => {
        const appended = await store.append(entries(0, 6));
        for (const r of appended) assert.deepEqual(await store.get(r.seq), r);
        assert.deepEqual(await collect(store.iterate()), appended);
        const bare = await store.get(1);
        assert.equal(bare && "object" in bare, false, "entry 0 has no object");
        const controller = await store.get(3);
        assert.equal(controller && "address" in controller.actor, false, "the controller has no address");
      }));

    it("continues one chain across batches, connections and reopening", () =>
      withStore(async (store, fixture) => {
        await store.append(entries(0, 4));
        const other = await fixture.open();
        await other.append(entries(4, 3));
        await store.append(entries(7, 1));
        await other.close();
        const reopened = await fixture.open();
        await reopened.append(entries(8, 2));
        await reopened.close();
        const result = await verifyStore(store);
        assert.equal(result.ok, true, JSON.stringify(result));
        assert.equal(result.count, 10);
      }));

    it("keeps the chain linear when connections append at the same time", () =>
      withStore(async (store, fixture) => {
        const others = [await fixture.open(), await fixture.open()];
        const writers = [store, ...others];
        await Promise.all(
          writers.map(async (w, n) => {
            for (let batch = 0; batch < 10; batch++) await w.append(entries(1000 * n + batch * 3, 3));
          }),
        );
        for (const o of others) await o.close();
        const records = await collect(store.iterate());
        assert.deepEqual(
          records.map((r) => r.seq),
          Array.from({ length: 90 }, (_, k) => k + 1),
        );
        assert.equal(new Set(records.map((r) => r.prevHash)).size, 90, "no two records share a predecessor");
        const result = await verifyStore(store);
        assert.equal(result.ok, true, JSON.stringify(result));
      }));

    it("appends nothing for no entries", () =>
      withStore(async (store) => {
        await store.append(entries(0, 2));
        const head = await store.head();
        assert.deepEqual(await store.append([]), []);
        assert.deepEqual(await store.head(), head);
      }));

    it("refuses a batch with one bad entry whole, naming it", () =>
      withStore(async (store) => {
        const bad = { ...sampleEntry(1), kind: "deploy" } as unknown as AuditEntry;
        await assert.rejects(
          store.append([sampleEntry(0), bad]),
          (error: AuditStoreError) =>
            error instanceof AuditStoreError &&
            error.code === "invalid-audit-entry" &&
            /audit entry deploy at 2026-12-02T12:00:01.000Z: kind "deploy"/.test(error.message) &&
            /nothing was appended/.test(error.message),
        );
        assert.deepEqual(await store.head(), EMPTY_HEAD);
      }));

    it("lists newest first by default and oldest first when asked", () =>
      withStore(async (store) => {
        await store.append(entries(0, 5));
        assert.deepEqual(
          (await store.list()).records.map((r) => r.seq),
          [5, 4, 3, 2, 1],
        );
        assert.deepEqual(
          (await store.list({ order: "asc" })).records.map((r) => r.seq),
          [1, 2, 3, 4, 5],
        );
      }));

    const filters: [string, AuditQuery, (e: AuditEntry) => boolean][] = [
      ["project", { project: "team-a" }, (e) => e.project === "team-a"],
      ["records without a project", { project: "" }, (e) => e.project === ""],
      ["actor", { actor: "bob" }, (e) => e.actor.name === "bob"],
      ["one kind", { kind: "api-denied" }, (e) => e.kind === "api-denied"],
      ["several kinds", { kind: ["login", "sync"] }, (e) => e.kind === "login" || e.kind === "sync"],
      ["no kinds at all", { kind: [] }, () => false],
      [
        "a time range, start included and end excluded",
        { since: sampleEntry(10).time, until: sampleEntry(20).time },
        (e) => e.time >= sampleEntry(10).time && e.time < sampleEntry(20).time,
      ],
      [
        "project, actor and time together",
        { project: "team-b", actor: "alice", since: sampleEntry(5).time },
        (e) => e.project === "team-b" && e.actor.name === "alice" && e.time >= sampleEntry(5).time,
      ],
    ];
    for (const [what, query, matches] of filters)
      it(`filters by ${what}, across pages`, () =>
        withStore(async (store) => {
          const all = await store.append(entries(0, 60));
          const expected = all.filter(matches).reverse();
          const { records } = await allPages(store, { ...query, limit: 4 });
          assert.deepEqual(
            records.map((r) => r.seq),
            expected.map((r) => r.seq),
          );
        }));

    it("pages through every record once, in order, with a cursor after each full page", () =>
      withStore(async (store) => {
        await store.append(entries(0, 10));
        const desc = await allPages(store, { limit: 3 });
        assert.equal(desc.pages, 4);
        assert.deepEqual(
          desc.records.map((r) => r.seq),
          [10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
        );
        const asc = await allPages(store, { limit: 5, order: "asc" });
        assert.equal(asc.pages, 2, "a last page that is exactly full has no cursor");
        assert.deepEqual(
          asc.records.map((r) => r.seq),
          [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        );
      }));

    it("keeps a page stable while newer records are appended", () =>
      withStore(async (store) => {
        await store.append(entries(0, 6));
        const first = await store.list({ limit: 3 });
        await store.append(entries(6, 4));
        const second = await store.list({ limit: 3, cursor: first.nextCursor as string });
        assert.deepEqual(
          second.records.map((r) => r.seq),
          [3, 2, 1],
        );
      }));

    const badQueries: [string, AuditQuery, RegExp][] = [
      [
        "a cursor it never gave out",
        { cursor: "bm9wZQ" },
        /audit cursor "bm9wZQ" is not one this server gave out/,
      ],
      ["a page size of 0", { limit: 0 }, /audit page size 0 must be between 1 and 1000/],
      ["a page size over the maximum", { limit: 5000 }, /audit page size 5000/],
      [
        "a time without a zone",
        { since: "2026-12-02T13:00" },
        /audit query since "2026-12-02T13:00" must be a UTC time/,
      ],
      [
        "an unknown kind",
        { kind: ["sync", "deploy" as AuditKind] },
        /audit query kind "deploy" is not one of/,
      ],
    ];
    for (const [what, query, message] of badQueries)
      it(`refuses ${what}`, () =>
        withStore(async (store) => {
          await assert.rejects(
            store.list(query),
            (error: AuditStoreError) =>
              error instanceof AuditStoreError &&
              error.code === "invalid-audit-query" &&
              message.test(error.message),
          );
        }));

    it("iterates from a given seq, in seq order, across its internal pages", () =>
      withStore(async (store) => {
        await store.append(entries(0, 2500));
        const records = await collect(store.iterate(1200));
        assert.equal(records.length, 1301);
        assert.equal(records[0]?.seq, 1200);
        assert.ok(records.every((r, k) => r.seq === 1200 + k));
      }));

    it("refuses to work once closed", () =>
      withStore(async (_store, fixture) => {
        const other = await fixture.open();
        await other.close();
        await assert.rejects(
          other.append([sampleEntry(0)]),
          (error: AuditStoreError) => error instanceof AuditStoreError && error.code === "audit-store-closed",
        );
      }));
  });
}
