// What a benchmark reports: one row per measured quantity, with its goal and whether it was met,
// printed as a table and kept as JSON (bench/results/latest.json) for comparison between runs.
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { dirname } from "node:path";
import { summarise } from "./stats.ts";

export interface Row {
  benchmark: string;
  unit: string;
  /** Median of the samples (the single value when there is one run). */
  median?: number;
  p90?: number;
  min?: number;
  max?: number;
  /** Human-readable goal, e.g. "<= 1000 ms"; "" when the row is context only. */
  goal: string;
  /** undefined when there is no goal or no value. */
  met?: boolean;
  runs: number;
  samples?: number[];
  details?: Record<string, unknown>;
  /** What a reader must know to read the numbers (printed under the table). */
  note?: string;
  error?: string;
}

/** An upper bound for the median (or for the slowest sample): `<= max`, or `< max` when strict. */
export interface Limit {
  max: number;
  strict?: boolean;
  /** Which statistic the bound is for; default the median. */
  of?: "median" | "max";
}

/** A row from samples, judged against an upper bound (by default, met when the median is within it). */
export function rowFromSamples(
  benchmark: string,
  unit: string,
  samples: number[],
  limit: Limit | undefined,
  details?: Record<string, unknown>,
): Row {
  const s = summarise(samples);
  const judged = limit?.of === "max" ? s.max : s.median;
  const met = limit === undefined ? undefined : limit.strict ? judged < limit.max : judged <= limit.max;
  return {
    benchmark,
    unit,
    median: round(s.median),
    p90: round(s.p90),
    min: round(s.min),
    max: round(s.max),
    goal:
      limit === undefined
        ? ""
        : `${limit.of === "max" ? "max " : ""}${limit.strict ? "<" : "<="} ${limit.max} ${unit}`,
    ...(met === undefined ? {} : { met }),
    runs: s.n,
    samples: samples.map(round),
    ...(details ? { details } : {}),
  };
}

export function failedRow(benchmark: string, goal: string, err: unknown): Row {
  const message = err instanceof Error ? err.message : String(err);
  return { benchmark, unit: "", goal, runs: 0, error: message.split("\n")[0] ?? message };
}

export function round(value: number): number {
  return Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 100) / 100;
}

export function machineLoad(): { cpus: number; loadavg: number[] } {
  return { cpus: cpus().length, loadavg: loadavg().map(round) };
}

export function printTable(rows: Row[]): void {
  const header = ["benchmark", "median", "p90", "max", "goal", "met?", "runs"];
  const lines = rows.map((r) => [
    r.benchmark,
    r.error ? "FAILED" : r.median === undefined ? "-" : `${r.median} ${r.unit}`,
    r.p90 === undefined || r.runs < 2 ? "-" : `${r.p90} ${r.unit}`,
    r.max === undefined || r.runs < 2 ? "-" : `${r.max} ${r.unit}`,
    r.goal || "(context)",
    r.met === undefined ? "-" : r.met ? "yes" : "NO",
    String(r.runs),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  process.stdout.write(`\n${format(header)}\n${widths.map((w) => "-".repeat(w)).join("  ")}\n`);
  for (const line of lines) process.stdout.write(`${format(line)}\n`);
  for (const r of rows) {
    if (r.error) process.stdout.write(`  ${r.benchmark}: ${r.error}\n`);
    else if (r.note) process.stdout.write(`  ${r.benchmark}: ${r.note}\n`);
  }
}

export async function writeResults(path: string, report: Record<string, unknown>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
}
