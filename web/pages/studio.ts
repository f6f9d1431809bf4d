/**
 * Creator studio: pick or create a room, preview the camera, go live and end; products, flash sales, chat moderation
 * and live counters for the open room.
 */
import {
  applyCommerceEvent,
  commerceStateFromSnapshot,
  COMMERCE_PUSHES,
  HawkerApi,
  LiveRoom,
  skuKey,
  type CommerceEvent,
  type CommerceState,
  type Product,
  type Publisher,
  type Order,
  type Room,
  type RoomAnalytics,
} from '@hawker/client-sdk';
import { CHAT_EVENTS, ChatPanel } from './lib/chat.ts';
import { byId, h, icon, replace } from './lib/dom.ts';
import { clock, compact, countdown, money, moneyTotals } from './lib/format.ts';
import { t } from './lib/i18n.ts';
import './lib/messages/common.ts';
import './lib/messages/replay.ts';
import './lib/messages/studio.ts';
import { unitsLeft } from './lib/shop.ts';
import { StudioShop } from './lib/studioShop.ts';
import { mountStudioClip } from './lib/studioClip.ts';
import { summaryCard } from './lib/summary.ts';
import type { Identity } from './lib/identity.ts';
import {
  armedButton,
  ConnectionBanner,
  counter,
  describeError,
  openOrNotice,
  pageHead,
  renderTopbar,
  requireIdentity,
  showNotice,
  toast,
  withButton,
} from './lib/ui.ts';

renderTopbar('/studio');
const identity = requireIdentity(['creator'], t('studio.page'));
if (identity) {
  const roomId = new URLSearchParams(location.search).get('room');
  if (roomId) void openStudio(identity, roomId);
  else void showRoomPicker(identity);
}

/** No room chosen: the creator's rooms that are not over, and a form to create one. */
async function showRoomPicker(identity: Identity): Promise<void> {
  const api = new HawkerApi(location.origin, identity.token);
  const main = byId('main');
  main.className = 'page page-narrow';
  const list = h(
    'ul',
    { class: 'list', attrs: { 'data-testid': 'my-rooms' } },
    h('li', { class: 'empty', text: t('studio.loadingRooms') }),
  );
  const title = h('input', { attrs: { name: 'title', required: true, maxlength: 120, placeholder: t('studio.titlePlaceholder') } });
  const create = h('button', {
    class: 'btn btn-primary',
    text: t('studio.createRoom'),
    attrs: { type: 'submit', 'data-testid': 'create-room' },
  });
  const form = h(
    'form',
    {
      class: 'row',
      on: {
        submit: (e) => {
          e.preventDefault();
          if (!title.value.trim()) {
            toast(t('studio.titleFirst'), 'error');
            title.focus();
            return;
          }
          void withButton(create, async () => {
            const room = await api.createRoom({ title: title.value.trim() });
            location.href = `/studio?room=${encodeURIComponent(room.id)}`;
          });
        },
      },
    },
    h('label', { class: 'field grow' }, t('studio.titleLabel'), title),
    create,
  );
  replace(
    main,
    h(
      'div',
      { class: 'stack' },
      h('h1', { text: t('nav.studio') }),
      h('section', { class: 'card' }, h('h2', { text: t('studio.newRoom') }), form),
      h('section', { class: 'card' }, h('h2', { text: t('studio.yourRooms') }), list),
    ),
  );
  try {
    const rooms = (await api.listRooms({ creatorId: identity.principal.userId, limit: 50 })).filter((r) => r.status !== 'ended');
    if (rooms.length === 0) replace(list, h('li', { class: 'empty', text: t('studio.noRooms') }));
    else replace(list, ...rooms.map(roomItem));
  } catch (err) {
    replace(list, h('li', { class: 'empty', text: describeError(err) }));
  }
}

