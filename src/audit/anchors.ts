// Audit anchors outside the database (see src/core/audit/chain.ts for why): the controller
// publishes its newest audit head as a Kubernetes Event with reason `AuditAnchor` on the
// ConfigMap `mooring-audit` of the controller namespace (the ConfigMap need not exist: an Event
// names its object, `kubectl get events -n mooring --field-selector reason=AuditAnchor` lists
// them), and as a log line with the field `auditAnchor`. `moor audit verify` reads the Events
// back, and any file of such lines (a saved controller log) given with `--anchors`.
//
// One namespace may see anchors of several chains (a move from SQLite to PostgreSQL, a test
// database): each Event carries the label `mooring.dev/audit-chain`, the first 32 hex digits of
// its chain's first record hash, and verify checks only the anchors of the chain it reads
// (anchors of other chains are counted and reported, never silently applied or hidden).
//
// Kubernetes keeps Events for an hour by default (kube-apiserver --event-ttl), so the Events
// catch a truncation made since the last hour's anchors; ship the controller log somewhere
// append-only to keep anchors for longer.
import { randomBytes } from "node:crypto";
import { type Anchor, type ChainHead, formatAnchor, parseAnchor } from "../core/audit/chain.ts";
import type { KubeClient } from "../kube/client.ts";

/** The object the anchor Events are about, in the controller namespace. */
export const ANCHOR_OBJECT = { kind: "ConfigMap", name: "mooring-audit" } as const;
export const ANCHOR_REASON = "AuditAnchor";
export const CHAIN_LABEL = "mooring.dev/audit-chain";

/** The label value naming a chain: the start of its first record's hash (labels hold 63 characters). */
export function chainId(firstRecordHash: string): string {
  return firstRecordHash.slice(0, 32);
}

/** An anchor read back from an Event, with the chain it names when the Event says. */
export interface ChainAnchor extends Anchor {
  chain?: string;
}

/** Publishes one anchor as a Kubernetes Event; throws when the API server refuses it. */
export async function publishAnchorEvent(
  client: KubeClient,
  namespace: string,
  head: ChainHead,
  reporter: { component: string; instance: string },
  /** The hash of the chain's first record. */
  firstRecordHash: string,
): Promise<void> {
  const stamp = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  await client.create({
    apiVersion: "v1",
    kind: "Event",
    metadata: {
      name: `${ANCHOR_OBJECT.name}.${randomBytes(8).toString("hex")}`,
      namespace,
      labels: { [CHAIN_LABEL]: chainId(firstRecordHash) },
    },
    involvedObject: { apiVersion: "v1", kind: ANCHOR_OBJECT.kind, name: ANCHOR_OBJECT.name, namespace },
    type: "Normal",
    reason: ANCHOR_REASON,
    message: formatAnchor(head),
    source: { component: reporter.component },
    reportingComponent: reporter.component,
    reportingInstance: reporter.instance,
    firstTimestamp: stamp,
    lastTimestamp: stamp,
    count: 1,
  });
}

/** The anchors the cluster still holds as Events in `namespace`. */
export async function fetchAnchorEvents(client: KubeClient, namespace: string): Promise<ChainAnchor[]> {
  const selector = encodeURIComponent(
    `reason=${ANCHOR_REASON},involvedObject.kind=${ANCHOR_OBJECT.kind},involvedObject.name=${ANCHOR_OBJECT.name}`,
  );
  const res = await client.rest.get<{
    items?: { message?: string; metadata?: { labels?: Record<string, string> } }[];
    message?: string;
  }>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/events?fieldSelector=${selector}`);
  if (res.status !== 200)
    throw new Error(
      `could not read audit anchors from Events in namespace ${namespace} (HTTP ${res.status}): ${res.body.message ?? ""}`.trim(),
    );
  return (res.body.items ?? []).flatMap((event) => {
    const anchor = parseAnchor(event.message ?? "");
    const chain = event.metadata?.labels?.[CHAIN_LABEL];
    return anchor ? [chain ? { ...anchor, chain } : anchor] : [];
  });
}

/**
 * The anchors in a text file: lines that are an anchor (`mooring-audit-head seq=N hash=H`) or
 * JSON log lines with an `auditAnchor` field, as the controller writes them. Other lines are
 * skipped, so a whole controller log can be given.
 */
export function readAnchorLines(text: string): Anchor[] {
  const anchors: Anchor[] = [];
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    let candidate = trimmed;
    if (trimmed.startsWith("{")) {
      try {
        const parsed = JSON.parse(trimmed) as { auditAnchor?: unknown };
        if (typeof parsed.auditAnchor !== "string") continue;
        candidate = parsed.auditAnchor;
      } catch {
        continue;
      }
    }
    const anchor = parseAnchor(candidate);
    if (anchor) anchors.push(anchor);
  }
  return anchors;
}
