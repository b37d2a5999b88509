import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import {
  type Anchor,
  type ChainProblemCode,
  EMPTY_HEAD,
  finishVerify,
  formatAnchor,
  GENESIS_HASH,
  parseAnchor,
  recordHash,
  seal,
  startVerify,
  verify,
  verifyStep,
} from "./chain.ts";
import type { AuditEntry, AuditRecord } from "./record.ts";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function entry(i: number): AuditEntry {
  return {
    time: `2026-12-02T13:00:${String(i % 60).padStart(2, "0")}.000Z`,
    kind: i % 2 ? "sync" : "api-allowed",
    actor: { type: "user", name: `user-${i % 3}`, address: "203.0.113.7" },
    project: i % 2 ? "team-a" : "team-b",
    object: { group: "mooring.dev", kind: "Application", namespace: "mooring", name: `app-${i}` },
    details: { n: i },
  };
}

function chain(length: number): AuditRecord[] {
  return seal(
    Array.from({ length }, (_, i) => entry(i + 1)),
    EMPTY_HEAD,
    sha256,
  );
}

const at = (records: AuditRecord[], seq: number) => records.find((r) => r.seq === seq) as AuditRecord;
/** Re-seals one record in place, as someone who knows the scheme would after editing it. */
const rehash = (r: AuditRecord): AuditRecord => ({ ...r, hash: recordHash(r, sha256) });

describe("seal", () => {
  it("numbers records from 1 and links each to the one before, the first to the genesis hash", () => {
    const records = chain(3);
    assert.deepEqual(
      records.map((r) => r.seq),
      [1, 2, 3],
    );
    assert.equal(records[0]?.prevHash, GENESIS_HASH);
    assert.equal(records[1]?.prevHash, records[0]?.hash);
    assert.equal(records[2]?.prevHash, records[1]?.hash);
    for (const r of records) assert.match(r.hash, /^[0-9a-f]{64}$/);
  });

  it("continues from a head, so batches appended one after another form one chain", () => {
    const whole = chain(4);
    const first = seal([entry(1), entry(2)], EMPTY_HEAD, sha256);
    const last = first.at(-1) as AuditRecord;
    const second = seal([entry(3), entry(4)], { seq: last.seq, hash: last.hash }, sha256);
    assert.deepEqual([...first, ...second], whole);
  });

  it("hashes the same whatever order the caller wrote the keys in", () => {
    const e = entry(1);
    const shuffled = {
      details: { n: 1 },
      object: e.object,
      project: e.project,
      actor: { address: "203.0.113.7", name: "user-1", type: "user" },
      kind: e.kind,
      time: e.time,
    } as AuditEntry;
    assert.equal(seal([shuffled], EMPTY_HEAD, sha256)[0]?.hash, seal([e], EMPTY_HEAD, sha256)[0]?.hash);
  });

  it("hashes what the scheme says: SHA-256 of prevHash and the canonical record without its hash", () => {
    const e: AuditEntry = {
      time: "2026-12-02T13:00:00.000Z",
      kind: "login",
      actor: { type: "user", name: "alice" },
      project: "",
      details: {},
    };
    const [r] = seal([e], EMPTY_HEAD, sha256);
    const text = `${GENESIS_HASH}{"actor":{"name":"alice","type":"user"},"details":{},"kind":"login","prevHash":"${GENESIS_HASH}","project":"","seq":1,"time":"2026-12-02T13:00:00.000Z"}`;
    assert.equal(r?.hash, sha256(text));
  });

  it("ignores members that are not part of an entry", () => {
    const plain = seal([entry(1)], EMPTY_HEAD, sha256)[0];
    const extra = seal([{ ...entry(1), note: "x" } as AuditEntry], EMPTY_HEAD, sha256)[0];
    assert.equal(extra?.hash, plain?.hash);
  });
});

