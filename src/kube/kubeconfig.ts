// Finding credentials the way kubectl does: an explicit --kubeconfig, else $KUBECONFIG, else
// ~/.kube/config; or, inside a Pod, the mounted service-account token. Only what Mooring needs is
// supported (certificates, tokens, basic CA options); an exec or auth-provider plugin gives a
// clear error instead of a silent failure.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parse } from "yaml";
import type { Credentials } from "./rest.ts";

export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KubeconfigError";
  }
}

interface NamedCluster {
  name: string;
  cluster: {
    server: string;
    "certificate-authority"?: string;
    "certificate-authority-data"?: string;
    "insecure-skip-tls-verify"?: boolean;
    "tls-server-name"?: string;
  };
}

interface NamedUser {
  name: string;
  user: {
    "client-certificate"?: string;
    "client-certificate-data"?: string;
    "client-key"?: string;
    "client-key-data"?: string;
    token?: string;
    tokenFile?: string;
    exec?: unknown;
    "auth-provider"?: unknown;
  };
}

interface KubeconfigFile {
  clusters?: NamedCluster[];
  users?: NamedUser[];
  contexts?: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
  "current-context"?: string;
}

export interface ResolvedConfig {
  credentials: Credentials;
  /** The context's namespace, if it sets one. */
  namespace?: string;
  /** Where the credentials came from, for messages. */
  source: string;
}

const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** Where the Pod's service-account token is mounted; MOORING_SERVICE_ACCOUNT_DIR overrides it. */
function serviceAccountDir(env: NodeJS.ProcessEnv): string {
  return env.MOORING_SERVICE_ACCOUNT_DIR || SERVICE_ACCOUNT_DIR;
}

export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string | null {
  const fromEnv = env.KUBECONFIG?.split(":").find((p) => p && existsSync(p));
  if (fromEnv) return fromEnv;
  const home = join(homedir(), ".kube", "config");
  return existsSync(home) ? home : null;
}

/** Credentials from a kubeconfig file, or from the Pod's service account when there is none. */
export function loadConfig(
  options: { kubeconfig?: string; context?: string; env?: NodeJS.ProcessEnv } = {},
): ResolvedConfig {
  const env = options.env ?? process.env;
  const path = options.kubeconfig ?? defaultKubeconfigPath(env);
  if (path) return fromKubeconfigText(readFileSync(path, "utf8"), path, options.context);
  if (env.KUBERNETES_SERVICE_HOST && existsSync(join(serviceAccountDir(env), "token"))) return inCluster(env);
  throw new KubeconfigError(
    "no kubeconfig found: pass --kubeconfig FILE, set KUBECONFIG, or run inside a cluster with a service account",
  );
}

export function inCluster(env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const host = env.KUBERNETES_SERVICE_HOST ?? "";
  const port = env.KUBERNETES_SERVICE_PORT ?? "443";
  const hostPart = host.includes(":") ? `[${host}]` : host;
  const dir = serviceAccountDir(env);
  return {
    credentials: {
      server: `https://${hostPart}:${port}`,
      caPem: readFileSync(join(dir, "ca.crt"), "utf8"),
      token: readFileSync(join(dir, "token"), "utf8").trim(),
    },
    namespace: readFileSync(join(dir, "namespace"), "utf8").trim(),
    source: "in-cluster service account",
  };
}

/** Parses kubeconfig text; relative file references resolve against the file's folder. */
export function fromKubeconfigText(text: string, path: string, contextName?: string): ResolvedConfig {
  let config: KubeconfigFile;
  try {
    config = (parse(text) ?? {}) as KubeconfigFile;
  } catch (err) {
    throw new KubeconfigError(`kubeconfig ${path} is not valid YAML: ${(err as Error).message}`);
  }
  const wanted = contextName ?? config["current-context"];
  if (!wanted) throw new KubeconfigError(`kubeconfig ${path} has no current-context; pass a context name`);
  const context = config.contexts?.find((c) => c.name === wanted)?.context;
  if (!context) throw new KubeconfigError(`kubeconfig ${path} has no context named "${wanted}"`);
  const cluster = config.clusters?.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster?.server) {
    throw new KubeconfigError(
      `kubeconfig ${path}: context "${wanted}" names cluster "${context.cluster}", which is missing`,
    );
  }
  const user = config.users?.find((u) => u.name === context.user)?.user ?? {};
  if (user.exec || user["auth-provider"]) {
    throw new KubeconfigError(
      `kubeconfig ${path}: user "${context.user}" uses an exec or auth-provider plugin, which moor does not run; use a token or client certificate`,
    );
  }
  const base = dirname(resolve(path));
  const file = (p: string) => readFileSync(isAbsolute(p) ? p : join(base, p), "utf8");
  const data = (b64: string) => Buffer.from(b64, "base64").toString("utf8");
  const credentials: Credentials = { server: cluster.server };
  if (cluster["certificate-authority-data"]) credentials.caPem = data(cluster["certificate-authority-data"]);
  else if (cluster["certificate-authority"]) credentials.caPem = file(cluster["certificate-authority"]);
  if (cluster["insecure-skip-tls-verify"]) credentials.insecureSkipTlsVerify = true;
  if (user["client-certificate-data"]) credentials.certPem = data(user["client-certificate-data"]);
  else if (user["client-certificate"]) credentials.certPem = file(user["client-certificate"]);
  if (user["client-key-data"]) credentials.keyPem = data(user["client-key-data"]);
  else if (user["client-key"]) credentials.keyPem = file(user["client-key"]);
  if (user.token) credentials.token = user.token;
  else if (user.tokenFile) credentials.token = file(user.tokenFile).trim();
  return {
    credentials,
    ...(context.namespace ? { namespace: context.namespace } : {}),
    source: `${path} (context ${wanted})`,
  };
}
