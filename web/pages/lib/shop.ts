import {
  applyCommerceEvent,
  commerceStateFromSnapshot,
  HawkerError,
  type CommerceEvent,
  type CommerceState,
  type OrderStatus,
  type PlaceOrderResult,
  type Product,
  type RoomSnapshot,
} from '@hawker/client-sdk';
import { h, icon, replace } from './dom.ts';
import { countdown, money } from './format.ts';
import { describeError } from './ui.ts';

/** Words for order statuses, as a buyer reads them. */
export const ORDER_STATUS_TEXT: Record<OrderStatus, string> = {
  reserved: 'Reserved for you',
  pending_payment: 'Paying…',
  paid: 'Paid',
  failed: 'Payment failed',
  expired: 'Expired (not paid in time)',
  cancelled: 'Cancelled',
};

/** What a refused order means for the buyer, and what they can do. */
export function describeOrderError(err: unknown): string {
  if (err instanceof HawkerError && err.code === 'CONFLICT') {
    switch (err.reason) {
      case 'SOLD_OUT':
        return 'Sold out! Keep watching: the creator may restock or start another sale.';
      case 'INSUFFICIENT_STOCK':
        return 'Not enough left for that many. Try a smaller quantity.';
      case 'LIMIT_REACHED':
        return 'You reached the limit per buyer for this item.';
      case 'NOT_STARTED':
        return 'The flash sale has not started yet. Wait for the countdown.';
      case 'ENDED':
        return 'The flash sale has ended.';
      default:
        return err.message;
    }
  }
  return describeError(err);
}

/** The sale panel's per-buyer limit line, in English and Chinese (the audience of a live-commerce room reads either). */
export function saleLimitText(limit: number): string {
  return `Limit ${limit} per person · 每人限购 ${limit} 件`;
}

/** Units left of a product (all SKUs). */
export function unitsLeft(p: Product): number {
  return p.skus.reduce((n, s) => n + s.left, 0);
}

/**
 * The viewer's shop strip: the flash sale (countdown on the server clock, stock bar, buy), the pinned product card
 * (buy at list price), and the buyer's latest order with its status as it changes. Its state is the SDK's commerce
 * reducer's (commerce pushes and the buy acknowledgement go through `apply`); it re-renders what changed.
 */
export class ShopStrip {
  readonly element: HTMLElement;
  private readonly saleBox = h('section', { class: 'sale', attrs: { 'data-testid': 'sale', hidden: true, 'aria-live': 'polite' } });
  private readonly pinnedBox = h('section', { attrs: { 'data-testid': 'pinned', hidden: true } });
  private readonly orderBox = h('section', { class: 'banner order', attrs: { 'data-testid': 'order', hidden: true, role: 'status' } });
  private state: CommerceState;
  private readonly clock: ReturnType<typeof setInterval>;
  /** The order this strip shows: the buyer's latest from here. */
  private lastOrderId: string | null = null;

  constructor(
    snapshot: RoomSnapshot,
    private readonly deps: {
      serverNow: () => number;
      buy: (what: { saleId: string } | { productId: string; skuId: string }) => Promise<PlaceOrderResult>;
    },
  ) {
    this.state = commerceStateFromSnapshot(snapshot);
    this.element = h('div', { class: 'shop stack' }, this.saleBox, this.pinnedBox, this.orderBox);
    // One clock for the countdown; the numbers come from the server clock, so every viewer sees the same second.
    this.clock = setInterval(() => this.renderSaleClock(), 250);
    this.renderSale();
    this.renderPinned();
  }

  close(): void {
    clearInterval(this.clock);
  }

  /** A fresh snapshot after a reconnect. It has no orders: the ones known so far are kept. */
  reset(snapshot: RoomSnapshot): void {
    this.state = commerceStateFromSnapshot(snapshot, this.state.orders);
    this.renderSale();
    this.renderPinned();
  }

  /** A commerce push (or an acknowledgement), through the SDK's reducer. */
  apply(e: CommerceEvent): void {
    const prev = this.state;
    this.state = applyCommerceEvent(prev, e);
    if (this.state.sale !== prev.sale) this.renderSale();
    if (this.state.pinned !== prev.pinned) this.renderPinned();
    if (this.lastOrderId && this.state.orders[this.lastOrderId] !== prev.orders[this.lastOrderId]) this.renderOrderStatus();
  }

