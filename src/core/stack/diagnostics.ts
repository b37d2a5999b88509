// tofu's diagnostics. Besides its human-readable output, tofu writes a machine-readable copy of
// it with `-json-into=<file>`: one JSON object per line, diagnostics among them with severity,
// summary, detail, source file and line, and the resource address when a resource's operation
// failed. Mooring reads the structured copy to tell what kind of failure it is, and quotes the
// human-readable error block in messages, so users see the text tofu itself prints.
//
// What kind of failure decides what the controller does: a configuration problem (bad HCL, a
// missing or undeclared variable, a failed precondition) needs a fix in Git and stalls the
// Stack; a failed operation (a provider's API said no) is retried; a held state lock names the
// lock to release. The rule: a diagnostic tied to a resource address is an operation failure;
// one pointing into a source file without an address is a configuration problem.

export interface TofuDiagnostic {
  severity: "error" | "warning";
  summary: string;
  detail: string;
  /** Source file and line the diagnostic points at, when it points at one. */
  file?: string;
  line?: number;
  /** The resource instance whose operation failed, when there is one. */
  address?: string;
}

export type FailureKind = "invalid-config" | "state-locked" | "operation";

/** The diagnostics among the lines tofu wrote with -json-into; other lines and bad lines are skipped. */
export function parseUiDiagnostics(jsonLines: string): TofuDiagnostic[] {
  const diagnostics: TofuDiagnostic[] = [];
  for (const line of jsonLines.split("\n")) {
    if (!line.trim()) continue;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      continue;
    }
    const d = (message as { type?: unknown; diagnostic?: Record<string, unknown> })?.diagnostic;
    if ((message as { type?: unknown }).type !== "diagnostic" || typeof d !== "object" || d === null)
      continue;
    const diagnostic: TofuDiagnostic = {
      severity: d.severity === "error" ? "error" : "warning",
      summary: typeof d.summary === "string" ? d.summary : "",
      detail: typeof d.detail === "string" ? d.detail : "",
    };
    const range = d.range as { filename?: unknown; start?: { line?: unknown } } | undefined;
    if (typeof range?.filename === "string") diagnostic.file = range.filename;
    if (typeof range?.start?.line === "number") diagnostic.line = range.start.line;
    if (typeof d.address === "string" && d.address) diagnostic.address = d.address;
    diagnostics.push(diagnostic);
  }
  return diagnostics;
}

const LOCK_SUMMARY = "Error acquiring the state lock";
const UNDECLARED_SUMMARIES = new Set(["Value for undeclared variable", "Values for undeclared variables"]);

export function classifyDiagnostic(d: TofuDiagnostic): FailureKind {
  if (d.summary === LOCK_SUMMARY) return "state-locked";
  if (UNDECLARED_SUMMARIES.has(d.summary)) return "invalid-config";
  if (d.address) return "operation";
  return d.file ? "invalid-config" : "operation";
}

/** The kind of the first error, or "operation" when tofu gave no structured error. */
export function classifyFailure(diagnostics: readonly TofuDiagnostic[]): FailureKind {
  const first = diagnostics.find((d) => d.severity === "error");
  return first ? classifyDiagnostic(first) : "operation";
}

/** The id of the lock tofu could not acquire, to release it with `tofu force-unlock`. */
export function lockId(diagnostics: readonly TofuDiagnostic[]): string | undefined {
  for (const d of diagnostics) {
    if (d.summary !== LOCK_SUMMARY) continue;
    const match = /^\s*ID:\s*(\S+)/m.exec(d.detail);
    if (match) return match[1];
  }
  return undefined;
}

/**
 * When the lock tofu could not acquire was taken (ms since epoch), from its "Created:" line
 * (`2026-11-26 06:32:09.382042219 +0000 UTC`). A lock older than the controller's own start
 * belongs to a run that died with it: a controller killed mid-apply.
 */
export function lockCreated(diagnostics: readonly TofuDiagnostic[]): number | undefined {
  for (const d of diagnostics) {
    if (d.summary !== LOCK_SUMMARY) continue;
    const match = /^\s*Created:\s*(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)? ([+-]\d{4})/m.exec(
      d.detail,
    );
    if (!match) continue;
    const [, day, time, fraction = "", offset = "+0000"] = match;
    const ms = fraction.slice(0, 4);
    const parsed = Date.parse(`${day}T${time}${ms}${offset.slice(0, 3)}:${offset.slice(3)}`);
    if (!Number.isNaN(parsed)) return parsed;
  }
  return undefined;
}

/**
 * Variables tofu warned were set but not declared. tofu names the first two and counts the
 * rest, so `more` says how many are unnamed.
 */
export function undeclaredVariableWarnings(diagnostics: readonly TofuDiagnostic[]): {
  names: string[];
  more: number;
} {
  const names: string[] = [];
  let more = 0;
  for (const d of diagnostics) {
    if (d.summary === "Value for undeclared variable") {
      const match = /variable named "([^"]+)"/.exec(d.detail);
      if (match?.[1]) names.push(match[1]);
    } else if (d.summary === "Values for undeclared variables") {
      more += Number(/(\d+) other variable/.exec(d.detail)?.[1] ?? 0);
    }
  }
  return { names: names.sort(), more };
}

/**
 * The first error block of tofu's human-readable output (run with -no-color): from a line
 * starting "Error: " up to the next line starting "Error: " or "Warning: ", trimmed.
 */
export function firstErrorBlock(output: string): string | undefined {
  const lines = output.split("\n");
  const start = lines.findIndex((l) => l.startsWith("Error: "));
  if (start < 0) return undefined;
  let end = lines.length;
  for (let i = start + 1; i < lines.length; i++) {
    if (/^(Error|Warning): /.test(lines[i] as string)) {
      end = i;
      break;
    }
  }
  return lines.slice(start, end).join("\n").trim();
}

/** A diagnostic in tofu's own layout, for when no human-readable block is at hand. */
export function formatDiagnostic(d: TofuDiagnostic): string {
  const where = d.file ? `\n\n  on ${d.file}${d.line !== undefined ? ` line ${d.line}` : ""}` : "";
  const subject = d.address ? `\n  with ${d.address}` : "";
  const detail = d.detail ? `\n\n${d.detail}` : "";
  return `${d.severity === "error" ? "Error" : "Warning"}: ${d.summary}${subject}${where}${detail}`;
}
