/**
 * The agency dashboard's charts, drawn by uPlot (a maintained canvas charting library, ~50 KB; ECharts is ten times the
 * weight). Only the dashboard page imports this module, so no other page loads uPlot. uPlot sets its sizes and
 * positions through the CSSOM, which the pages' CSP allows; its stylesheet's few rules are in style.css.
 */
import uPlot from 'uplot';
import { h } from './dom.ts';

/** One line of a time chart. */
export interface Series {
  label: string;
  /** A colour of the pages' palette (style.css), as CSS. */
  stroke: string;
  /** Formats a value for the axis and the legend. */
  format: (v: number) => string;
}

/** Most points a time chart keeps (one per push; at one every 2 s, the last ~33 minutes). */
const MAX_POINTS = 1_000;
const HEIGHT = 180;
const AXIS = '#9c9cb0';
const GRID = '#2b2b3a';

/**
 * A live time chart: `push(at, values)` appends one point per series and redraws; the chart follows its container's
 * width (phones to desktops). The container is an image for assistive technology, labelled `label` and kept current
 * with the latest values (a canvas says nothing by itself).
 */
export class TimeChart {
  readonly element: HTMLElement;
  private readonly plotBox = h('div', { class: 'chart-plot' });
  private readonly legend: HTMLElement;
  private readonly data: number[][];
  private readonly plot: uPlot;
  private readonly resize: ResizeObserver;

  constructor(
    private readonly label: string,
    private readonly series: Series[],
    testId: string,
  ) {
    this.data = [[], ...series.map(() => [])];
    this.legend = h('div', { class: 'chart-legend', attrs: { 'aria-hidden': 'true' } });
    this.element = h(
      'figure',
      { class: 'chart', attrs: { 'data-testid': testId } },
      h('figcaption', { class: 'chart-title', text: label }),
      h('div', { class: 'chart-canvas', attrs: { role: 'img', 'aria-label': label } }, this.plotBox),
      this.legend,
    );
    const axis = (fmt: (v: number) => string): uPlot.Axis => ({
      stroke: AXIS,
      grid: { stroke: GRID, width: 1 },
      ticks: { stroke: GRID, width: 1 },
      values: (_u, splits) => splits.map(fmt),
      size: 56,
    });
    this.plot = new uPlot(
      {
        width: 320,
        height: HEIGHT,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
        axes: [{ stroke: AXIS, grid: { stroke: GRID, width: 1 }, ticks: { stroke: GRID, width: 1 } }, axis(series[0]!.format)],
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2, points: { show: false } }))],
      },
      this.data as uPlot.AlignedData,
      this.plotBox,
    );
    this.resize = new ResizeObserver(() => this.fit());
    this.resize.observe(this.element);
  }

  /** Appends the values of every series at `at` (ms epoch) and redraws. */
  push(at: number, values: number[]): void {
    const x = this.data[0]!;
    const sec = at / 1000;
    // Two updates within one second replace each other: the chart shows the latest.
    if (x.length && x[x.length - 1]! >= sec - 0.5) for (const col of this.data) col.pop();
    x.push(sec);
    values.forEach((v, i) => this.data[i + 1]!.push(v));
    if (x.length > MAX_POINTS) for (const col of this.data) col.shift();
    this.plot.setData(this.data as uPlot.AlignedData);
    const text = this.series.map((s, i) => `${s.label}: ${s.format(values[i] ?? 0)}`).join(' · ');
    this.legend.textContent = text;
    this.element.querySelector('.chart-canvas')?.setAttribute('aria-label', `${this.label}. ${text}`);
  }

  /** Points drawn so far (tests read it through the data attribute). */
  get points(): number {
    return this.data[0]!.length;
  }

  close(): void {
    this.resize.disconnect();
    this.plot.destroy();
  }

  private fit(): void {
    const width = Math.floor(this.plotBox.getBoundingClientRect().width);
    if (width > 0 && width !== this.plot.width) this.plot.setSize({ width, height: HEIGHT });
  }
}

/**
 * A ranked list with a bar per row (top creators, top products): the bars' widths are set through the CSSOM (no inline
 * style attributes under the CSP), relative to the first row.
 */
export function rankBars(rows: { name: string; value: number; text: string; href?: string }[], testId: string, empty: string): HTMLElement {
  if (!rows.length) return h('p', { class: 'muted', text: empty, attrs: { 'data-testid': testId } });
  const top = Math.max(1, ...rows.map((r) => r.value));
  return h(
    'ol',
    { class: 'rank-bars', attrs: { 'data-testid': testId } },
    ...rows.map((r) => {
      const bar = h('i');
      bar.style.width = `${Math.round((r.value / top) * 100)}%`;
      return h(
        'li',
        {},
        h('span', { class: 'rank-name' }, r.href ? h('a', { text: r.name, attrs: { href: r.href } }) : r.name),
        h('span', { class: 'rank-value', text: r.text }),
        h('span', { class: 'rank-bar', attrs: { 'aria-hidden': 'true' } }, bar),
      );
    }),
  );
}
