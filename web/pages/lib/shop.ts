import {
  applyCommerceEvent,
  commerceStateFromSnapshot,
  HawkerError,
  skuKey,
  type BuyInput,
  type CommerceEvent,
  type CommerceState,
  type FlashSale,
  type Order,
  type OrderStatus,
  type OrderView,
  type PlaceOrderResult,
  type Product,
  type RoomSnapshot,
  type SkuView,
} from '@hawker/client-sdk';
import { h, icon, replace } from './dom.ts';
import { clock, countdown, money } from './format.ts';
import { t, type MessageKey } from './i18n.ts';
import './messages/shop.ts';
import './messages/common.ts';
import { describeError } from './ui.ts';

/** Most units one order may carry (the protocol's OrderQuantity). */
const MAX_ORDER_QUANTITY = 99;

/** An order status in words, as a buyer reads them. */
export function orderStatusText(status: OrderStatus): string {
  return t(`order.${status}` as MessageKey);
}

/**
 * Why an order did not get paid, in words for the buyer, or null while it may still be paid (a reason the server
 * attaches to an order that is still reserved or being paid is not the buyer's business, and never shown).
 */
export function describeOrderReason(status: OrderStatus, reason: string | null): string | null {
  if (status === 'expired') return t('reason.expired');
  if (status === 'cancelled') return t('reason.cancelled');
  if (status !== 'failed') return null;
  switch (reason) {
    case 'card_declined':
    case 'declined':
      return t('reason.card_declined');
    case 'insufficient_funds':
      return t('reason.insufficient_funds');
    case 'payment gateway unavailable':
      return t('reason.gateway');
    default:
      return t('reason.other', { reason: reason ?? '?' });
  }
}

/** What a refused order means for the buyer, and what they can do. */
export function describeOrderError(err: unknown): string {
  if (err instanceof HawkerError && err.code === 'CONFLICT') {
    switch (err.reason) {
      case 'SOLD_OUT':
        return t('err.soldOut');
      case 'INSUFFICIENT_STOCK':
        return t('err.insufficient');
      case 'LIMIT_REACHED':
        return t('err.limit');
      case 'NOT_STARTED':
        return t('err.notStarted');
      case 'ENDED':
        return t('err.saleEnded');
      default:
        return err.message;
    }
  }
  return describeError(err);
}

/** The sale panel's per-buyer limit line. */
export function saleLimitText(limit: number): string {
  return t('shop.saleLimit', { n: limit });
}

/**
 * The detail sheets' quantity stepper (− n +), shared by the room's product sheet and the storefront's product page:
 * `quantity` between 1 and `max`, and `set` called with the new quantity on each tap (the sheet renders again with it).
 */
export function quantityStepper(quantity: number, max: number, set: (quantity: number) => void): HTMLDivElement {
  const less = h('button', {
    class: 'btn btn-icon',
    text: '−',
    attrs: { type: 'button', 'aria-label': t('shop.less'), 'data-testid': 'qty-less', disabled: quantity <= 1 },
  });
  const more = h('button', {
    class: 'btn btn-icon',
    text: '+',
    attrs: { type: 'button', 'aria-label': t('shop.more'), 'data-testid': 'qty-more', disabled: quantity >= max },
  });
  less.addEventListener('click', () => set(Math.max(1, quantity - 1)));
  more.addEventListener('click', () => set(Math.min(max, quantity + 1)));
  return h(
    'div',
    { class: 'qty' },
    less,
    h('output', { class: 'qty-value', text: String(quantity), attrs: { 'data-testid': 'qty', 'aria-live': 'polite' } }),
    more,
  );
}

/** Units left of a product (all SKUs). */
export function unitsLeft(p: Product): number {
  return p.skus.reduce((n, s) => n + s.left, 0);
}

/** What the shop needs from the room. */
export interface ShopDeps {
  serverNow: () => number;
  buy: (what: BuyInput) => Promise<PlaceOrderResult>;
  /** The room's products (GET /api/rooms/:id/products). */
  products: () => Promise<Product[]>;
  /** The buyer's latest orders across rooms, from the ledger (GET /api/orders). */
  myOrders: () => Promise<Order[]>;
  /** Told when a product's detail opens (the crowd's product click); must not throw. */
  onOpen?: (p: Product) => void;
}

/** One thing to buy: a product's SKU, at list or sale price, some units of it. */
interface Selection {
  product: Product;
  skuId: string;
  quantity: number;
}

/**
 * A bottom sheet on phones (a dialog on wide screens): a title bar with a close button and a body the owner fills.
 * `open`/`close` toggle the `open` class, which the stylesheet turns into visibility (the product bag is a standing
 * side panel on desktops whatever its class says).
 */
class Sheet {
  readonly element: HTMLElement;
  readonly body = h('div', { class: 'sheet-body' });
  private readonly title: HTMLElement;
  onClose: (() => void) | null = null;

