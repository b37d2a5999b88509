// The shape of one `moor` command, and the exit codes every command uses.
import type { ParseArgsConfig } from "node:util";

export type Options = NonNullable<ParseArgsConfig["options"]>;
export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Command {
  /** The words that select the command, e.g. ["sandbox", "create"]. */
  path: string[];
  usage: string;
  summary: string;
  options: Options;
  run(values: Values, args: string[]): Promise<number>;
}

/** 0 success, 1 the command failed, 2 it was called wrongly (unknown command, option or value). */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export const outputOption: Options = { output: { type: "string", short: "o" } };

export function stringValue(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

/** Every value of a repeatable string option (`--var a=1 --var b=2`), or undefined when absent. */
export function stringValues(values: Values, name: string): string[] | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  return list.filter((v): v is string => typeof v === "string");
}
