// From manifest text to Kubernetes objects: what every renderer does last, whether the text came
// from a file in the repository or from helm/kustomize.
//
// YAML is read as kubectl reads it, because users check their manifests with kubectl: YAML 1.1,
// where `yes`/`on`/`y` are booleans and `0755` is octal. Two YAML 1.1 types kubectl does NOT
// apply are turned off: timestamps (`2024-01-01` stays a string rather than becoming a Date) and
// base-60 numbers (`10:30` stays a string rather than becoming 630) — Go's YAML library, under
// kubectl, leaves both as strings, and a ConfigMap value silently turned into a number would fail
// or change meaning.
//
// A `kind: List` (or any `*List` with `items`, e.g. ConfigMapList from `kubectl get -o yaml`) is
// a wrapper, not an object: its items are what gets applied, so it is flattened.
import { type Document, parseAllDocuments, type Tags } from "yaml";
import type { KubeObject } from "../core/objects.ts";
import { RenderError } from "./errors.ts";

const KUBECTL_COMPATIBLE_YAML = {
  version: "1.1",
  customTags: (tags: Tags): Tags =>
    tags.filter((tag) => {
      if (typeof tag !== "object") return true;
      return tag.tag !== "tag:yaml.org,2002:timestamp" && tag.format !== "TIME";
    }),
} as const;

export interface YamlOrigin {
  /** What the text is, for messages: a repo-relative file name or "kustomize build output". */
  origin: string;
  /**
   * Name each document by the `# Source: chart/templates/x.yaml` comment helm writes before it,
   * so an error points at the template rather than at an offset in helm's output.
   */
  sourceComments?: boolean;
  /** Documents before this text, when it is a slice of a longer one (render/budget.ts); default 0. */
  firstDocument?: number;
  /** Lines before this text, likewise; default 0. */
  firstLine?: number;
  /**
   * Receives each document that does not claim to be a Kubernetes object (no apiVersion and no
   * kind, or not a mapping at all) instead of refusing it; default: such a document is refused.
   */
  notAnObject?: (value: unknown, label: string) => void;
}

/** Parses multi-document YAML; empty documents (blank, comments only, bare `---`) are skipped. */
export function parseYamlManifests(text: string, where: YamlOrigin): KubeObject[] {
  const documents = parseAllDocuments(text, KUBECTL_COMPATIBLE_YAML);
  const objects: KubeObject[] = [];
  documents.forEach((doc, index) => {
    const label = documentLabel(doc, index, where);
    const error = doc.errors[0];
    if (error) {
      const at = error.linePos?.[0];
      const position = at ? ` at line ${at.line + (where.firstLine ?? 0)}, column ${at.col}` : "";
      const problem = (error.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
      throw new RenderError("invalid-manifest", `${where.origin}: invalid YAML${position}: ${problem}`);
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    if (where.notAnObject && !claimsToBeObject(value)) where.notAnObject(value, label);
    else objects.push(...toObjects(value, label));
  });
  return objects;
}

/** Parses a JSON file, which holds exactly one object (or one List). */
export function parseJsonManifest(
  text: string,
  origin: string,
  notAnObject?: YamlOrigin["notAnObject"],
): KubeObject[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // V8's message carries the position, e.g. "... at position 11 (line 3 column 1)".
    throw new RenderError("invalid-manifest", `${origin}: invalid JSON: ${(err as Error).message}`);
  }
  if (notAnObject && !claimsToBeObject(value)) {
    notAnObject(value, origin);
    return [];
  }
  return toObjects(value, origin);
}

/** A mapping with an apiVersion or a kind: meant as a Kubernetes object, so checked as one. */
function claimsToBeObject(value: unknown): boolean {
  return isRecord(value) && (value.apiVersion !== undefined || value.kind !== undefined);
}

function documentLabel(doc: Document.Parsed, index: number, where: YamlOrigin): string {
  const position = `document ${(where.firstDocument ?? 0) + index + 1}`;
  if (where.sourceComments) {
    const comment = (doc.contents as { commentBefore?: string | null } | null)?.commentBefore ?? "";
    const source = /^\s*Source:\s*(\S.*)$/m.exec(comment)?.[1];
    if (source) return `${source} (${where.origin}, ${position})`;
  }
  return `${where.origin} ${position}`;
}

/** Checks one parsed value is an object (or a List of them) and returns the objects. */
export function toObjects(value: unknown, label: string): KubeObject[] {
  if (!isRecord(value)) {
    throw invalid(label, `is ${describe(value)}, not a Kubernetes object`);
  }
  if (typeof value.kind === "string" && value.kind.endsWith("List") && Array.isArray(value.items)) {
    return value.items.flatMap((item, i) => toObjects(item, `${label}, item ${i + 1}`));
  }
  const missing: string[] = [];
  const notStrings: string[] = [];
  const needString = (field: string, present: unknown) => {
    if (present === undefined || present === null) missing.push(field);
    else if (!nonEmptyString(present)) notStrings.push(`${field} is ${describe(present)}`);
  };
  needString("apiVersion", value.apiVersion);
  needString("kind", value.kind);
  const metadata = value.metadata;
  let metadataProblem = "";
  if (metadata === undefined || metadata === null) missing.push("metadata");
  else if (!isRecord(metadata))
    metadataProblem = `metadata is ${describe(metadata)} where a mapping is needed`;
  // generateName, without a name, is how hooks (Jobs run on every sync) get a fresh name each time.
  else if (!nonEmptyString(metadata.generateName)) needString("metadata.name", metadata.name);
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`has no ${missing.join(", ")}`);
  if (notStrings.length > 0) problems.push(`${notStrings.join(", ")} where a string is needed`);
  if (metadataProblem) problems.push(metadataProblem);
  if (problems.length === 0) return [value as KubeObject];
  const advice =
    notStrings.length > 0
      ? "; quote the value (YAML reads y, yes, on, off, true and numbers as non-strings)"
      : "; every Kubernetes object needs apiVersion, kind and metadata.name";
  throw invalid(label, `${problems.join(" and ")}${advice}`);
}

function invalid(label: string, problem: string): RenderError {
  return new RenderError("invalid-manifest", `${label} ${problem}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): boolean {
  return typeof value === "string" && value !== "";
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return value === "" ? "empty" : "a string";
  return `${typeof value === "boolean" ? "the boolean" : "the number"} ${String(value)}`;
}