  constructor(kind: string, testId: string) {
    // A dialog is named by its title (axe-core aria-dialog-name): one sheet of each kind per page, so the id is unique.
    this.title = h('h2', { class: 'sheet-title', attrs: { id: `sheet-title-${testId}` } });
    const close = h(
      'button',
      {
        class: 'btn btn-ghost btn-icon sheet-close',
        attrs: { type: 'button', 'aria-label': t('shop.close'), 'data-testid': `${testId}-close` },
      },
      '×',
    );
    close.addEventListener('click', () => this.close());
    this.element = h(
      'section',
      {
        class: `sheet sheet-${kind}`,
        attrs: { role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': `sheet-title-${testId}`, 'data-testid': testId },
      },
      h('header', { class: 'sheet-head' }, this.title, close),
      this.body,
    );
  }

  setTitle(text: string): void {
    this.title.textContent = text;
  }

  get isOpen(): boolean {
    return this.element.classList.contains('open');
  }

  open(): void {
    // One sheet at a time on a phone: opening one closes the others (the backdrop follows).
    document.querySelectorAll('.sheet.open').forEach((other) => {
      if (other !== this.element) other.classList.remove('open');
    });
    this.element.classList.add('open');
    document.body.classList.add('sheet-open');
    this.element.querySelector<HTMLElement>('.sheet-close')?.focus({ preventScroll: true });
  }

  close(): void {
    this.element.classList.remove('open');
    if (!document.querySelector('.sheet.open')) document.body.classList.remove('sheet-open');
    this.onClose?.();
  }
}

/**
 * The viewer's shop: the flash sale and the pinned product (shown over the video, above the chat), the product bag
 * (every product of the room with price, stock and sale countdown), a product's detail sheet (images, description,
 * SKU, quantity within limits, price incl. sale price), the checkout sheet (confirm, pay, watch the status:
 * reserved → paying → paid, or why not and a retry) and the buyer's orders of this visit. Its state is the SDK's
 * commerce reducer's: pushes and acknowledgements go through `apply`.
 */
export class RoomShop {
  /** Sale and pinned card, for the room's feed. */
  readonly feed: HTMLElement;
  /** The sheets (detail, checkout, orders) and their backdrop, for the page body. */
  readonly sheets: HTMLElement;
  /** The product bag: a sheet on phones, the layout's left panel on desktops (so it goes in the layout). */
  readonly bagPanel: HTMLElement;
  /** The rail's buttons: product bag, my orders. */
  readonly bagButton: HTMLButtonElement;
  readonly ordersButton: HTMLButtonElement;

  private readonly saleBox = h('section', { class: 'sale', attrs: { 'data-testid': 'sale', hidden: true, 'aria-live': 'polite' } });
  private readonly pinnedBox = h('section', { class: 'pinned-box', attrs: { 'data-testid': 'pinned', hidden: true } });
  private readonly bag = new Sheet('bag', 'bag');
  private readonly detail = new Sheet('detail', 'detail');
  private readonly checkout = new Sheet('checkout', 'checkout');
  private readonly orders = new Sheet('orders', 'orders');
  private readonly ordersCount = h('span', { class: 'badge', attrs: { 'data-testid': 'orders-count', hidden: true } });
  private readonly bagCount = h('span', { class: 'badge', attrs: { hidden: true } });
  private state: CommerceState;
  private products: Product[] = [];
  private readonly clock: ReturnType<typeof setInterval>;
  private selection: Selection | null = null;
  /** The order the checkout sheet follows, and the last refusal it shows. */
  private checkoutOrderId: string | null = null;
  private checkoutError: string | null = null;
  private paying = false;
  /** Off a live (the clips feed): the detail sheet's choice goes to this checkout instead of the room's own. */
  private handOff: ((line: CheckoutLine) => void) | null = null;

