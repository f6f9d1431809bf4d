/**
 * Search (人找货, issue 19 item 2): one box over products, creators, live rooms and clips. Live-now and in-stock results
 * come first (the server ranks); products filter by price and category; one kind at a time pages with "More". Every
 * opened result is recorded (POST /api/search/clicks) before the page follows its link, for the funnel's "searched".
 * The query and filters live in the address (/search?q=口红&type=products&max=200), so a search can be shared.
 */
import type { SearchResult, SearchType } from '@hawker/client-sdk';
import { byId, h, replace } from './lib/dom.ts';
import { centreApi, creatorRow, entityRow, productCard, searchForm } from './lib/centre.ts';
import { dateTime } from './lib/format.ts';
import { t, type MessageKey } from './lib/i18n.ts';
import './lib/messages/centre.ts';
import './lib/messages/room.ts';
import { describeError, renderTopbar } from './lib/ui.ts';

const TYPES: readonly SearchType[] = ['all', 'products', 'creators', 'rooms', 'clips'];
const PAGE = 20;
/** Prices are typed in major units (yuan, dollars); the API takes minor units. Hawker's currencies have two decimals. */
const MINOR = 100;
/** How long opening a result waits for its click to be recorded before following the link anyway. */
const CLICK_WAIT_MS = 1_500;

interface Query {
  q: string;
  type: SearchType;
  min: string;
  max: string;
  category: string;
}

const api = centreApi();
const main = byId('main');

function readQuery(): Query {
  const p = new URLSearchParams(location.search);
  const type = p.get('type') as SearchType | null;
  return {
    q: (p.get('q') ?? '').trim(),
    type: type && TYPES.includes(type) ? type : 'all',
    min: p.get('min') ?? '',
    max: p.get('max') ?? '',
    category: p.get('category') ?? '',
  };
}

function writeQuery(q: Query): void {
  const p = new URLSearchParams();
  p.set('q', q.q);
  if (q.type !== 'all') p.set('type', q.type);
  for (const k of ['min', 'max', 'category'] as const) if (q[k]) p.set(k, q[k]);
  history.replaceState(null, '', `/search?${p}`);
}

/** A major-unit price field's value in minor units, or undefined when empty or not a price. */
function minor(v: string): number | undefined {
  const n = Number(v);
  return v.trim() === '' || !Number.isFinite(n) || n < 0 ? undefined : Math.round(n * MINOR);
}

function render(): void {
  renderTopbar('/search');
  const query = readQuery();
  const results = h('div', { class: 'search-results', attrs: { 'data-testid': 'search-results', 'aria-live': 'polite' } });
  const form = searchForm(query.q);
  // Keep the chosen kind and filters when searching again from this page.
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = (form.elements.namedItem('q') as HTMLInputElement).value.trim();
    if (q) void run({ ...readQuery(), q }, results);
  });

  const tabs = h(
    'div',
    { class: 'search-tabs', attrs: { role: 'group', 'aria-label': t('centre.search.kinds') } },
    ...TYPES.map((type) => {
      const b = h('button', {
        class: type === query.type ? 'chip chip-on' : 'chip',
        text: t(`centre.search.type.${type}` as MessageKey),
        attrs: { type: 'button', 'aria-pressed': type === query.type, 'data-testid': `tab-${type}` },
      });
      b.addEventListener('click', () => {
        tabs.querySelectorAll('button').forEach((o) => {
          o.className = o === b ? 'chip chip-on' : 'chip';
          o.setAttribute('aria-pressed', String(o === b));
        });
        const cur = readQuery();
        if (cur.q) void run({ ...cur, type }, results);
        else writeQuery({ ...cur, type });
      });
      return b;
    }),
  );

  const field = (name: 'min' | 'max' | 'category', label: MessageKey, attrs: Record<string, string | number>) =>
    h(
      'label',
      { class: 'field' },
      t(label),
      h('input', { attrs: { name, value: query[name], 'data-testid': `filter-${name}`, ...attrs } }),
    );
  const filters = h(
    'form',
    { class: 'search-filters', attrs: { 'aria-label': t('centre.search.filters'), 'data-testid': 'filters' } },
    field('min', 'centre.search.minPrice', { type: 'number', min: 0, step: '0.01', inputmode: 'decimal' }),
    field('max', 'centre.search.maxPrice', { type: 'number', min: 0, step: '0.01', inputmode: 'decimal' }),
    field('category', 'centre.search.category', {
      type: 'text',
      maxlength: 64,
      placeholder: 'beauty.lips',
      pattern: '[A-Za-z0-9][A-Za-z0-9._\\-]*',
    }),
    h('button', { class: 'btn', text: t('centre.search.apply'), attrs: { type: 'submit', 'data-testid': 'filter-apply' } }),
  );
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = (n: string) => (filters.elements.namedItem(n) as HTMLInputElement).value.trim();
    const cur = readQuery();
    // Price and category narrow products: apply them to the products list.
    const next = {
      ...cur,
      min: v('min'),
      max: v('max'),
      category: v('category'),
      type: cur.type === 'all' ? 'products' : cur.type,
    } as Query;
    tabs.querySelectorAll<HTMLButtonElement>('button').forEach((o) => {
      const on = o.dataset.testid === `tab-${next.type}`;
      o.className = on ? 'chip chip-on' : 'chip';
      o.setAttribute('aria-pressed', String(on));
    });
    if (next.q) void run(next, results);
    else writeQuery(next);
  });

  replace(
    main,
    h('h1', { class: 'page-title', text: t('centre.search.title') }),
    form,
    tabs,
    h(
      'details',
      { class: 'search-more', attrs: { open: query.min || query.max || query.category ? true : undefined } },
      h('summary', { text: t('centre.search.filters') }),
      filters,
    ),
    results,
  );
  if (query.q) void run(query, results);
  else replace(results, h('p', { class: 'muted', text: t('centre.search.hint') }));
}

