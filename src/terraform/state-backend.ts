// Where a Stack's state lives: never on the controller's disk, but in the cluster Mooring runs
// in, through tofu's built-in `kubernetes` backend. It keeps the gzipped state in the Secret
// `tfstate-<workspace>-<secret_suffix>` and takes the Lease `lock-tfstate-<workspace>-<suffix>`
// while it works, so two runs can never write the same state.
//
// The user's module needs no backend block: Mooring writes `_mooring_backend_override.tf` next
// to it, and tofu merges files named `*_override.tf` over the rest of the module, replacing
// whatever backend (or cloud block) the module declares; a module whose own override files
// declare one is refused (src/core/stack/override-files.ts). The suffix is made from the
// Stack's namespace and name, so each Stack has its own state.
//
// Who the backend is: in Mooring's runs, the Stack's ServiceAccount. The override points the
// backend at a kubeconfig of the run's own that names only the API server and its CA, and
// leaves `token` to the environment, where the runner puts the run's token (KUBE_TOKEN). The
// controller's kubeconfig or Pod token never reach tofu. Every other setting the environment
// would fill in (KUBE_USER, KUBE_CTX, KUBE_CONFIG_PATH...) is written out empty, so a Stack's
// `env` cannot point the state elsewhere.
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MOORING_OVERRIDE_FILE } from "../core/stack/override-files.ts";

export const BACKEND_OVERRIDE_FILE = MOORING_OVERRIDE_FILE;

export interface StackName {
  namespace: string;
  name: string;
}

/** Where the API server is and how to trust it: a kubeconfig's cluster, without credentials. */
export interface ApiServer {
  /** https://host:port */
  server: string;
  caPem?: string;
  insecureSkipTlsVerify?: boolean;
}

export type ClusterAccess =
  /**
   * Mooring's runs: `clusterFile` is a kubeconfig naming only the API server and its CA
   * (clusterKubeconfig); the token comes from KUBE_TOKEN, set by the runner for each run.
   */
  | { clusterFile: string; insecure?: boolean }
  /** tofu run by hand, benchmarks: a kubeconfig file with its credentials, and optionally a context. */
  | { kubeconfig: string; context?: string };

export interface StateBackendOptions {
  stack: StackName;
  /** Namespace of the state Secret and lock Lease; default: the Stack's namespace. */
  namespace?: string;
  access: ClusterAccess;
}

/** Label values (the backend labels the Secret with the suffix) are at most 63 characters. */
const MAX_SUFFIX = 63;

/** `<namespace>.<name>`, or a shortened form with a hash when that would be too long for a label. */
export function stateSecretSuffix(stack: StackName): string {
  const plain = `${stack.namespace}.${stack.name}`;
  if (plain.length <= MAX_SUFFIX) return plain;
  const hash = createHash("sha256").update(plain).digest("hex").slice(0, 12);
  return `${plain.slice(0, MAX_SUFFIX - hash.length - 1).replace(/[-.]+$/, "")}-${hash}`;
}

/** The Secret holding the state of this Stack's workspace. */
export function stateSecretName(stack: StackName, workspace: string): string {
  return `tfstate-${workspace}-${stateSecretSuffix(stack)}`;
}

/** The Lease tofu holds while it works on that state. */
export function stateLeaseName(stack: StackName, workspace: string): string {
  return `lock-${stateSecretName(stack, workspace)}`;
}

/**
 * Where a Stack's state lock lives as the controller runs it: the Lease of its workspace, in the
 * Stack's own namespace (where the backend override puts the state).
 */
export function stackLockLease(stack: {
  metadata: { namespace: string; name: string };
  spec: { workspace?: string };
}): StackName {
  const { namespace, name } = stack.metadata;
  return { namespace, name: stateLeaseName({ namespace, name }, stack.spec.workspace || "default") };
}

/** Backend settings that the environment would fill in when left out; written empty on purpose. */
const NEUTRALISED = [
  "host",
  "username",
  "password",
  "client_certificate",
  "client_key",
  "cluster_ca_certificate",
  "config_context_auth_info",
  "config_context_cluster",
];

/** The text of `_mooring_backend_override.tf`. */
export function renderBackendOverride(options: StateBackendOptions): string {
  const { stack, access } = options;
  const settings: [string, string][] = [
    ["secret_suffix", hclString(stateSecretSuffix(stack))],
    ["namespace", hclString(options.namespace ?? stack.namespace)],
    ["in_cluster_config", "false"],
  ];
  if ("clusterFile" in access) {
    settings.push(["config_path", hclString(access.clusterFile)]);
    settings.push(["config_context", hclString("")]);
    // `token` stays out: the backend reads it from KUBE_TOKEN, the run's own.
  } else {
    settings.push(["config_path", hclString(access.kubeconfig)]);
    settings.push(["config_context", hclString(access.context ?? "")]);
    settings.push(["token", hclString("")]);
  }
  for (const key of NEUTRALISED) settings.push([key, hclString("")]);
  settings.push(["insecure", "clusterFile" in access && access.insecure ? "true" : "false"]);
  const labels: [string, string][] = [["app.kubernetes.io/managed-by", "mooring"]];
  if (stack.namespace.length <= MAX_SUFFIX) labels.push(["mooring.dev/stack-namespace", stack.namespace]);
  if (stack.name.length <= MAX_SUFFIX) labels.push(["mooring.dev/stack-name", stack.name]);
  const width = Math.max(...settings.map(([k]) => k.length));
  const lines = settings.map(([k, v]) => `    ${k.padEnd(width)} = ${v}`);
  const labelLines = labels.map(([k, v]) => `      ${hclString(k)} = ${hclString(v)}`);
  return [
    "# Written by Mooring for every run: the state of this Stack lives in a Kubernetes Secret.",
    "# Do not commit this file; Mooring overwrites it.",
    "terraform {",
    '  backend "kubernetes" {',
    ...lines,
    "    labels = {",
    ...labelLines,
    "    }",
    "  }",
    "}",
    "",
  ].join("\n");
}

/**
 * A kubeconfig naming the API server and its CA and no user: what the backend needs besides the
 * token to reach the cluster. Nothing secret is in it.
 */
export function clusterKubeconfig(api: ApiServer): string {
  const cluster: Record<string, unknown> = { server: api.server };
  if (api.caPem) cluster["certificate-authority-data"] = Buffer.from(api.caPem, "utf8").toString("base64");
  if (api.insecureSkipTlsVerify) cluster["insecure-skip-tls-verify"] = true;
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "mooring", cluster }],
    users: [{ name: "stack", user: {} }],
    contexts: [{ name: "mooring", context: { cluster: "mooring", user: "stack" } }],
    "current-context": "mooring",
  };
  // JSON is YAML: client-go reads it as a kubeconfig.
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** Writes the override file into the module directory; returns its path. */
export async function writeBackendOverride(moduleDir: string, options: StateBackendOptions): Promise<string> {
  const path = join(moduleDir, BACKEND_OVERRIDE_FILE);
  await writeFile(path, renderBackendOverride(options), { mode: 0o600 });
  return path;
}

/**
 * A quoted HCL string. JSON escapes are valid HCL escapes; HCL also reads `${` and `%{` as the
 * start of a template, so those are doubled to stay literal.
 */
export function hclString(value: string): string {
  return JSON.stringify(value)
    .replaceAll("${", () => "$${")
    .replaceAll("%{", () => "%%{");
}
