// From `moor stack create` flags (and optionally a Stack manifest given with -f) to the Stack to
// apply. A manifest is the starting point and flags override its fields, as `moor app create`
// does. The result is checked with the same validateStackSpec the controller uses, so a spec the
// controller would refuse never reaches the cluster. Pure, so every flag is unit-tested.
import { isPlainObject, jsonEqual } from "../core/json.ts";
import { OBJECT_NAME } from "../core/objects.ts";
import { DEFAULT_PROJECT } from "../core/project/project.ts";
import {
  DRIFT_MODES,
  type DriftMode,
  STACK_API_VERSION,
  STACK_KIND,
  type Stack,
  type StackDependency,
  type StackSpec,
  VARIABLE_NAME,
  validateStackSpec,
} from "../core/stack/spec.ts";
import { stringValue, stringValues, type Values } from "./command.ts";
import { nameAndNamespace, parseManifestDocument } from "./manifest-input.ts";
import { UsageError } from "./output.ts";

/**
 * Stack names: lower-case RFC 1123 names of at most 63 characters, because the controller labels
 * the Stack's plan Secrets with the name and a label value holds at most 63.
 */

export function validateStackName(name: string): string {
  if (name.length > 63 || !OBJECT_NAME.test(name)) {
    throw new UsageError(
      `invalid stack name "${name}": use at most 63 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit`,
    );
  }
  return name;
}

export interface StackCreateInput {
  /** The NAME argument, when given. */
  name?: string;
  /** Parsed flags of `moor stack create`. */
  values: Values;
  /** Text of the -f manifest and where it came from, when given. */
  manifest?: { text: string; source: string };
}

/** `k=v` → [k, v]; the value may itself contain '='. */
function keyValue(entry: string, flag: string): [string, string] {
  const eq = entry.indexOf("=");
  if (eq <= 0) throw new UsageError(`${flag} takes NAME=VALUE, got "${entry}"`);
  const key = entry.slice(0, eq);
  if (!VARIABLE_NAME.test(key)) {
    throw new UsageError(
      `${flag} ${key}: not a valid variable name (a letter or '_', then letters, digits, '_' or '-')`,
    );
  }
  return [key, entry.slice(eq + 1)];
}

/** The Stack a manifest declares, checked enough to give a clear message. */
export function parseStackManifest(text: string, source: string): Stack {
  const doc = parseManifestDocument(text, source, "a Stack");
  if (typeof doc.apiVersion === "string" && doc.apiVersion.startsWith("infra.contrib.fluxcd.io/")) {
    throw new UsageError(
      `${source} is a tofu-controller Terraform: change apiVersion to ${STACK_API_VERSION}, kind to Stack, and sourceRef to spec.source.repoURL`,
    );
  }
  if (doc.kind !== STACK_KIND) {
    throw new UsageError(`${source} declares kind ${String(doc.kind)}, not ${STACK_KIND}`);
  }
  if (doc.apiVersion !== STACK_API_VERSION) {
    throw new UsageError(`${source}: apiVersion must be ${STACK_API_VERSION}, got ${String(doc.apiVersion)}`);
  }
  if (doc.spec !== undefined && !isPlainObject(doc.spec))
    throw new UsageError(`${source}: spec must be a map`);
  if (doc.metadata !== undefined && !isPlainObject(doc.metadata))
    throw new UsageError(`${source}: metadata must be a map`);
  return doc as unknown as Stack;
}

/**
 * The Stack to apply. Only what the user means to own is kept from a manifest: name, namespace,
 * labels, annotations and spec (never status or server fields).
 */
