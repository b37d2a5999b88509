// `moor audit list|show|verify|export`: reading the audit trail the controller (and the API
// server) append to. The records come from the store `--database` names — the same value and
// default as `moor controller --database` (an SQLite file under MOORING_HOME, or a postgres://
// URL) — through the read half of the AuditStore interface (`AuditReader`). Going through the
// API server instead (`--server`, once `moor login` exists) is one more implementation of that
// reader, chosen in `openReader`; nothing else here changes.
//
// `verify` walks the whole chain (src/core/audit/chain.ts) and checks it against the anchors
// published outside the database: the `AuditAnchor` Events in the controller namespace when a
// cluster is reachable, and any file of anchor lines (`--anchors`, e.g. a saved controller log).
// It prints OK with the count and the head, or names the first bad record and why, exiting 1.
import { readFileSync } from "node:fs";
import { chainId, fetchAnchorEvents, readAnchorLines } from "../audit/anchors.ts";
import { defaultAuditDatabase, describeDatabase, openAuditStore } from "../audit/open.ts";
import type { AuditQuery, AuditStore } from "../audit/store.ts";
import { verifyStore } from "../audit/verify.ts";
import type { Anchor } from "../core/audit/chain.ts";
import { AUDIT_KINDS, type AuditKind, type AuditRecord, formatRecord } from "../core/audit/record.ts";
import { parseDuration } from "../core/duration.ts";
import { formatRef } from "../core/objects.ts";
import type { Login } from "./api-client.ts";
import { remoteLogin } from "./app-remote.ts";
import { type RemoteVerify, remoteAuditReader, remoteVerify } from "./audit-remote.ts";
import { type Command, EXIT, outputOption, stringValue, type Values } from "./command.ts";
import { print } from "./command-kit.ts";
import { clientFromFlags, clusterOptions } from "./controller-commands.ts";
import { parseOutputFormat, renderStructured, renderTable, UsageError } from "./output.ts";

/** What the audit commands need of a store: reading only. */
export type AuditReader = Pick<AuditStore, "list" | "get" | "iterate" | "head" | "close">;

const databaseOption = { database: { type: "string" }, server: { type: "string" } } as const;
const filterOptions = {
  since: { type: "string" },
  until: { type: "string" },
  project: { type: "string" },
  actor: { type: "string" },
  kind: { type: "string" },
} as const;
const FILTER_USAGE =
  "[--since 2h|TIME] [--until TIME] [--project P] [--actor NAME] [--kind sync,drift-healed]";
const DATABASE_USAGE = "[--database URL|PATH | --server URL]";

/**
 * Through a server (`--server`, or the current login when neither --database nor a kubeconfig is
 * named, as `moor app` decides in ./app-remote.ts); otherwise the store `--database` names.
 */
function auditLogin(values: Values): Login | undefined {
  return stringValue(values, "database") === undefined ? remoteLogin(values) : undefined;
}

