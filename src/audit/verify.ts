// Verifying a stored audit trail: the core's chain fold (src/core/audit/chain.ts) fed from a
// store's iterator, with node:crypto's SHA-256. Memory stays flat however long the trail is.
import { createHash } from "node:crypto";
import {
  type Anchor,
  finishVerify,
  startVerify,
  type VerifyResult,
  verifyStep,
} from "../core/audit/chain.ts";
import type { AuditRecord } from "../core/audit/record.ts";
import type { AuditStore } from "./store.ts";

/** Lower-case hex SHA-256 of a UTF-8 text: the hash the audit chain uses. */
export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Verifies records in seq order as they stream in; stops reading at the first problem. */
export async function verifyRecords(
  records: AsyncIterable<AuditRecord> | Iterable<AuditRecord>,
  anchors: readonly Anchor[] = [],
): Promise<VerifyResult> {
  const state = startVerify(anchors, sha256);
  for await (const record of records) {
    verifyStep(state, record);
    if (state.problem) break;
  }
  return finishVerify(state);
}

/** Verifies a whole store against anchors published outside it. */
export function verifyStore(store: AuditStore, anchors: readonly Anchor[] = []): Promise<VerifyResult> {
  return verifyRecords(store.iterate(), anchors);
}
