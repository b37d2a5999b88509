// Minting a run's identity: a TokenRequest for the Stack's ServiceAccount (see
// src/core/stack/identity.ts for which account and for how long), and a Kubernetes client that
// carries that token, for everything the run reads and writes in the cluster. The token is
// handed to tofu through the environment (KUBE_TOKEN and friends, which the Stack's own `env`
// may not set), never written to disk, and scrubbed from tofu's output.
//
// The controller itself needs only `create` on `serviceaccounts/token` for this: it never reads
// a Stack's Secrets, state or Leases with its own rights.
import { type StackServiceAccount, serviceAccountUser } from "../core/stack/identity.ts";
import { KubeApiError, KubeClient } from "../kube/client.ts";
import type { ApiServer } from "../terraform/state-backend.ts";
import { StackError } from "./stack-errors.ts";

/** What tofu and the kubernetes provider need to act as the account. */
export interface KubeAccess {
  host: string;
  token: string;
  caPem?: string;
}

/** One run's identity. Close it when the run is over. */
export interface RunIdentity {
  account: StackServiceAccount;
  /** The account's client: it sees exactly what RBAC grants the account. */
  client: KubeClient;
  access: KubeAccess;
  /** When the token expires (ISO 8601), as the API server granted it. */
  expiresAt: string;
  close(): void;
}

export class StackIdentities {
  private readonly controller: KubeClient;
  private readonly apiServer: ApiServer;

  constructor(controller: KubeClient, apiServer: ApiServer) {
    this.controller = controller;
    this.apiServer = apiServer;
  }

  /** A token for `account`, valid `lifetimeSeconds`, for the run of `stack` (namespace/name). */
  async open(stack: string, account: StackServiceAccount, lifetimeSeconds: number): Promise<RunIdentity> {
    const path = `/api/v1/namespaces/${encodeURIComponent(account.namespace)}/serviceaccounts/${encodeURIComponent(account.name)}/token`;
    const res = await this.controller.rest.request<{
      status?: { token?: string; expirationTimestamp?: string };
      message?: string;
      reason?: string;
    }>("POST", path, {
      body: {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { expirationSeconds: lifetimeSeconds },
      },
    });
    const who = `ServiceAccount ${account.namespace}/${account.name} (${account.source})`;
    if (res.status === 404) {
      throw new StackError(
        "service-account-not-found",
        `Stack ${stack} runs as ${who}, which does not exist; create it with a Role granting what the Stack needs ` +
          "(see the README, Stacks), or set spec.serviceAccountName",
      );
    }
    if (res.status === 403) {
      throw new StackError(
        "token-request-forbidden",
        `Stack ${stack}: the controller may not request a token for ${who} (403: ${res.body?.message ?? "forbidden"}); ` +
          "grant the controller create on serviceaccounts/token (moor install does)",
      );
    }
    const token = res.body?.status?.token;
    if (res.status !== 201 && res.status !== 200) {
      throw new KubeApiError(
        res.status,
        res.body?.reason ?? `HTTP${res.status}`,
        `Stack ${stack}: requesting a token for ${who}: ${res.body?.message ?? `HTTP ${res.status}`}`,
      );
    }
    if (!token) throw new Error(`Stack ${stack}: the API server granted ${who} no token`);
    const client = new KubeClient({
      server: this.apiServer.server,
      token,
      ...(this.apiServer.caPem ? { caPem: this.apiServer.caPem } : {}),
      ...(this.apiServer.insecureSkipTlsVerify ? { insecureSkipTlsVerify: true } : {}),
    });
    return {
      account,
      client,
      access: {
        host: this.apiServer.server,
        token,
        ...(this.apiServer.caPem ? { caPem: this.apiServer.caPem } : {}),
      },
      expiresAt: res.body?.status?.expirationTimestamp ?? "",
      close: () => client.close(),
    };
  }
}

/**
 * A 403 the Stack's account met while reading or writing `what`, as a refusal that says which
 * account lacks which right; any other error passes through unchanged.
 */
export function forbiddenAs(
  err: unknown,
  stack: string,
  account: StackServiceAccount,
  what: string,
): unknown {
  if (!(err instanceof KubeApiError) || err.status !== 403) return err;
  return new StackError(
    "forbidden",
    `Stack ${stack} runs as ${serviceAccountUser(account)}, which may not ${what} (403 Forbidden); ` +
      "grant that ServiceAccount the right with a Role in the Stack's namespace, or stop naming the object",
  );
}
