// Durations as users write them in specs and flags (Go style, as Kubernetes tools do): "90s",
// "5m", "1h30m", "250ms". A bare number is seconds.
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds, or null when the text is not a duration. */
export function parseDuration(text: string | undefined): number | null {
  if (text === undefined) return null;
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== trimmed) return null;
  return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * (UNITS[p[2] ?? "s"] ?? 0), 0));
}

/** The duration, or the fallback when absent; an invalid text is reported by the caller. */
export function durationOr(text: string | undefined, fallbackMs: number): number {
  return parseDuration(text) ?? fallbackMs;
}