function roomItem(room: Room): HTMLLIElement {
  return h(
    'li',
    { class: 'list-item', attrs: { 'data-testid': 'my-room' } },
    h('span', { class: room.status === 'live' ? 'pill pill-live' : 'pill', text: t(`studio.status.${room.status}`) }),
    h(
      'div',
      { class: 'grow' },
      h('div', { class: 'title', text: room.title }),
      h('div', { class: 'muted small', text: t('studio.createdAt', { time: clock(room.createdAt) }) }),
    ),
    h('a', { class: 'btn btn-sm', text: t('studio.open'), attrs: { href: `/studio?room=${encodeURIComponent(room.id)}` } }),
  );
}

/** A room is open: join it as its creator and build the studio around it. */
async function openStudio(identity: Identity, roomId: string): Promise<void> {
  const room = await openOrNotice(() => LiveRoom.join(location.origin, identity.token, roomId), {
    title: t('studio.cannotOpen'),
    action: { label: t('studio.backToRooms'), href: '/studio' },
    testId: 'studio-error',
  });
  if (!room) return;
  if (room.room.creatorId !== identity.principal.userId) {
    room.close();
    showNotice({
      title: t('studio.notYours'),
      message: t('studio.notYoursHint'),
      action: { label: t('studio.yourRooms'), href: '/studio' },
    });
    return;
  }
  const studio = new Studio(room);
  mountStudioClip(room, document.querySelector('.studio'));
  window.addEventListener('pagehide', () => studio.close());
}

/** The studio for one joined room. Owns the LiveRoom and the camera; `close()` releases both. */
class Studio {
  private readonly banner = new ConnectionBanner();
  private readonly statusPill = h('span', { class: 'pill', attrs: { 'data-testid': 'room-status' } });
  private readonly goLiveButton = h(
    'button',
    { class: 'btn btn-live', attrs: { type: 'button', 'data-testid': 'go-live' } },
    icon('play'),
    t('studio.goLive'),
  );
  private readonly endButton = h('button', {
    class: 'btn btn-danger',
    text: t('studio.endLive'),
    attrs: { type: 'button', 'data-testid': 'end-live' },
  });
  private readonly preview = h('video', { attrs: { autoplay: true, muted: true, playsinline: true, 'data-testid': 'preview' } });
  private readonly previewNote = h('div', { class: 'placeholder', text: t('studio.startingCamera') });
  private readonly camButton = h('button', {
    class: 'btn btn-ghost btn-sm',
    text: t('studio.cameraOff'),
    attrs: { type: 'button', 'data-testid': 'toggle-camera' },
  });
  private readonly micButton = h('button', {
    class: 'btn btn-ghost btn-sm',
    text: t('studio.muteMic'),
    attrs: { type: 'button', 'data-testid': 'toggle-mic' },
  });
  private readonly cameraSelect = h('select', { attrs: { 'data-testid': 'camera-select', 'aria-label': t('studio.camera') } });
  private readonly orientationSelect = h(
    'select',
    { attrs: { 'data-testid': 'orientation', 'aria-label': t('studio.orientation') } },
    h('option', { text: t('studio.portrait'), attrs: { value: 'portrait' } }),
    h('option', { text: t('studio.landscape'), attrs: { value: 'landscape' } }),
  );
  private readonly buyers = h('ul', { class: 'list buyers', attrs: { 'data-testid': 'buyers', 'aria-live': 'polite' } });
  private readonly shop: StudioShop;
  private camera: MediaStream | null = null;
  private publisher: Publisher | null = null;
  private readonly counters = {
    viewers: h('b', { text: '0', attrs: { 'data-testid': 'count-viewers' } }),
    likes: h('b', { text: '0', attrs: { 'data-testid': 'count-likes' } }),
    orders: h('b', { text: '0', attrs: { 'data-testid': 'count-orders' } }),
    gmv: h('b', { text: '—', attrs: { 'data-testid': 'count-gmv' } }),
  };
  private readonly productList = h('ul', { class: 'list', attrs: { 'data-testid': 'products' } });
  private readonly saleInfo = h('div', { attrs: { 'data-testid': 'studio-sale' } });
  private readonly chat: ChatPanel;
  /** The room's products as last read (their stock comes from `commerce`, which follows the pushes). */
  private products: Product[] = [];
  /** Pinned card, flash sale and stock, kept by the SDK's commerce reducer. */
  private commerce: CommerceState;
  private readonly timers: ReturnType<typeof setInterval>[] = [];