async function run(query: Query, box: HTMLElement): Promise<void> {
  writeQuery(query);
  replace(box, h('p', { class: 'muted', text: t('centre.search.searching') }));
  try {
    const first = await fetchPage(query);
    replace(box);
    show(query, first, box, 0);
  } catch (err) {
    replace(
      box,
      h('div', { class: 'banner banner-error', text: describeError(err), attrs: { role: 'alert', 'data-testid': 'search-error' } }),
    );
  }
}

function fetchPage(query: Query, cursor?: string): Promise<SearchResult> {
  return api.search({
    q: query.q,
    type: query.type,
    limit: query.type === 'all' ? 8 : PAGE,
    minPrice: minor(query.min),
    maxPrice: minor(query.max),
    category: query.category || undefined,
    cursor,
  });
}

/** Records that result `position` of `searchId` was opened, then follows the link (after at most CLICK_WAIT_MS). */
function opener(searchId: string, kind: 'product' | 'creator' | 'room' | 'clip', id: string, position: number) {
  return (e: MouseEvent) => {
    // A new tab or window (modifier keys, middle click) follows by itself; this page records the click meanwhile.
    const href = (e.currentTarget as HTMLAnchorElement).href;
    const sameTab = !(e.ctrlKey || e.metaKey || e.shiftKey || e.altKey || e.button !== 0);
    if (sameTab) e.preventDefault();
    const recorded = api.searchClick({ searchId, kind, id, position }).catch(() => undefined);
    if (sameTab)
      void Promise.race([recorded, new Promise((r) => setTimeout(r, CLICK_WAIT_MS))]).then(() => {
        location.href = href;
      });
  };
}

/** Appends one answer's results; `offset` numbers positions across pages. */
function show(query: Query, res: SearchResult, box: HTMLElement, offset: number): void {
  const { searchId } = res;
  const total = res.products.length + res.creators.length + res.rooms.length + res.clips.length;
  if (total === 0 && offset === 0) {
    box.append(h('p', { class: 'muted', text: t('centre.search.none', { q: query.q }), attrs: { 'data-testid': 'search-none' } }));
    return;
  }
  let pos = offset;
  const products = res.products.length
    ? h(
        'div',
        { class: 'product-grid' },
        ...res.products.map((p) => productCard({ ...p, sub: p.shopName }, opener(searchId, 'product', p.id, pos++))),
      )
    : null;
  const creators = res.creators.map((c) => creatorRow(c, opener(searchId, 'creator', c.id, pos++)));
  const rooms = res.rooms.map((r) =>
    entityRow({
      kind: 'room',
      id: r.id,
      href: `/room?id=${encodeURIComponent(r.id)}`,
      title: r.title,
      sub: r.status === 'live' ? r.creatorName : `${r.creatorName} · ${r.scheduledAt ? dateTime(r.scheduledAt) : t('room.soon')}`,
      liveNow: r.liveNow,
      onOpen: opener(searchId, 'room', r.id, pos++),
    }),
  );
  const clips = res.clips.map((c) =>
    entityRow({
      kind: 'clip',
      id: c.id,
      href: `/clips?id=${encodeURIComponent(c.id)}`,
      title: c.title,
      sub: c.creatorName ? `${t('centre.clip')} · ${c.creatorName}` : t('centre.clip'),
      image: c.image,
      liveNow: c.liveNow,
      onOpen: opener(searchId, 'clip', c.id, pos++),
    }),
  );
  const list = (items: HTMLElement[]) => (items.length ? h('div', { class: 'entity-list' }, ...items) : null);
  const groups: [MessageKey, HTMLElement | null][] = [
    ['centre.search.type.products', products],
    ['centre.search.type.creators', list(creators)],
    ['centre.search.type.rooms', list(rooms)],
    ['centre.search.type.clips', list(clips)],
  ];
  for (const [key, el] of groups)
    if (el) box.append(h('section', { class: 'search-section' }, query.type === 'all' ? h('h2', { text: t(key) }) : null, el));
  if (res.nextCursor) {
    const more = h('button', {
      class: 'btn btn-block',
      text: t('centre.search.more'),
      attrs: { type: 'button', 'data-testid': 'search-more' },
    });
    more.addEventListener('click', async () => {
      more.disabled = true;
      try {
        const next = await fetchPage(query, res.nextCursor!);
        more.remove();
        show(query, next, box, pos);
      } catch (err) {
        more.disabled = false;
        box.append(h('div', { class: 'banner banner-error', text: describeError(err), attrs: { role: 'alert' } }));
      }
    });
    box.append(more);
  }
}

render();