  constructor(
    snapshot: RoomSnapshot,
    private readonly deps: ShopDeps,
  ) {
    this.state = commerceStateFromSnapshot(snapshot);
    this.feed = h('div', { class: 'shop-feed' }, this.saleBox, this.pinnedBox);
    this.bag.setTitle(t('shop.bagTitle'));
    this.orders.setTitle(t('shop.orders'));
    this.checkout.setTitle(t('shop.checkout'));
    this.checkout.onClose = () => {
      if (this.checkoutOrderId) this.renderOrders();
    };
    this.bagButton = railButton('bag', t('shop.bag'), 'bag-open', this.bagCount);
    this.bagButton.addEventListener('click', () => {
      this.bag.open();
      void this.refreshProducts();
    });
    this.ordersButton = railButton('receipt', t('shop.orders'), 'orders-open', this.ordersCount);
    this.ordersButton.addEventListener('click', () => {
      this.renderOrders();
      this.orders.open();
      void this.loadOrders();
    });
    const backdrop = h('div', { class: 'sheet-backdrop', attrs: { 'aria-hidden': 'true' } });
    backdrop.addEventListener('click', () => {
      for (const s of [this.bag, this.detail, this.checkout, this.orders]) if (s.isOpen) s.close();
    });
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') for (const s of [this.detail, this.checkout, this.orders, this.bag]) if (s.isOpen) return s.close();
    });
    this.bagPanel = this.bag.element;
    this.sheets = h('div', { class: 'sheets' }, backdrop, this.detail.element, this.checkout.element, this.orders.element);
    // One clock for every countdown; the numbers come from the server clock, so every viewer sees the same second.
    this.clock = setInterval(() => this.tick(), 250);
    this.renderSale();
    this.renderPinned();
    this.renderBag();
    this.renderOrders();
    void this.refreshProducts();
  }

  /**
   * A shop outside a live (the clips feed): no pinned card, no sale, no pushes; only the product detail sheet, opened
   * with {@link show}, whose choice (SKU, quantity) goes to `checkout`: the page's {@link OffLiveCheckout}, which places
   * the order (e.g. POST /api/orders with channel `clip`) and follows its payment status.
   */
  static offLive(roomId: string, deps: Pick<ShopDeps, 'products' | 'myOrders'> & { checkout: (line: CheckoutLine) => void }): RoomShop {
    // The commerce state reads only these of a snapshot: the room's id (to filter pushes), no pinned product, no sale.
    const shop = new RoomShop({ room: { id: roomId }, pinned: null, flashSale: null } as unknown as RoomSnapshot, {
      serverNow: () => Date.now(),
      buy: () => Promise.reject(new Error('An off-live shop checks out through its OffLiveCheckout')),
      products: deps.products,
      myOrders: deps.myOrders,
    });
    shop.handOff = deps.checkout;
    // Its own checkout sheet is never used: out of the page, so the page's OffLiveCheckout is the only `checkout`.
    shop.checkout.element.remove();
    return shop;
  }

  /** Opens a product's detail sheet (then checkout), as a tap on the pinned card does. */
  show(p: Product): void {
    this.openProduct(p);
  }

  close(): void {
    clearInterval(this.clock);
  }

  /** A fresh snapshot after a reconnect. It has no orders: the ones known so far are kept. */
  reset(snapshot: RoomSnapshot): void {
    this.state = commerceStateFromSnapshot(snapshot, this.state.orders);
    this.renderSale();
    this.renderPinned();
    void this.refreshProducts();
  }

  /** A commerce push (or an acknowledgement), through the SDK's reducer. */
  apply(e: CommerceEvent): void {
    if (e.event === 'product:updated') {
      // New prices, title or pictures: the bag and an open detail show them at once.
      const { product } = e.payload;
      this.products = this.products.map((p) => (p.id === product.id ? product : p));
      if (this.selection?.product.id === product.id) this.selection = { ...this.selection, product };
      this.renderBag();
      if (this.detail.isOpen) this.renderDetail();
    }
    const prev = this.state;
    this.state = applyCommerceEvent(prev, e);
    if (this.state === prev) return;
    if (this.state.sale !== prev.sale) this.renderSale();
    if (this.state.pinned !== prev.pinned) this.renderPinned();
    if (this.state.stock !== prev.stock || this.state.sale !== prev.sale) {
      this.renderBag();
      if (this.detail.isOpen) this.renderDetail();
    }
    if (this.state.orders !== prev.orders) {
      if (this.checkout.isOpen) this.renderCheckout();
      this.renderOrders();
    }
  }

  private async refreshProducts(): Promise<void> {
    try {
      this.products = await this.deps.products();
      // Their SKU counts join the reducer's stock (later stock pushes keep them current).
      for (const p of this.products) this.state = applyCommerceEvent(this.state, { event: 'product', payload: p });
      this.renderBag();
    } catch {
      // The bag keeps what it had; the pinned card and the sale still work from the snapshot and pushes.
    }
  }

  // ---- stock and prices --------------------------------------------------------------------------------------------

  private left(p: Product, sku: SkuView): number {
    return this.state.stock.skus[skuKey(p.id, sku.id)] ?? sku.left;
  }

  private productLeft(p: Product): number {
    return p.skus.reduce((n, s) => n + this.left(p, s), 0);
  }

  /** The live flash sale on this SKU, if any. */
  private saleFor(p: Product, skuId?: string): FlashSale | null {
    const sale = this.state.sale;
    if (!sale || sale.productId !== p.id || (skuId !== undefined && sale.skuId !== skuId)) return null;
    return sale.state === 'ended' ? null : sale;
  }

  private unitPrice(p: Product, sku: SkuView): { price: number; list: number | null; sale: FlashSale | null } {
    const list = sku.price ?? p.price;
    const sale = this.saleFor(p, sku.id);
    return sale?.state === 'live' ? { price: sale.salePrice, list, sale } : { price: list, list: null, sale: null };
  }

  /** Units one order of this SKU may take now: its stock, the sale's stock and limit, the product's limit. */
  private maxQuantity(p: Product, sku: SkuView): number {
    const { sale } = this.unitPrice(p, sku);
    const caps = [MAX_ORDER_QUANTITY, p.maxPerBuyer ?? MAX_ORDER_QUANTITY];
    caps.push(sale ? Math.min(sale.left, sale.perBuyerLimit) : this.left(p, sku));
    return Math.max(0, Math.min(...caps));
  }

  private productFor(productId: string): Product | null {
    const pinned = this.state.pinned?.product;
    return this.products.find((p) => p.id === productId) ?? (pinned?.id === productId ? pinned : null);
  }

  // ---- feed: sale and pinned card ----------------------------------------------------------------------------------

  private renderSale(): void {
    const sale = this.state.sale;
    if (!sale || sale.state === 'ended') {
      this.saleBox.hidden = !sale;
      if (sale)
        replace(
          this.saleBox,
          h('div', { class: 'row' }, h('b', { text: t('shop.saleEnded') }), h('span', { class: 'small', text: sale.endedReason ?? '' })),
        );
      return;
    }
    const soldOut = sale.left <= 0 && sale.state === 'live';
    const pct = sale.quantity > 0 ? Math.round((sale.left / sale.quantity) * 100) : 0;
    const label = soldOut
      ? t('shop.soldOut')
      : sale.state === 'live'
        ? t('shop.saleBuy', { price: money(sale.salePrice, sale.currency) })
        : t('shop.saleSoon');
    const buy = h(
      'button',
      { class: 'btn buy-sale', attrs: { type: 'button', 'data-testid': 'buy-sale', disabled: soldOut || sale.state !== 'live' } },
      icon('bag'),
      label,
    );
    buy.addEventListener('click', () => void this.openSale(sale));
    const target = sale.state === 'live' ? sale.endsAt : sale.startsAt;
    replace(
      this.saleBox,
      h(
        'div',
        { class: 'row' },
        h(
          'div',
          { class: 'sale-when' },
          h('div', { class: 'small', text: sale.state === 'live' ? t('shop.saleEndsIn') : t('shop.saleStartsIn') }),
          countdownEl(target, 'clock', 'sale-clock'),
        ),
        h(
          'div',
          { class: 'right' },
          h('div', { class: 'price-now', text: money(sale.salePrice, sale.currency) }),
          h('div', { class: 'small strike', text: t('shop.was', { price: money(sale.listPrice, sale.currency) }) }),
        ),
      ),
      stockBar(pct),
      h(
        'div',
        { class: 'sale-foot' },
        h(
          'div',
          { class: 'sale-info' },
          h('div', {
            class: 'small',
            text: soldOut
              ? t('shop.saleSoldOut', { title: sale.title })
              : t('shop.saleStock', { title: sale.title, left: sale.left, quantity: sale.quantity }),
            attrs: { 'data-testid': 'sale-stock' },
          }),
          // Every sale has a per-buyer limit (its own, its product's, or the server's default): buyers see it before buying.
          h('div', { class: 'small sale-limit', text: saleLimitText(sale.perBuyerLimit), attrs: { 'data-testid': 'sale-buyer-limit' } }),
        ),
        buy,
      ),
    );
    this.saleBox.hidden = false;
    this.tick();
  }

  private renderPinned(): void {
    const p = this.state.pinned?.product;
    this.pinnedBox.hidden = !p;
    if (!p) return;
    const left = this.productLeft(p);
    const sku = p.skus[0];
    const price = sku ? this.unitPrice(p, sku).price : p.price;
    const buy = h(
      'button',
      { class: 'btn btn-primary btn-sm', attrs: { type: 'button', 'data-testid': 'buy-pinned', disabled: left <= 0 } },
      icon('bag'),
      left > 0 ? t('shop.buy') : t('shop.soldOut'),
    );
    buy.addEventListener('click', (e) => {
      e.stopPropagation();
      this.openProduct(p);
    });
    const card = h(
      'div',
      // A tap anywhere on the card opens the product; keyboards and screen readers reach the same through its Buy
      // button (a card with role=button around a button would nest interactive controls).
      { class: 'pinned' },
      h('img', { attrs: { src: p.imageUrl, alt: '', loading: 'lazy' } }),
      h(
        'div',
        { class: 'meta' },
        h('span', { class: 'tag', text: t('shop.nowExplaining') }),
        h('div', { class: 'title', text: p.title, attrs: { 'data-testid': 'pinned-title' } }),
        h(
          'div',
          { class: 'line' },
          h('span', { class: 'price', text: money(price, p.currency) }),
          h('span', { class: 'left', text: left > 0 ? t('shop.left', { n: left }) : t('shop.soldOutLower') }),
        ),
      ),
      buy,
    );
    card.addEventListener('click', () => this.openProduct(p));
    replace(this.pinnedBox, card);
  }

  // ---- product bag -------------------------------------------------------------------------------------------------

  private renderBag(): void {
    const list = this.products.length ? this.products : this.state.pinned ? [this.state.pinned.product] : [];
    this.bagCount.textContent = String(list.length);
    this.bagCount.hidden = list.length === 0;
    if (!list.length) {
      replace(this.bag.body, h('p', { class: 'muted', text: t('shop.bagEmpty') }));
      return;
    }
    replace(
      this.bag.body,
      h(
        'ul',
        { class: 'bag-list' },
        ...list.map((p, i) => {
          const left = this.productLeft(p);
          const prices = p.skus.map((s) => this.unitPrice(p, s).price);
          const from = prices.length ? Math.min(...prices) : p.price;
          const sale = this.saleFor(p);
          const item = h(
            'li',
            { class: 'bag-item', attrs: { 'data-testid': 'bag-item', 'data-product': p.id } },
            h('span', { class: 'bag-index', text: String(i + 1) }),
            h('img', { attrs: { src: p.imageUrl, alt: '', loading: 'lazy' } }),
            h(
              'div',
              { class: 'meta' },
              h('div', { class: 'title', text: p.title }),
              sale
                ? h(
                    'div',
                    { class: 'sale-tag small', attrs: { 'data-testid': 'bag-sale' } },
                    `${t('shop.saleTag', { price: money(sale.salePrice, sale.currency), time: '' })}`,
                    countdownEl(sale.state === 'live' ? sale.endsAt : sale.startsAt, 'clock'),
                  )
                : null,
              h(
                'div',
                { class: 'line' },
                h('span', { class: 'price', text: money(from, p.currency) }),
                h('span', {
                  class: 'left',
                  text: left > 0 ? t('shop.left', { n: left }) : t('shop.soldOutLower'),
                  attrs: { 'data-testid': 'bag-stock' },
                }),
              ),
            ),
            h(
              'button',
              { class: 'btn btn-primary btn-sm', attrs: { type: 'button', 'data-testid': 'bag-buy', disabled: left <= 0 } },
              left > 0 ? t('shop.buy') : t('shop.soldOut'),
            ),
          );
          item.addEventListener('click', () => this.openProduct(p));
          return item;
        }),
      ),
    );
    this.tick();
  }

  // ---- detail sheet ------------------------------------------------------------------------------------------------

  private openSale(sale: FlashSale): void {
    const product = this.productFor(sale.productId);
    if (product) return this.openProduct(product, sale.skuId);
    // The sale's product is not in the list yet (just added): read the list, then open it.
    void this.refreshProducts().then(() => {
      const p = this.productFor(sale.productId);
      if (p) this.openProduct(p, sale.skuId);
    });
  }

  private openProduct(p: Product, skuId?: string): void {
    const sku =
      p.skus.find((s) => s.id === skuId) ??
      p.skus.find((s) => this.maxQuantity(p, s) > 0 && this.saleFor(p, s.id)) ??
      p.skus.find((s) => this.maxQuantity(p, s) > 0) ??
      p.skus[0];
    if (!sku) return;
    this.selection = { product: p, skuId: sku.id, quantity: 1 };
    this.deps.onOpen?.(p);
    this.detail.setTitle(p.title);
    this.renderDetail();
    this.detail.open();
  }

  private renderDetail(): void {
    const sel = this.selection;
    if (!sel) return;
    const p = this.productFor(sel.product.id) ?? sel.product;
    sel.product = p;
    const sku = p.skus.find((s) => s.id === sel.skuId) ?? p.skus[0]!;
    const max = this.maxQuantity(p, sku);
    sel.quantity = Math.max(1, Math.min(sel.quantity, Math.max(max, 1)));
    const { price, list, sale } = this.unitPrice(p, sku);
    const images = p.images?.length ? p.images : [p.imageUrl];

    const skuButtons = p.skus.map((s) => {
      const left = this.left(p, s);
      const b = h(
        'button',
        {
          class: s.id === sku.id ? 'chip chip-on' : 'chip',
          attrs: {
            type: 'button',
            'aria-pressed': s.id === sku.id,
            'data-testid': 'sku',
            'data-sku': s.id,
            disabled: left <= 0 && !this.saleFor(p, s.id),
          },
        },
        s.label,
      );
      b.addEventListener('click', () => {
        sel.skuId = s.id;
        this.renderDetail();
      });
      return b;
    });
    const stepper = quantityStepper(sel.quantity, max, (quantity) => {
      sel.quantity = quantity;
      this.renderDetail();
    });
    const buy = h(
      'button',
      { class: 'btn btn-primary btn-block', attrs: { type: 'button', 'data-testid': 'detail-buy', disabled: max <= 0 } },
      max > 0 ? `${t('shop.buyNow')} · ${money(price * sel.quantity, p.currency)}` : t('shop.soldOut'),
    );
    buy.addEventListener('click', () => this.startCheckout());

    replace(
      this.detail.body,
      h(
        'div',
        { class: 'gallery', attrs: { 'data-testid': 'gallery' } },
        ...images.map((src) => h('img', { attrs: { src, alt: p.title, loading: 'lazy' } })),
      ),
      h(
        'div',
        { class: 'detail-price' },
        h('span', { class: 'price', text: money(price, p.currency), attrs: { 'data-testid': 'detail-price' } }),
        list !== null ? h('span', { class: 'strike', text: money(list, p.currency) }) : null,
        sale ? h('span', { class: 'sale-tag small' }, t('shop.saleEndsIn'), ' ', countdownEl(sale.endsAt, 'clock')) : null,
      ),
      h('p', { class: 'description', text: p.description || t('shop.noDescription') }),
      h('h3', { text: t('shop.choose') }),
      h('div', { class: 'chips', attrs: { role: 'group', 'aria-label': t('shop.choose') } }, ...skuButtons),
      h(
        'div',
        { class: 'qty-row' },
        h('h3', { text: t('shop.quantity') }),
        stepper,
        h('span', {
          class: 'muted small',
          text: `${max > 0 ? t('shop.maxQty', { n: max }) : ''} · ${max > 0 ? t('shop.left', { n: sale ? sale.left : this.left(p, sku) }) : t('shop.soldOutLower')}`,
        }),
      ),
      sale ? h('div', { class: 'small muted', text: saleLimitText(sale.perBuyerLimit) }) : null,
      h('div', { class: 'sheet-actions' }, buy),
    );
    this.tick();
  }

  // ---- checkout sheet ----------------------------------------------------------------------------------------------

  private startCheckout(): void {
    if (!this.selection) return;
    if (this.handOff) {
      const { product: p, skuId, quantity } = this.selection;
      const sku = p.skus.find((s) => s.id === skuId) ?? p.skus[0];
      if (!sku) return;
      this.detail.close();
      this.handOff({
        productId: p.id,
        skuId: sku.id,
        skuLabel: sku.label,
        title: p.title,
        image: p.imageUrl,
        quantity,
        unitPrice: this.unitPrice(p, sku).price,
        currency: p.currency,
      });
      return;
    }
    this.checkoutOrderId = null;
    this.checkoutError = null;
    this.renderCheckout();
    this.checkout.open();
  }

  private async pay(): Promise<void> {
    const sel = this.selection;
    if (!sel || this.paying) return;
    const p = sel.product;
    const sku = p.skus.find((s) => s.id === sel.skuId);
    if (!sku) return;
    const { sale } = this.unitPrice(p, sku);
    this.paying = true;
    this.checkoutError = null;
    this.checkoutOrderId = null;
    this.renderCheckout();
    try {
      // A fresh idempotency key per tap: a retry after a decline is a new order.
      const { order } = await this.deps.buy(
        sale ? { saleId: sale.id, quantity: sel.quantity } : { productId: p.id, skuId: sku.id, quantity: sel.quantity },
      );
      this.checkoutOrderId = order.id;
      // A status push can overtake the acknowledgement: the reducer keeps whichever status is newer.
      this.apply({ event: 'order', payload: order });
    } catch (err) {
      this.checkoutError = describeOrderError(err);
    } finally {
      this.paying = false;
      this.renderCheckout();
      this.renderOrders();
    }
  }

  private renderCheckout(): void {
    const sel = this.selection;
    if (!sel) return;
    const p = sel.product;
    const sku = p.skus.find((s) => s.id === sel.skuId) ?? p.skus[0]!;
    const view = this.checkoutOrderId ? this.state.orders[this.checkoutOrderId] : undefined;
    const order = view?.order;
    const { price } = this.unitPrice(p, sku);
    // Once placed, the order's own numbers (what is being charged), not today's price.
    const total = order ? order.amount : price * sel.quantity;
    const currency = order?.currency ?? p.currency;
    replace(
      this.checkout.body,
      ...checkoutBody({
        image: p.imageUrl,
        title: p.title,
        skuLabel: sku.label,
        quantity: order?.quantity ?? sel.quantity,
        total: money(total, currency),
        view: view ?? null,
        error: this.checkoutError,
        paying: this.paying,
        payTotal: money(price * sel.quantity, p.currency),
        onPay: () => void this.pay(),
        onDone: () => this.checkout.close(),
      }),
    );
  }

  // ---- my orders ---------------------------------------------------------------------------------------------------

  /** Reads the buyer's latest orders (every room, from the ledger) into the state; the reducer keeps newer statuses. */
  private async loadOrders(): Promise<void> {
    try {
      for (const order of await this.deps.myOrders()) this.state = applyCommerceEvent(this.state, { event: 'order', payload: order });
      this.renderOrders();
    } catch {
      // The sheet keeps the orders of this visit; the My orders page has the rest.
    }
  }

  private renderOrders(): void {
    // Every order this page knows in full: placed here, or read from the ledger when the sheet opened; newest first.
    const views = Object.values(this.state.orders)
      .filter((v) => v.order)
      .sort((a, b) => b.order!.createdAt - a.order!.createdAt);
    this.ordersCount.textContent = String(views.length);
    this.ordersCount.hidden = views.length === 0;
    // Orders of other rooms and visits are on the My orders page (it opens in a new tab: the live keeps playing).
    const all = h('a', {
      class: 'small',
      text: t('shop.allOrders'),
      attrs: { href: '/orders', target: '_blank', 'data-testid': 'all-orders' },
    });
    if (!views.length) {
      replace(this.orders.body, h('p', { class: 'muted', text: t('shop.ordersEmpty') }), all);
      return;
    }
    replace(
      this.orders.body,
      h(
        'ul',
        { class: 'order-list' },
        ...views.map((v) => {
          const o = v.order;
          const reason = describeOrderReason(v.status, v.reason);
          return h(
            'li',
            { class: 'order-item', attrs: { 'data-testid': 'my-order', 'data-order': v.id } },
            h(
              'div',
              { class: 'meta' },
              h('div', { class: 'title', text: o ? o.title : v.id }),
              o ? h('div', { class: 'small muted', text: `× ${o.quantity} · ${clock(o.createdAt)}` }) : null,
              reason ? h('div', { class: 'small muted', text: reason }) : null,
            ),
            h(
              'div',
              { class: 'right' },
              o ? h('div', { text: money(o.amount, o.currency) }) : null,
              h('span', {
                class: `pill ${pillClass(v.status)}`,
                text: orderStatusText(v.status),
                attrs: { 'data-testid': 'my-order-status' },
              }),
            ),
          );
        }),
      ),
      h('p', { class: 'all-orders' }, all),
    );
  }

  /** Updates every countdown on the page's shop elements from the server clock. */
  private tick(): void {
    const now = this.deps.serverNow();
    for (const root of [this.saleBox, this.bag.body, this.detail.body])
      root.querySelectorAll<HTMLElement>('[data-until]').forEach((el) => {
        el.textContent = countdown(Number(el.dataset.until) - now);
      });
  }
}

