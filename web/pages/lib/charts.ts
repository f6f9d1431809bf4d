/**
 * Charts of the crowd and report pages (uPlot: canvas, ~50 KB, loaded only by the pages that import this module), and
 * the crowd panel the agency dashboard embeds (`renderCrowdPanel`). Every chart is a figure with a caption, an
 * `aria-label`, and a collapsed table of the same figures (a canvas says nothing to a screen reader). Charts follow their
 * container's width (ResizeObserver), so they never overflow a phone's screen.
 */
import uPlot from 'uplot';
import type { CrowdOverview, CrowdStage, RoomReport } from '@hawker/protocol';
import { h } from './dom.ts';
import { clock, money } from './format.ts';
import { type MessageKey, t } from './i18n.ts';
import './messages/crowd.ts';

const STAGES: readonly CrowdStage[] = ['interested', 'first', 'repeat', 'lapsed'];
const COLORS = { interested: '#2f80ed', first: '#e0143f', repeat: '#1f9d55', lapsed: '#8a8f98', extra: '#b26b00' } as const;
const HEIGHT = 220;
/** Axis text and grid on the pages' dark panels (style.css --muted, --line). */
const AXIS = { stroke: '#9c9cb0', grid: { stroke: '#2b2b3a', width: 1 }, ticks: { stroke: '#2b2b3a', width: 1 } };

/** A chart series: its label, colour, values, and whether it is drawn as bars. */
export interface ChartSeries {
  label: string;
  color: string;
  values: (number | null)[];
  bars?: boolean;
  /** The y scale it uses ('y' by default; a second scale gets its own axis on the right). */
  scale?: string;
}

/** A vertical marker on a time chart (seconds since the epoch). */
export interface ChartMarker {
  at: number;
  kind: 'pin' | 'sale';
  label: string;
}

interface ChartOptions {
  /** x values: seconds since the epoch (time: true), or category indexes with their labels. */
  x: number[];
  categories?: string[];
  series: ChartSeries[];
  markers?: ChartMarker[];
  /** Formats values on the second scale's axis. */
  format2?: (v: number) => string;
}

/** Draws a chart into `target`, sized to it and redrawn when it resizes; returns the uPlot (tests read it). */
export function drawChart(target: HTMLElement, o: ChartOptions): uPlot {
  const bars = uPlot.paths.bars?.({ size: [0.6, 64] });
  const scales = [...new Set(o.series.map((s) => s.scale ?? 'y'))];
  const opts: uPlot.Options = {
    width: Math.max(200, target.clientWidth),
    height: HEIGHT,
    scales: { x: { time: !o.categories, ...(o.categories ? { range: (_u, min, max) => [min - 0.5, max + 0.5] } : {}) } },
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false } },
    series: [
      {},
      ...o.series.map((s) => ({
        label: s.label,
        stroke: s.color,
        fill: s.bars ? `${s.color}cc` : undefined,
        width: s.bars ? 1 : 2,
        scale: s.scale ?? 'y',
        ...(s.bars && bars ? { paths: bars, points: { show: false } } : {}),
      })),
    ],
    axes: [
      o.categories
        ? {
            values: (_u, vals) => vals.map((v) => (Number.isInteger(v) ? (o.categories![v] ?? '') : '')),
            splits: () => o.categories!.map((_, i) => i),
          }
        : AXIS,
      { ...AXIS, scale: scales[0] },
      ...(scales[1]
        ? [
            {
              scale: scales[1],
              side: 1 as const,
              grid: { show: false },
              values: (_u: uPlot, vals: number[]) => vals.map((v) => o.format2?.(v) ?? String(v)),
            },
          ]
        : []),
    ],
    plugins: o.markers?.length ? [markerPlugin(o.markers)] : [],
  };
  const chart = new uPlot(opts, [o.x, ...o.series.map((s) => s.values)] as uPlot.AlignedData, target);
  const resize = new ResizeObserver(() => {
    const width = Math.max(200, target.clientWidth);
    if (width !== chart.width) chart.setSize({ width, height: HEIGHT });
  });
  resize.observe(target);
  return chart;
}

