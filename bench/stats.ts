/** Order statistics of a sample (nearest-rank percentiles), rounded for the report. */
export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly p90: number;
  readonly p99: number;
  readonly min: number;
  readonly max: number;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error('summarize: no values');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
  const round = (value: number): number => Math.round(value * 100) / 100;
  return {
    n: sorted.length,
    median: round(rank(50)),
    p90: round(rank(90)),
    p99: round(rank(99)),
    min: round(sorted[0] as number),
    max: round(sorted[sorted.length - 1] as number),
  };
}
