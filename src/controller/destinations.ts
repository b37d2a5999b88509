// Destinations: the clusters Applications deploy to. The cluster Mooring runs in is always there
// as `in-cluster` (an Application without `spec.destination.cluster` goes there) and uses the
// controller's own identity. Other clusters are registered, as in Argo CD, as Secrets in the
// `mooring` namespace labelled `mooring.dev/secret-type: cluster` with data:
//   name        the name Applications use in spec.destination.cluster
//   server      the apiserver URL (informational; the kubeconfig decides)
//   config      a self-contained kubeconfig: certificates and tokens embedded, no file references
//   namespaces  optional comma-separated list: the cluster may only be used in these namespaces
// Argo CD's cluster Secrets (label `argocd.argoproj.io/secret-type: cluster`, `config` holding
// JSON with bearerToken / tlsClientConfig) are read too, so existing registrations port over.
//
// A kubeconfig read from a Secret may not name local files: the controller would otherwise read
// whatever file a Secret points at (its own service-account token, say) and send it to whatever
// server the Secret names.
import { parse, stringify } from "yaml";
import { CONTROLLER_NAMESPACE, FIELD_MANAGER } from "../core/application.ts";
import type { KubeObject } from "../core/objects.ts";
import { KubeApiError, KubeClient } from "../kube/client.ts";
import { fromKubeconfigText } from "../kube/kubeconfig.ts";
import type { Credentials } from "../kube/rest.ts";

export const SECRET_TYPE_LABEL = "mooring.dev/secret-type";
export const ARGOCD_SECRET_TYPE_LABEL = "argocd.argoproj.io/secret-type";
/** The reserved name of the cluster Mooring runs in. */
export const IN_CLUSTER = "in-cluster";
/** Registered cluster names become part of a Secret name (`cluster-NAME`), so they are DNS labels. */
const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]{0,53}[a-z0-9])?$/;

export type DestinationErrorCode =
  | "cluster-not-found"
  | "cluster-invalid"
  | "cluster-unreachable"
  | "cluster-refused"
  | "cluster-exists"
  | "invalid-name"
  | "not-installed";

export class DestinationError extends Error {
  readonly code: DestinationErrorCode;
  /** The cluster name the error is about. */
  readonly cluster: string;
  constructor(code: DestinationErrorCode, cluster: string, message: string) {
    super(message);
    this.name = "DestinationError";
    this.code = code;
    this.cluster = cluster;
  }
}

/** A registered cluster decoded from its Secret. */
export interface RegisteredCluster {
  name: string;
  server: string;
  credentials: Credentials;
  /** Namespaces the cluster may be used in; undefined: all. */
  namespaces?: string[];
  secretName: string;
  resourceVersion: string;
  createdAt?: string;
}

export interface Destination {
  name: string;
  server: string;
  client: KubeClient;
  /** Namespaces the cluster may be used in; undefined: all. */
  namespaces?: string[];
}

/** What `moor cluster list` shows for one destination. */
export interface DestinationInfo {
  name: string;
  server: string;
  /** The Secret it is registered in; absent for in-cluster. */
  secretName?: string;
  namespaces?: string[];
  createdAt?: string;
  /** The server's gitVersion, when probed and reachable. */
  version?: string;
  /** Why it cannot be used: `invalid: ...` or, when probed, `unreachable: ...`. */
  error?: string;
}

export interface DestinationsOptions {
  /** How long a listing of cluster Secrets is reused; default 2000 ms. */
  listTtlMs?: number;
}

export interface AddClusterInput {
  name: string;
  /** Credentials of the cluster to register (from the user's kubeconfig). */
  credentials: Credentials;
  namespaces?: string[];
  /** Replace a registration of the same name whose content differs; default false. */
  upsert?: boolean;
  /** Limit of the reachability check; default 10 s. */
  probeTimeoutMs?: number;
}

export interface AddClusterResult {
  name: string;
  server: string;
  version: string;
  secretName: string;
  action: "created" | "configured" | "unchanged";
}

