// `moor audit` through a Mooring API server: the read half of the audit store answered by
// GET /api/v1/audit (list and one record), so an auditor with a login but no database access
// reads the same records, limited to the projects their roles allow. Verification runs on the
// server (GET /audit/verify), next to the database, rather than pulling every record over HTTP.
import type { AuditPage, AuditQuery } from "../audit/store.ts";
import type { ChainHead } from "../core/audit/chain.ts";
import { EMPTY_HEAD } from "../core/audit/chain.ts";
import type { AuditRecord } from "../core/audit/record.ts";
import { ApiClientError, apiRequest, type Login } from "./api-client.ts";
import type { AuditReader } from "./audit-commands.ts";

/** The query string of GET /audit for a store query; kinds go comma-separated. */
export function auditQueryString(query: AuditQuery): string {
  const params = new URLSearchParams();
  for (const key of ["project", "actor", "since", "until", "order", "cursor"] as const) {
    const value = query[key];
    if (value !== undefined) params.set(key, value);
  }
  if (query.limit !== undefined) params.set("limit", String(query.limit));
  if (query.kind !== undefined)
    params.set("kind", typeof query.kind === "string" ? query.kind : query.kind.join(","));
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}

export function remoteAuditReader(login: Login): AuditReader {
  const list = (query: AuditQuery = {}) =>
    apiRequest<AuditPage>(login, "GET", `/audit${auditQueryString(query)}`);
  return {
    list,
    get: async (seq: number) => {
      try {
        return await apiRequest<AuditRecord>(login, "GET", `/audit/records/${seq}`);
      } catch (err) {
        if (err instanceof ApiClientError && err.status === 404) return undefined;
        throw err;
      }
    },
    head: async (): Promise<ChainHead> => {
      const page = await list({ limit: 1, order: "desc" });
      const newest = page.records[0];
      return newest === undefined ? EMPTY_HEAD : { seq: newest.seq, hash: newest.hash };
    },
    iterate: async function* (fromSeq = 1) {
      let cursor: string | undefined;
      do {
        const page = await list({ order: "asc", limit: 1000, ...(cursor ? { cursor } : {}) });
        for (const record of page.records) if (record.seq >= fromSeq) yield record;
        cursor = page.nextCursor;
      } while (cursor);
    },
    close: async () => {},
  };
}

/** What GET /audit/verify answers: the chain's verdict plus how many anchors the server found. */
export type RemoteVerify = { ok: boolean; anchors: number } & Record<string, unknown>;

export function remoteVerify(login: Login): Promise<RemoteVerify> {
  return apiRequest<RemoteVerify>(login, "GET", "/audit/verify");
}
