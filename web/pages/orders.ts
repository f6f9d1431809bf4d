/**
 * My orders: the signed-in buyer's orders across rooms and shops, newest first, read from the ledger (GET /api/orders),
 * with their status, why one failed, a link back to the live it came from, cancel for orders not paid yet, tracking
 * once shipped (the order's fulfilment) with "confirm receipt" (确认收货), and where a refund stands (refunded total; the buyer's refund requests).
 */
import { HawkerApi, type Order, type OrderList, type RefundRequest } from '@hawker/client-sdk';
import { byId, h, replace } from './lib/dom.ts';
import { clock, dateTime, money } from './lib/format.ts';
import { t } from './lib/i18n.ts';
import './lib/messages/common.ts';
import './lib/messages/orders.ts';
import { describeOrderReason, orderStatusText } from './lib/shop.ts';
import { armedButton, describeError, renderTopbar, requireIdentity, showNotice, toast } from './lib/ui.ts';

/** Orders per page read. */
const PAGE = 20;

renderTopbar('/orders');
document.title = `${t('orders.title')} — Hawker`;
const identity = requireIdentity(['viewer', 'creator', 'moderator', 'agency', 'merchant', 'admin'], t('page.orders'));
if (identity) void start(new HawkerApi(location.origin, identity.token));

async function start(api: HawkerApi): Promise<void> {
  const list = h('ul', { class: 'order-list', attrs: { 'data-testid': 'orders' } });
  const more = h('button', {
    class: 'btn btn-ghost',
    text: t('orders.more'),
    attrs: { type: 'button', hidden: true, 'data-testid': 'orders-more' },
  });
  let cursor: string | null = null;
  const load = async () => {
    more.disabled = true;
    let page: OrderList;
    try {
      page = await api.myOrdersPage({ limit: PAGE, ...(cursor ? { cursor } : {}) });
    } catch (err) {
      if (!cursor) {
        showNotice({ title: t('orders.title'), message: describeError(err), testId: 'orders-error' });
        return;
      }
      toast(describeError(err), 'error', 6000);
      more.disabled = false;
      return;
    }
    for (const o of page.orders) list.append(item(api, o));
    if (!list.childElementCount)
      list.append(h('li', { class: 'muted', text: t('orders.empty'), attrs: { 'data-testid': 'orders-empty' } }));
    cursor = page.nextCursor;
    more.hidden = !cursor;
    more.disabled = false;
  };
  more.addEventListener('click', () => void load());
  const main = byId('main');
  main.className = 'page page-narrow';
  replace(
    main,
    h('h1', { text: t('orders.title') }),
    h('p', { class: 'muted', text: t('orders.intro') }),
    list,
    h('div', { class: 'row end' }, more),
  );
  await load();
}