// ---- pure helpers ---------------------------------------------------------------------------

/** Refuses the reserved name and names that cannot be part of a Secret name. */
export function validateClusterName(name: string): void {
  if (name === IN_CLUSTER) {
    throw new DestinationError(
      "invalid-name",
      name,
      `cluster name "${IN_CLUSTER}" is reserved for the cluster Mooring runs in; choose another name`,
    );
  }
  if (!CLUSTER_NAME.test(name)) {
    throw new DestinationError(
      "invalid-name",
      name,
      `invalid cluster name "${name}": use at most 55 lower-case letters, digits and '-', starting and ending with a letter or digit`,
    );
  }
}

export function clusterSecretName(name: string): string {
  return `cluster-${name}`;
}

/** A kubeconfig holding exactly these credentials, every certificate embedded. */
export function selfContainedKubeconfig(name: string, credentials: Credentials): string {
  const b64 = (pem: string) => Buffer.from(pem, "utf8").toString("base64");
  const cluster: Record<string, unknown> = { server: credentials.server };
  if (credentials.caPem) cluster["certificate-authority-data"] = b64(credentials.caPem);
  if (credentials.insecureSkipTlsVerify) cluster["insecure-skip-tls-verify"] = true;
  const user: Record<string, unknown> = {};
  if (credentials.certPem) user["client-certificate-data"] = b64(credentials.certPem);
  if (credentials.keyPem) user["client-key-data"] = b64(credentials.keyPem);
  if (credentials.token) user.token = credentials.token;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster }],
    users: [{ name, user }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    "current-context": name,
  });
}

/** The Secret that registers a cluster. */
export function clusterSecret(input: {
  name: string;
  credentials: Credentials;
  namespaces?: string[];
  /** The namespace Mooring runs in. */
  namespace: string;
  /** Default: cluster-NAME. */
  secretName?: string;
}): KubeObject {
  const text: Record<string, string> = {
    name: input.name,
    server: input.credentials.server,
    config: selfContainedKubeconfig(input.name, input.credentials),
  };
  if (input.namespaces && input.namespaces.length > 0) text.namespaces = input.namespaces.join(",");
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: input.secretName ?? clusterSecretName(input.name),
      namespace: input.namespace,
      labels: { [SECRET_TYPE_LABEL]: "cluster" },
    },
    type: "Opaque",
    data: Object.fromEntries(
      Object.entries(text).map(([k, v]) => [k, Buffer.from(v, "utf8").toString("base64")]),
    ),
  };
}

/** A Secret value as text, from `data` (base64) or `stringData`. */
export function secretText(secret: KubeObject, key: string): string | undefined {
  const data = secret.data as Record<string, string> | undefined;
  const value = data?.[key];
  if (value !== undefined) return Buffer.from(value, "base64").toString("utf8");
  return (secret.stringData as Record<string, string> | undefined)?.[key];
}

function isMooringSecret(secret: KubeObject): boolean {
  return secret.metadata.labels?.[SECRET_TYPE_LABEL] !== undefined;
}

/** Mooring's label before Argo CD's, then by Secret name. */
function bySecretPreference(a: KubeObject, b: KubeObject): number {
  return (
    Number(isMooringSecret(b)) - Number(isMooringSecret(a)) ||
    (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "")
  );
}

/**
 * The Secret registering `name`: one whose data.name is the name, else one whose metadata.name
 * is; Mooring's label before Argo CD's, then by Secret name, so the choice is stable.
 */
export function findClusterSecret(secrets: readonly KubeObject[], name: string): KubeObject | undefined {
  const ordered = [...secrets].sort(bySecretPreference);
  return ordered.find((s) => secretText(s, "name") === name) ?? ordered.find((s) => s.metadata.name === name);
}

const FILE_FIELDS = ["certificate-authority", "client-certificate", "client-key", "tokenFile"] as const;

