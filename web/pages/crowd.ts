/**
 * Crowd assets (/crowd?kind=creator|agency|shop&id=...): stage sizes over time, flows between stages per day or week,
 * conversion by traffic source, and each stage's people as CSV for the owner's CRM. The signed-in creator's own crowd,
 * an agency owner's agency's, or a shop's for its owner and staff (GET /api/crowd/:kind/:id).
 */
import type { CrowdOverview, CrowdScopeKind } from '@hawker/protocol';
import { renderCrowdPanel } from './lib/charts.ts';
import { byId, h, replace } from './lib/dom.ts';
import { type MessageKey, t } from './lib/i18n.ts';
import './lib/messages/crowd.ts';
import { describeError, renderTopbar, requireIdentity } from './lib/ui.ts';

renderTopbar('/crowd');
document.title = `${t('crowd.title')} — Hawker`;
const identity = requireIdentity(['creator', 'agency', 'merchant', 'admin'], t('crowd.page'));
if (identity) start(identity.token, identity.principal);

function start(token: string, me: { userId: string; role: string; agencyId?: string | null }): void {
  const params = new URLSearchParams(location.search);
  const kinds: CrowdScopeKind[] = ['creator', 'agency', 'shop'];
  const fallback: CrowdScopeKind = me.role === 'agency' ? 'agency' : me.role === 'merchant' ? 'shop' : 'creator';
  const kind = (kinds.find((k) => k === params.get('kind')) ?? fallback) as CrowdScopeKind;
  const id = params.get('id') ?? (kind === 'agency' ? (me.agencyId ?? '') : kind === 'creator' ? me.userId : '');
  const period = params.get('period') === 'week' ? 'week' : 'day';
  const kindSelect = h(
    'select',
    { attrs: { name: 'kind', id: 'crowd-kind' } },
    ...kinds.map((k) => h('option', { text: t(`crowd.kind.${k}` as MessageKey), attrs: { value: k, selected: k === kind } })),
  );
  const idInput = h('input', {
    attrs: { name: 'id', id: 'crowd-id', value: id, required: true, pattern: '[A-Za-z0-9_-]{1,64}', autocomplete: 'off' },
  });
  const periodSelect = h(
    'select',
    { attrs: { name: 'period', id: 'crowd-period' } },
    ...(['day', 'week'] as const).map((p) => h('option', { text: t(`crowd.period.${p}`), attrs: { value: p, selected: p === period } })),
  );
  const form = h(
    'form',
    { class: 'crowd-form', attrs: { method: 'get', action: '/crowd' } },
    h('label', { attrs: { for: 'crowd-kind' } }, t('crowd.scope')),
    kindSelect,
    h('label', { attrs: { for: 'crowd-id' } }, t('crowd.id')),
    idInput,
    h('label', { attrs: { for: 'crowd-period' } }, t('crowd.period')),
    periodSelect,
    h('button', { class: 'btn', text: t('crowd.show'), attrs: { type: 'submit' } }),
  );
  const panel = h('section', { class: 'crowd-panel', attrs: { 'data-testid': 'crowd-panel' } });
  const main = byId('main');
  main.className = 'page crowd';
  replace(main, h('h1', { text: t('crowd.title') }), h('p', { class: 'muted', text: t('crowd.intro') }), form, panel);
  if (id) void load(token, kind, id, period, panel);
}

async function load(token: string, kind: CrowdScopeKind, id: string, period: string, panel: HTMLElement): Promise<void> {
  const base = `/api/crowd/${kind}/${encodeURIComponent(id)}`;
  try {
    const res = await fetch(`${base}?period=${period}`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as CrowdOverview & { error?: { message: string } };
    if (!res.ok) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
    renderCrowdPanel(panel, body, { exportCsv: { token, path: (stage) => `${base}/people.csv?stage=${stage}` } });
  } catch (err) {
    panel.append(h('p', { class: 'error', text: describeError(err), attrs: { role: 'alert', 'data-testid': 'crowd-error' } }));
  }
}