function item(api: HawkerApi, o: Order): HTMLLIElement {
  const el = h('li', { class: 'order-item', attrs: { 'data-testid': 'order-row', 'data-order': o.id } });
  // Where the buyer's refund requests stand (paid orders only; read once, after the row is shown).
  const refundNote = h('div', { class: 'small muted', attrs: { hidden: true, 'data-testid': 'order-refund-request' } });
  if (o.status === 'paid')
    api.orderRefundRequests(o.id).then(
      ({ requests }) => {
        const latest = requests.at(-1);
        if (!latest || latest.status === 'approved') return; // an approved request shows as the refunded amount
        refundNote.textContent = requestText(latest);
        refundNote.hidden = false;
      },
      () => {}, // The row stands without it; the order's refunded total still shows.
    );
  const render = (order: Order) => {
    const reason = describeOrderReason(order.status, order.failureReason);
    const open = order.status === 'reserved';
    const cancel = open
      ? h('button', { class: 'btn btn-danger btn-sm', text: t('orders.cancel'), attrs: { type: 'button', 'data-testid': 'order-cancel' } })
      : null;
    if (cancel)
      armedButton(cancel, t('orders.cancelConfirm'), async () => {
        cancel.disabled = true;
        try {
          render(await api.call<Order>('POST', `/api/orders/${encodeURIComponent(order.id)}/cancel`));
          toast(t('orders.cancelled'), 'ok');
        } catch (err) {
          cancel.disabled = false;
          toast(describeError(err), 'error', 6000);
        }
      });
    // 确认收货: a shipped or delivered parcel the buyer has; completes the order now (two taps, like cancel).
    const receivable = order.status === 'paid' && (order.fulfilment?.status === 'shipped' || order.fulfilment?.status === 'delivered');
    const receive = receivable
      ? h('button', {
          class: 'btn btn-primary btn-sm',
          text: t('orders.confirmReceipt'),
          attrs: { type: 'button', 'data-testid': 'order-received' },
        })
      : null;
    if (receive)
      armedButton(receive, t('orders.confirmReceiptAgain'), async () => {
        receive.disabled = true;
        try {
          render(await api.confirmReceipt(order.id));
          toast(t('orders.received'), 'ok');
        } catch (err) {
          receive.disabled = false;
          toast(describeError(err), 'error', 6000);
        }
      });
    replace(
      el,
      h(
        'div',
        { class: 'meta' },
        h('div', { class: 'title', text: order.title }),
        h('div', { class: 'small muted', text: `× ${order.quantity} · ${t('orders.placed', { time: dateTime(order.createdAt) })}` }),
        open ? h('div', { class: 'small muted', text: t('orders.payBy', { time: clock(order.deadline) }) }) : null,
        reason ? h('div', { class: 'small muted', text: reason, attrs: { 'data-testid': 'order-reason' } }) : null,
        tracking(order),
        refunded(order),
        refundNote,
        order.roomId
          ? h('a', { class: 'small', text: t('orders.openLive'), attrs: { href: `/room?id=${encodeURIComponent(order.roomId)}` } })
          : null,
      ),
      h(
        'div',
        { class: 'right stack-sm' },
        h('div', { text: money(order.amount, order.currency), attrs: { 'data-testid': 'order-amount' } }),
        h('span', {
          class: `pill pill-plain ${order.status === 'paid' ? 'pill-ok' : open || order.status === 'pending_payment' ? 'pill-warn' : 'pill-bad'}`,
          text: orderStatusText(order.status),
          attrs: { 'data-testid': 'order-status', 'data-status': order.status },
        }),
        cancel,
        receive,
      ),
    );
  };
  render(o);
  return el;
}

/** Carrier and tracking number once shipped, and how far the parcel got. */
function tracking(order: Order): HTMLElement | null {
  const f = order.fulfilment;
  if (!f || f.status === 'unfulfilled') return null;
  const step =
    f.status === 'shipped'
      ? t('orders.shipped', { time: f.shippedAt ? dateTime(f.shippedAt) : '' })
      : f.status === 'delivered'
        ? t('orders.delivered', { time: f.deliveredAt ? dateTime(f.deliveredAt) : '' })
        : t('orders.completed');
  const parcel = f.trackingNumber ? t('orders.tracking', { carrier: f.carrier ?? '', number: f.trackingNumber }) : '';
  return h('div', {
    class: 'small',
    text: [step, parcel].filter(Boolean).join(' · '),
    attrs: { 'data-testid': 'order-tracking', 'data-fulfilment': f.status },
  });
}

/** What was refunded, whole or in part. */
function refunded(order: Order): HTMLElement | null {
  const amount = order.refundedAmount ?? 0;
  if (amount <= 0) return null;
  const text =
    amount >= order.amount
      ? t('orders.refunded', { amount: money(amount, order.currency) })
      : t('orders.refundedPart', { amount: money(amount, order.currency), total: money(order.amount, order.currency) });
  return h('div', { class: 'small', text, attrs: { 'data-testid': 'order-refunded' } });
}

function requestText(r: RefundRequest): string {
  return r.status === 'open'
    ? t('orders.refundOpen', { time: dateTime(r.createdAt) })
    : t('orders.refundRejected', { reason: r.decisionReason ?? '' });
}