/** The order's status in words, and why it stopped if it did (the checkout sheet's live line). */
function statusLine(view: Pick<OrderView, 'status' | 'reason'>): HTMLElement {
  const reason = describeOrderReason(view.status, view.reason);
  return h(
    'div',
    { class: `checkout-status status-${view.status}`, attrs: { role: 'status', 'aria-live': 'polite' } },
    h('b', { text: orderStatusText(view.status), attrs: { 'data-testid': 'checkout-status', 'data-status': view.status } }),
    reason ? h('div', { class: 'small', text: reason, attrs: { 'data-testid': 'checkout-reason' } }) : null,
  );
}

function pillClass(status: OrderStatus): string {
  return status === 'paid' ? 'pill-ok' : status === 'failed' || status === 'expired' || status === 'cancelled' ? 'pill-bad' : 'pill-warn';
}

/** reserved → paying → paid, the current step marked (a failed order stops at the step it failed in). */
function statusSteps(view: Pick<OrderView, 'status'>): HTMLElement {
  const reached = view.status === 'paid' ? 3 : view.status === 'pending_payment' ? 2 : view.status === 'reserved' ? 1 : 0;
  const steps: MessageKey[] = ['order.step.reserved', 'order.step.paying', 'order.step.paid'];
  // A failed, expired or cancelled order was reserved and stopped at paying: that step is marked failed, "paid" is not
  // reached (marking all three red read as if it had been paid).
  const stoppedAt = reached === 0 ? 1 : -1;
  const stepClass = (i: number) => (i === stoppedAt ? 'failed' : i < reached || (stoppedAt > 0 && i < stoppedAt) ? 'done' : '');
  return h(
    'ol',
    { class: 'steps', attrs: { 'aria-hidden': 'true' } },
    ...steps.map((key, i) => h('li', { class: stepClass(i), text: t(key) })),
  );
}

