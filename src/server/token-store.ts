// Where API tokens live: one Secret per token in the controller namespace, named
// `mooring-token-<id>` and labelled `mooring.dev/secret-type: api-token` and
// `mooring.dev/project: <project>`, holding the record (JSON, key `record`), the SHA-256 of the
// token's secret (`secretHash`) and the last use (`lastUsedAt`), never the token itself. A Secret
// per token means revoking or deleting one is one write that cannot race with another token's,
// and `kubectl get secrets -l mooring.dev/secret-type=api-token` lists them.
//
// lastUsedAt is its own key, so writing it back (at most once a minute, shouldRecordUse) cannot
// undo a revocation written at the same moment.
import type { TokenRecord } from "../core/access/tokens.ts";
import type { KubeObject } from "../core/objects.ts";
import type { KubeClient } from "../kube/client.ts";
import type { StoredToken } from "./tokens.ts";

export const TOKEN_SECRET_TYPE = "api-token";
const SECRET_TYPE_LABEL = "mooring.dev/secret-type";
const PROJECT_LABEL = "mooring.dev/project";

type SecretObject = KubeObject & { data?: Record<string, string> };

export function tokenSecretName(id: string): string {
  return `mooring-token-${id}`;
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const unb64 = (text: string | undefined) =>
  text === undefined ? "" : Buffer.from(text, "base64").toString("utf8");

function recordOf(secret: SecretObject): StoredToken | undefined {
  const data = secret.data ?? {};
  try {
    const record = JSON.parse(unb64(data.record)) as TokenRecord;
    const secretHash = unb64(data.secretHash);
    if (typeof record.id !== "string" || secretHash === "") return undefined;
    const lastUsed = Number(unb64(data.lastUsedAt));
    const stored: StoredToken = { ...record, secretHash };
    if (Number.isFinite(lastUsed) && lastUsed > 0) stored.lastUsedAt = lastUsed;
    return stored;
  } catch {
    return undefined;
  }
}

/** A token record without its hash, for answers and lists. */
export function publicRecord(stored: StoredToken): TokenRecord {
  const { secretHash: _hash, ...record } = stored;
  return record;
}

export class TokenStore {
  readonly #kube: KubeClient;
  readonly #namespace: string;

  constructor(kube: KubeClient, namespace: string) {
    this.#kube = kube;
    this.#namespace = namespace;
  }

  async find(id: string): Promise<StoredToken | undefined> {
    if (!/^[0-9a-f]{16}$/.test(id)) return undefined;
    const secret = (await this.#kube.get(
      "v1",
      "Secret",
      this.#namespace,
      tokenSecretName(id),
    )) as SecretObject | null;
    if (secret === null || secret.metadata.labels?.[SECRET_TYPE_LABEL] !== TOKEN_SECRET_TYPE)
      return undefined;
    return recordOf(secret);
  }

  async create(stored: StoredToken): Promise<void> {
    const { secretHash, lastUsedAt: _last, ...record } = stored;
    await this.#kube.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: tokenSecretName(stored.id),
        namespace: this.#namespace,
        labels: {
          "app.kubernetes.io/part-of": "mooring",
          [SECRET_TYPE_LABEL]: TOKEN_SECRET_TYPE,
          [PROJECT_LABEL]: stored.project,
        },
      },
      type: "Opaque",
      data: { record: b64(JSON.stringify(record)), secretHash: b64(secretHash) },
    } as KubeObject);
  }

  /** Every token, or those of one project. */
  async list(project?: string): Promise<StoredToken[]> {
    const selector = [`${SECRET_TYPE_LABEL}=${TOKEN_SECRET_TYPE}`];
    if (project !== undefined) selector.push(`${PROJECT_LABEL}=${project}`);
    const { items } = await this.#kube.list("v1", "Secret", {
      namespace: this.#namespace,
      labelSelector: selector.join(","),
    });
    return items
      .map((item) => recordOf(item as SecretObject))
      .filter((r): r is StoredToken => r !== undefined)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Marks a token revoked at `now`; it stays listed, refused. */
  async revoke(stored: StoredToken, now: number): Promise<TokenRecord> {
    const { secretHash: _hash, lastUsedAt: _last, ...record } = stored;
    const revoked = { ...record, revokedAt: now };
    await this.#kube.mergePatch(
      {
        apiVersion: "v1",
        group: "",
        kind: "Secret",
        namespace: this.#namespace,
        name: tokenSecretName(stored.id),
      },
      { data: { record: b64(JSON.stringify(revoked)) } },
    );
    return stored.lastUsedAt === undefined ? revoked : { ...revoked, lastUsedAt: stored.lastUsedAt };
  }

  async recordUse(id: string, now: number): Promise<void> {
    await this.#kube.mergePatch(
      { apiVersion: "v1", group: "", kind: "Secret", namespace: this.#namespace, name: tokenSecretName(id) },
      { data: { lastUsedAt: b64(String(now)) } },
    );
  }
}
