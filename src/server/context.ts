// What the API server's routes are given to work with. Every capability arrives here, built once
// at start-up by `moor server` (src/cli/server-commands.ts), so a route never reads the
// environment or opens a connection of its own, and a test can start the server on real parts.
import type { AuditStore } from "../audit/store.ts";
import type { AuditEntry } from "../core/audit/record.ts";
import type { KubeClient } from "../kube/client.ts";
import type { Logger } from "../util/log.ts";
import type { Identity } from "./authenticate.ts";
import type { ServerCache } from "./cache.ts";
import type { InspectClient } from "./inspect-client.ts";
import type { Authenticator } from "./principal.ts";

/** Where audit entries go; the audit writer (src/audit) batches them into the hash chain. */
export interface AuditSink {
  /** Queues an entry; never throws into the caller (a failed append is logged by the writer). */
  record(entry: AuditEntry): unknown;
}

export interface ServerDeps {
  authenticator: Authenticator;
  audit: AuditSink;
  /** Milliseconds since the epoch. */
  clock: () => number;
  log: Logger;
  /** The cluster Mooring runs in, with the server's own identity. */
  kube: KubeClient;
  /** The controller namespace (`mooring`), where Applications, Secrets and settings live. */
  namespace: string;
  /**
   * What the routes read: informer caches of Applications, Stacks, Projects, clusters,
   * repositories and Events (./cache.ts). Absent (unit tests of other routes): reads answer 503.
   */
  cache?: ServerCache;
  /** The audit trail the server and the controller append to, for the audit routes; absent: they answer 503. */
  auditStore?: AuditStore;
  /** Local accounts, sessions, API tokens and single sign-on (./authenticate.ts); absent: no login routes answer. */
  identity?: Identity;
  /** The controller's inspect endpoints (tree, object, preview); absent: those routes degrade or answer 503. */
  inspect?: InspectClient;
}