function railButton(iconName: 'bag' | 'receipt', label: string, testId: string, badge: HTMLElement): HTMLButtonElement {
  return h(
    'button',
    // Named by its visible label and count (an aria-label without the count would not match what is seen).
    { class: 'rail-button', attrs: { type: 'button', 'data-testid': testId } },
    h('span', { class: 'rail-icon' }, icon(iconName), badge),
    h('span', { class: 'rail-label', text: label }),
  );
}

/** A countdown to `until` (server ms), kept current by the shop's clock. */
function countdownEl(until: number, cls: string, testId?: string): HTMLElement {
  return h('span', { class: cls, attrs: { 'data-until': until, 'data-testid': testId } });
}

/** A stock bar `pct` percent full (set through the CSSOM: the pages' CSP allows no inline style attributes). */
function stockBar(pct: number): HTMLElement {
  const fill = h('i');
  fill.style.width = `${pct}%`;
  return h('div', { class: 'stock-bar' }, fill);
}

/** What is being bought outside a live: one SKU of a shop product, some units of it, at its price now. */
export interface CheckoutLine {
  productId: string;
  skuId: string;
  skuLabel: string;
  title: string;
  image: string;
  quantity: number;
  unitPrice: number;
  currency: string;
}

/** What the off-live checkout needs from its page. */
export interface OffLiveCheckoutDeps {
  /** Places the order (POST /api/orders with the page's channel, e.g. 'storefront'); a fresh idempotency key per tap. */
  place: (line: CheckoutLine) => Promise<PlaceOrderResult>;
  /** The order's status now (its history's latest payment step), until it is final. */
  status: (orderId: string) => Promise<Pick<OrderView, 'status' | 'reason'>>;
}