/** The store to read: through the server when logged in, else `--database` or the controller's default file. */
async function openReader(values: Values): Promise<AuditReader> {
  const login = auditLogin(values);
  if (login !== undefined) return remoteAuditReader(login);
  const database = stringValue(values, "database");
  try {
    return await openAuditStore(database);
  } catch (err) {
    throw new Error(
      `cannot open the audit store ${describeDatabase(database || defaultAuditDatabase())}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

async function withReader<T>(values: Values, body: (reader: AuditReader) => Promise<T>): Promise<T> {
  const reader = await openReader(values);
  try {
    return await body(reader);
  } finally {
    await reader.close();
  }
}

/**
 * A time as the audit store compares them (UTC, milliseconds): `2h`, `30m` or `7d` ago, a date
 * (`2026-12-01`, midnight UTC) or any ISO time with a zone.
 */
export function parseAuditTime(text: string, flag: string, nowMs = Date.now()): string {
  const t = text.trim();
  const refuse = () =>
    new UsageError(
      `--${flag} takes a time such as 2h (ago), 7d, 2026-12-01 or 2026-12-01T13:00:00Z, got "${text}"`,
    );
  if (!/^\d{4}-/.test(t)) {
    const days = /^(\d+)d$/.exec(t);
    const ago = days ? Number(days[1]) * 86_400_000 : parseDuration(t);
    if (ago === null) throw refuse();
    return new Date(nowMs - ago).toISOString();
  }
  const date = /^\d{4}-\d{2}-\d{2}$/.test(t);
  if (!date && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(t))
    throw refuse();
  const ms = Date.parse(date ? `${t}T00:00:00Z` : t);
  if (!Number.isFinite(ms)) throw refuse();
  return new Date(ms).toISOString();
}

/** The list/export filters from the flags, checked before the store is opened. */
export function queryFromFlags(values: Values, nowMs = Date.now()): AuditQuery {
  const query: AuditQuery = {};
  const since = stringValue(values, "since");
  const until = stringValue(values, "until");
  if (since !== undefined) query.since = parseAuditTime(since, "since", nowMs);
  if (until !== undefined) query.until = parseAuditTime(until, "until", nowMs);
  const project = stringValue(values, "project");
  if (project !== undefined) query.project = project;
  const actor = stringValue(values, "actor");
  if (actor !== undefined) query.actor = actor;
  const kind = stringValue(values, "kind");
  if (kind !== undefined) {
    const kinds = kind
      .split(",")
      .map((k) => k.trim())
      .filter(Boolean);
    for (const k of kinds)
      if (!(AUDIT_KINDS as readonly string[]).includes(k))
        throw new UsageError(`--kind ${k} is not an audit kind; use one of: ${AUDIT_KINDS.join(", ")}`);
    query.kind = kinds as AuditKind[];
  }
  return query;
}

function countFlag(values: Values, name: string, fallback: number): number {
  const text = stringValue(values, name);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`--${name} takes a whole number above 0, got "${text}"`);
  return n;
}

/** Records matching a query, oldest or newest first, following cursors; at most `max`. */
async function* matching(reader: AuditReader, query: AuditQuery, max = Number.POSITIVE_INFINITY) {
  let cursor: string | undefined;
  let given = 0;
  do {
    const page = await reader.list({
      ...query,
      limit: Math.min(1000, max - given),
      ...(cursor ? { cursor } : {}),
    });
    for (const record of page.records) {
      yield record;
      if (++given >= max) return;
    }
    cursor = page.nextCursor;
  } while (cursor);
}

/** A few words on what a record is about, for the list's last column. */
export function recordSummary(record: AuditRecord): string {
  const d = record.details;
  const parts: string[] = [];
  const text = (key: string) =>
    typeof d[key] === "string" || typeof d[key] === "number" ? String(d[key]) : "";
  if (text("revision")) parts.push(text("revision").slice(0, 10));
  if (text("planId")) parts.push(`plan ${text("planId")}`);
  for (const key of ["phase", "result", "trigger", "manager", "object", "reason"])
    if (text(key)) parts.push(text(key));
  const count = (key: string) => (Array.isArray(d[key]) ? (d[key] as unknown[]).length : 0);
  if ("created" in d || "changed" in d || "pruned" in d)
    parts.push(`${count("created")} created, ${count("changed")} changed, ${count("pruned")} pruned`);
  if (text("message")) parts.push(text("message").slice(0, 80));
  return parts.join(" ");
}

function renderRecords(records: readonly AuditRecord[]): string {
  if (records.length === 0) return "No audit records match.";
  return renderTable(records, [
    { header: "SEQ", value: (r) => String(r.seq) },
    { header: "TIME", value: (r) => r.time },
    { header: "KIND", value: (r) => r.kind },
    {
      header: "ACTOR",
      value: (r) => `${r.actor.type}:${r.actor.name}${r.actor.address ? `@${r.actor.address}` : ""}`,
    },
    { header: "PROJECT", value: (r) => r.project || "-" },
    { header: "OBJECT", value: (r) => (r.object ? formatRef(r.object) : "-") },
    { header: "SUMMARY", value: recordSummary },
  ]);
}

/** Anchors from the cluster's Events (when reachable) and from `--anchors` files. */
async function gatherAnchors(
  values: Values,
  reader: AuditReader,
): Promise<{ anchors: Anchor[]; sources: string[] }> {
  const anchors: Anchor[] = [];
  const sources: string[] = [];
  const file = stringValue(values, "anchors");
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new UsageError(`--anchors ${file} cannot be read: ${(err as Error).message}`);
    }
    const found = readAnchorLines(text);
    anchors.push(...found);
    sources.push(`${found.length} from ${file}`);
  }
  if (values["cluster-anchors"] !== "false") {
    const explicit =
      stringValue(values, "kubeconfig") !== undefined || stringValue(values, "context") !== undefined;
    try {
      const { client, namespace } = clientFromFlags(values);
      try {
        const found = await fetchAnchorEvents(client, namespace);
        // Only this chain's anchors; an empty store keeps them all, so a chain emptied is caught.
        const first = await reader.get(1);
        const ours = first ? found.filter((a) => !a.chain || a.chain === chainId(first.hash)) : found;
        anchors.push(...ours.map(({ seq, hash }) => ({ seq, hash })));
        const foreign = found.length - ours.length;
        sources.push(
          `${ours.length} from AuditAnchor Events in namespace ${namespace}${foreign ? ` (${foreign} of other chains left out)` : ""}`,
        );
      } finally {
        client.close();
      }
    } catch (err) {
      // No cluster at hand is normal for an auditor with a copy of the database; a cluster named
      // on the command line that cannot be read is not.
      if (explicit) throw err;
      sources.push(`none from the cluster (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  return { anchors, sources };
}

/** One line for a verdict the server gave, worded like the local one. */
function remoteVerdict(remote: RemoteVerify): string {
  const head = remote.head as { seq?: number; hash?: string } | undefined;
  const problem = remote.problem as { seq?: number; code?: string; message?: string } | undefined;
  if (remote.ok) {
    return `OK: ${String(remote.count)} records, head #${head?.seq} ${head?.hash}; ${String(remote.anchorsChecked)} of ${remote.anchors} anchors checked (verified by the server)`;
  }
  return `FAILED at record ${problem?.seq} (${problem?.code}): ${problem?.message}; ${String(remote.count)} records before it are intact`;
}

export const auditCommands: Command[] = [
  {
    path: ["audit", "list"],
    usage: `moor audit list ${DATABASE_USAGE} ${FILTER_USAGE} [--limit 100] [-o table|json|yaml]`,
    summary: "list audit records, newest first",
    options: { ...databaseOption, ...filterOptions, ...outputOption, limit: { type: "string" } },
    run: async (values) => {
      const format = parseOutputFormat(stringValue(values, "output"));
      const query = queryFromFlags(values);
      const limit = countFlag(values, "limit", 100);
      const records = await withReader(values, async (reader) => {
        const out: AuditRecord[] = [];
        for await (const r of matching(reader, query, limit)) out.push(r);
        return out;
      });
      if (format === "json" || format === "yaml") print(renderStructured(records, format));
      else if (format === "name") print(records.map((r) => String(r.seq)).join("\n"));
      else print(renderRecords(records));
      return EXIT.ok;
    },
  },
  {
    path: ["audit", "show"],
    usage: `moor audit show SEQ ${DATABASE_USAGE} [-o yaml|json]`,
    summary: "show one audit record with its details and hashes",
    options: { ...databaseOption, ...outputOption },
    run: async (values, args) => {
      const format = parseOutputFormat(stringValue(values, "output") ?? "yaml");
      if (args.length !== 1 || !/^\d{1,15}$/.test(args[0] ?? ""))
        throw new UsageError("expected exactly one record number (moor audit show SEQ)");
      const seq = Number(args[0]);
      const record = await withReader(values, (reader) => reader.get(seq));
      if (!record) {
        process.stderr.write(
          `moor audit show: there is no audit record ${seq}; \`moor audit list\` shows what there is\n`,
        );
        return EXIT.failed;
      }
      if (format === "json" || format === "yaml") print(renderStructured(record, format));
      else print(`${formatRecord(record)}\n${renderStructured(record.details, "yaml")}`);
      return EXIT.ok;
    },
  },
  {
    path: ["audit", "verify"],
    usage: `moor audit verify ${DATABASE_USAGE} [--anchors FILE] [--cluster-anchors=false] [--kubeconfig F] [--context C] [-n mooring] [-o json]`,
    summary: "check the audit hash chain and its anchors; names the first bad record and exits 1",
    options: {
      ...databaseOption,
      ...clusterOptions,
      ...outputOption,
      anchors: { type: "string" },
      "cluster-anchors": { type: "string" },
    },
    run: async (values) => {
      const format = stringValue(values, "output");
      if (format !== undefined && format !== "json")
        throw new UsageError("verify prints text, or JSON with -o json");
      const login = auditLogin(values);
      if (login !== undefined) {
        // The server verifies next to the database, against the anchor Events it can read.
        const remote = await remoteVerify(login);
        if (format === "json") print(JSON.stringify(remote, null, 2));
        else print(remoteVerdict(remote));
        return remote.ok ? EXIT.ok : EXIT.failed;
      }
      const { anchors, sources, result } = await withReader(values, async (reader) => {
        const gathered = await gatherAnchors(values, reader);
        return { ...gathered, result: await verifyStore(reader as AuditStore, gathered.anchors) };
      });
      if (format === "json")
        print(JSON.stringify({ ...result, anchorsFound: anchors.length, anchorSources: sources }, null, 2));
      else if (result.ok)
        print(
          `OK: ${result.count} records, head #${result.head.seq} ${result.head.hash}; ${result.anchorsChecked} of ${anchors.length} anchors checked (${sources.join("; ") || "no anchor sources"})`,
        );
      else
        print(
          `FAILED at record ${result.problem.seq} (${result.problem.code}): ${result.problem.message}; ${result.count} records before it are intact`,
        );
      return result.ok ? EXIT.ok : EXIT.failed;
    },
  },
  {
    path: ["audit", "export"],
    usage: `moor audit export ${DATABASE_USAGE} ${FILTER_USAGE}`,
    summary: "write audit records as JSON Lines, oldest first, with their hashes",
    options: { ...databaseOption, ...filterOptions },
    run: async (values) => {
      const query = queryFromFlags(values);
      await withReader(values, async (reader) => {
        let chunk = "";
        for await (const record of matching(reader, { ...query, order: "asc" })) {
          chunk += `${JSON.stringify(record)}\n`;
          if (chunk.length > 65_536) {
            await write(chunk);
            chunk = "";
          }
        }
        if (chunk) await write(chunk);
      });
      return EXIT.ok;
    },
  },
];

/** Writes to stdout, waiting when the pipe is full (an export can be millions of lines). */
function write(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.stdout.write(text, (err) => (err ? reject(err) : undefined))) resolve();
    else process.stdout.once("drain", resolve);
  });
}
