/**
 * Storefronts (issue 19 item 1): the public page of a shop (/store?shop=), a creator (/store?creator=) and an agency
 * (/store?agency=), and a product's detail outside the room (/store?product=), bought with the room's checkout sheet
 * (lib/shop.ts OffLiveCheckout) as an order on the `storefront` channel. A creator's page shows their live room if they
 * are live now, their scheduled lives, their replays (signed in) and products, and a follow button.
 */
import type {
  AgencyStorefront,
  CreatorStorefront,
  Order,
  Room,
  ShopSku,
  StorefrontProduct,
  StorefrontProductDetail,
} from '@hawker/client-sdk';
import { byId, h, replace } from './lib/dom.ts';
import { centreApi, creatorRow, entityRow, liveBadge, priceRange, productCard, searchForm } from './lib/centre.ts';
import { compact, dateTime, money } from './lib/format.ts';
import { t } from './lib/i18n.ts';
import './lib/messages/centre.ts';
import './lib/messages/common.ts';
import './lib/messages/shop.ts';
import { loadIdentity } from './lib/identity.ts';
import { OffLiveCheckout, quantityStepper } from './lib/shop.ts';
import { touchVisit } from './lib/touch.ts';
import { describeError, renderTopbar, showNotice, toast } from './lib/ui.ts';

/** Most units one order may carry (the protocol's OrderQuantity). */
const MAX_ORDER_QUANTITY = 99;

const api = centreApi();
const main = byId('main');
const params = new URLSearchParams(location.search);

function header(title: string, ...rest: (Node | null)[]): HTMLElement {
  return h(
    'header',
    { class: 'store-head' },
    h('h1', { class: 'page-title', text: title, attrs: { 'data-testid': 'store-title' } }),
    ...rest,
  );
}

function cards(products: StorefrontProduct[]): HTMLElement {
  return h(
    'div',
    { class: 'product-grid', attrs: { 'data-testid': 'store-products' } },
    ...products.map((p) =>
      productCard({ ...p, liveNow: p.liveRooms.length > 0, sub: p.stockLeft > 0 ? t('shop.left', { n: p.stockLeft }) : undefined }),
    ),
  );
}

function section(title: string, testId: string, ...children: (Node | null)[]): HTMLElement {
  return h('section', { class: 'card store-section', attrs: { 'data-testid': testId } }, h('h2', { text: title }), ...children);
}

function roomRows(rooms: Room[]): HTMLElement {
  return h(
    'div',
    { class: 'entity-list' },
    ...rooms.map((r) =>
      entityRow({
        kind: 'room',
        id: r.id,
        href: `/room?id=${encodeURIComponent(r.id)}`,
        title: r.title,
        sub: r.status === 'live' ? r.creatorName : t('centre.store.startsAt', { time: r.scheduledAt ? dateTime(r.scheduledAt) : '—' }),
        liveNow: r.status === 'live',
      }),
    ),
  );
}

// ---- shop ------------------------------------------------------------------------------------------------------

async function shopPage(shopId: string): Promise<void> {
  const front = await api.shopStorefront(shopId, { limit: 20 });
  touchVisit({ shopId }, 'storefront');
  document.title = `${front.shop.name} — Hawker`;
  const grid = cards(front.products);
  const more = h('button', {
    class: 'btn btn-block',
    text: t('centre.search.more'),
    attrs: { type: 'button', 'data-testid': 'store-more' },
  });
  let cursor = front.nextCursor;
  more.hidden = !cursor;
  more.addEventListener('click', async () => {
    if (!cursor) return;
    more.disabled = true;
    try {
      const next = await api.shopStorefront(shopId, { limit: 20, cursor });
      grid.append(...Array.from(cards(next.products).children));
      cursor = next.nextCursor;
      more.hidden = !cursor;
    } catch (err) {
      toast(describeError(err), 'error');
    } finally {
      more.disabled = false;
    }
  });
  replace(
    main,
    header(
      front.shop.name,
      h(
        'p',
        { class: 'muted' },
        front.priceRange
          ? t('centre.store.priceRange', { range: priceRange(front.priceRange.min, front.priceRange.max, front.shop.currency) })
          : t('centre.store.noProducts'),
      ),
    ),
    searchForm(),
    section(
      t('centre.store.products'),
      'shop-products',
      front.products.length ? grid : h('p', { class: 'muted', text: t('centre.store.noProducts') }),
      more,
    ),
  );
}