  constructor(private readonly room: LiveRoom) {
    const snap = room.snapshot;
    this.commerce = commerceStateFromSnapshot(snap);
    this.chat = new ChatPanel(snap, { mod: { moderation: room.moderation, selfId: snap.you.userId }, send: (text) => room.chat(text) });
    this.shop = new StudioShop(room.api, room.roomId, room.room.creatorName, () => this.loadProducts());
    this.render();
    this.renderStats(snap.stats);
    this.preview.muted = true; // the creator must not hear themselves
    void this.startCamera();
    void this.loadProducts();
    void this.refreshAnalytics();
    // Orders and payments are not pushed to the creator one by one: the counters follow stock moves, and a slow poll
    // picks up payments that complete later.
    this.timers.push(
      setInterval(() => void this.refreshAnalytics(), 5_000),
      setInterval(() => this.renderSale(), 500),
    );
    room.adopt({ close: () => this.timers.forEach(clearInterval) });
    for (const event of CHAT_EVENTS) room.on(event, (payload) => this.chat.apply({ event, payload } as never));
    room.on('room:stats', (st) => this.renderStats(st));
    for (const event of COMMERCE_PUSHES) room.on(event, (payload) => this.applyCommerce([{ event, payload } as CommerceEvent]));
    // An ended sale gives its unsold units back to the product: read the catalog again.
    room.on('sale:ended', () => void this.loadProducts());
    room.on('stock:update', () => void this.refreshAnalytics());
    room.on('room:updated', () => this.renderStatus());
    room.on('disconnected', () => this.banner.show(t('studio.reconnecting')));
    room.on('resync', (snapshot) => {
      this.banner.hide();
      this.chat.reset(snapshot);
      this.renderStats(snapshot.stats);
      this.commerce = commerceStateFromSnapshot(snapshot, this.commerce.orders);
      this.renderStatus();
      void this.loadProducts();
    });
    room.on('product:updated', ({ product }) => {
      this.products = this.products.map((p) => (p.id === product.id ? product : p));
      this.renderProducts();
    });
    room.on('closed', ({ code, reason }) => {
      this.stopCamera();
      if (code === 'CLOSED_BY_CLIENT') return;
      if (code === 'ROOM_ENDED') {
        void this.showEnd();
        return;
      }
      showNotice({
        title: t('studio.disconnected'),
        message: `${reason}.`,
        action: { label: t('studio.nextLive'), href: '/studio' },
        testId: 'studio-closed',
      });
    });
  }

  close(): void {
    this.room.close();
    this.stopCamera();
  }

