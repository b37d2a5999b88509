// A Stack's outputs as Mooring shows them: the Secret the controller writes them to
// (spec.writeOutputsToSecret) holds every output, base64 as Secrets do, and an annotation lists the
// ones tofu marks sensitive. Those are hidden as "(sensitive)" unless asked for; when the Secret
// does not say which are sensitive, all are. The API server never serves a sensitive value.

/** Shown instead of a value tofu marks sensitive, unless --show-sensitive. */
export const SENSITIVE_PLACEHOLDER = "(sensitive)";

/**
 * The outputs Secret's values, base64-decoded. `sensitive` names the keys tofu marks sensitive,
 * or is undefined when the Secret does not say — then every value is treated as sensitive.
 * Sensitive values become "(sensitive)" unless showSensitive.
 */
export function outputValues(
  data: Readonly<Record<string, string>>,
  sensitive: readonly string[] | undefined,
  showSensitive: boolean,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(data).sort()) {
    const hidden = !showSensitive && (sensitive === undefined || sensitive.includes(key));
    out[key] = hidden ? SENSITIVE_PLACEHOLDER : Buffer.from(data[key] ?? "", "base64").toString("utf8");
  }
  return out;
}

/** The comma-separated key list of the sensitive-outputs annotation; undefined when absent. */
export function parseSensitiveKeys(annotation: string | undefined): string[] | undefined {
  if (annotation === undefined) return undefined;
  return annotation
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
}