/** Vertical lines at pins and diamonds at flash sales, drawn on the plot's canvas after the series. */
function markerPlugin(markers: readonly ChartMarker[]): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (u) => {
          const ctx = u.ctx;
          ctx.save();
          for (const m of markers) {
            const x = u.valToPos(m.at, 'x', true);
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
            ctx.strokeStyle = ctx.fillStyle = m.kind === 'pin' ? COLORS.interested : COLORS.extra;
            ctx.lineWidth = 1.5 * devicePixelRatio;
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
            if (m.kind === 'sale') {
              const s = 5 * devicePixelRatio;
              const y = u.bbox.top + s;
              ctx.beginPath();
              ctx.moveTo(x, y - s);
              ctx.lineTo(x + s, y);
              ctx.lineTo(x, y + s);
              ctx.lineTo(x - s, y);
              ctx.fill();
            }
          }
          ctx.restore();
        },
      ],
    },
  };
}

/** A figure: caption, the chart's box (role img, labelled) and a collapsed table of the same figures. */
export function chartFigure(
  caption: string,
  testId: string,
  head: string[],
  rows: (string | number)[][],
): { figure: HTMLElement; box: HTMLElement } {
  const box = h('div', { class: 'chart-box', attrs: { role: 'img', 'aria-label': caption, 'data-testid': `${testId}-chart` } });
  const table = h(
    'table',
    { class: 'chart-table' },
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { text: c, attrs: { scope: 'col' } })))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', { text: String(c) }))))),
  );
  const figure = h(
    'figure',
    { class: 'chart', attrs: { 'data-testid': testId } },
    h('figcaption', { text: caption }),
    box,
    h('details', { class: 'chart-details' }, h('summary', { text: t('crowd.chartSummary') }), h('div', { class: 'table-scroll' }, table)),
  );
  return { figure, box };
}

/**
 * A button that downloads a CSV the API serves to a bearer token (a plain link would not send the token): fetched,
 * then saved through an object URL. A refusal shows the API's message in the button's status line.
 */
export function downloadButton(label: string, testId: string, path: string, token: string, filename: string): HTMLElement {
  const status = h('span', { class: 'download-status', attrs: { role: 'status' } });
  const button = h('button', {
    class: 'btn btn-ghost btn-sm',
    text: label,
    attrs: { type: 'button', 'data-testid': testId },
    on: {
      click: async () => {
        button.disabled = true;
        status.textContent = '';
        try {
          const res = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
          if (!res.ok) {
            const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
            throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
          }
          const url = URL.createObjectURL(await res.blob());
          const a = h('a', { attrs: { href: url, download: filename, hidden: true } });
          document.body.append(a);
          a.click();
          a.remove();
          setTimeout(() => URL.revokeObjectURL(url), 10_000);
        } catch (err) {
          status.textContent = (err as Error).message;
        } finally {
          button.disabled = false;
        }
      },
    },
  });
  return h('span', { class: 'download' }, button, status);
}

const dayTs = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;
const pct = (n: number, of: number) => (of ? `${Math.round((n / of) * 1000) / 10}%` : '—');

/**
 * The crowd panel: stage sizes over time, the flows per period, conversion by traffic source, and an export link per
 * stage. Appends to `container` (the agency dashboard embeds it with the overview it read from GET /api/crowd/...).
 * `exportCsv` gives each stage a download of its people (GET .../people.csv); without it, none. Returns the charts drawn.
 */
