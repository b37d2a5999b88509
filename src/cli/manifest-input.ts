// What `moor app create` and `moor stack create` share when a manifest (-f) and flags both say
// something: reading the YAML with a clear message, and settling the object's name and namespace
// when the NAME argument, -n and the manifest's metadata may each give one.
import { parse } from "yaml";
import { CONTROLLER_NAMESPACE } from "../core/application.ts";
import { isPlainObject } from "../core/json.ts";
import { stringValue, type Values } from "./command.ts";
import { UsageError } from "./output.ts";

/** The one YAML document of a manifest, as a map; `what` names the kind for the message. */
export function parseManifestDocument(text: string, source: string, what: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new UsageError(`${source} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  if (!isPlainObject(doc)) throw new UsageError(`${source} does not hold ${what} manifest`);
  return doc;
}

/**
 * The name and namespace to create: the NAME argument or metadata.name (they must agree), and -n
 * or metadata.namespace (they must agree), namespace defaulting to Mooring's own.
 */
export function nameAndNamespace(
  input: { name?: string; values: Values; manifest?: { source: string } },
  metadata: { name?: string; namespace?: string } | undefined,
  missingName: string,
): { name: string; namespace: string } {
  const fileName = metadata?.name;
  if (input.name && fileName && input.name !== fileName) {
    throw new UsageError(
      `NAME "${input.name}" differs from metadata.name "${fileName}" in ${input.manifest?.source}`,
    );
  }
  const name = input.name ?? fileName;
  if (!name) throw new UsageError(missingName);
  const flagNamespace = stringValue(input.values, "namespace");
  const fileNamespace = metadata?.namespace;
  if (flagNamespace && fileNamespace && flagNamespace !== fileNamespace) {
    throw new UsageError(
      `-n ${flagNamespace} differs from metadata.namespace "${fileNamespace}" in ${input.manifest?.source}`,
    );
  }
  return { name, namespace: flagNamespace ?? fileNamespace ?? CONTROLLER_NAMESPACE };
}
