// The `moor controller` flags for what one repository, render, cache and Stack may cost
// (core/limits.ts), and for reading repositories from the controller's own disk.
import { parseDuration } from "../core/duration.ts";
import { LIMIT_FLAGS, type Limits, parseByteSize } from "../core/limits.ts";
import { stringValue, type Values } from "./command.ts";
import { UsageError } from "./output.ts";

const SIZE_LIMITS = [
  "maxRepoBytes",
  "maxManifestFileBytes",
  "maxRenderBytes",
  "maxOutputBytes",
  "diskBudgetBytes",
] as const satisfies readonly (keyof Limits)[];

const flagName = (limit: keyof Limits) => LIMIT_FLAGS[limit].slice(2);

export const limitOptions = {
  "allow-local-repos": { type: "boolean" },
  ...Object.fromEntries(Object.values(LIMIT_FLAGS).map((flag) => [flag.slice(2), { type: "string" }])),
} as Record<string, { type: "string" | "boolean" }>;

export const LIMIT_USAGE =
  "[--allow-local-repos] [--max-repo-size 2Gi] [--max-manifest-size 10Mi] [--max-render-size 100Mi] [--max-render-objects 10000] [--max-output-size 100Mi] [--disk-budget 10Gi] [--max-stack-timeout 2h]";

/** The limits given on the command line; the rest keep their defaults. */
export function limitsFromFlags(values: Values): Partial<Limits> {
  const limits: Partial<Limits> = {};
  for (const limit of SIZE_LIMITS) {
    const text = stringValue(values, flagName(limit));
    if (text === undefined) continue;
    const bytes = parseByteSize(text);
    if (bytes === null || bytes <= 0)
      throw new UsageError(`--${flagName(limit)} takes a size such as 10Mi or 2Gi, got "${text}"`);
    limits[limit] = bytes;
  }
  const objects = stringValue(values, flagName("maxRenderObjects"));
  if (objects !== undefined) {
    const n = Number(objects);
    if (!Number.isInteger(n) || n <= 0)
      throw new UsageError(`--${flagName("maxRenderObjects")} takes a whole number, got "${objects}"`);
    limits.maxRenderObjects = n;
  }
  const timeout = stringValue(values, flagName("maxStackTimeoutMs"));
  if (timeout !== undefined) {
    const ms = parseDuration(timeout);
    if (ms === null || ms <= 0)
      throw new UsageError(
        `--${flagName("maxStackTimeoutMs")} takes a duration such as 2h, got "${timeout}"`,
      );
    limits.maxStackTimeoutMs = ms;
  }
  return limits;
}
