import { summarize } from './stats.js';

/** One line of the results table. */
export interface Row {
  measure: string;
  approach: string;
  unit: 'ms' | '%' | 'MB' | 'x' | 'KB';
  median: number;
  p90?: number;
  n?: number;
  /** e.g. "× ours" ratio against the row the section names as reference. */
  ratio?: string;
  goal?: { max: number; text: string };
}

export function sampleRow(measure: string, approach: string, values: number[], extra: Partial<Row> = {}): Row {
  const { median, p90, n } = summarize(values);
  return { measure, approach, unit: 'ms', median, p90, n, ...extra };
}

const format = (value: number | undefined, unit: Row['unit']) => {
  if (value === undefined || Number.isNaN(value)) return '—';
  const digits = Math.abs(value) < 10 ? 2 : Math.abs(value) < 100 ? 1 : 0;
  return `${value.toFixed(digits)}${unit === 'x' ? '×' : ` ${unit}`}`;
};

export function verdict(row: Row): string {
  if (!row.goal) return '';
  return row.median <= row.goal.max ? `met (${row.goal.text})` : `**not met** (${row.goal.text})`;
}

export function markdownTable(rows: Row[]): string {
  const lines = ['| measure | approach | median | p90 | n | ratio | goal |', '|---|---|---:|---:|---:|---|---|'];
  for (const row of rows) {
    lines.push(`| ${row.measure} | ${row.approach} | ${format(row.median, row.unit)} | ${format(row.p90, row.unit)} | ${row.n ?? ''} | ${row.ratio ?? ''} | ${verdict(row)} |`);
  }
  return lines.join('\n');
}

/** Horizontal bars on a log scale: median bar, p90 whisker, one per approach. */
export function readinessChart(rows: Row[]): string {
  const width = 900;
  const left = 330;
  const barHeight = 26;
  const top = 40;
  const height = top + rows.length * (barHeight + 14) + 40;
  const minLog = Math.log10(0.1);
  const maxLog = Math.log10(Math.max(1000, ...rows.map((r) => r.p90 ?? r.median)));
  const x = (value: number) => left + ((Math.log10(Math.max(0.1, value)) - minLog) / (maxLog - minLog)) * (width - left - 190); // room for the value labels
  const escapeXml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">Readiness overhead: status running minus the backend's own listen time (log scale)</text>`,
  ];
  for (const tick of [0.1, 1, 10, 100, 1000].filter((t) => Math.log10(t) <= maxLog)) {
    parts.push(`<line x1="${x(tick)}" y1="${top - 6}" x2="${x(tick)}" y2="${height - 30}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${x(tick)}" y="${height - 14}" text-anchor="middle" fill="#6b7280">${tick} ms</text>`);
  }
  rows.forEach((row, index) => {
    const y = top + index * (barHeight + 14);
    const colour = row.approach.startsWith('backend-lifecycle') ? '#10b981' : '#9ca3af';
    parts.push(`<text x="${left - 10}" y="${y + barHeight / 2 + 4}" text-anchor="end">${escapeXml(row.approach)}</text>`);
    parts.push(`<rect x="${x(0.1)}" y="${y}" width="${Math.max(1, x(row.median) - x(0.1))}" height="${barHeight}" fill="${colour}" rx="3"/>`);
    if (row.p90 !== undefined) parts.push(`<line x1="${x(row.median)}" y1="${y + barHeight / 2}" x2="${x(row.p90)}" y2="${y + barHeight / 2}" stroke="#374151" stroke-width="2"/>`);
    parts.push(`<text x="${x(row.p90 ?? row.median) + 6}" y="${y + barHeight / 2 + 4}" fill="#111827">${format(row.median, 'ms')} (p90 ${format(row.p90, 'ms')})</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
