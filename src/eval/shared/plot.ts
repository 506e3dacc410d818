import type { CalibrationReport } from './evaluate.js';
import type { SweepReport } from './sweep.js';

/** A small self-contained SVG line chart (no library, no fonts to fetch): panels side by side, shared style. */

export interface Series {
  readonly label: string;
  readonly color: string;
  readonly dashed?: boolean;
  /** [x, y]; a null y breaks the line. */
  readonly points: readonly (readonly [number, number | null])[];
}

export interface Panel {
  readonly title: string;
  readonly subtitle?: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly xDomain: readonly [number, number];
  readonly xTicks: readonly number[];
  /** Fixed y range; absent: fitted to the data, in steps of 5 %. */
  readonly yDomain?: readonly [number, number];
  readonly series: readonly Series[];
  /** A vertical dashed line, e.g. the current setting. */
  readonly marker?: { readonly x: number; readonly label: string };
}

const PANEL_W = 540;
const PANEL_H = 470;
const PLOT = { left: 70, right: 510, top: 70, bottom: 330 };
const TITLE_H = 44;

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const fmt = (v: number) => Number(v.toFixed(4)).toString();
const percent = (v: number) => `${Number((v * 100).toFixed(1))}%`;

function fittedDomain(series: readonly Series[]): [number, number] {
  const ys = series.flatMap((s) => s.points.map((p) => p[1]).filter((y): y is number => y !== null));
  if (ys.length === 0) return [0, 1];
  const lo = Math.max(0, Math.floor((Math.min(...ys) - 0.01) * 20) / 20);
  const hi = Math.min(1, Math.ceil((Math.max(...ys) + 0.01) * 20) / 20);
  return hi - lo < 0.1 ? [Math.max(0, hi - 0.1), Math.max(hi, 0.1)] : [lo, hi];
}

function yTicks([lo, hi]: readonly [number, number]): number[] {
  const range = hi - lo;
  const step = range <= 0.2 ? 0.02 : range <= 0.5 ? 0.05 : 0.1;
  const ticks: number[] = [];
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + 1e-9; i++) ticks.push(Number((i * step).toFixed(6)));
  return ticks;
}

function renderPanel(panel: Panel, offsetX: number): string {
  const [x0, x1] = panel.xDomain;
  const [y0, y1] = panel.yDomain ?? fittedDomain(panel.series);
  const sx = (x: number) => PLOT.left + ((x - x0) / (x1 - x0)) * (PLOT.right - PLOT.left);
  const sy = (y: number) => PLOT.bottom - ((y - y0) / (y1 - y0 || 1)) * (PLOT.bottom - PLOT.top);
  const out: string[] = [`<g transform="translate(${offsetX},${TITLE_H})">`];
  out.push(`<text x="${(PLOT.left + PLOT.right) / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(panel.title)}</text>`);
  if (panel.subtitle) out.push(`<text x="${(PLOT.left + PLOT.right) / 2}" y="42" text-anchor="middle" font-size="12" fill="#555">${escapeXml(panel.subtitle)}</text>`);
  // Grid and axes.
  for (const t of yTicks([y0, y1])) {
    out.push(`<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${fmt(sy(t))}" y2="${fmt(sy(t))}" stroke="#e3e3e3"/>`);
    out.push(`<text x="${PLOT.left - 8}" y="${fmt(sy(t) + 4)}" text-anchor="end" font-size="11">${percent(t)}</text>`);
  }
  for (const t of panel.xTicks) {
    out.push(`<line x1="${fmt(sx(t))}" x2="${fmt(sx(t))}" y1="${PLOT.bottom}" y2="${PLOT.bottom + 5}" stroke="#333"/>`);
    out.push(`<text x="${fmt(sx(t))}" y="${PLOT.bottom + 19}" text-anchor="middle" font-size="11">${fmt(t)}</text>`);
  }
  out.push(`<rect x="${PLOT.left}" y="${PLOT.top}" width="${PLOT.right - PLOT.left}" height="${PLOT.bottom - PLOT.top}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${(PLOT.left + PLOT.right) / 2}" y="${PLOT.bottom + 40}" text-anchor="middle" font-size="12">${escapeXml(panel.xLabel)}</text>`);
  out.push(
    `<text transform="translate(18,${(PLOT.top + PLOT.bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(panel.yLabel)}</text>`,
  );
  if (panel.marker) {
    const mx = fmt(sx(panel.marker.x));
    out.push(`<line x1="${mx}" x2="${mx}" y1="${PLOT.top}" y2="${PLOT.bottom}" stroke="#888" stroke-dasharray="3,3"/>`);
    out.push(`<text x="${mx}" y="${PLOT.top - 6}" text-anchor="middle" font-size="11" fill="#555">${escapeXml(panel.marker.label)}</text>`);
  }
  // Lines: a null breaks the line; points get a dot.
  for (const s of panel.series) {
    let d = '';
    let pen = false;
    for (const [x, y] of s.points) {
      if (y === null) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${fmt(sx(x))},${fmt(sy(y))}`;
      pen = true;
    }
    if (d) out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="7,4"' : ''}/>`);
    for (const [x, y] of s.points) {
      if (y !== null) out.push(`<circle cx="${fmt(sx(x))}" cy="${fmt(sy(y))}" r="2.6" fill="${s.color}"/>`);
    }
  }
  // Legend under the axes.
  panel.series.forEach((s, i) => {
    const y = PLOT.bottom + 62 + i * 18;
    out.push(
      `<line x1="${PLOT.left}" x2="${PLOT.left + 28}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="7,4"' : ''}/>`,
    );
    out.push(`<text x="${PLOT.left + 36}" y="${y + 4}" font-size="12">${escapeXml(s.label)}</text>`);
  });
  out.push('</g>');
  return out.join('\n');
}

