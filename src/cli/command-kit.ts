// What every `moor app` and `moor stack` command shares: reading the one name and the --timeout
// flag, printing a line or an object for `-o json|yaml`, and ending a wait for the controller on
// the progress display with the exit code scripts rely on.
import { parseDuration } from "../core/duration.ts";
import type { KubeObject } from "../core/objects.ts";
import { EXIT, stringValue, type Values } from "./command.ts";
import { UsageError } from "./output.ts";
import type { Verdict } from "./poll.ts";
import type { Progress } from "./progress.ts";

export const CLUSTER_FLAGS = "[--kubeconfig F] [--context C] [-n mooring]";

/** The single NAME argument; `noun` names what it is ("application", "stack"). */
export function oneName(args: string[], noun: string, usage: string): string {
  if (args.length !== 1 || !args[0]) throw new UsageError(`expected exactly one ${noun} name (${usage})`);
  return args[0];
}

/** --timeout when given (checked before any request), else undefined. */
export function timeoutFlag(values: Values): number | undefined {
  const text = stringValue(values, "timeout");
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === null || ms <= 0)
    throw new UsageError(`--timeout takes a duration such as 30s or 5m, got "${text}"`);
  return ms;
}

/** "5m" or "90s", for messages about a wait. */
export function seconds(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : `${Math.round(ms / 1000)}s`;
}

export function print(text: string): void {
  if (text) process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

/** An object as `-o json|yaml` prints it: everything but managedFields (as kubectl does). */
export function forPrinting<T extends KubeObject>(obj: T): T {
  const copy = structuredClone(obj);
  delete copy.metadata.managedFields;
  return copy;
}

/** Ends a wait on the progress display; returns the exit code. */
export function finish(
  progress: Progress,
  verdict: Verdict,
  timedOut: boolean,
  timeoutMessage: string,
): number {
  if (verdict.state === "done") {
    progress.done(verdict.label);
    return EXIT.ok;
  }
  progress.fail(timedOut ? `${timeoutMessage} (last seen: ${verdict.label})` : verdict.label);
  return EXIT.failed;
}