// ---- creator ---------------------------------------------------------------------------------------------------

async function creatorPage(creatorId: string): Promise<void> {
  const front: CreatorStorefront = await api.creatorStorefront(creatorId);
  touchVisit({ creatorId }, 'storefront');
  const { creator } = front;
  document.title = `${creator.name} — Hawker`;
  const identity = loadIdentity();
  const followers = h('span', {
    class: 'muted',
    text: t('centre.store.followers', { n: compact(creator.followers) }),
    attrs: { 'data-testid': 'followers' },
  });
  const follow = followButton(creatorId, identity?.principal.userId === creatorId, (n) => {
    followers.textContent = t('centre.store.followers', { n: compact(n) });
  });
  const replays = h('div', { class: 'entity-list', attrs: { 'data-testid': 'replays' } });
  replace(
    main,
    header(
      creator.name,
      h('div', { class: 'store-meta' }, front.live ? liveBadge() : null, followers, follow),
      creator.agencyId
        ? h('a', {
            class: 'small',
            text: t('centre.store.agencyLink'),
            attrs: { href: `/store?agency=${encodeURIComponent(creator.agencyId)}` },
          })
        : null,
    ),
    front.live
      ? section(
          t('centre.store.liveNow'),
          'creator-live',
          h(
            'a',
            {
              class: 'btn btn-primary btn-block',
              attrs: { href: `/room?id=${encodeURIComponent(front.live.id)}`, 'data-testid': 'watch-live' },
            },
            t('centre.store.watch', { title: front.live.title }),
          ),
        )
      : null,
    section(
      t('centre.store.scheduled'),
      'creator-scheduled',
      front.scheduled.length ? roomRows(front.scheduled) : h('p', { class: 'muted', text: t('centre.store.noScheduled') }),
    ),
    section(
      t('centre.store.products'),
      'creator-products',
      front.products.length ? cards(front.products) : h('p', { class: 'muted', text: t('centre.store.noProducts') }),
    ),
    section(t('centre.store.replays'), 'creator-replays', replays),
  );
  // Replays are for signed-in visitors (GET /api/recordings needs a token); clips come with the recording work.
  if (!identity) {
    replace(
      replays,
      h('a', {
        text: t('centre.store.signInReplays'),
        attrs: { href: `/?next=${encodeURIComponent(location.pathname + location.search)}#sign-in` },
      }),
    );
    return;
  }
  try {
    const list = (await api.listRecordings({ creatorId })).filter((r) => r.status !== 'failed');
    if (!list.length) replace(replays, h('p', { class: 'muted', text: t('centre.store.noReplays') }));
    else
      replace(
        replays,
        ...list.slice(0, 10).map((r) =>
          entityRow({
            kind: 'clip',
            id: r.id,
            href: `/replay?id=${encodeURIComponent(r.id)}`,
            title: dateTime(r.startedAt),
            sub: t('centre.store.minutes', { n: Math.max(1, Math.round(r.durationMs / 60_000)) }),
            liveNow: false,
          }),
        ),
      );
  } catch (err) {
    replace(replays, h('p', { class: 'muted', text: describeError(err) }));
  }
}

