// Opening the audit writer a process appends with: the store named by `--database` (PostgreSQL
// URL, SQLite path, or the default SQLite file under MOORING_HOME) and, for the controller,
// anchors published as AuditAnchor Events so that cutting off the newest records is detectable.
import type { ChainHead } from "../core/audit/chain.ts";
import type { KubeClient } from "../kube/client.ts";
import type { Logger } from "../util/log.ts";
import { publishAnchorEvent } from "./anchors.ts";
import { defaultAuditDatabase, describeDatabase, openAuditStore } from "./open.ts";
import { AuditWriter } from "./writer.ts";

/**
 * The audit writer of a controller or server process, on the store `--database` names; anchors
 * go to the log and through `publish` (a Kubernetes Event). A store that cannot be opened stops
 * the process: running without the trail it was told to keep would lose records silently.
 */
export async function openAuditWriter(
  database: string | undefined,
  log: Logger,
  anchorEveryMs: number | undefined,
  publish: (head: ChainHead) => Promise<void>,
): Promise<AuditWriter> {
  const store = await openAuditStore(database).catch((err: unknown) => {
    throw new Error(
      `cannot open the audit store ${describeDatabase(database || defaultAuditDatabase())}: ${err instanceof Error ? err.message : String(err)}; check --database`,
    );
  });
  return new AuditWriter(store, {
    log,
    publishAnchor: publish,
    ...(anchorEveryMs !== undefined ? { anchorEveryMs } : {}),
  });
}

/**
 * The controller's audit writer: its anchors published as AuditAnchor Events in the controller
 * namespace, naming the chain by its first record's hash and the replica that wrote them.
 */
export async function openAnchoredAuditWriter(
  database: string | undefined,
  log: Logger,
  anchorEveryMs: number | undefined,
  client: KubeClient,
  namespace: string,
  /** The replica publishing, read when an anchor is published. */
  instance: () => string,
): Promise<AuditWriter> {
  let firstRecordHash: string | undefined;
  const audit = await openAuditWriter(database, log, anchorEveryMs, async (head) => {
    firstRecordHash ??= (await audit.store.get(1))?.hash ?? head.hash;
    await publishAnchorEvent(
      client,
      namespace,
      head,
      { component: "mooring-controller", instance: instance() },
      firstRecordHash,
    );
  });
  return audit;
}