  private render(): void {
    const r = this.room.room;
    const main = byId('main');
    main.className = 'page';
    this.goLiveButton.addEventListener('click', () => void withButton(this.goLiveButton, () => this.goLive()));
    armedButton(this.endButton, t('studio.endConfirm'), () => withButton(this.endButton, () => this.room.end(t('studio.endReason'))));
    const watchLink = h('a', {
      class: 'btn btn-ghost btn-sm',
      text: t('studio.viewerLink'),
      attrs: { href: `/room?id=${encodeURIComponent(r.id)}`, target: '_blank', 'data-testid': 'viewer-link' },
    });
    replace(
      main,
      h(
        'div',
        { class: 'stack' },
        pageHead({ title: r.title, titleTestId: 'room-title', sub: t('studio.roomId', { id: r.id }) }, watchLink),
        h(
          'div',
          { class: 'studio' },
          h(
            'section',
            { class: 'card stack' },
            h('div', { class: 'video-frame' }, this.preview, this.previewNote, h('div', { class: 'overlay-tl' }, this.statusPill)),
            h('div', { class: 'row' }, this.camButton, this.micButton, h('div', { class: 'grow' }), this.goLiveButton, this.endButton),
            h(
              'div',
              { class: 'row wrap camera-setup' },
              h('label', { class: 'field grow' }, t('studio.camera'), this.cameraSelect),
              h('label', { class: 'field' }, t('studio.orientation'), this.orientationSelect),
            ),
            h(
              'div',
              { class: 'counters' },
              counter(this.counters.viewers, t('studio.viewers')),
              counter(this.counters.likes, t('replay.sumLikes')),
              counter(this.counters.orders, t('replay.sumOrders')),
              counter(this.counters.gmv, t('replay.sumGmv')),
            ),
          ),
          h(
            'section',
            { class: 'card chat-card', attrs: { 'aria-label': t('studio.chat') } },
            h(
              'div',
              { class: 'card-head' },
              h('h2', { text: t('studio.chat') }),
              h('span', { class: 'muted small hover-hint', text: t('studio.modHint') }),
            ),
            this.chat.element,
          ),
          h(
            'section',
            { class: 'card' },
            h('div', { class: 'card-head' }, h('h2', { text: t('studio.productsTitle') })),
            this.productList,
            this.shop.element,
          ),
          h(
            'section',
            { class: 'card', attrs: { 'aria-labelledby': 'buyers-title' } },
            h('div', { class: 'card-head' }, h('h2', { text: t('studio.buyers'), attrs: { id: 'buyers-title' } })),
            this.buyers,
          ),
          h(
            'section',
            { class: 'card' },
            h('div', { class: 'card-head' }, h('h2', { text: t('studio.flashSale') })),
            this.saleInfo,
            this.saleForm(),
          ),
        ),
      ),
    );
    for (const sel of [this.cameraSelect, this.orientationSelect]) sel.addEventListener('change', () => void this.startCamera());
    this.camButton.addEventListener('click', () => void withButton(this.camButton, () => this.toggle('video', this.camButton)));
    this.micButton.addEventListener('click', () => void withButton(this.micButton, () => this.toggle('audio', this.micButton)));
    this.renderStatus();
  }

  /** Camera or microphone off/on: the track stops rendering locally and the publisher pauses it for viewers. */
  private async toggle(kind: 'video' | 'audio', button: HTMLButtonElement): Promise<void> {
    const track = kind === 'video' ? this.camera?.getVideoTracks()[0] : this.camera?.getAudioTracks()[0];
    if (!track) return;
    track.enabled = !track.enabled;
    if (track.enabled) await this.publisher?.resume(kind);
    else await this.publisher?.pause(kind);
    button.textContent =
      kind === 'video'
        ? track.enabled
          ? t('studio.cameraOff')
          : t('studio.cameraOn')
        : track.enabled
          ? t('studio.muteMic')
          : t('studio.unmuteMic');
    button.classList.toggle('btn-primary', !track.enabled);
  }

  private renderStats(st: { viewers: number; likes: number }): void {
    this.counters.viewers.textContent = compact(st.viewers);
    this.counters.likes.textContent = compact(st.likes);
  }

  private async refreshAnalytics(): Promise<void> {
    let a: RoomAnalytics;
    try {
      a = await this.room.api.roomAnalytics(this.room.roomId);
    } catch {
      return; // counters keep their last value; the next poll retries
    }
    this.counters.orders.textContent = compact(a.orders);
    this.counters.gmv.textContent = moneyTotals(a.gmv);
    try {
      this.renderBuyers((await this.room.api.roomOrders(this.room.roomId, { limit: 20 })).orders);
    } catch {
      // the list keeps its last rows; the next poll retries
    }
  }