/** Follow / Following, for a signed-in visitor other than the creator; a sign-in link otherwise. */
function followButton(creatorId: string, self: boolean, onCount: (n: number) => void): HTMLElement | null {
  if (self) return null;
  const identity = loadIdentity();
  if (!identity)
    return h(
      'a',
      {
        class: 'btn btn-primary',
        attrs: { href: `/?next=${encodeURIComponent(location.pathname + location.search)}#sign-in`, 'data-testid': 'follow' },
      },
      t('centre.store.follow'),
    );
  let following = false;
  const b = h('button', {
    class: 'btn btn-primary',
    text: t('centre.store.follow'),
    attrs: { type: 'button', 'aria-pressed': false, 'data-testid': 'follow' },
  });
  const show = () => {
    b.textContent = following ? t('centre.store.following') : t('centre.store.follow');
    b.className = following ? 'btn' : 'btn btn-primary';
    b.setAttribute('aria-pressed', String(following));
  };
  void api
    .myFollows({ limit: 200 })
    .then(({ follows }) => {
      following = follows.some((f) => f.creatorId === creatorId);
      show();
    })
    .catch(() => undefined);
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      const r = following ? await api.unfollow(creatorId) : await api.follow(creatorId);
      following = r.following;
      onCount(r.followers);
      show();
    } catch (err) {
      toast(describeError(err), 'error');
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

// ---- agency ----------------------------------------------------------------------------------------------------

async function agencyPage(agencyId: string): Promise<void> {
  const front: AgencyStorefront = await api.agencyStorefront(agencyId);
  document.title = `${front.agency.name} — Hawker`;
  replace(
    main,
    header(front.agency.name, h('p', { class: 'muted', text: t('centre.store.agencyCreators', { n: front.creators.length }) })),
    section(
      t('centre.store.liveNow'),
      'agency-live',
      front.live.length ? roomRows(front.live) : h('p', { class: 'muted', text: t('centre.store.nobodyLive') }),
    ),
    section(t('centre.store.creators'), 'agency-creators', h('div', { class: 'entity-list' }, ...front.creators.map((c) => creatorRow(c)))),
  );
}

// ---- product detail --------------------------------------------------------------------------------------------

function skuLabel(sku: ShopSku): string {
  return sku.values.length ? sku.values.join(' / ') : sku.code;
}

async function productPage(productId: string): Promise<void> {
  const d: StorefrontProductDetail = await api.productDetail(productId);
  const p = d.product;
  touchVisit({ shopId: p.shopId }, 'storefront');
  document.title = `${p.title} — Hawker`;
  const left = new Map(d.stock.map((s) => [s.skuId, s.left]));
  const checkout = new OffLiveCheckout({
    place: (line) =>
      api.placeShopOrder({
        productId: line.productId,
        skuId: line.skuId,
        quantity: line.quantity,
        idempotencyKey: crypto.randomUUID(),
        channel: 'storefront',
      }),
    status: async (orderId) => {
      const order = await api.call<Order>('GET', `/api/orders/${encodeURIComponent(orderId)}`);
      return { status: order.status, reason: order.failureReason };
    },
  });
  document.body.append(checkout.element);
  const sel = { sku: p.skus.find((s) => (left.get(s.id) ?? 0) > 0) ?? p.skus[0]!, quantity: 1 };
  const body = h('div', { class: 'product-buy' });
  const archived = p.status !== 'active';

  const renderBuy = () => {
    const stock = archived ? 0 : (left.get(sel.sku.id) ?? 0);
    const max = Math.max(0, Math.min(stock, MAX_ORDER_QUANTITY));
    sel.quantity = Math.max(1, Math.min(sel.quantity, Math.max(max, 1)));
    const chips = p.skus.map((s) => {
      const b = h('button', {
        class: s.id === sel.sku.id ? 'chip chip-on' : 'chip',
        text: skuLabel(s),
        attrs: {
          type: 'button',
          'aria-pressed': s.id === sel.sku.id,
          'data-testid': 'sku',
          'data-sku': s.id,
          disabled: (left.get(s.id) ?? 0) <= 0,
        },
      });
      b.addEventListener('click', () => {
        sel.sku = s;
        renderBuy();
      });
      return b;
    });
    const buy = h(
      'button',
      { class: 'btn btn-primary btn-block', attrs: { type: 'button', 'data-testid': 'detail-buy', disabled: max <= 0 } },
      max > 0 ? `${t('shop.buyNow')} · ${money(sel.sku.price * sel.quantity, p.currency)}` : t('shop.soldOut'),
    );
    buy.addEventListener('click', () => {
      if (!loadIdentity()) {
        showNotice({
          title: t('auth.signInFirst'),
          message: t('centre.store.signInToBuy'),
          action: { label: t('nav.signIn'), href: `/?next=${encodeURIComponent(location.pathname + location.search)}#sign-in` },
          testId: 'need-sign-in',
        });
        return;
      }
      checkout.open({
        productId: p.id,
        skuId: sel.sku.id,
        skuLabel: skuLabel(sel.sku),
        title: p.title,
        image: p.images[0] ?? '',
        quantity: sel.quantity,
        unitPrice: sel.sku.price,
        currency: p.currency,
      });
    });
    replace(
      body,
      h(
        'div',
        { class: 'detail-price' },
        h('span', { class: 'price', text: money(sel.sku.price, p.currency), attrs: { 'data-testid': 'detail-price' } }),
        sel.sku.compareAtPrice && sel.sku.compareAtPrice > sel.sku.price
          ? h('span', { class: 'strike', text: money(sel.sku.compareAtPrice, p.currency) })
          : null,
      ),
      h('h3', { text: t('shop.choose') }),
      h('div', { class: 'chips', attrs: { role: 'group', 'aria-label': t('shop.choose') } }, ...chips),
      h(
        'div',
        { class: 'qty-row' },
        h('h3', { text: t('shop.quantity') }),
        quantityStepper(sel.quantity, max, (quantity) => {
          sel.quantity = quantity;
          renderBuy();
        }),
        h('span', {
          class: 'muted small',
          text: max > 0 ? t('shop.left', { n: stock }) : t('shop.soldOutLower'),
          attrs: { 'data-testid': 'detail-stock' },
        }),
      ),
      buy,
    );
  };
  renderBuy();

  replace(
    main,
    h(
      'article',
      { class: 'product-page', attrs: { 'data-testid': 'product-page' } },
      h(
        'div',
        { class: 'gallery product-gallery', attrs: { 'data-testid': 'gallery' } },
        ...p.images.map((src) => h('img', { attrs: { src, alt: p.title } })),
      ),
      h(
        'div',
        { class: 'product-info' },
        h('h1', { class: 'page-title', text: p.title, attrs: { 'data-testid': 'store-title' } }),
        h('a', {
          class: 'small',
          text: t('centre.store.byShop', { shop: d.shop.name }),
          attrs: { href: `/store?shop=${encodeURIComponent(d.shop.id)}`, 'data-testid': 'shop-link' },
        }),
        d.liveRooms.length
          ? h(
              'div',
              { class: 'entity-list', attrs: { 'data-testid': 'product-live' } },
              ...d.liveRooms.map((r) =>
                entityRow({
                  kind: 'room',
                  id: r.roomId,
                  href: `/room?id=${encodeURIComponent(r.roomId)}`,
                  title: r.title,
                  sub: r.creatorName,
                  liveNow: true,
                }),
              ),
            )
          : null,
        body,
        h('p', { class: 'description', text: p.description || t('shop.noDescription') }),
      ),
    ),
  );
}

// ---- routing ---------------------------------------------------------------------------------------------------

async function start(): Promise<void> {
  renderTopbar('/store');
  const routes: [string, (id: string) => Promise<void>][] = [
    ['product', productPage],
    ['shop', shopPage],
    ['creator', creatorPage],
    ['agency', agencyPage],
  ];
  const route = routes.find(([key]) => params.get(key));
  if (!route) {
    replace(
      main,
      h('h1', { class: 'page-title', text: t('centre.store.title') }),
      h('p', { class: 'muted', text: t('centre.store.pick') }),
      searchForm(),
    );
    return;
  }
  try {
    await route[1](params.get(route[0])!);
  } catch (err) {
    replace(
      main,
      h('h1', { class: 'page-title', text: t('centre.store.notFound') }),
      h('div', { class: 'banner banner-error', text: describeError(err), attrs: { role: 'alert', 'data-testid': 'store-error' } }),
      searchForm(),
    );
  }
}

void start();