export function renderCrowdPanel(
  container: HTMLElement,
  overview: CrowdOverview,
  opts: { exportCsv?: { token: string; path: (stage: CrowdStage) => string } } = {},
): uPlot[] {
  const stageLabel = (s: CrowdStage) => t(`crowd.stage.${s}` as MessageKey);
  const now = overview.stages.at(-1);
  const cards = h(
    'ul',
    { class: 'crowd-cards', attrs: { 'data-testid': 'crowd-now' } },
    ...STAGES.map((s) =>
      h(
        'li',
        { class: `crowd-card crowd-${s}` },
        h('span', { class: 'crowd-card-label', text: stageLabel(s) }),
        h('strong', { class: 'crowd-card-value', text: String(now?.[s] ?? 0), attrs: { 'data-testid': `crowd-now-${s}` } }),
        opts.exportCsv
          ? downloadButton(
              t('crowd.export', { stage: stageLabel(s) }),
              `crowd-export-${s}`,
              opts.exportCsv.path(s),
              opts.exportCsv.token,
              `crowd-${s}.csv`,
            )
          : null,
      ),
    ),
  );
  const stages = chartFigure(
    t('crowd.stagesChart'),
    'crowd-stages',
    ['', ...STAGES.map(stageLabel)],
    overview.stages.map((d) => [d.day, ...STAGES.map((s) => d[s])]),
  );
  const flowKeys = ['newInterested', 'converted', 'returned', 'lapsed', 'revived'] as const;
  const flowColors = [COLORS.interested, COLORS.first, COLORS.repeat, COLORS.lapsed, COLORS.extra];
  const flows = chartFigure(
    t('crowd.flowsChart'),
    'crowd-flows',
    ['', ...flowKeys.map((k) => t(`crowd.flow.${k}` as MessageKey))],
    overview.flows.map((f) => [f.start, ...flowKeys.map((k) => f[k])]),
  );
  const sources = chartFigure(
    t('crowd.sourcesChart'),
    'crowd-sources',
    ['', t('crowd.people'), t('crowd.buyers'), t('crowd.conversion')],
    overview.sources.map((s) => [t(`crowd.source.${s.source}` as MessageKey), s.people, s.buyers, pct(s.buyers, s.people)]),
  );
  container.append(
    h('p', { class: 'muted', text: t('crowd.rules', { seconds: overview.minWatchSeconds, days: overview.lapsedDays }) }),
    cards,
    h('div', { class: 'chart-grid' }, stages.figure, flows.figure, sources.figure),
  );
  return [
    drawChart(stages.box, {
      x: overview.stages.map((d) => dayTs(d.day)),
      series: STAGES.map((s) => ({ label: stageLabel(s), color: COLORS[s], values: overview.stages.map((d) => d[s]) })),
    }),
    drawChart(flows.box, {
      x: overview.flows.map((f) => dayTs(f.start)),
      series: flowKeys.map((k, i) => ({
        label: t(`crowd.flow.${k}` as MessageKey),
        color: flowColors[i]!,
        values: overview.flows.map((f) => f[k]),
        bars: k === 'converted' || k === 'returned',
      })),
    }),
    drawChart(sources.box, {
      x: overview.sources.map((_, i) => i),
      categories: overview.sources.map((s) => t(`crowd.source.${s.source}` as MessageKey)),
      series: [
        { label: t('crowd.people'), color: COLORS.interested, values: overview.sources.map((s) => s.people), bars: true },
        { label: t('crowd.buyers'), color: COLORS.first, values: overview.sources.map((s) => s.buyers), bars: true },
      ],
    }),
  ];
}

/** The report's per-minute chart: viewers (left axis) and GMV (right axis), with pin and sale markers. */
export function renderReportChart(container: HTMLElement, report: RoomReport): uPlot {
  const currency = report.currency ?? 'USD';
  const fig = chartFigure(
    t('report.perMinute'),
    'report-minutes',
    [t('report.minute'), t('report.series.viewers'), t('report.series.gmv', { currency })],
    report.minutes.map((m) => [clock(m.at), m.viewers, money(m.gmv, currency)]),
  );
  container.append(fig.figure, h('p', { class: 'muted', text: t('report.markers') }));
  return drawChart(fig.box, {
    x: report.minutes.map((m) => m.at / 1000),
    series: [
      { label: t('report.series.viewers'), color: COLORS.interested, values: report.minutes.map((m) => m.viewers) },
      {
        label: t('report.series.gmv', { currency }),
        color: COLORS.first,
        values: report.minutes.map((m) => m.gmv),
        bars: true,
        scale: 'gmv',
      },
    ],
    markers: report.markers.map((m) => ({
      at: m.at / 1000,
      kind: m.kind,
      label: t(m.kind === 'pin' ? 'report.marker.pin' : 'report.marker.sale'),
    })),
    format2: (v) => money(v, currency),
  });
}