  /** The newest orders of the live: who bought what, and where each stands. */
  private renderBuyers(orders: Order[]): void {
    if (!orders.length) {
      replace(this.buyers, h('li', { class: 'empty', text: t('studio.noBuyers') }));
      return;
    }
    replace(
      this.buyers,
      ...orders.map((o) =>
        h(
          'li',
          { class: 'list-item', attrs: { 'data-testid': 'buyer' } },
          h(
            'div',
            { class: 'grow' },
            h('div', { class: 'title', text: o.title }),
            h('div', { class: 'muted small', text: `${o.buyerId} · ${clock(o.createdAt)} · ×${o.quantity}` }),
          ),
          h('span', { class: o.status === 'paid' ? 'pill pill-live' : 'pill', text: t(`studio.order.${o.status}`) }),
          h('b', { text: money(o.amount, o.currency) }),
        ),
      ),
    );
  }

  /** The live ended: its summary, and the way to the next one. */
  private async showEnd(): Promise<void> {
    const main = byId('main');
    main.className = 'page page-narrow';
    const head = h(
      'div',
      { class: 'card stack', attrs: { 'data-testid': 'live-ended' } },
      h('h1', { text: t('studio.endedTitle') }),
      h('p', { class: 'muted', text: t('studio.endedHint') }),
      h(
        'div',
        { class: 'row wrap' },
        h('a', { class: 'btn btn-primary', text: t('studio.nextLive'), attrs: { href: '/studio' } }),
        h('a', { class: 'btn', text: t('studio.endedRoom'), attrs: { href: `/room?id=${encodeURIComponent(this.room.roomId)}` } }),
      ),
    );
    replace(main, h('div', { class: 'stack' }, head));
    try {
      main.firstElementChild?.appendChild(summaryCard(await this.room.api.roomSummary(this.room.roomId)));
    } catch (err) {
      main.firstElementChild?.appendChild(h('p', { class: 'muted', text: describeError(err) }));
    }
  }

  /** Applies commerce events (pushes, reads, acknowledgements) with the SDK's reducer and re-renders what changed. */
  private applyCommerce(events: CommerceEvent[]): void {
    const prev = this.commerce;
    for (const e of events) this.commerce = applyCommerceEvent(this.commerce, e);
    if (this.commerce.pinned?.product.id !== prev.pinned?.product.id || this.commerce.stock.skus !== prev.stock.skus) this.renderProducts();
    if (this.commerce.sale !== prev.sale) this.renderSale();
  }

  private async loadProducts(): Promise<void> {
    try {
      const products = await this.room.api.listProducts(this.room.roomId);
      const sales = await this.room.api.listSales(this.room.roomId);
      this.products = products;
      // The sale shown as it is now (it may have ended), then the one to show: the live one, else the next scheduled.
      const shown = sales.find((x) => x.id === this.commerce.sale?.id);
      const pick = sales.find((x) => x.state === 'live') ?? sales.find((x) => x.state === 'scheduled');
      this.applyCommerce([
        ...products.map((p): CommerceEvent => ({ event: 'product', payload: p })),
        ...[shown, pick].filter((x) => x !== undefined).map((x): CommerceEvent => ({ event: 'sale', payload: x })),
      ]);
    } catch (err) {
      toast(describeError(err), 'error');
    }
    this.renderProducts();
    this.renderSale();
  }

  /** `p` with its SKUs' units left as the pushes say (the catalog read may be older). */
  private withStock(p: Product): Product {
    const skus = this.commerce.stock.skus;
    return { ...p, skus: p.skus.map((sku) => ({ ...sku, left: skus[skuKey(p.id, sku.id)] ?? sku.left })) };
  }