/** Decodes a cluster Secret; throws cluster-invalid naming the cluster and what to do. */
export function clusterFromSecret(secret: KubeObject, namespace: string): RegisteredCluster {
  const secretName = secret.metadata.name ?? "";
  const name = secretText(secret, "name") ?? secretName;
  const where = `Secret ${namespace}/${secretName}`;
  const invalid = (why: string) =>
    new DestinationError(
      "cluster-invalid",
      name,
      `cluster "${name}" (${where}) cannot be used: ${why}; register it again with \`moor cluster add ${name} --kubeconfig FILE --upsert\``,
    );
  const config = secretText(secret, "config");
  if (!config) throw invalid("it has no data.config");
  let parsed: unknown;
  try {
    parsed = parse(config);
  } catch (err) {
    throw invalid(`data.config is neither a kubeconfig nor JSON (${(err as Error).message.split("\n")[0]})`);
  }
  if (typeof parsed !== "object" || parsed === null) throw invalid("data.config is not a kubeconfig");
  let credentials: Credentials;
  if ("clusters" in parsed) {
    const fileField = fileReference(parsed);
    if (fileField) throw invalid(`its kubeconfig refers to a local file (${fileField}); embed it instead`);
    try {
      credentials = fromKubeconfigText(config, where).credentials;
    } catch (err) {
      throw invalid((err as Error).message.replace(/^kubeconfig /, ""));
    }
  } else {
    const server = secretText(secret, "server");
    if (!server) throw invalid("an Argo CD style config needs data.server");
    credentials = argoCdCredentials(server, parsed as ArgoCdClusterConfig, invalid);
  }
  const namespaces = secretText(secret, "namespaces")
    ?.split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  return {
    name,
    server: credentials.server,
    credentials,
    ...(namespaces && namespaces.length > 0 ? { namespaces } : {}),
    secretName,
    resourceVersion: secret.metadata.resourceVersion ?? "",
    ...(secret.metadata.creationTimestamp ? { createdAt: secret.metadata.creationTimestamp } : {}),
  };
}

function fileReference(kubeconfig: object): string | undefined {
  const entries = [
    ...((kubeconfig as { clusters?: { cluster?: Record<string, unknown> }[] }).clusters ?? []).map(
      (c) => c.cluster,
    ),
    ...((kubeconfig as { users?: { user?: Record<string, unknown> }[] }).users ?? []).map((u) => u.user),
  ];
  for (const entry of entries) {
    for (const field of FILE_FIELDS) if (entry && entry[field] !== undefined) return field;
  }
  return undefined;
}

interface ArgoCdClusterConfig {
  bearerToken?: string;
  username?: string;
  password?: string;
  tlsClientConfig?: { insecure?: boolean; caData?: string; certData?: string; keyData?: string };
  execProviderConfig?: unknown;
  awsAuthConfig?: unknown;
}

function argoCdCredentials(
  server: string,
  config: ArgoCdClusterConfig,
  invalid: (why: string) => DestinationError,
): Credentials {
  if (config.execProviderConfig || config.awsAuthConfig) {
    throw invalid(
      "it uses an exec or AWS auth plugin, which Mooring does not run; use a token or certificate",
    );
  }
  if (config.username || config.password) {
    throw invalid("it uses basic authentication, which Mooring does not support; use a token or certificate");
  }
  const pem = (b64: string) => Buffer.from(b64, "base64").toString("utf8");
  const tls = config.tlsClientConfig ?? {};
  const credentials: Credentials = { server };
  if (tls.caData) credentials.caPem = pem(tls.caData);
  if (tls.certData) credentials.certPem = pem(tls.certData);
  if (tls.keyData) credentials.keyPem = pem(tls.keyData);
  if (tls.insecure) credentials.insecureSkipTlsVerify = true;
  if (config.bearerToken) credentials.token = config.bearerToken;
  return credentials;
}

/** The server answered, but with an HTTP status that means "not with these credentials". */
class RefusedError extends Error {}

