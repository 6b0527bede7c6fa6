/** Median and 90th percentile of a sample (nearest-rank). */
export function summarize(values: number[]): { median: number; p90: number; n: number } {
  // a sample that could not be taken (NaN) is left out: n counts the samples taken
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
  return { median: rank(0.5), p90: rank(0.9), n: sorted.length };
}

/** Wall-clock time in epoch milliseconds with sub-millisecond resolution, comparable across processes. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/** The same spread of start delays for every approach: fair to interval pollers (phase varies). */
export function startDelays(count: number, minMs: number, maxMs: number): number[] {
  let seed = 42;
  return Array.from({ length: count }, () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return Math.round(minMs + (seed / 2 ** 31) * (maxMs - minMs));
  });
}
