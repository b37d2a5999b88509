// From `moor app create` flags (and optionally an Application manifest given with -f) to the
// Application to apply. A manifest is the starting point and flags override its fields, as with
// `argocd app create -f`. Everything here is pure, so every combination of flags is unit-tested.
import { isMultiSource } from "../core/app-sources.ts";
import {
  APPLICATION_API_VERSION,
  type Application,
  type ApplicationSource,
  type ApplicationSpec,
} from "../core/application.ts";
import { diffObjects } from "../core/diff.ts";
import { isPlainObject, jsonEqual } from "../core/json.ts";
import { OBJECT_NAME } from "../core/objects.ts";
import { DEFAULT_PROJECT } from "../core/project/project.ts";
import { parseSyncOptions } from "../core/sync-plan.ts";
import { stringValue, stringValues, type Values } from "./command.ts";
import { nameAndNamespace, parseManifestDocument } from "./manifest-input.ts";
import { UsageError } from "./output.ts";

/** Field manager of everything `moor app create` applies. */
export { CLI_FIELD_MANAGER } from "./resource-client.ts";

export function validateAppName(name: string): string {
  if (name.length > 253 || !OBJECT_NAME.test(name)) {
    throw new UsageError(
      `invalid application name "${name}": use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit`,
    );
  }
  return name;
}

export interface CreateInput {
  /** The NAME argument, when given. */
  name?: string;
  /** Parsed flags of `moor app create`. */
  values: Values;
  /** Text of the -f manifest and where it came from, when given. */
  manifest?: { text: string; source: string };
}

/** `k=v` → [k, v]; the value may itself contain '='. */
function keyValue(entry: string, flag: string): [string, string] {
  const eq = entry.indexOf("=");
  if (eq <= 0) throw new UsageError(`${flag} takes KEY=VALUE, got "${entry}"`);
  return [entry.slice(0, eq), entry.slice(eq + 1)];
}

/** The Application a manifest declares, checked enough to give a clear message. */
export function parseAppManifest(text: string, source: string): Application {
  const doc = parseManifestDocument(text, source, "an Application");
  if (doc.kind !== "Application") {
    throw new UsageError(`${source} declares kind ${String(doc.kind)}, not Application`);
  }
  if (doc.apiVersion === "argoproj.io/v1alpha1") {
    throw new UsageError(
      `${source} is an Argo CD Application: change apiVersion to ${APPLICATION_API_VERSION} and spec.destination.server/name to spec.destination.cluster`,
    );
  }
  if (doc.apiVersion !== APPLICATION_API_VERSION) {
    throw new UsageError(
      `${source}: apiVersion must be ${APPLICATION_API_VERSION}, got ${String(doc.apiVersion)}`,
    );
  }
  if (doc.spec !== undefined && !isPlainObject(doc.spec))
    throw new UsageError(`${source}: spec must be a map`);
  return doc as unknown as Application;
}

/**
 * The Application to apply. Only what the user means to own is kept from a manifest: name,
 * namespace, labels, annotations, finalizers and spec (never status, operation or server fields).
 */
export function applicationFromFlags(input: CreateInput): Application {
  const { values } = input;
  const file = input.manifest ? parseAppManifest(input.manifest.text, input.manifest.source) : undefined;
  const { name, namespace } = nameAndNamespace(
    input,
    file?.metadata,
    "expected an application name (moor app create NAME ...)",
  );
  validateAppName(name);

  const spec: ApplicationSpec = structuredClone(
    file?.spec ?? ({ source: { repoURL: "" }, destination: {} } as ApplicationSpec),
  );
  spec.destination = { ...(spec.destination ?? {}) };
  // A multi-source manifest keeps its sources as written: flags edit one source only.
  const multi = isMultiSource(spec);
  if (multi) refuseSourceFlags(values);
  const source = multi ? undefined : { ...(spec.source ?? { repoURL: "" }) };
  if (source) {
    spec.source = source;
    const repo = stringValue(values, "repo");
    if (repo !== undefined) source.repoURL = repo;
    if (!source.repoURL) throw new UsageError("--repo is required (the Git repository URL)");
    const revision = stringValue(values, "revision");
    if (revision !== undefined) source.targetRevision = revision;
    const path = stringValue(values, "path");
    if (path !== undefined) source.path = path;
  }
  const destNamespace = stringValue(values, "dest-namespace");
  if (destNamespace !== undefined) spec.destination.namespace = destNamespace;
  const destCluster = stringValue(values, "dest-cluster");
  if (destCluster !== undefined) spec.destination.cluster = destCluster;
  const project = stringValue(values, "project");
  if (project !== undefined) spec.project = project;

  applySyncPolicy(spec, values);
  if (source) applyHelm(source, values);
  if (source && values["directory-recurse"] === true) {
    if (source.helm || source.kustomize) {
      throw new UsageError(
        "--directory-recurse is for plain directories; this source is set up for helm or kustomize",
      );
    }
    source.directory = { ...source.directory, recurse: true };
  }

  const metadata: Application["metadata"] = { name, namespace };
  if (file?.metadata?.labels) metadata.labels = { ...file.metadata.labels };
  if (file?.metadata?.annotations) metadata.annotations = { ...file.metadata.annotations };
  if (file?.metadata?.finalizers) metadata.finalizers = [...file.metadata.finalizers];
  return { apiVersion: APPLICATION_API_VERSION, kind: "Application", metadata, spec };
}