/** How often the off-live checkout reads its order's status while it is being paid, and for how long at most. */
const FOLLOW_EVERY_MS = 1_000;
const FOLLOW_FOR_MS = 5 * 60_000;

/**
 * The room's checkout sheet for pages without a live (storefront, product detail; issue 19): the same sheet, summary,
 * steps (reserved → paying → paid), status line, refusal texts and retry as {@link RoomShop}'s, for one line chosen
 * by the page. With no room connection there are no pushes: the sheet reads the order's status until it is final.
 */
export class OffLiveCheckout {
  /** The sheet and its backdrop, for the page body. */
  readonly element: HTMLElement;
  private readonly sheet = new Sheet('checkout', 'checkout');
  private line: CheckoutLine | null = null;
  private view: (Pick<OrderView, 'status' | 'reason'> & { id: string; amount: number; currency: string }) | null = null;
  private error: string | null = null;
  private paying = false;
  private follow: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly deps: OffLiveCheckoutDeps) {
    this.sheet.setTitle(t('shop.checkout'));
    this.sheet.onClose = () => clearTimeout(this.follow);
    const backdrop = h('div', { class: 'sheet-backdrop', attrs: { 'aria-hidden': 'true' } });
    backdrop.addEventListener('click', () => this.sheet.close());
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.sheet.isOpen) this.sheet.close();
    });
    this.element = h('div', { class: 'sheets' }, backdrop, this.sheet.element);
  }

  /** Opens the sheet for `line`, ready to confirm and pay. */
  open(line: CheckoutLine): void {
    clearTimeout(this.follow);
    this.line = line;
    this.view = null;
    this.error = null;
    this.render();
    this.sheet.open();
  }

  private async pay(): Promise<void> {
    const line = this.line;
    if (!line || this.paying) return;
    this.paying = true;
    this.error = null;
    this.view = null;
    this.render();
    try {
      const { order } = await this.deps.place(line);
      this.view = { id: order.id, status: order.status, reason: order.failureReason, amount: order.amount, currency: order.currency };
      this.schedule(order.id, Date.now() + FOLLOW_FOR_MS);
    } catch (err) {
      this.error = describeOrderError(err);
    } finally {
      this.paying = false;
      this.render();
    }
  }

  /** Reads the order's status again in a moment, while it may still change and the sheet shows it. */
  private schedule(orderId: string, until: number): void {
    const view = this.view;
    if (!view || view.id !== orderId || isFinal(view.status) || Date.now() > until) return;
    this.follow = setTimeout(async () => {
      try {
        const now = await this.deps.status(orderId);
        if (this.view?.id !== orderId) return;
        if (now.status !== this.view.status || now.reason !== this.view.reason) {
          this.view = { ...this.view, ...now };
          this.render();
        }
      } catch {
        // A failed read is retried at the next step; My orders has the status too.
      }
      this.schedule(orderId, until);
    }, FOLLOW_EVERY_MS);
  }

  private render(): void {
    const line = this.line;
    if (!line) return;
    const view = this.view;
    const total = view ? view.amount : line.unitPrice * line.quantity;
    const currency = view?.currency ?? line.currency;
    replace(
      this.sheet.body,
      ...checkoutBody({
        image: line.image,
        title: line.title,
        skuLabel: line.skuLabel,
        quantity: line.quantity,
        total: money(total, currency),
        view,
        error: this.error,
        paying: this.paying,
        payTotal: money(line.unitPrice * line.quantity, line.currency),
        onPay: () => void this.pay(),
        onDone: () => this.sheet.close(),
      }),
    );
  }
}

