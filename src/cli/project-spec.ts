// The Project `moor project create` sends, built from flags or read from a manifest (-f), then
// checked with the same validation the controller applies, so a malformed project is refused
// here with the field named instead of stalling every Application that names it.
//
// Flags take the forms users type:
//   --source-repo URL                            a sourceRepos entry (glob; ! denies)
//   --destination CLUSTER,NAMESPACE              a registered cluster's name (in-cluster: this one)
//   --destination SERVER,NAMESPACE               an API server URL (anything with ://)
//   --allow-cluster-resource GROUP/KIND          clusterResourceWhitelist (KIND alone: core group)
//   --deny-cluster-resource GROUP/KIND           clusterResourceBlacklist
//   --allow-namespaced-resource GROUP/KIND       namespaceResourceWhitelist
//   --deny-namespaced-resource GROUP/KIND        namespaceResourceBlacklist
//   --source-namespace NS                        sourceNamespaces
//   --destination-service-account CLUSTER,NAMESPACE,SA   destinationServiceAccounts
//   --gpg-key FILE                               a signatureKeys entry: an armored GPG public key
//   --ssh-signer LINE                            a signatureKeys entry: an allowed-signers line
import {
  type DestinationServiceAccount,
  type GroupKind,
  PROJECT_API_VERSION,
  PROJECT_KIND,
  type Project,
  type ProjectDestination,
  type ProjectSpec,
  validateProject,
} from "../core/project/project.ts";
import { stringValue, stringValues, type Values } from "./command.ts";
import { nameAndNamespace, parseManifestDocument } from "./manifest-input.ts";
import { UsageError } from "./output.ts";

export const PROJECT_FLAG_OPTIONS = {
  description: { type: "string" },
  "source-repo": { type: "string", multiple: true },
  destination: { type: "string", multiple: true },
  "allow-cluster-resource": { type: "string", multiple: true },
  "deny-cluster-resource": { type: "string", multiple: true },
  "allow-namespaced-resource": { type: "string", multiple: true },
  "deny-namespaced-resource": { type: "string", multiple: true },
  "source-namespace": { type: "string", multiple: true },
  "destination-service-account": { type: "string", multiple: true },
  "gpg-key": { type: "string", multiple: true },
  "ssh-signer": { type: "string", multiple: true },
} as const;

/** `CLUSTER` or `SERVER` (a URL) as a destination's cluster fields. */
function clusterFields(value: string): { name: string } | { server: string } {
  return value.includes("://") ? { server: value } : { name: value };
}

function parts(flag: string, value: string, count: number, form: string): string[] {
  const split = value.split(",").map((p) => p.trim());
  if (split.length !== count || split.some((p) => p === "")) {
    throw new UsageError(`--${flag} takes ${form}, got "${value}"`);
  }
  return split;
}

export function parseDestination(value: string): ProjectDestination {
  const [cluster = "", namespace = ""] = parts(
    "destination",
    value,
    2,
    "CLUSTER,NAMESPACE or SERVER,NAMESPACE",
  );
  return { ...clusterFields(cluster), namespace };
}

export function parseDestinationServiceAccount(value: string): DestinationServiceAccount {
  const [cluster = "", namespace = "", account = ""] = parts(
    "destination-service-account",
    value,
    3,
    "CLUSTER,NAMESPACE,SERVICE_ACCOUNT (SERVICE_ACCOUNT: NAME or NAMESPACE:NAME)",
  );
  return { ...clusterFields(cluster), namespace, defaultServiceAccount: account };
}

/** `apps/Deployment` → {apps, Deployment}; `Namespace` or `/Namespace` → the core group. */
export function parseGroupKind(flag: string, value: string): GroupKind {
  const slash = value.lastIndexOf("/");
  const group = slash < 0 ? "" : value.slice(0, slash);
  const kind = slash < 0 ? value : value.slice(slash + 1);
  if (kind === "" || /[\s,]/.test(value))
    throw new UsageError(`--${flag} takes GROUP/KIND (or KIND for the core group), got "${value}"`);
  return { group, kind };
}

/**
 * The spec the flags describe; fields not given are left out. `gpgKeys` are the files --gpg-key
 * named, read by the caller.
 */
export function specFromFlags(values: Values, gpgKeys: readonly { text: string }[] = []): ProjectSpec {
  const spec: ProjectSpec = {};
  const description = stringValue(values, "description");
  if (description !== undefined) spec.description = description;
  const list = (flag: string) => stringValues(values, flag) ?? [];
  if (list("source-repo").length > 0) spec.sourceRepos = list("source-repo");
  if (list("destination").length > 0) spec.destinations = list("destination").map(parseDestination);
  const kinds = (flag: string) => list(flag).map((v) => parseGroupKind(flag, v));
  if (list("allow-cluster-resource").length > 0)
    spec.clusterResourceWhitelist = kinds("allow-cluster-resource");
  if (list("deny-cluster-resource").length > 0)
    spec.clusterResourceBlacklist = kinds("deny-cluster-resource");
  if (list("allow-namespaced-resource").length > 0)
    spec.namespaceResourceWhitelist = kinds("allow-namespaced-resource");
  if (list("deny-namespaced-resource").length > 0)
    spec.namespaceResourceBlacklist = kinds("deny-namespaced-resource");
  if (list("source-namespace").length > 0) spec.sourceNamespaces = list("source-namespace");
  if (list("destination-service-account").length > 0) {
    spec.destinationServiceAccounts = list("destination-service-account").map(parseDestinationServiceAccount);
  }
  const signatureKeys = [
    ...gpgKeys.map((k) => ({ gpg: k.text })),
    ...list("ssh-signer").map((ssh) => ({ ssh })),
  ];
  if (signatureKeys.length > 0) spec.signatureKeys = signatureKeys;
  return spec;
}

/**
 * The Project to create: from -f (flags may not be mixed in, to keep one source of truth) or
 * from flags; validated. Projects live in the controller namespace (-n when it is not mooring).
 */
export function projectFromInput(input: {
  name?: string;
  values: Values;
  manifest?: { text: string; source: string };
  /** The files --gpg-key named, read. */
  gpgKeys?: { text: string; source: string }[];
}): Project {
  const flagged = Object.keys(PROJECT_FLAG_OPTIONS).filter((flag) => input.values[flag] !== undefined);
  let spec: ProjectSpec;
  let metadata: { name?: string; namespace?: string } | undefined;
  if (input.manifest) {
    if (flagged.length > 0) {
      throw new UsageError(`--${flagged[0]} cannot be combined with -f: put it in ${input.manifest.source}`);
    }
    const doc = parseManifestDocument(input.manifest.text, input.manifest.source, "a Project");
    if (doc.kind !== PROJECT_KIND || doc.apiVersion !== PROJECT_API_VERSION) {
      throw new UsageError(
        `${input.manifest.source} holds ${String(doc.apiVersion)} ${String(doc.kind)}, not ${PROJECT_API_VERSION} Project`,
      );
    }
    metadata = doc.metadata as { name?: string; namespace?: string } | undefined;
    spec = (doc.spec ?? {}) as ProjectSpec;
  } else {
    spec = specFromFlags(input.values, input.gpgKeys);
  }
  const { name, namespace } = nameAndNamespace(
    input,
    metadata,
    "say the project's name: moor project create NAME, or metadata.name in -f",
  );
  const project: Project = {
    apiVersion: PROJECT_API_VERSION,
    kind: PROJECT_KIND,
    metadata: { name, namespace },
    spec,
  };
  const problems = validateProject(project);
  if (problems.length > 0) throw new UsageError(problems.join("; "));
  return project;
}
