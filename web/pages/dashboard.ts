/**
 * Agency dashboard (issue 19 item 6), for the agency's owner, moderators and admins: the live rooms side by side with
 * viewers, orders and GMV, the totals over time (uPlot charts), top creators and products of the last day. Nothing is
 * polled: rooms and viewers come over the console connection (console:watch, room:stats, console:roomLive/Ended), the
 * ledger figures from `dashboard:watch` and its `dashboard:update` pushes (server/analytics/dashboard.ts).
 */
import { AgencyConsole, type AgencyDashboard, type RoomSnapshot } from '@hawker/client-sdk';
import type { CrowdOverview } from '@hawker/protocol';
import { renderCrowdPanel } from './lib/charts.ts';
import { byId, h, replace } from './lib/dom.ts';
import { TimeChart, rankBars } from './lib/dashboardCharts.ts';
import { compact, moneyTotals } from './lib/format.ts';
import { t } from './lib/i18n.ts';
import './lib/messages/centre.ts';
import './lib/messages/common.ts';
import type { Identity } from './lib/identity.ts';
import { ConnectionBanner, describeError, renderTopbar, requireIdentity, showNotice } from './lib/ui.ts';

renderTopbar('/dashboard');
const identity = requireIdentity(['agency', 'moderator', 'admin'], t('dashboard.what'));
if (identity) {
  // Admins pick the agency in the address; owners and moderators see their own.
  const agencyId = identity.principal.role === 'admin' ? new URLSearchParams(location.search).get('agency') : identity.principal.agencyId;
  if (!agencyId)
    showNotice({
      title: t('dashboard.whichAgency'),
      message: identity.principal.role === 'admin' ? t('dashboard.adminHint') : t('dashboard.noAgency'),
      action: { label: t('auth.switch'), href: '/?next=%2Fdashboard#sign-in' },
      testId: 'no-agency',
    });
  else void start(identity, agencyId);
}

async function start(identity: Identity, agencyId: string): Promise<void> {
  try {
    const agency = await AgencyConsole.connect(location.origin, identity.token, agencyId);
    const figures = await agency.request('dashboard:watch', { agencyId });
    const view = new DashboardView(agency, figures);
    window.addEventListener('pagehide', () => view.close());
    void mountCrowd(identity.token, agencyId);
  } catch (err) {
    showNotice({
      title: t('dashboard.cannotOpen'),
      message: describeError(err),
      action: { label: t('nav.home'), href: '/' },
      testId: 'dashboard-error',
    });
  }
}

/**
 * The crowd-asset panel (issue 19 item 6: stages, flows, sources, exports; lib/charts.ts draws it) in the dashboard's
 * slot, from GET /api/crowd/agency/:id. Read once: the stages move by the day, unlike the live figures above, which are
 * pushed. A role that may not see the agency's people (a moderator) reads the refusal in the panel.
 */
