/**
 * A live's summary card (issue 17): peak and total viewers, likes, orders and GMV (the room's staff only), best
 * sellers. Shown on the studio's end screen and in the ended room.
 */
import type { RoomSummary } from '@hawker/client-sdk';
import { h } from './dom.ts';
import { compact, money, moneyTotals } from './format.ts';
import { t } from './i18n.ts';
import './messages/replay.ts';
import { counter } from './ui.ts';

export function summaryCard(s: RoomSummary): HTMLElement {
  const figure = (value: string, label: string, testId: string) =>
    counter(h('b', { text: value, attrs: { 'data-testid': testId } }), label);
  const figures = [
    figure(compact(s.peakViewers), t('replay.sumPeak'), 'sum-peak'),
    figure(compact(s.totalViewers), t('replay.sumTotal'), 'sum-total'),
    figure(compact(s.likes), t('replay.sumLikes'), 'sum-likes'),
  ];
  if (s.orders !== null) figures.push(figure(compact(s.orders), t('replay.sumOrders'), 'sum-orders'));
  if (s.gmv !== null) figures.push(figure(Object.keys(s.gmv).length ? moneyTotals(s.gmv) : '—', t('replay.sumGmv'), 'sum-gmv'));
  return h(
    'section',
    { class: 'card stack live-summary', attrs: { 'data-testid': 'live-summary', 'aria-labelledby': 'summary-title' } },
    h('h2', { text: t('replay.summary'), attrs: { id: 'summary-title' } }),
    h('div', { class: 'counters' }, ...figures),
    h('h3', { text: t('replay.sumTop') }),
    s.topProducts.length
      ? h(
          'ol',
          { class: 'list', attrs: { 'data-testid': 'sum-top' } },
          ...s.topProducts.map((p) =>
            h(
              'li',
              { class: 'list-item' },
              h('span', { class: 'grow title', text: p.title }),
              h('span', { class: 'muted small', text: t('replay.sumSold', { n: p.paidUnits }) }),
              p.gmv !== null ? h('b', { text: money(p.gmv, p.currency) }) : null,
            ),
          ),
        )
      : h('p', { class: 'muted small', text: t('replay.sumNoSales') }),
  );
}