  private renderProducts(): void {
    if (this.products.length === 0) {
      replace(this.productList, h('li', { class: 'empty', text: t('studio.noRoomProducts') }));
      return;
    }
    replace(
      this.productList,
      ...this.products.map((p) => {
        const pinned = p.id === this.commerce.pinned?.product.id;
        const button = h('button', {
          class: pinned ? 'btn btn-sm btn-primary' : 'btn btn-sm',
          text: pinned ? t('studio.unpin') : t('studio.pin'),
          attrs: { type: 'button', 'data-testid': 'pin' },
        });
        button.addEventListener('click', () => void withButton<unknown>(button, () => (pinned ? this.room.unpin() : this.room.pin(p.id))));
        return h(
          'li',
          { class: 'list-item product', attrs: { 'data-testid': 'product', 'data-product-id': p.id } },
          h('img', { attrs: { src: p.imageUrl, alt: '' } }),
          h(
            'div',
            { class: 'meta' },
            h('div', { class: 'title', text: p.title }),
            h(
              'div',
              { class: 'small muted' },
              h('span', { class: 'price', text: money(p.price, p.currency) }),
              ` · ${t('studio.inStock', { n: unitsLeft(this.withStock(p)) })}`,
            ),
          ),
          pinned ? h('span', { class: 'pill pill-live', text: t('studio.pinned') }) : null,
          button,
          this.shop.actions(p),
        );
      }),
    );
    this.renderSaleProducts();
  }

  private readonly saleProduct = h('select', { attrs: { 'data-testid': 'sale-product' } });

  private renderSaleProducts(): void {
    const current = this.saleProduct.value;
    replace(
      this.saleProduct,
      ...this.products.map((p) => h('option', { text: p.title, attrs: { value: p.id, selected: p.id === current } })),
    );
  }

  private saleForm(): HTMLElement {
    const price = h('input', { attrs: { type: 'number', min: '0.01', step: '0.01', placeholder: '9.99', 'data-testid': 'sale-price' } });
    const qty = h('input', { attrs: { type: 'number', min: '1', step: '1', value: '20', 'data-testid': 'sale-quantity' } });
    const minutes = h(
      'select',
      { attrs: { 'data-testid': 'sale-duration' } },
      ...[1, 2, 5, 10, 30].map((m) => h('option', { text: t('studio.minutes', { n: m }), attrs: { value: String(m), selected: m === 2 } })),
    );
    const limit = h('input', { attrs: { type: 'number', min: '1', max: '99', step: '1', value: '2', 'data-testid': 'sale-limit' } });
    const launch = h('button', {
      class: 'btn btn-primary',
      text: t('studio.launchSale'),
      attrs: { type: 'submit', 'data-testid': 'launch-sale' },
    });
    return h(
      'form',
      {
        class: 'form-grid spaced',
        on: {
          submit: (e) => {
            e.preventDefault();
            const product = this.products.find((p) => p.id === this.saleProduct.value);
            const cents = Math.round(Number(price.value) * 100);
            if (!product || !(cents > 0)) {
              toast(product ? t('studio.salePriceAboveZero') : t('studio.addProductFirst'), 'error');
              return;
            }
            void withButton(launch, async () => {
              const sale = await this.room.startSale({
                productId: product.id,
                skuId: product.skus[0]!.id,
                salePrice: cents,
                quantity: Math.max(1, Math.floor(Number(qty.value) || 1)),
                durationMs: Number(minutes.value) * 60_000,
                perBuyerLimit: Math.min(99, Math.max(1, Math.floor(Number(limit.value) || 1))),
              });
              this.applyCommerce([{ event: 'sale', payload: sale }]);
              toast(t('studio.saleLaunched'), 'ok');
              await this.loadProducts();
            });
          },
        },
      },
      h('label', { class: 'field' }, t('studio.saleProduct'), this.saleProduct),
      h('label', { class: 'field' }, t('studio.salePrice'), price),
      h('label', { class: 'field' }, t('studio.saleUnits'), qty),
      h('label', { class: 'field' }, t('studio.saleDuration'), minutes),
      h('label', { class: 'field' }, t('studio.saleLimit'), limit),
      launch,
    );
  }