async function mountCrowd(token: string, agencyId: string): Promise<void> {
  const slot = byId('crowd-panel');
  const note = slot.querySelector('p');
  const base = `/api/crowd/agency/${encodeURIComponent(agencyId)}`;
  try {
    const res = await fetch(`${base}?period=day`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as CrowdOverview & { error?: { message: string } };
    if (!res.ok) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
    note?.remove();
    renderCrowdPanel(slot, body, { exportCsv: { token, path: (stage) => `${base}/people.csv?stage=${stage}` } });
  } catch (err) {
    note?.replaceWith(h('p', { class: 'error', text: describeError(err), attrs: { 'data-testid': 'crowd-error' } }));
  }
}

/** The first currency of a GMV record (an agency sells in one currency in practice), for the charts' single axis. */
function gmvOf(gmv: Record<string, number>): { value: number; currency: string } {
  const [currency, value] = Object.entries(gmv)[0] ?? ['CNY', 0];
  return { currency, value };
}

class DashboardView {
  private readonly rooms = new Map<string, RoomSnapshot>();
  private readonly viewers = new Map<string, number>();
  private figures: AgencyDashboard;
  private readonly totals = h('div', { class: 'counters dash-totals', attrs: { 'data-testid': 'dash-totals' } });
  private readonly grid = h('div', { class: 'dash-rooms', attrs: { 'data-testid': 'dash-rooms' } });
  private readonly topCreators = h('div');
  private readonly topProducts = h('div');
  private readonly viewerChart: TimeChart;
  private readonly salesChart: TimeChart;
  private currency = 'CNY';
  private readonly banner = new ConnectionBanner();

  constructor(
    private readonly agency: AgencyConsole,
    figures: AgencyDashboard,
  ) {
    this.figures = figures;
    for (const snap of agency.rooms.values()) this.addRoom(snap);
    this.currency = gmvOf(figures.totals.gmv).currency;
    this.viewerChart = new TimeChart(
      t('dashboard.chart.viewers'),
      [{ label: t('dashboard.viewers'), stroke: '#25f4ee', format: (v) => compact(v) }],
      'chart-viewers',
    );
    this.salesChart = new TimeChart(
      t('dashboard.chart.sales'),
      [{ label: t('dashboard.gmv'), stroke: '#fe2c55', format: (v) => moneyTotals({ [this.currency]: v }) }],
      'chart-sales',
    );
    replace(
      byId('main'),
      h(
        'header',
        { class: 'store-head' },
        h('h1', { class: 'page-title', text: t('dashboard.title') }),
        h('p', { class: 'muted', text: t('dashboard.subtitle', { agency: agency.agencyId }) }),
      ),
      this.totals,
      h(
        'section',
        { class: 'card', attrs: { 'aria-labelledby': 'dash-rooms-title' } },
        h('h2', { text: t('dashboard.rooms'), attrs: { id: 'dash-rooms-title' } }),
        this.grid,
      ),
      h('section', { class: 'dash-charts' }, this.viewerChart.element, this.salesChart.element),
      h(
        'div',
        { class: 'dash-tops' },
        h(
          'section',
          { class: 'card', attrs: { 'data-testid': 'dash-top-creators' } },
          h('h2', { text: t('dashboard.topCreators') }),
          this.topCreators,
        ),
        h(
          'section',
          { class: 'card', attrs: { 'data-testid': 'dash-top-products' } },
          h('h2', { text: t('dashboard.topProducts') }),
          this.topProducts,
        ),
      ),
      // The crowd panel's place: mountCrowd fills it (stages, flows, sources, exports).
      h(
        'section',
        {
          class: 'card dash-crowd',
          attrs: { id: 'crowd-panel', 'data-slot': 'crowd', 'data-testid': 'crowd-slot', 'aria-labelledby': 'crowd-title' },
        },
        h('h2', { text: t('dashboard.crowd'), attrs: { id: 'crowd-title' } }),
        h('p', { class: 'muted', text: t('dashboard.crowdSoon') }),
      ),
    );

    agency.on('room:stats', ({ roomId, viewers }) => {
      if (!this.rooms.has(roomId)) return;
      this.viewers.set(roomId, viewers);
      this.render();
    });
    agency.on('console:roomLive', ({ snapshot }) => {
      this.addRoom(snapshot);
      this.render();
    });
    agency.on('console:roomEnded', ({ roomId }) => {
      this.rooms.delete(roomId);
      this.viewers.delete(roomId);
      this.render();
    });
    agency.on('dashboard:update', (next) => {
      if (next.agencyId !== agency.agencyId) return;
      this.figures = next;
      this.render();
    });
    // After a reconnect the console re-watched its rooms; the dashboard's subscription is asked for again.
    agency.on('resync', (watched) => {
      this.rooms.clear();
      this.viewers.clear();
      for (const snap of watched.rooms) this.addRoom(snap);
      void agency
        .request('dashboard:watch', { agencyId: agency.agencyId })
        .then((f) => {
          this.figures = f;
          this.render();
        })
        .catch(() => undefined);
      this.render();
    });
    agency.on('disconnected', () => this.banner.show(t('dashboard.reconnecting')));
    agency.on('reconnected', () => this.banner.hide());
    agency.on('closed', ({ reason }) =>
      showNotice({ title: t('dashboard.closed'), message: reason, action: { label: t('nav.home'), href: '/' } }),
    );
    this.render();
  }

  close(): void {
    this.viewerChart.close();
    this.salesChart.close();
    this.agency.close();
  }

  private addRoom(snap: RoomSnapshot): void {
    this.rooms.set(snap.room.id, snap);
    this.viewers.set(snap.room.id, snap.stats.viewers);
  }

  private render(): void {
    const f = this.figures;
    const byRoom = new Map(f.rooms.map((r) => [r.roomId, r]));
    const viewers = [...this.viewers.values()].reduce((a, b) => a + b, 0);
    const counter = (label: string, value: string, testId: string) =>
      h(
        'div',
        { class: 'counter' },
        h('span', { class: 'counter-label', text: label }),
        h('b', { text: value, attrs: { 'data-testid': testId } }),
      );
    replace(
      this.totals,
      counter(t('dashboard.liveRooms'), String(this.rooms.size), 'dash-live'),
      counter(t('dashboard.viewers'), compact(viewers), 'dash-viewers'),
      counter(t('dashboard.orders'), compact(f.totals.orders), 'dash-orders'),
      counter(t('dashboard.gmv'), moneyTotals(f.totals.gmv), 'dash-gmv'),
    );
    const rooms = [...this.rooms.values()];
    replace(
      this.grid,
      ...(rooms.length
        ? rooms.map((snap) => {
            const r = byRoom.get(snap.room.id);
            return h(
              'article',
              { class: 'dash-room', attrs: { 'data-testid': 'dash-room', 'data-room': snap.room.id } },
              h('a', { class: 'title', text: snap.room.title, attrs: { href: `/room?id=${encodeURIComponent(snap.room.id)}` } }),
              h('div', { class: 'small muted', text: snap.room.creatorName }),
              h(
                'dl',
                { class: 'dash-figures' },
                h('dt', { text: t('dashboard.viewers') }),
                h('dd', { text: compact(this.viewers.get(snap.room.id) ?? 0), attrs: { 'data-testid': 'room-viewers' } }),
                h('dt', { text: t('dashboard.orders') }),
                h('dd', { text: compact(r?.orders ?? 0), attrs: { 'data-testid': 'room-orders' } }),
                h('dt', { text: t('dashboard.gmv') }),
                h('dd', { text: moneyTotals(r?.gmv ?? {}), attrs: { 'data-testid': 'room-gmv' } }),
              ),
            );
          })
        : [h('p', { class: 'muted', text: t('dashboard.nobodyLive') })]),
    );
    const gmvText = (g: Record<string, number>) => moneyTotals(g);
    replace(
      this.topCreators,
      rankBars(
        f.topCreators.map((c) => ({
          name: c.name,
          value: c.paidUnits,
          text: `${t('dashboard.units', { n: c.paidUnits })} · ${gmvText(c.gmv)}`,
          href: `/store?creator=${encodeURIComponent(c.id)}`,
        })),
        'top-creators',
        t('dashboard.noSales'),
      ),
    );
    replace(
      this.topProducts,
      rankBars(
        f.topProducts.map((p) => ({
          name: p.name,
          value: p.paidUnits,
          text: `${t('dashboard.units', { n: p.paidUnits })} · ${gmvText(p.gmv)}`,
          href: `/store?product=${encodeURIComponent(p.id)}`,
        })),
        'top-products',
        t('dashboard.noSales'),
      ),
    );
    // The chart's currency is the first one sold in (none sold yet: the axis shows zero in any).
    if (Object.keys(f.totals.gmv).length) this.currency = gmvOf(f.totals.gmv).currency;
    const now = this.agency.serverNow();
    this.viewerChart.push(now, [viewers]);
    this.salesChart.push(now, [gmvOf(f.totals.gmv).value]);
    this.viewerChart.element.dataset.points = String(this.viewerChart.points);
    this.salesChart.element.dataset.points = String(this.salesChart.points);
  }
}