describe("verify", () => {
  it("passes an intact chain and reports its head", () => {
    const records = chain(10);
    assert.deepEqual(verify(records, [], sha256), {
      ok: true,
      count: 10,
      head: { seq: 10, hash: records[9]?.hash },
      anchorsChecked: 0,
    });
  });

  it("passes an empty chain", () => {
    assert.deepEqual(verify([], [], sha256), { ok: true, count: 0, head: EMPTY_HEAD, anchorsChecked: 0 });
  });

  it("passes a chain that still holds every anchor, given in any order", () => {
    const records = chain(10);
    const anchors = [3, 10, 7].map((seq) => ({ seq, hash: at(records, seq).hash }));
    const result = verify(records, anchors, sha256);
    assert.equal(result.ok, true);
    assert.equal(result.ok && result.anchorsChecked, 3);
  });

  type Tamper = (records: AuditRecord[]) => { records: AuditRecord[]; anchors?: Anchor[] };
  const cases: [string, Tamper, ChainProblemCode, number, RegExp][] = [
    [
      "an edited detail",
      (rs) => ({ records: rs.map((r) => (r.seq === 5 ? { ...r, details: { n: 500 } } : r)) }),
      "edited",
      5,
      /record 5 was edited/,
    ],
    [
      "an edited actor",
      (rs) => ({
        records: rs.map((r) => (r.seq === 1 ? { ...r, actor: { ...r.actor, name: "mallory" } } : r)),
      }),
      "edited",
      1,
      /record 1 was edited/,
    ],
    [
      "an edited time",
      (rs) => ({ records: rs.map((r) => (r.seq === 10 ? { ...r, time: "2020-01-01T00:00:00.000Z" } : r)) }),
      "edited",
      10,
      /record 10 was edited/,
    ],
    [
      "an edited hash",
      (rs) => ({ records: rs.map((r) => (r.seq === 4 ? { ...r, hash: "f".repeat(64) } : r)) }),
      "edited",
      4,
      /record 4 was edited/,
    ],
    [
      "an edited record whose hash was recomputed",
      (rs) => ({ records: rs.map((r) => (r.seq === 5 ? rehash({ ...r, details: { n: 500 } }) : r)) }),
      "unlinked",
      6,
      /record 6 does not follow record 5: record 5 was rewritten/,
    ],
    [
      "a deleted record",
      (rs) => ({ records: rs.filter((r) => r.seq !== 5) }),
      "deleted",
      5,
      /^record 5 is missing$/,
    ],
    [
      "two deleted records",
      (rs) => ({ records: rs.filter((r) => r.seq !== 5 && r.seq !== 6) }),
      "deleted",
      5,
      /^records 5 to 6 are missing$/,
    ],
    ["a deleted first record", (rs) => ({ records: rs.slice(1) }), "deleted", 1, /^record 1 is missing$/],
    [
      "a deleted record with the rest renumbered",
      (rs) => ({
        records: rs.filter((r) => r.seq !== 5).map((r) => (r.seq > 5 ? { ...r, seq: r.seq - 1 } : r)),
      }),
      "deleted",
      5,
      /record 5 was deleted and the records after it renumbered/,
    ],
    [
      "a deleted last record renumbered into nothing",
      (rs) => ({ records: rs.filter((r) => r.seq !== 9).map((r) => (r.seq === 10 ? { ...r, seq: 9 } : r)) }),
      "deleted",
      9,
      /record 9 was deleted/,
    ],
    [
      "an inserted record with the rest moved up",
      (rs) => {
        const [intruder] = seal([entry(99)], { seq: 4, hash: at(rs, 4).hash }, sha256);
        const moved = rs.map((r) => (r.seq >= 5 ? { ...r, seq: r.seq + 1 } : r));
        return { records: [...moved, intruder as AuditRecord].sort((a, b) => a.seq - b.seq) };
      },
      "inserted",
      5,
      /record 5 was inserted: record 6 was written as record 5/,
    ],
    [
      "an inserted record with the rest moved up and re-hashed",
      (rs) => {
        const [intruder] = seal([entry(99)], { seq: 4, hash: at(rs, 4).hash }, sha256);
        const moved = rs.map((r) => (r.seq >= 5 ? rehash({ ...r, seq: r.seq + 1 }) : r));
        return { records: [...moved, intruder as AuditRecord].sort((a, b) => a.seq - b.seq) };
      },
      "inserted",
      5,
      /record 5 was inserted: it and record 6 both follow record 4/,
    ],
    [
      "an inserted record at the start",
      (rs) => {
        const [intruder] = seal([entry(99)], EMPTY_HEAD, sha256);
        const moved = rs.map((r) => rehash({ ...r, seq: r.seq + 1 }));
        return { records: [intruder as AuditRecord, ...moved] };
      },
      "inserted",
      1,
      /record 1 was inserted: it and record 2 both start the chain/,
    ],
    [
      "a duplicated seq in an export",
      (rs) => ({ records: [...rs.slice(0, 5), rs[4] as AuditRecord, ...rs.slice(5)] }),
      "inserted",
      5,
      /record 5 appears twice/,
    ],
    [
      "two records that traded places, each keeping the other's seq",
      (rs) => {
        const [a, b] = [at(rs, 5), at(rs, 6)];
        return {
          records: rs.map((r) => (r.seq === 5 ? { ...b, seq: 5 } : r.seq === 6 ? { ...a, seq: 6 } : r)),
        };
      },
      "reordered",
      5,
      /records 5 and 6 traded places/,
    ],
    [
      "two lines swapped in an export",
      (rs) => ({ records: [...rs.slice(0, 4), rs[5], rs[4], ...rs.slice(6)] as AuditRecord[] }),
      "reordered",
      6,
      /record 6 comes before record 5/,
    ],
    [
      "a record moved far back in an export",
      (rs) => ({ records: [...rs.slice(0, 2), ...rs.slice(3, 6), rs[2], ...rs.slice(6)] as AuditRecord[] }),
      "deleted",
      3,
      /record 3 is missing/,
    ],
    [
      "a first record that does not start from genesis",
      (rs) => ({ records: rs.map((r) => (r.seq === 1 ? rehash({ ...r, prevHash: "a".repeat(64) }) : r)) }),
      "unlinked",
      1,
      /record 1 does not start the chain/,
    ],
    [
      "newest records cut off before an anchor",
      (rs) => ({ records: rs.slice(0, 7), anchors: [{ seq: 9, hash: at(rs, 9).hash }] }),
      "truncated",
      9,
      /the chain ends at record 7 but record 9 was anchored/,
    ],
    [
      "every record cut off after an anchor",
      (rs) => ({ records: [], anchors: [{ seq: 1, hash: at(rs, 1).hash }] }),
      "truncated",
      1,
      /ends at record 0/,
    ],
    [
      "a chain re-sealed from a deleted record on, caught by an anchor",
      (rs) => {
        const kept = rs.filter((r) => r.seq < 5);
        const rest = seal(
          rs.filter((r) => r.seq > 5),
          { seq: 4, hash: at(rs, 4).hash },
          sha256,
        );
        return { records: [...kept, ...rest], anchors: [{ seq: 8, hash: at(rs, 8).hash }] };
      },
      "anchor-mismatch",
      8,
      /record 8 has another hash than the one anchored/,
    ],
  ];
  for (const [name, tamper, code, seq, message] of cases)
    it(`names the first bad record after ${name}`, () => {
      const { records, anchors = [] } = tamper(chain(10));
      const result = verify(records, anchors, sha256);
      assert.equal(result.ok, false, JSON.stringify(result));
      if (result.ok) return;
      assert.equal(result.problem.code, code, result.problem.message);
      assert.equal(result.problem.seq, seq, result.problem.message);
      assert.match(result.problem.message, message);
    });

  it("stops reading at the first problem", () => {
    const records = chain(10).map((r) => (r.seq === 3 ? { ...r, details: {} } : r));
    let read = 0;
    function* counted() {
      for (const r of records) {
        read += 1;
        yield r;
      }
    }
    assert.equal(verify(counted(), [], sha256).ok, false);
    assert.equal(read, 3);
  });

  it("folds record by record with the same result as verify", () => {
    const records = chain(6);
    const state = startVerify([{ seq: 6, hash: at(records, 6).hash }], sha256);
    for (const r of records) verifyStep(state, r);
    assert.deepEqual(finishVerify(state), verify(records, [{ seq: 6, hash: at(records, 6).hash }], sha256));
  });

  it("keeps constant state while it folds: the previous record only", () => {
    const state = startVerify([], sha256);
    for (const r of chain(50)) verifyStep(state, r);
    assert.deepEqual(Object.keys(state.last), ["seq", "hash", "prevHash"]);
    assert.equal(state.count, 50);
  });
});

describe("anchors as text", () => {
  it("reads back the head it wrote", () => {
    const head = { seq: 1234, hash: "ab".repeat(32) };
    assert.equal(formatAnchor(head), `mooring-audit-head seq=1234 hash=${"ab".repeat(32)}`);
    assert.deepEqual(parseAnchor(`  ${formatAnchor(head)}\n`), head);
  });
  const notAnchors = [
    "",
    "mooring-audit-head seq=12",
    `mooring-audit-head seq=-1 hash=${"a".repeat(64)}`,
    `mooring-audit-head seq=1 hash=${"A".repeat(64)}`,
    `mooring-audit-head seq=1 hash=${"a".repeat(63)}`,
    `synced app web; mooring-audit-head seq=1 hash=${"a".repeat(64)}`,
  ];
  for (const text of notAnchors)
    it(`reads no anchor from ${JSON.stringify(text.slice(0, 40))}`, () =>
      assert.equal(parseAnchor(text), undefined));
});