  private renderSale(): void {
    const sale = this.commerce.sale;
    if (!sale || sale.state === 'ended') {
      replace(
        this.saleInfo,
        h('p', {
          class: 'muted small',
          text: sale ? t('studio.lastSale', { n: sale.sold }) : t('studio.noSale'),
        }),
      );
      return;
    }
    const now = this.room.serverNow();
    const left =
      sale.state === 'live'
        ? t('studio.saleEndsIn', { time: countdown(sale.endsAt - now) })
        : t('studio.saleStartsIn', { time: countdown(sale.startsAt - now) });
    replace(
      this.saleInfo,
      h(
        'div',
        { class: 'banner banner-info' },
        h('span', { class: 'pill pill-live', text: sale.state === 'live' ? t('studio.onSale') : t('studio.saleScheduled') }),
        h('span', {
          class: 'grow',
          text: t('studio.saleLine', {
            title: sale.title,
            price: money(sale.salePrice, sale.currency),
            left: sale.left,
            quantity: sale.quantity,
            when: left,
          }),
        }),
      ),
    );
  }

  private renderStatus(): void {
    const { status } = this.room.room;
    this.statusPill.textContent = t(`studio.status.${status}`);
    this.statusPill.className = status === 'live' ? 'pill pill-live' : 'pill';
    this.goLiveButton.hidden = status !== 'scheduled';
    // The camera and its orientation are set before going live (a live track is not swapped under viewers).
    this.cameraSelect.disabled = this.orientationSelect.disabled = status !== 'scheduled';
    this.endButton.hidden = status === 'ended';
  }

  private async goLive(): Promise<void> {
    if (!this.camera) {
      toast(t('studio.cameraNotOn'), 'error', 7000);
      return;
    }
    // Publish first, so viewers arriving with the `live` push find the video already there.
    this.publisher ??= await this.room.publish(this.camera, { simulcast: true });
    await this.room.goLive();
    this.renderStatus();
    toast(t('studio.youAreLive'), 'ok');
  }

  private async startCamera(): Promise<void> {
    try {
      // A phone live is portrait (9:16) unless the creator turns it; the camera is theirs to pick before going live.
      const portrait = this.orientationSelect.value === 'portrait';
      const deviceId = this.cameraSelect.value || undefined;
      this.stopCamera();
      this.camera = await navigator.mediaDevices.getUserMedia({
        video: {
          width: { ideal: portrait ? 720 : 1280 },
          height: { ideal: portrait ? 1280 : 720 },
          ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
        },
        audio: true,
      });
      this.preview.srcObject = this.camera;
      this.previewNote.hidden = true;
      this.preview.closest('.video-frame')?.classList.toggle('portrait', portrait);
      await this.listCameras(this.camera.getVideoTracks()[0]?.getSettings().deviceId);
      // Back in the studio of a room that is already live (a reload): send the camera again at once.
      if (this.room.room.status === 'live')
        this.publisher = await this.room.publish(this.camera, { simulcast: true }).catch((err: unknown) => {
          toast(describeError(err), 'error', 8000);
          return null;
        });
    } catch (err) {
      const name = (err as DOMException).name;
      this.previewNote.textContent =
        name === 'NotAllowedError'
          ? t('studio.cameraBlocked')
          : name === 'NotFoundError'
            ? t('studio.noCamera')
            : t('studio.cameraFailed', { message: (err as Error).message });
    }
  }

  /** Fills the camera list (labels are known once access is granted); the one in use is selected. */
  private async listCameras(current: string | undefined): Promise<void> {
    const cams = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
    replace(
      this.cameraSelect,
      ...cams.map((d, i) =>
        h('option', { text: d.label || t('studio.cameraN', { n: i + 1 }), attrs: { value: d.deviceId, selected: d.deviceId === current } }),
      ),
    );
  }

  private stopCamera(): void {
    for (const t of this.camera?.getTracks() ?? []) t.stop();
    this.camera = null;
  }
}