/**
 * A checkout sheet's body, the one both checkouts show (the room's and a product page's): the line and its total,
 * the order's steps and status once placed, a readable error, and the one action that fits (pay, try again, done).
 */
function checkoutBody(o: {
  image: string;
  title: string;
  skuLabel: string;
  quantity: number;
  /** The total as shown: the order's own amount once placed. */
  total: string;
  view: Pick<OrderView, 'status' | 'reason'> | null;
  error: string | null;
  paying: boolean;
  /** What paying (again) charges now. */
  payTotal: string;
  onPay: () => void;
  onDone: () => void;
}): (Node | null)[] {
  const { view } = o;
  const ended = view !== null && (view.status === 'failed' || view.status === 'expired' || view.status === 'cancelled');
  const children: (Node | null)[] = [
    h(
      'div',
      { class: 'checkout-item' },
      h('img', { attrs: { src: o.image, alt: '' } }),
      h(
        'div',
        { class: 'meta' },
        h('div', { class: 'title', text: o.title }),
        h('div', {
          class: 'muted small',
          text: t('shop.qtyLine', { label: o.skuLabel, n: o.quantity }),
          attrs: { 'data-testid': 'checkout-line' },
        }),
      ),
      h(
        'div',
        { class: 'right' },
        h('div', { class: 'muted small', text: t('shop.total') }),
        h('b', { text: o.total, attrs: { 'data-testid': 'checkout-total' } }),
      ),
    ),
  ];
  if (view) children.push(statusSteps(view), statusLine(view));
  if (o.error)
    children.push(h('div', { class: 'banner banner-error', text: o.error, attrs: { role: 'alert', 'data-testid': 'checkout-error' } }));
  const actions = h('div', { class: 'sheet-actions' });
  if (!view || ended) {
    const pay = h(
      'button',
      {
        class: 'btn btn-primary btn-block',
        attrs: { type: 'button', 'data-testid': ended ? 'checkout-retry' : 'checkout-pay', disabled: o.paying },
      },
      ended ? t('shop.tryAgain') : t('shop.pay', { total: o.payTotal }),
    );
    pay.addEventListener('click', o.onPay);
    actions.append(pay);
    if (!view) children.push(h('p', { class: 'muted small', text: t('shop.sandboxNote') }));
  } else if (view.status === 'paid') {
    const done = h('button', {
      class: 'btn btn-primary btn-block',
      text: t('shop.done'),
      attrs: { type: 'button', 'data-testid': 'checkout-done' },
    });
    done.addEventListener('click', o.onDone);
    actions.append(done);
  }
  children.push(actions);
  return children;
}

function isFinal(status: OrderStatus): boolean {
  return status !== 'reserved' && status !== 'pending_payment';
}
