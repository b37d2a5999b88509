// A Stack's outputs, written to the Secret `spec.writeOutputsToSecret.name` after each apply.
// That Secret is the Stack's own: it is created with an owner reference to the Stack (so it
// goes when the Stack goes), and an existing Secret is written only when it already names this
// very Stack (by uid) as its owner. Otherwise a Stack author could name any Secret of the
// namespace — another app's database password, a registry credential — and overwrite it.
import type { KubeObject } from "../objects.ts";
import type { WriteOutputsToSecret } from "./spec.ts";

/** Label on the outputs Secret: the name of the Stack whose outputs it holds. */
export const OUTPUTS_OF_LABEL = "mooring.dev/outputs-of";

export type OutputsOwnership = { writable: true } | { writable: false; message: string };

/** Whether this Stack may write its outputs into `existing` (null: the Secret does not exist yet). */
export function outputsSecretOwnership(
  existing: KubeObject | null,
  stack: { namespace: string; name: string; uid: string },
): OutputsOwnership {
  if (!existing) return { writable: true };
  const owned = (existing.metadata.ownerReferences ?? []).some(
    (ref) => ref.kind === "Stack" && ref.uid === stack.uid && stack.uid !== "",
  );
  if (owned) return { writable: true };
  return {
    writable: false,
    message:
      `Stack ${stack.namespace}/${stack.name}: spec.writeOutputsToSecret names Secret ${stack.namespace}/${existing.metadata.name}, ` +
      "which this Stack did not create; Mooring never takes over a Secret it does not own. " +
      "Choose another name, or delete that Secret if it really is this Stack's to write",
  };
}

/** The Secret's data (base64) and the keys whose outputs are sensitive, from `tofu output -json`. */
export function outputsSecretData(
  target: WriteOutputsToSecret,
  outputs: Record<string, { value: unknown; sensitive: boolean }>,
): { data: Record<string, string>; sensitive: string[] } {
  const data: Record<string, string> = {};
  const sensitive: string[] = [];
  for (const [name, output] of Object.entries(outputs)) {
    if (target.outputs && !target.outputs.includes(name)) continue;
    const key = target.renames?.[name] ?? name;
    if (output.sensitive) sensitive.push(key);
    const text = typeof output.value === "string" ? output.value : JSON.stringify(output.value);
    data[key] = Buffer.from(text, "utf8").toString("base64");
  }
  return { data, sensitive: sensitive.sort() };
}
