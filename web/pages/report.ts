/**
 * The post-live report of one room (/report?room=<id>): audience, engagement and the ledger's money figures, the
 * funnel, new and repeat buyers, traffic sources, and a per-minute chart of viewers and GMV with pin and sale markers;
 * downloadable as CSV. For the room's staff (GET /api/rooms/:roomId/report).
 */
import type { RoomReport } from '@hawker/protocol';
import { downloadButton, renderReportChart } from './lib/charts.ts';
import { byId, h, replace } from './lib/dom.ts';
import { dateTime, moneyTotals } from './lib/format.ts';
import { type MessageKey, t } from './lib/i18n.ts';
import './lib/messages/crowd.ts';
import { describeError, renderTopbar, requireIdentity, showNotice } from './lib/ui.ts';

renderTopbar('/report');
document.title = `${t('report.title')} — Hawker`;
const identity = requireIdentity(['creator', 'moderator', 'agency', 'admin'], t('report.page'));
const roomId = new URLSearchParams(location.search).get('room');
if (identity) {
  if (!roomId || !/^[A-Za-z0-9_-]{1,64}$/.test(roomId))
    showNotice({ title: t('report.title'), message: t('report.noRoom'), testId: 'report-error' });
  else void start(identity.token, roomId);
}

async function start(token: string, id: string): Promise<void> {
  let report: RoomReport;
  try {
    const res = await fetch(`/api/rooms/${encodeURIComponent(id)}/report`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as RoomReport & { error?: { message: string } };
    if (!res.ok) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
    report = body;
  } catch (err) {
    showNotice({ title: t('report.title'), message: describeError(err), testId: 'report-error' });
    return;
  }
  const main = byId('main');
  main.className = 'page report';
  const when = [report.startedAt, report.endedAt]
    .filter((v): v is number => v !== null)
    .map(dateTime)
    .join(' – ');
  const stat = (label: MessageKey, value: string | number, testId: string) =>
    h(
      'li',
      { class: 'stat' },
      h('span', { class: 'stat-label', text: t(label) }),
      h('strong', { class: 'stat-value', text: String(value), attrs: { 'data-testid': testId } }),
    );
  const watch = Math.round(report.watchSeconds / 60);
  const f = report.funnel;
  const funnelStep = (key: 'viewers' | 'clickers' | 'buyers' | 'payers') =>
    h(
      'li',
      { class: 'funnel-step' },
      h('span', { text: t(`report.funnel.${key}` as MessageKey) }),
      h('progress', { attrs: { max: Math.max(1, f.viewers), value: f[key], 'aria-label': t(`report.funnel.${key}` as MessageKey) } }),
      h('strong', { text: String(f[key]), attrs: { 'data-testid': `report-funnel-${key}` } }),
    );
  const chartHost = h('section', { class: 'report-chart' });
  replace(
    main,
    h(
      'div',
      { class: 'row report-head' },
      h('div', {}, h('h1', { text: `${t('report.title')}: ${report.title}` }), h('p', { class: 'muted', text: when })),
      downloadButton(
        t('report.download'),
        'report-download',
        `/api/rooms/${encodeURIComponent(report.roomId)}/report.csv`,
        token,
        `report-${report.roomId}.csv`,
      ),
    ),
    h(
      'ul',
      { class: 'stats', attrs: { 'data-testid': 'report-stats' } },
      stat('report.viewersPeak', report.viewers.peak, 'report-peak'),
      stat('report.viewersAverage', report.viewers.average, 'report-average'),
      stat('report.viewersTotal', report.viewers.total, 'report-total'),
      stat('report.watchTime', t('report.hoursMinutes', { h: Math.floor(watch / 60), m: watch % 60 }), 'report-watch'),
      stat('report.newFollowers', report.newFollowers, 'report-followers'),
      stat('report.productClicks', report.productClicks, 'report-clicks'),
      stat('report.likes', report.likes, 'report-likes'),
      stat('report.orders', report.orders, 'report-orders'),
      stat('report.paidOrders', report.paidOrders, 'report-paid'),
      stat('report.gmv', moneyTotals(report.gmv), 'report-gmv'),
      stat('report.refunds', moneyTotals(report.refunds), 'report-refunds'),
    ),
    chartHost,
    h(
      'div',
      { class: 'report-columns' },
      h(
        'section',
        {},
        h('h2', { text: t('report.funnel') }),
        h(
          'ol',
          { class: 'funnel', attrs: { 'data-testid': 'report-funnel' } },
          funnelStep('viewers'),
          funnelStep('clickers'),
          funnelStep('buyers'),
          funnelStep('payers'),
        ),
      ),
      h(
        'section',
        {},
        h('h2', { text: t('report.buyersSplit') }),
        h(
          'ul',
          { class: 'stats stats-small' },
          stat('report.buyers.new', report.buyers.new, 'report-new'),
          stat('report.buyers.repeat', report.buyers.repeat, 'report-repeat'),
        ),
      ),
      h(
        'section',
        {},
        h('h2', { text: t('report.sources') }),
        report.sources.length
          ? h(
              'ul',
              { class: 'stats stats-small', attrs: { 'data-testid': 'report-sources' } },
              ...report.sources.map((s) => stat(`crowd.source.${s.source}` as MessageKey, s.viewers, `report-source-${s.source}`)),
            )
          : h('p', { class: 'muted', text: t('report.noData') }),
      ),
    ),
  );
  renderReportChart(chartHost, report);
}