/** Panels side by side under a title, as one standalone SVG document. */
export function renderChart(title: string, panels: readonly Panel[]): string {
  const width = PANEL_W * panels.length;
  const height = PANEL_H + TITLE_H;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, Helvetica, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="28" text-anchor="middle" font-size="17" font-weight="bold">${escapeXml(title)}</text>`,
    ...panels.map((p, i) => renderPanel(p, i * PANEL_W)),
    '</svg>',
    '',
  ].join('\n');
}

const BLUE = '#1f77b4';
const ORANGE = '#ff7f0e';
const RED = '#d62728';
const GREEN = '#2ca02c';
const PURPLE = '#9467bd';

/**
 * The sweep as two panels: precision@5 against the semantic weight, and precision@5 + needs_confirmation rate against
 * the threshold; with `calibration`, a third: the reliability curve of the confidence at the index's settings.
 */
export function sweepChart(sweep: SweepReport, title: string, calibration?: CalibrationReport): string {
  const byFusion = (fusion: 'weighted' | 'rrf') => sweep.by_weight.filter((p) => p.fusion === fusion);
  const weightPoints = (fusion: 'weighted' | 'rrf', key: 'precision_at_5' | 'catalog_wide_precision_at_5') =>
    byFusion(fusion).map((p) => [p.semantic_weight, p[key]] as const);
  const unsure = sweep.by_weight[0]?.needs_confirmation_rate ?? null;
  const weightPanel: Panel = {
    title: 'precision@5 vs semantic weight',
    subtitle: `visual weight = 1 − w; threshold ${sweep.current.confidence_threshold}${unsure === null ? '' : `, needs_confirmation ${percent(unsure)} at every w`}`,
    xLabel: 'semantic weight w (0 = visual only, 1 = semantic only)',
    yLabel: 'precision@5 (by category)',
    xDomain: [0, 1],
    xTicks: [0, 0.2, 0.4, 0.6, 0.8, 1],
    series: [
      { label: 'weighted fusion, end to end (policy)', color: BLUE, points: weightPoints('weighted', 'precision_at_5') },
      { label: 'RRF fusion, end to end (policy)', color: ORANGE, points: weightPoints('rrf', 'precision_at_5') },
      { label: 'weighted fusion, whole catalog (no detection)', color: BLUE, dashed: true, points: weightPoints('weighted', 'catalog_wide_precision_at_5') },
      { label: 'RRF fusion, whole catalog (no detection)', color: ORANGE, dashed: true, points: weightPoints('rrf', 'catalog_wide_precision_at_5') },
    ],
    marker: { x: sweep.current.semantic_weight, label: `current ${sweep.current.semantic_weight}` },
  };
  const thresholdPanel: Panel = {
    title: 'precision@5 and needs_confirmation vs threshold',
    subtitle: `${sweep.current.fusion} fusion, semantic weight ${sweep.current.semantic_weight}`,
    xLabel: 'confidence threshold',
    yLabel: 'share of queries',
    xDomain: [0, 1],
    xTicks: [0, 0.2, 0.4, 0.6, 0.8, 1],
    yDomain: [0, 1],
    series: [
      { label: 'precision@5, end to end (policy)', color: BLUE, points: sweep.by_threshold.map((p) => [p.confidence_threshold, p.precision_at_5] as const) },
      { label: 'needs_confirmation rate', color: RED, points: sweep.by_threshold.map((p) => [p.confidence_threshold, p.needs_confirmation_rate] as const) },
      {
        label: 'category accuracy of confident queries',
        color: GREEN,
        dashed: true,
        points: sweep.by_threshold.map((p) => [p.confidence_threshold, p.category_accuracy_when_confident] as const),
      },
      ...(sweep.by_threshold.some((p) => p.exact_recall_at_1 !== null)
        ? [{ label: 'exact recall@1 (photos of catalog products)', color: PURPLE, dashed: true, points: sweep.by_threshold.map((p) => [p.confidence_threshold, p.exact_recall_at_1] as const) }]
        : []),
    ],
    marker: { x: sweep.current.confidence_threshold, label: `current ${sweep.current.confidence_threshold}` },
  };
  const bins = calibration?.reliability.filter((b) => b.queries > 0) ?? [];
  const photos = bins.reduce((sum, b) => sum + b.queries, 0);
  const reliabilityPanel: Panel | null = calibration
    ? {
        title: 'reliability of the confidence',
        subtitle: `expected calibration error ${calibration.expected_calibration_error === null ? '—' : percent(calibration.expected_calibration_error)}; threshold ${sweep.current.confidence_threshold}`,
        xLabel: 'confidence of the response (mean of each tenth)',
        yLabel: 'share of photos',
        xDomain: [0, 1],
        xTicks: [0, 0.2, 0.4, 0.6, 0.8, 1],
        yDomain: [0, 1],
        series: [
          { label: 'category right (accuracy per bin)', color: BLUE, points: bins.map((b) => [b.mean_confidence!, b.accuracy] as const) },
          { label: 'perfectly calibrated', color: '#888', dashed: true, points: [[0, 0], [1, 1]] },
          { label: 'photos in the bin (share of all)', color: ORANGE, dashed: true, points: bins.map((b) => [b.mean_confidence!, b.queries / photos] as const) },
        ],
        marker: { x: sweep.current.confidence_threshold, label: `threshold ${sweep.current.confidence_threshold}` },
      }
    : null;
  return renderChart(title, reliabilityPanel ? [weightPanel, thresholdPanel, reliabilityPanel] : [weightPanel, thresholdPanel]);
}
