// The audit hash chain. Each record holds the hash of the one before it, so editing, removing,
// inserting or moving any record breaks a link that `verify` finds and names. The first record
// links to GENESIS_HASH. A record's hash is SHA-256 over the previous hash followed by the
// canonical JSON of the record without its own hash (its seq and prevHash included, so a record
// moved to another place no longer matches its hash).
//
// A chain alone cannot show that its newest records were cut off: what is left is still a valid
// chain. So the head (seq and hash) is also published outside the database at intervals, for
// example in a Kubernetes Event and the controller log; those are the anchors. A chain that ends
// before an anchor's seq, or whose record at that seq has another hash, has been truncated or
// rewritten since the anchor was published.
//
// Verification is a fold over the records in seq order with O(1) state (the previous record and
// at most one suspicion waiting for the next record to settle it), so a million records stream
// through without being held in memory. It stops at the first bad record and says why.
//
// The hash function is passed in: the core has no crypto (the adapter passes node:crypto's SHA-256).
import { type AuditEntry, type AuditRecord, canonicalJson, entryOf } from "./record.ts";

/** Lower-case hex SHA-256 of a UTF-8 text. */
export type Sha256 = (text: string) => string;

export const GENESIS_HASH = "0".repeat(64);

/** The newest record's place; `{ seq: 0, hash: GENESIS_HASH }` for an empty chain. */
export interface ChainHead {
  seq: number;
  hash: string;
}

export const EMPTY_HEAD: ChainHead = { seq: 0, hash: GENESIS_HASH };

/** A head published outside the database (Kubernetes Event, log line): the chain must still contain it. */
export type Anchor = ChainHead;

const ANCHOR_TEXT = /^mooring-audit-head seq=(\d{1,15}) hash=([0-9a-f]{64})$/;

/**
 * An anchor as one line of text, for a Kubernetes Event message or a log field:
 * `mooring-audit-head seq=12 hash=<64 hex>`. parseAnchor reads it back when verifying.
 */
export function formatAnchor(head: ChainHead): string {
  return `mooring-audit-head seq=${head.seq} hash=${head.hash}`;
}

/** The anchor a line written by formatAnchor holds, or undefined when the text is not one. */
export function parseAnchor(text: string): Anchor | undefined {
  const match = ANCHOR_TEXT.exec(text.trim());
  return match ? { seq: Number(match[1]), hash: match[2] as string } : undefined;
}

/** The hash a record must carry, computed from everything else in it. */
export function recordHash(record: Omit<AuditRecord, "hash">, sha256: Sha256): string {
  const { seq, prevHash } = record;
  return sha256(prevHash + canonicalJson({ ...entryOf(record), seq, prevHash }));
}

/** Entries placed after `head`, each linked to the one before: what a store appends in one transaction. */
export function seal(entries: readonly AuditEntry[], head: ChainHead, sha256: Sha256): AuditRecord[] {
  const records: AuditRecord[] = [];
  let { seq, hash } = head;
  for (const entry of entries) {
    seq += 1;
    const unsealed = { ...entryOf(entry), seq, prevHash: hash };
    hash = recordHash(unsealed, sha256);
    records.push({ ...unsealed, hash });
  }
  return records;
}

/**
 * Why verification stopped. `seq` names the first bad record (for `deleted`, the first missing
 * seq; for `truncated`, the anchor's seq the chain no longer reaches).
 * - edited: the record's content does not match its hash.
 * - deleted: records are missing (a gap in seq, or the rest renumbered after a removal).
 * - inserted: a record was added inside the chain (the records after it moved up one place,
 *   or two records link to the same predecessor).
 * - reordered: records are out of their place (seq goes back, or two records traded places).
 * - unlinked: the record does not link to the one before it, which was rewritten with its hash
 *   recomputed, or records between them were taken out and the rest re-hashed.
 * - anchor-mismatch: the record at an anchor's seq has another hash than the one published.
 * - truncated: the chain ends before an anchor's seq.
 */
export const CHAIN_PROBLEMS = [
  "edited",
  "deleted",
  "inserted",
  "reordered",
  "unlinked",
  "anchor-mismatch",
  "truncated",
] as const;
export type ChainProblemCode = (typeof CHAIN_PROBLEMS)[number];

export interface ChainProblem {
  code: ChainProblemCode;
  seq: number;
  message: string;
}

export type VerifyResult =
  | { ok: true; count: number; head: ChainHead; anchorsChecked: number }
  | { ok: false; count: number; problem: ChainProblem };

/** What a suspicion waits for: the next record tells a swap from a removal. */
type Pending =
  | { kind: "gap"; missing: number; seen: number } // seq jumped from `missing` to `seen`
  | { kind: "shifted-down"; seq: number }; // record at seq hashes as seq+1

/** The fold's state. Opaque to callers: make it with startVerify, feed it with verifyStep. */
export interface VerifyState {
  readonly sha256: Sha256;
  readonly anchors: readonly Anchor[];
  nextAnchor: number;
  count: number;
  last: { seq: number; hash: string; prevHash: string };
  pending: Pending | null;
  problem: ChainProblem | null;
}

