// How commands print results: a table for people by default, `-o json` or `-o yaml` for scripts.
// One function per format so every command prints the same way.
import { stringify } from "yaml";

export const OUTPUT_FORMATS = ["table", "json", "yaml", "name"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function parseOutputFormat(value: string | undefined): OutputFormat {
  const format = value ?? "table";
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`unknown output format "${format}"; use one of: ${OUTPUT_FORMATS.join(", ")}`);
  }
  return format as OutputFormat;
}

export interface Column<T> {
  header: string;
  value: (row: T) => string;
}

/** Left-aligned columns separated by three spaces, like kubectl. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = [columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => c.value(r)))];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
  return cells
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join("   ")
        .trimEnd(),
    )
    .join("\n");
}

export function renderStructured(value: unknown, format: "json" | "yaml"): string {
  return format === "json" ? JSON.stringify(value, null, 2) : stringify(value).trimEnd();
}

/** The user called a command wrongly; exit code 2, as with most Unix tools. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Human-friendly age like kubectl's: 45s, 3m, 2h, 5d (shared with the API server's actions). */
export { age } from "../actions/status-text.ts";