function refusedReason(status: number, path: string): string {
  return status === 401 ? "HTTP 401 Unauthorized" : `HTTP ${status} Forbidden on ${path}`;
}

/** The server's gitVersion; throws with the reason when it does not answer in time. */
export async function serverVersion(client: KubeClient, timeoutMs = 3000): Promise<string> {
  let res: Awaited<ReturnType<typeof client.rest.request<{ gitVersion?: string }>>>;
  try {
    res = await client.rest.request<{ gitVersion?: string }>("GET", "/version", { timeoutMs });
  } catch (err) {
    const message = (err as Error).message;
    throw new Error(
      /no answer within the timeout/.test(message) ? `no answer within ${timeoutMs / 1000}s` : message,
    );
  }
  if (res.status === 401 || res.status === 403) throw new RefusedError(refusedReason(res.status, "/version"));
  if (res.status !== 200 || typeof res.body !== "object" || !res.body.gitVersion) {
    throw new Error(`GET /version answered HTTP ${res.status}`);
  }
  return res.body.gitVersion;
}

/**
 * Checks that the credentials are accepted. GET /version answers anonymous callers too, so a
 * SelfSubjectReview ("who am I?") proves that the token or certificate names a user.
 */
async function verifyCredentials(client: KubeClient, timeoutMs: number): Promise<void> {
  const review = await client.rest.request<{ status?: { userInfo?: { username?: string } } }>(
    "POST",
    "/apis/authentication.k8s.io/v1/selfsubjectreviews",
    { body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" }, timeoutMs },
  );
  if (review.status === 201 || review.status === 200) {
    if (review.body.status?.userInfo?.username === "system:anonymous") {
      throw new RefusedError("the cluster sees them as system:anonymous");
    }
    return;
  }
  if (review.status === 401) throw new RefusedError(refusedReason(401, "selfsubjectreviews"));
  // Clusters older than 1.28 have no SelfSubjectReview, and RBAC may forbid it: an authenticated
  // discovery read proves the same.
  const api = await client.rest.request("GET", "/api", { timeoutMs });
  if (api.status === 401 || api.status === 403) throw new RefusedError(refusedReason(api.status, "/api"));
  if (api.status !== 200) throw new Error(`GET /api answered HTTP ${api.status}`);
}

// ---- the registry ---------------------------------------------------------------------------

interface CachedDestination {
  resourceVersion: string;
  secretName: string;
  destination: Destination;
}

export class Destinations {
  private readonly client: KubeClient;
  private readonly namespace: string;
  private readonly listTtlMs: number;
  private readonly cache = new Map<string, CachedDestination>();
  private listing: { at: number; secrets: Promise<KubeObject[]> } | undefined;

  /** `client` is the controller's own (the in-cluster destination); `namespace` where Mooring runs. */
  constructor(
    client: KubeClient,
    namespace: string = CONTROLLER_NAMESPACE,
    options: DestinationsOptions = {},
  ) {
    this.client = client;
    this.namespace = namespace;
    this.listTtlMs = options.listTtlMs ?? 2000;
  }

  /** The destination an Application names; undefined or "in-cluster" is the cluster Mooring runs in. */
  async resolve(cluster: string | undefined): Promise<Destination> {
    if (cluster === undefined || cluster === "" || cluster === IN_CLUSTER) {
      return { name: IN_CLUSTER, server: this.client.rest.server, client: this.client };
    }
    const secret = findClusterSecret(await this.clusterSecrets(), cluster);
    const cached = this.cache.get(cluster);
    if (!secret) {
      if (cached) {
        cached.destination.client.close();
        this.cache.delete(cluster);
      }
      throw new DestinationError(
        "cluster-not-found",
        cluster,
        `cluster "${cluster}" is not registered in namespace ${this.namespace}; register it with \`moor cluster add ${cluster} --kubeconfig FILE\` or fix spec.destination.cluster`,
      );
    }
    const resourceVersion = secret.metadata.resourceVersion ?? "";
    const secretName = secret.metadata.name ?? "";
    if (cached && cached.resourceVersion === resourceVersion && cached.secretName === secretName) {
      return cached.destination;
    }
    // Nothing awaits between the cache lookup and the update below, so concurrent callers share
    // one client; a client built from an older version of the Secret is closed.
    let registered: RegisteredCluster;
    try {
      registered = clusterFromSecret(secret, this.namespace);
    } catch (err) {
      cached?.destination.client.close();
      this.cache.delete(cluster);
      throw err;
    }
    const destination: Destination = {
      name: cluster,
      server: registered.server,
      client: new KubeClient(registered.credentials),
      ...(registered.namespaces ? { namespaces: registered.namespaces } : {}),
    };
    cached?.destination.client.close();
    this.cache.set(cluster, { resourceVersion, secretName, destination });
    return destination;
  }

  /** The client for a destination; see resolve. */
  async clientFor(cluster: string | undefined): Promise<KubeClient> {
    return (await this.resolve(cluster)).client;
  }

  /**
   * Every destination, in-cluster first, then by name. With `probe`, each one's version is read
   * live (GET /version) within `probeTimeoutMs` (default 3 s).
   */
  async list(options: { probe?: boolean; probeTimeoutMs?: number } = {}): Promise<DestinationInfo[]> {
    const secrets = await this.clusterSecrets(true);
    const infos: DestinationInfo[] = [{ name: IN_CLUSTER, server: this.client.rest.server }];
    const seen = new Set<string>([IN_CLUSTER]);
    const registered = [...secrets]
      .sort(bySecretPreference)
      .map((secret) => {
        try {
          const c = clusterFromSecret(secret, this.namespace);
          const info: DestinationInfo = {
            name: c.name,
            server: c.server,
            secretName: c.secretName,
            ...(c.namespaces ? { namespaces: c.namespaces } : {}),
            ...(c.createdAt ? { createdAt: c.createdAt } : {}),
          };
          return info;
        } catch (err) {
          const info: DestinationInfo = {
            name: secretText(secret, "name") ?? secret.metadata.name ?? "",
            server: secretText(secret, "server") ?? "",
            secretName: secret.metadata.name ?? "",
            ...(secret.metadata.creationTimestamp ? { createdAt: secret.metadata.creationTimestamp } : {}),
            error: `invalid: ${(err as Error).message}`,
          };
          return info;
        }
      })
      .sort((a, b) => a.name.localeCompare(b.name));
    for (const info of registered) {
      // A name registered twice (say, by Mooring and by Argo CD) resolves to the preferred
      // Secret, which the stable sorts above put first; list that one.
      if (seen.has(info.name)) continue;
      seen.add(info.name);
      infos.push(info);
    }
    if (options.probe) {
      const timeoutMs = options.probeTimeoutMs ?? 3000;
      await Promise.all(
        infos.map(async (info) => {
          if (info.error) return;
          try {
            const client = await this.clientFor(info.name);
            info.version = await serverVersion(client, timeoutMs);
          } catch (err) {
            const reason = (err as Error).message;
            info.error = `unreachable: ${err instanceof RefusedError ? `credentials refused (${reason})` : reason}`;
          }
        }),
      );
    }
    return infos;
  }

  /**
   * Registers a cluster after checking that it answers and accepts the credentials. Adding the
   * same cluster again changes nothing; different content needs `upsert`.
   */
  async add(input: AddClusterInput): Promise<AddClusterResult> {
    validateClusterName(input.name);
    const probeTimeoutMs = input.probeTimeoutMs ?? 10_000;
    const { server } = input.credentials;
    const probe = new KubeClient(input.credentials);
    let version: string;
    try {
      version = await serverVersion(probe, probeTimeoutMs);
      await verifyCredentials(probe, probeTimeoutMs);
    } catch (err) {
      const reason = (err as Error).message;
      throw err instanceof RefusedError
        ? new DestinationError(
            "cluster-refused",
            input.name,
            `cluster "${input.name}" at ${server} does not accept the credentials (${reason}); check the user (token or client certificate) of the kubeconfig's context`,
          )
        : new DestinationError(
            "cluster-unreachable",
            input.name,
            `cannot reach cluster "${input.name}" at ${server}: ${reason}; check the kubeconfig's server address and that the cluster is running`,
          );
    } finally {
      probe.close();
    }
    const existing = findClusterSecret(await this.clusterSecrets(true), input.name);
    const desired = clusterSecret({
      name: input.name,
      credentials: input.credentials,
      namespace: this.namespace,
      ...(input.namespaces ? { namespaces: input.namespaces } : {}),
      ...(existing?.metadata.name ? { secretName: existing.metadata.name } : {}),
    });
    if (existing && !input.upsert && !sameData(existing, desired)) {
      throw new DestinationError(
        "cluster-exists",
        input.name,
        `cluster "${input.name}" is already registered (Secret ${this.namespace}/${existing.metadata.name}, server ${secretText(existing, "server") ?? "unknown"}) with other settings; pass --upsert to replace them`,
      );
    }
    let applied: KubeObject;
    try {
      applied = await this.client.apply(desired, { fieldManager: FIELD_MANAGER });
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) {
        throw new DestinationError(
          "not-installed",
          input.name,
          `cannot register cluster "${input.name}": namespace ${this.namespace} does not exist; run \`moor install\` first`,
        );
      }
      throw err;
    }
    this.listing = undefined;
    const action = !existing
      ? "created"
      : existing.metadata.resourceVersion === applied.metadata.resourceVersion
        ? "unchanged"
        : "configured";
    return { name: input.name, server, version, secretName: desired.metadata.name ?? "", action };
  }

  /** Deletes a cluster's registration; returns the Secret's name. */
  async remove(name: string): Promise<string> {
    if (name === IN_CLUSTER) {
      throw new DestinationError(
        "invalid-name",
        name,
        `"${IN_CLUSTER}" is the cluster Mooring runs in and cannot be removed`,
      );
    }
    const secret = findClusterSecret(await this.clusterSecrets(true), name);
    if (!secret?.metadata.name) {
      throw new DestinationError(
        "cluster-not-found",
        name,
        `cluster "${name}" is not registered in namespace ${this.namespace}; \`moor cluster list\` shows the registered clusters`,
      );
    }
    await this.client.delete({
      apiVersion: "v1",
      group: "",
      kind: "Secret",
      namespace: this.namespace,
      name: secret.metadata.name,
    });
    this.listing = undefined;
    const cached = this.cache.get(name);
    cached?.destination.client.close();
    this.cache.delete(name);
    return secret.metadata.name;
  }

  /** Closes every client built for registered clusters (not the controller's own). */
  close(): void {
    for (const cached of this.cache.values()) cached.destination.client.close();
    this.cache.clear();
  }

  /** Cluster Secrets of both labels, reused for listTtlMs unless `fresh`. */
  private clusterSecrets(fresh = false): Promise<KubeObject[]> {
    const now = Date.now();
    if (!fresh && this.listing && now - this.listing.at < this.listTtlMs) return this.listing.secrets;
    const secrets = Promise.all(
      [SECRET_TYPE_LABEL, ARGOCD_SECRET_TYPE_LABEL].map((label) =>
        this.client.list("v1", "Secret", { namespace: this.namespace, labelSelector: `${label}=cluster` }),
      ),
    ).then((lists) => {
      const byName = new Map<string, KubeObject>();
      for (const s of lists.flatMap((l) => l.items)) byName.set(s.metadata.name ?? "", s);
      return [...byName.values()];
    });
    const listing = { at: now, secrets };
    this.listing = listing;
    secrets.catch(() => {
      if (this.listing === listing) this.listing = undefined;
    });
    return secrets;
  }
}

function sameData(a: KubeObject, b: KubeObject): boolean {
  const keys = ["name", "server", "config", "namespaces"];
  return keys.every((k) => secretText(a, k) === secretText(b, k));
}