export function stackFromFlags(input: StackCreateInput): Stack {
  const { values } = input;
  const file = input.manifest ? parseStackManifest(input.manifest.text, input.manifest.source) : undefined;
  const { name, namespace } = nameAndNamespace(
    input,
    file?.metadata,
    "expected a stack name (moor stack create NAME --repo URL ...)",
  );
  validateStackName(name);

  const spec: StackSpec = structuredClone(file?.spec ?? ({ source: { repoURL: "" } } as StackSpec));
  spec.source = { ...(spec.source ?? { repoURL: "" }) };
  const repo = stringValue(values, "repo");
  if (repo !== undefined) spec.source.repoURL = repo;
  if (!spec.source.repoURL) throw new UsageError("--repo is required (the Git repository URL)");
  const revision = stringValue(values, "revision");
  if (revision !== undefined) spec.source.targetRevision = revision;
  const path = stringValue(values, "path");
  if (path !== undefined) spec.source.path = path;
  const workspace = stringValue(values, "workspace");
  if (workspace !== undefined) spec.workspace = workspace;
  const account = stringValue(values, "service-account");
  if (account !== undefined) spec.serviceAccountName = account;

  applyVars(spec, values);
  const approve = stringValue(values, "approve");
  if (approve !== undefined) {
    if (approve !== "auto" && approve !== "manual") {
      throw new UsageError(
        `--approve takes auto or manual, got "${approve}" (to approve one plan use \`moor stack approve NAME PLAN_ID\`)`,
      );
    }
    spec.approvePlan = approve;
  }
  if (values["destroy-on-delete"] === true) spec.destroyOnDelete = true;
  const outputsSecret = stringValue(values, "outputs-secret");
  if (outputsSecret !== undefined) {
    if (!outputsSecret) throw new UsageError("--outputs-secret takes a Secret name");
    spec.writeOutputsToSecret = { ...(spec.writeOutputsToSecret ?? {}), name: outputsSecret };
  }
  applyDrift(spec, values);
  applyDependsOn(spec, values, namespace);

  const problems = validateStackSpec(spec);
  if (problems.length > 0) {
    const where = input.manifest ? ` (from flags and ${input.manifest.source})` : "";
    throw new UsageError(`invalid stack ${name}${where}: ${problems.join("; ")}`);
  }
  const metadata: Stack["metadata"] = { name, namespace };
  if (file?.metadata?.labels) metadata.labels = { ...file.metadata.labels };
  if (file?.metadata?.annotations) metadata.annotations = { ...file.metadata.annotations };
  return { apiVersion: STACK_API_VERSION, kind: STACK_KIND, metadata, spec };
}

/** --var k=v sets a string (tofu converts it where the variable asks for a number or bool); --var-json k=JSON any value. */
function applyVars(spec: StackSpec, values: Values): void {
  const plain = stringValues(values, "var") ?? [];
  const json = stringValues(values, "var-json") ?? [];
  if (plain.length === 0 && json.length === 0) return;
  const vars: Record<string, unknown> = { ...(spec.vars ?? {}) };
  const seen = new Set<string>();
  const once = (key: string, flag: string) => {
    if (seen.has(key)) throw new UsageError(`${flag} ${key}: variable ${key} is set more than once`);
    seen.add(key);
  };
  for (const entry of plain) {
    const [key, value] = keyValue(entry, "--var");
    once(key, "--var");
    vars[key] = value;
  }
  for (const entry of json) {
    const [key, text] = keyValue(entry, "--var-json");
    once(key, "--var-json");
    try {
      vars[key] = JSON.parse(text);
    } catch (err) {
      throw new UsageError(`--var-json ${key}: the value is not JSON (${(err as Error).message})`);
    }
  }
  spec.vars = vars;
}

function applyDrift(spec: StackSpec, values: Values): void {
  const interval = stringValue(values, "drift-interval");
  const mode = stringValue(values, "drift-mode");
  if (interval === undefined && mode === undefined) return;
  if (mode !== undefined && !(DRIFT_MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`--drift-mode takes ${DRIFT_MODES.join(" or ")}, got "${mode}"`);
  }
  spec.driftDetection = {
    ...(spec.driftDetection ?? {}),
    ...(interval !== undefined ? { interval } : {}),
    ...(mode !== undefined ? { mode: mode as DriftMode } : {}),
  };
}

/** --depends-on NAME or NAMESPACE/NAME; the Stack's own namespace is left implicit. */
function applyDependsOn(spec: StackSpec, values: Values, namespace: string): void {
  const entries = stringValues(values, "depends-on");
  if (entries === undefined) return;
  const deps: StackDependency[] = [];
  for (const entry of entries) {
    const parts = entry.split("/");
    if (parts.length > 2 || parts.some((p) => !p)) {
      throw new UsageError(`--depends-on takes NAME or NAMESPACE/NAME, got "${entry}"`);
    }
    const [first, second] = parts as [string, string | undefined];
    const dep: StackDependency =
      second === undefined || first === namespace
        ? { name: second ?? first }
        : { name: second, namespace: first };
    if (!deps.some((d) => d.name === dep.name && d.namespace === dep.namespace)) deps.push(dep);
  }
  spec.dependsOn = deps;
}

/**
 * Whether an existing Stack already is what `desired` asks for: the same spec, and the labels and
 * annotations desired carry the same values (the server's and the controller's own are ignored).
 */
export function sameStack(existing: Stack, desired: Stack): boolean {
  // The API server fills in spec.project; a Stack that names none means the default one.
  const withProject = (spec: Stack["spec"]) => ({
    ...spec,
    project: (spec as { project?: string }).project || DEFAULT_PROJECT,
  });
  if (!jsonEqual(withProject(existing.spec), withProject(desired.spec))) return false;
  for (const field of ["labels", "annotations"] as const) {
    const want = desired.metadata[field] ?? {};
    const have = existing.metadata[field] ?? {};
    if (Object.entries(want).some(([k, v]) => have[k] !== v)) return false;
  }
  return true;
}