/** A fresh fold. Anchors may come in any order; duplicates are fine. */
export function startVerify(anchors: readonly Anchor[], sha256: Sha256): VerifyState {
  return {
    sha256,
    anchors: [...anchors].sort((a, b) => a.seq - b.seq),
    nextAnchor: 0,
    count: 0,
    last: { seq: 0, hash: GENESIS_HASH, prevHash: "" },
    pending: null,
    problem: null,
  };
}

const fail = (state: VerifyState, code: ChainProblemCode, seq: number, message: string): VerifyState => {
  state.problem = { code, seq, message };
  return state;
};

/** Feeds one record (in the order the store keeps them) to the fold. Does nothing once a problem is found. */
export function verifyStep(state: VerifyState, record: AuditRecord): VerifyState {
  if (state.problem) return state;
  const { last, sha256 } = state;
  const s = record.seq;

  if (state.pending) return settle(state, state.pending, record);

  if (!Number.isSafeInteger(s) || s < 1) return fail(state, "edited", s, `record ${s} has no valid seq`);
  if (s <= last.seq) {
    return s === last.seq
      ? fail(state, "inserted", s, `record ${s} appears twice`)
      : fail(state, "reordered", s, `record ${s} comes after record ${last.seq}`);
  }
  if (s > last.seq + 1) {
    state.pending = { kind: "gap", missing: last.seq + 1, seen: s };
    return state;
  }
  const own = recordHash(record, sha256);
  if (own !== record.hash) {
    if (s > 1 && recordHash({ ...record, seq: s - 1 }, sha256) === record.hash)
      return fail(
        state,
        "inserted",
        s - 1,
        `record ${s - 1} was inserted: record ${s} was written as record ${s - 1} and moved up one place`,
      );
    if (recordHash({ ...record, seq: s + 1 }, sha256) === record.hash) {
      state.pending = { kind: "shifted-down", seq: s };
      return state;
    }
    return fail(state, "edited", s, `record ${s} was edited: its content does not match its hash`);
  }
  if (record.prevHash !== last.hash) {
    if (s > 1 && record.prevHash === last.prevHash)
      return fail(
        state,
        "inserted",
        s - 1,
        `record ${s - 1} was inserted: it and record ${s} both ${s === 2 ? "start the chain" : `follow record ${s - 2}`}`,
      );
    return fail(
      state,
      "unlinked",
      s,
      s === 1
        ? "record 1 does not start the chain"
        : `record ${s} does not follow record ${s - 1}: record ${s - 1} was rewritten or records between them were removed`,
    );
  }
  return accept(state, record);
}

function accept(state: VerifyState, record: AuditRecord): VerifyState {
  const { anchors } = state;
  while (state.nextAnchor < anchors.length) {
    const anchor = anchors[state.nextAnchor] as Anchor;
    if (anchor.seq > record.seq) break;
    if (anchor.seq === record.seq && anchor.hash !== record.hash)
      return fail(
        state,
        "anchor-mismatch",
        record.seq,
        `record ${record.seq} has another hash than the one anchored for it: the chain was rewritten at or before it`,
      );
    // An anchor below record.seq that was never met fell into a gap, which is reported as such.
    state.nextAnchor += 1;
  }
  state.count += 1;
  state.last = { seq: record.seq, hash: record.hash, prevHash: record.prevHash };
  return state;
}

/** Settles a suspicion with the record that follows it (or with the end of the chain: `next` undefined). */
function settle(state: VerifyState, pending: Pending, next: AuditRecord | undefined): VerifyState {
  state.pending = null;
  if (pending.kind === "gap") {
    if (next && next.seq === pending.missing)
      return fail(
        state,
        "reordered",
        pending.seen,
        `record ${pending.seen} comes before record ${pending.missing}`,
      );
    const range =
      pending.seen - pending.missing === 1
        ? `record ${pending.missing} is`
        : `records ${pending.missing} to ${pending.seen - 1} are`;
    return fail(state, "deleted", pending.missing, `${range} missing`);
  }
  const s = pending.seq;
  if (next && next.seq === s + 1 && recordHash({ ...next, seq: s }, state.sha256) === next.hash)
    return fail(state, "reordered", s, `records ${s} and ${s + 1} traded places`);
  return fail(state, "deleted", s, `record ${s} was deleted and the records after it renumbered`);
}

/** Ends the fold: settles a waiting suspicion and checks the anchors beyond the last record. */
export function finishVerify(state: VerifyState): VerifyResult {
  if (!state.problem && state.pending) settle(state, state.pending, undefined);
  if (!state.problem) {
    const beyond = state.anchors.at(-1);
    if (beyond && beyond.seq > state.last.seq)
      fail(
        state,
        "truncated",
        beyond.seq,
        `the chain ends at record ${state.last.seq} but record ${beyond.seq} was anchored: newer records were cut off`,
      );
  }
  if (state.problem) return { ok: false, count: state.count, problem: state.problem };
  return {
    ok: true,
    count: state.count,
    head: { seq: state.last.seq, hash: state.last.hash },
    anchorsChecked: state.nextAnchor,
  };
}

/** Verifies records given in seq order against anchors; stops reading at the first problem. */
export function verify(
  records: Iterable<AuditRecord>,
  anchors: readonly Anchor[],
  sha256: Sha256,
): VerifyResult {
  const state = startVerify(anchors, sha256);
  for (const record of records) {
    verifyStep(state, record);
    if (state.problem) break;
  }
  return finishVerify(state);
}