function applySyncPolicy(spec: ApplicationSpec, values: Values): void {
  const policy = stringValue(values, "sync-policy");
  if (policy !== undefined && policy !== "automated" && policy !== "none") {
    throw new UsageError(`--sync-policy takes automated or none, got "${policy}"`);
  }
  const syncPolicy = { ...(spec.syncPolicy ?? {}) };
  if (policy === "none") delete syncPolicy.automated;
  if (policy === "automated") syncPolicy.automated = { ...(syncPolicy.automated ?? {}) };
  for (const [flag, field] of [
    ["auto-prune", "prune"],
    ["self-heal", "selfHeal"],
  ] as const) {
    if (values[flag] !== true) continue;
    if (!syncPolicy.automated) throw new UsageError(`--${flag} needs --sync-policy automated`);
    syncPolicy.automated[field] = true;
  }
  const options = stringValues(values, "sync-option");
  if (options !== undefined) {
    for (const option of options) keyValue(option, "--sync-option");
    const { errors } = parseSyncOptions(options);
    if (errors.length > 0) throw new UsageError(`--sync-option: ${errors.map((e) => e.message).join("; ")}`);
    syncPolicy.syncOptions = options;
  }
  if (Object.keys(syncPolicy).length > 0) spec.syncPolicy = syncPolicy;
  else delete spec.syncPolicy;
}

/** Flags that edit the one source; a manifest with spec.sources is edited in the file instead. */
const SOURCE_FLAGS = [
  "repo",
  "revision",
  "path",
  "helm-set",
  "helm-values-file",
  "release-name",
  "directory-recurse",
];

function refuseSourceFlags(values: Values): void {
  const given = SOURCE_FLAGS.filter((flag) => values[flag] !== undefined && values[flag] !== false);
  if (given.length > 0) {
    throw new UsageError(
      `--${given[0]} edits spec.source, but the manifest lists spec.sources: change the source in the file`,
    );
  }
}

function applyHelm(source: ApplicationSource, values: Values): void {
  const sets = stringValues(values, "helm-set");
  const valueFiles = stringValues(values, "helm-values-file");
  const releaseName = stringValue(values, "release-name");
  if (sets === undefined && valueFiles === undefined && releaseName === undefined) return;
  if (source.directory || source.kustomize || values["directory-recurse"] === true) {
    throw new UsageError(
      "--helm-set, --helm-values-file and --release-name are for helm charts; this source is not one",
    );
  }
  const helm = { ...(source.helm ?? {}) };
  if (sets !== undefined) {
    helm.parameters = sets.map((entry) => {
      const [name, value] = keyValue(entry, "--helm-set");
      return { name, value };
    });
  }
  if (valueFiles !== undefined) helm.valueFiles = valueFiles;
  if (releaseName !== undefined) helm.releaseName = releaseName;
  source.helm = helm;
}

/**
 * Whether an existing Application already is what `desired` asks for: the same spec, and the
 * labels and annotations desired carry the same values (the server's own metadata is ignored).
 */
export function sameApplication(existing: Application, desired: Application): boolean {
  if (!jsonEqual(withProject(existing.spec), withProject(desired.spec))) return false;
  for (const field of ["labels", "annotations"] as const) {
    const want = desired.metadata[field] ?? {};
    const have = existing.metadata[field] ?? {};
    if (Object.entries(want).some(([k, v]) => have[k] !== v)) return false;
  }
  return true;
}

/** Paths where `actual` still differs from `desired` (say after another manager kept its fields). */
export function specDifferences(actual: ApplicationSpec, desired: ApplicationSpec): string[] {
  const wrap = (spec: ApplicationSpec) => ({
    apiVersion: APPLICATION_API_VERSION,
    kind: "Application",
    metadata: {},
    spec,
  });
  return diffObjects(wrap(withProject(actual)), wrap(withProject(desired))).changes.map((c) => c.path);
}

/** The API server fills in spec.project; an app that names none means the default one. */
function withProject(spec: ApplicationSpec): ApplicationSpec {
  return { ...spec, project: spec.project || DEFAULT_PROJECT };
}
