/** Inline SVG charts for the HTML report: static markup, no script, labelled for screen readers. */

/** Escape text for HTML and SVG. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** One coloured part of a bar. */
export interface Segment {
  readonly key: string;
  readonly value: number;
}

/** A legend entry: series key, label and fill colour. */
export interface Series {
  readonly key: string;
  readonly label: string;
  readonly color: string;
  /** Colour of the counts written on this colour (contrast at least 4.5:1). */
  readonly ink?: string;
}

function header(id: string, title: string, desc: string, width: number, height: number): string {
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${id}-t ${id}-d" xmlns="http://www.w3.org/2000/svg"><title id="${id}-t">${esc(title)}</title><desc id="${id}-d">${esc(desc)}</desc>`;
}

function legend(series: readonly Series[], y: number, x0: number): string {
  let x = x0;
  return series
    .map((s) => {
      const out = `<rect x="${x}" y="${y}" width="12" height="12" fill="${s.color}"/><text x="${x + 16}" y="${y + 10}" class="lg">${esc(s.label)}</text>`;
      x += 30 + s.label.length * 7.5;
      return out;
    })
    .join('');
}

/** Horizontal stacked bars on one scale, one row per label, each segment's count written in it when it fits. */
export function stackedBars(
  id: string,
  title: string,
  rows: readonly { readonly label: string; readonly segments: readonly Segment[] }[],
  series: readonly Series[],
): string {
  const labelW = Math.min(260, 12 + Math.max(40, ...rows.map((r) => r.label.length * 6.6)));
  const barW = 360;
  const rowH = 24;
  const width = labelW + barW + 60;
  const height = 34 + rows.length * rowH + 8;
  const desc = rows
    .map(
      (r) =>
        `${r.label}: ${
          r.segments
            .filter((s) => s.value > 0)
            .map((s) => `${s.value} ${series.find((x) => x.key === s.key)?.label ?? s.key}`)
            .join(', ') || 'none'
        }`,
    )
    .join('; ');
  const parts = [header(id, title, desc, width, height), legend(series, 6, labelW)];
  // one scale for every row, so that bar lengths compare across rows
  const sum = (r: (typeof rows)[number]) => r.segments.reduce((a, s) => a + Math.max(0, s.value), 0);
  const max = Math.max(1, ...rows.map(sum));
  rows.forEach((r, i) => {
    const y = 30 + i * rowH;
    const total = sum(r);
    parts.push(`<text x="${labelW - 8}" y="${y + 15}" class="rl" text-anchor="end">${esc(r.label)}</text>`);
    let x = labelW;
    for (const s of r.segments) {
      if (s.value <= 0 || total === 0) continue;
      const w = (s.value / max) * barW;
      const ser = series.find((c) => c.key === s.key);
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y + 2}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${ser?.color ?? '#888'}"/>`,
      );
      if (w >= 18)
        parts.push(
          `<text x="${(x + w / 2).toFixed(1)}" y="${y + 15}" class="bv" fill="${ser?.ink ?? '#fff'}" text-anchor="middle">${s.value}</text>`,
        );
      x += w;
    }
    if (total === 0) parts.push(`<text x="${labelW}" y="${y + 15}" class="rl">none</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Vertical stacked columns over time (e.g. refusals per day), with the first and last label. */
export function columns(
  id: string,
  title: string,
  points: readonly { readonly label: string; readonly segments: readonly Segment[] }[],
  series: readonly Series[],
): string {
  const width = 640;
  const height = 200;
  const top = 30;
  const bottom = 170;
  const left = 40;
  const max = Math.max(1, ...points.map((p) => p.segments.reduce((a, s) => a + s.value, 0)));
  const step = (width - left - 10) / Math.max(1, points.length);
  const desc = points
    .map(
      (p) =>
        `${p.label}: ${p.segments.map((s) => `${s.value} ${series.find((x) => x.key === s.key)?.label ?? s.key}`).join(', ')}`,
    )
    .join('; ');
  const parts = [header(id, title, desc, width, height), legend(series, 6, left)];
  parts.push(`<line x1="${left}" y1="${bottom}" x2="${width - 10}" y2="${bottom}" class="ax"/>`);
  parts.push(`<text x="${left - 6}" y="${top + 8}" class="rl" text-anchor="end">${max}</text>`);
  parts.push(`<text x="${left - 6}" y="${bottom}" class="rl" text-anchor="end">0</text>`);
  points.forEach((p, i) => {
    let y = bottom;
    const x = left + i * step + step * 0.15;
    for (const s of p.segments) {
      if (s.value <= 0) continue;
      const h = (s.value / max) * (bottom - top);
      y -= h;
      const color = series.find((c) => c.key === s.key)?.color ?? '#888';
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(step * 0.7).toFixed(1)}" height="${h.toFixed(1)}" fill="${color}"/>`,
      );
    }
  });
  const first = points[0];
  const last = points.at(-1);
  if (first !== undefined)
    parts.push(`<text x="${left}" y="${bottom + 18}" class="rl">${esc(first.label)}</text>`);
  if (last !== undefined && points.length > 1)
    parts.push(
      `<text x="${width - 10}" y="${bottom + 18}" class="rl" text-anchor="end">${esc(last.label)}</text>`,
    );
  parts.push('</svg>');
  return parts.join('');
}