  private renderSale(): void {
    const sale = this.state.sale;
    if (!sale || sale.state === 'ended') {
      this.saleBox.hidden = !sale;
      if (sale)
        replace(
          this.saleBox,
          h('div', { class: 'row' }, h('b', { text: 'Flash sale ended' }), h('span', { class: 'small', text: sale.endedReason ?? '' })),
        );
      return;
    }
    const soldOut = sale.left <= 0 && sale.state === 'live';
    const pct = sale.quantity > 0 ? Math.round((sale.left / sale.quantity) * 100) : 0;
    const label = soldOut ? 'Sold out' : sale.state === 'live' ? `Buy now · ${money(sale.salePrice, sale.currency)}` : 'Starts soon';
    const buy = h(
      'button',
      { class: 'btn buy-sale', attrs: { type: 'button', 'data-testid': 'buy-sale', disabled: soldOut || sale.state !== 'live' } },
      icon('bag'),
      label,
    );
    buy.addEventListener('click', () => void this.buy(buy, { saleId: sale.id }));
    replace(
      this.saleBox,
      h(
        'div',
        { class: 'row' },
        h(
          'div',
          {},
          h('div', { class: 'small', text: sale.state === 'live' ? 'FLASH SALE · ends in' : 'FLASH SALE · starts in' }),
          h('div', { class: 'clock', attrs: { 'data-testid': 'sale-clock' } }),
        ),
        h(
          'div',
          { class: 'right' },
          h('div', { class: 'price-now', text: money(sale.salePrice, sale.currency) }),
          h('div', { class: 'small', text: `was ${money(sale.listPrice, sale.currency)}` }),
        ),
      ),
      h('div', {
        class: 'small',
        text: `${sale.title} · ${soldOut ? 'sold out' : `${sale.left} of ${sale.quantity} left`}`,
        attrs: { 'data-testid': 'sale-stock' },
      }),
      // Every sale has a per-buyer limit (its own, its product's, or the server's default): buyers see it before buying.
      h('div', { class: 'small sale-limit', text: saleLimitText(sale.perBuyerLimit), attrs: { 'data-testid': 'sale-buyer-limit' } }),
      stockBar(pct),
      buy,
    );
    this.saleBox.hidden = false;
    this.renderSaleClock();
  }

  private renderSaleClock(): void {
    const sale = this.state.sale;
    const el = this.saleBox.querySelector('.clock');
    if (!sale || !el) return;
    const now = this.deps.serverNow();
    const target = sale.state === 'live' ? sale.endsAt : sale.startsAt;
    el.textContent = countdown(target - now);
  }

  private renderPinned(): void {
    const p = this.state.pinned?.product;
    this.pinnedBox.hidden = !p;
    if (!p) return;
    const sku = p.skus.find((s) => s.left > 0) ?? p.skus[0];
    const left = unitsLeft(p);
    const buy = h(
      'button',
      { class: 'btn btn-primary btn-sm', attrs: { type: 'button', 'data-testid': 'buy-pinned', disabled: left <= 0 || !sku } },
      icon('bag'),
      left > 0 ? 'Buy' : 'Sold out',
    );
    if (sku) buy.addEventListener('click', () => void this.buy(buy, { productId: p.id, skuId: sku.id }));
    replace(
      this.pinnedBox,
      h(
        'div',
        { class: 'pinned' },
        h('img', { attrs: { src: p.imageUrl, alt: '', loading: 'lazy' } }),
        h(
          'div',
          { class: 'meta' },
          h('span', { class: 'tag', text: 'NOW EXPLAINING' }),
          h('div', { class: 'title', text: p.title, attrs: { 'data-testid': 'pinned-title' } }),
          h(
            'div',
            {},
            h('span', { class: 'price', text: money(p.price, p.currency) }),
            h('span', { class: 'left', text: left > 0 ? `${left} left` : 'sold out' }),
          ),
        ),
        buy,
      ),
    );
  }

  private async buy(button: HTMLButtonElement, what: { saleId: string } | { productId: string; skuId: string }): Promise<void> {
    button.disabled = true;
    try {
      const { order } = await this.deps.buy(what);
      this.lastOrderId = order.id;
      replace(
        this.orderBox,
        icon('bag'),
        h('span', { class: 'grow', text: `${order.title} · ${money(order.amount, order.currency)}` }),
        h('span', { class: 'pill', attrs: { 'data-testid': 'order-status' } }),
      );
      // A status push can overtake the acknowledgement: the reducer keeps whichever status is newer.
      this.apply({ event: 'order', payload: order });
      this.renderOrderStatus();
    } catch (err) {
      replace(this.orderBox, h('span', { text: describeOrderError(err), attrs: { 'data-testid': 'order-error' } }));
      this.orderBox.className = 'banner banner-error order';
      this.orderBox.hidden = false;
    } finally {
      button.disabled = false;
    }
  }

  private renderOrderStatus(): void {
    const view = this.lastOrderId ? this.state.orders[this.lastOrderId] : undefined;
    if (view) this.showOrder(view.status, view.reason);
  }

  private showOrder(status: OrderStatus, reason: string | null): void {
    const pill = this.orderBox.querySelector<HTMLElement>('[data-testid="order-status"]');
    if (!pill) return;
    pill.textContent = ORDER_STATUS_TEXT[status] + (reason && status !== 'paid' ? `: ${reason}` : '');
    pill.className =
      status === 'paid'
        ? 'pill pill-ok'
        : status === 'failed' || status === 'expired' || status === 'cancelled'
          ? 'pill pill-bad'
          : 'pill pill-warn';
    this.orderBox.className = `banner order ${status === 'paid' ? 'banner-info' : ''}`;
    this.orderBox.hidden = false;
  }
}

/** A stock bar `pct` percent full (set through the CSSOM: the pages' CSP allows no inline style attributes). */
function stockBar(pct: number): HTMLElement {
  const fill = h('i');
  fill.style.width = `${pct}%`;
  return h('div', { class: 'stock-bar' }, fill);
}
