// The environment a Stack's tofu runs with. Providers read their credentials from environment
// variables (AWS_ACCESS_KEY_ID, GOOGLE_CREDENTIALS, KUBE_TOKEN, ...), so a Stack lists them in
// `env` and `envFrom` exactly as a Pod's container does: envFrom first, in order, then env,
// each later entry winning. Every value is treated as a secret: it is handed to tofu, scrubbed
// from its output, and never logged or stored.
//
// Some names are Mooring's own: they decide where tofu reads its configuration and keeps its
// data, who tofu is in the cluster (KUBE_HOST, KUBE_TOKEN, KUBE_CLUSTER_CA_CERT_DATA carry the
// token of the Stack's ServiceAccount, see identity.ts), or they would let a Stack pass extra
// arguments to tofu or switch on trace logs that print credentials. Those names are refused in
// `env` and skipped in `envFrom`. To manage another cluster, configure the kubernetes provider
// in the module (host, token and CA from variables) instead.
import type { EnvFromSource, EnvVar } from "./spec.ts";
import type { LookupData } from "./vars.ts";

const RESERVED_EXACT: Record<string, string> = {
  PATH: "is set by Mooring for every run",
  HOME: "is set by Mooring for every run",
  TF_CLI_CONFIG_FILE: "is set by Mooring (it selects the provider mirror)",
  TF_DATA_DIR: "is set by Mooring for every run",
  TF_IN_AUTOMATION: "is set by Mooring for every run",
  TF_INPUT: "is set by Mooring for every run",
  CHECKPOINT_DISABLE: "is set by Mooring for every run",
  TF_WORKSPACE: "is chosen by spec.workspace",
  TF_PLUGIN_CACHE_DIR: "is managed by Mooring",
  TF_REATTACH_PROVIDERS: "would run providers Mooring did not start",
  KUBE_HOST: "is set by Mooring: runs act as the Stack's ServiceAccount (spec.serviceAccountName)",
  KUBE_TOKEN: "is set by Mooring: runs act as the Stack's ServiceAccount (spec.serviceAccountName)",
  KUBE_CLUSTER_CA_CERT_DATA:
    "is set by Mooring: runs act as the Stack's ServiceAccount (spec.serviceAccountName)",
  KUBE_LOAD_CONFIG_FILE:
    "is set by Mooring so that the kubernetes provider uses the token of the Stack's ServiceAccount",
};
const RESERVED_PREFIXES: [string, string][] = [
  ["TF_CLI_ARGS", "would add arguments to the commands Mooring runs"],
  ["TF_LOG", "would write provider traffic, credentials included, to the run's log"],
];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why a Stack may not set this environment variable, or undefined when it may. */
export function reservedEnvReason(name: string): string | undefined {
  const exact = RESERVED_EXACT[name];
  if (exact) return `${name} ${exact}`;
  for (const [prefix, reason] of RESERVED_PREFIXES) {
    if (name.startsWith(prefix)) return `${name} ${reason}`;
  }
  return undefined;
}

export interface ResolvedEnv {
  /** Name → value, for the tofu process only. */
  env: Record<string, string>;
  /** Keys of envFrom objects left out, with the reason (names only, never values). */
  skipped: string[];
  /** Why the environment cannot be built (a missing Secret, a missing key); empty when it can. */
  problems: string[];
}

/** Builds the environment from `envFrom` then `env`, reading ConfigMaps and Secrets through `lookup`. */
export function resolveEnv(
  spec: { env?: EnvVar[]; envFrom?: EnvFromSource[] },
  lookup: LookupData,
): ResolvedEnv {
  const env: Record<string, string> = {};
  const skipped: string[] = [];
  const problems: string[] = [];
  (spec.envFrom ?? []).forEach((from, i) => {
    const ref = from.secretRef ?? from.configMapRef;
    const kind = from.secretRef ? "Secret" : "ConfigMap";
    if (!ref) return;
    const data = lookup(kind, ref.name);
    if (!data) {
      if (!ref.optional) problems.push(`envFrom[${i}]: ${kind} ${ref.name} not found`);
      return;
    }
    for (const key of Object.keys(data).sort()) {
      const name = `${from.prefix ?? ""}${key}`;
      const reason = ENV_NAME.test(name)
        ? reservedEnvReason(name)
        : `${name} is not a valid environment variable name`;
      if (reason) {
        skipped.push(`${kind} ${ref.name} key ${key}: ${reason}`);
        continue;
      }
      env[name] = data[key] as string;
    }
  });
  (spec.env ?? []).forEach((entry, i) => {
    const reason = ENV_NAME.test(entry.name) ? reservedEnvReason(entry.name) : "is not a valid name";
    if (reason) {
      problems.push(`env[${i}] (${entry.name}): ${reason}`);
      return;
    }
    if (entry.value !== undefined) {
      env[entry.name] = entry.value;
      return;
    }
    const selector = entry.valueFrom?.secretKeyRef ?? entry.valueFrom?.configMapKeyRef;
    const kind = entry.valueFrom?.secretKeyRef ? "Secret" : "ConfigMap";
    if (!selector) {
      problems.push(`env[${i}] (${entry.name}): needs value or valueFrom`);
      return;
    }
    const value = lookup(kind, selector.name)?.[selector.key];
    if (value === undefined) {
      if (!selector.optional)
        problems.push(`env[${i}] (${entry.name}): ${kind} ${selector.name} has no key ${selector.key}`);
      return;
    }
    env[entry.name] = value;
  });
  return { env, skipped, problems };
}
