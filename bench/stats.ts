// Summary statistics for benchmark samples. The median is the middle sample (the mean of the two
// middle ones for an even count); p90 uses the nearest-rank method, so with fewer than ten samples
// it is the slowest one: a benchmark of a handful of runs cannot claim more than that.

export interface Summary {
  n: number;
  median: number;
  p90: number;
  min: number;
  max: number;
}

function sorted(values: readonly number[]): number[] {
  if (values.length === 0) throw new Error("no samples to summarise");
  return [...values].sort((a, b) => a - b);
}

export function median(values: readonly number[]): number {
  const s = sorted(values);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Nearest-rank percentile: the smallest sample with at least p % of the samples at or below it. */
export function percentile(values: readonly number[], p: number): number {
  const s = sorted(values);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[rank - 1] as number;
}

export function summarise(values: readonly number[]): Summary {
  const s = sorted(values);
  return {
    n: s.length,
    median: median(s),
    p90: percentile(s, 90),
    min: s[0] as number,
    max: s[s.length - 1] as number,
  };
}
