/**
 * The ended room (issue 17): the live's summary, its products (shop products keep selling, credited to the live as
 * replay orders), a follow button for the creator, and the replay once a recording exists: played in place with the
 * card of the product pinned at that moment, buyable, and a link to the full replay page. The player (hls.js) is
 * imported dynamically from lib/replayPlayer.ts only when there is a recording, so the live room's bundle never carries it.
 */
import type { HawkerApi, Product, Recording, Room } from '@hawker/client-sdk';
import { byId, h, replace } from './dom.ts';
import { initials, money } from './format.ts';
import { t } from './i18n.ts';
import './messages/replay.ts';
import './messages/shop.ts';
import { summaryCard } from './summary.ts';
import { describeError, toast, withButton } from './ui.ts';

export async function showEndedRoom(api: HawkerApi, room: Room, selfId: string): Promise<void> {
  const main = byId('main');
  main.className = 'page page-narrow';
  const products = h(
    'ul',
    { class: 'list', attrs: { 'data-testid': 'ended-products' } },
    h('li', { class: 'empty', text: t('replay.loading') }),
  );
  const extras = h('div', { class: 'row wrap' });
  const replay = h('div');
  const summary = h('div');
  replace(
    main,
    h(
      'div',
      { class: 'stack', attrs: { 'data-testid': 'ended-room' } },
      h(
        'section',
        { class: 'card stack', attrs: { 'data-testid': 'room-ended' } },
        h(
          'div',
          { class: 'row' },
          h('span', { class: 'avatar', text: initials(room.creatorName) }),
          h('div', { class: 'grow' }, h('b', { text: room.creatorName }), h('div', { class: 'muted small', text: room.title })),
        ),
        h('h1', { text: t('replay.endedRoomTitle') }),
        h('p', { class: 'muted', text: room.endReason ? `${room.endReason}. ${t('replay.endedRoomHint')}` : t('replay.endedRoomHint') }),
        extras,
      ),
      replay,
      summary,
      h(
        'section',
        { class: 'card stack', attrs: { 'aria-labelledby': 'ended-products-title' } },
        h('h2', { text: t('replay.products'), attrs: { id: 'ended-products-title' } }),
        products,
      ),
    ),
  );
  if (room.creatorId !== selfId) extras.appendChild(followButton(api, room.creatorId));
  const [sum, list, recordings] = await Promise.allSettled([
    api.roomSummary(room.id),
    api.listProducts(room.id),
    api.listRecordings({ roomId: room.id, limit: 5 }),
  ]);
  if (sum.status === 'fulfilled') summary.replaceWith(summaryCard(sum.value));
  if (recordings.status === 'fulfilled') {
    const rec = recordings.value.find((r) => r.status === 'ready') ?? recordings.value.find((r) => r.status === 'recording');
    if (rec) {
      void playInPlace(api, rec, list.status === 'fulfilled' ? list.value : [], replay);
      extras.appendChild(
        h('a', {
          class: 'btn btn-primary',
          text: t('replay.fullReplay'),
          attrs: { href: `/replay?id=${encodeURIComponent(rec.id)}`, 'data-testid': 'replay-link' },
        }),
      );
    }
  }
  if (list.status === 'rejected') replace(products, h('li', { class: 'empty', text: describeError(list.reason) }));
  else if (!list.value.length) replace(products, h('li', { class: 'empty', text: t('replay.noProducts') }));
  else replace(products, ...list.value.map((p) => productRow(api, room.id, p)));
}

/**
 * The replay played in the ended room (in `slot`), with the card of the product pinned at the moment playing, sold at
 * today's price (`products`, the room's list as read now). The player module loads only here, on demand.
 */
async function playInPlace(api: HawkerApi, recording: Recording, products: readonly Product[], slot: HTMLElement): Promise<void> {
  try {
    const [player, { entries }] = await Promise.all([import('./replayPlayer.ts'), api.recordingTimeline(recording.id)]);
    const video = player.replayVideo('ended-replay-video', t('replay.replayVideo'));
    const card = new player.ReplayCard(api, recording.roomId, entries, new Map(products.map((p) => [p.id, p])), video);
    const section = h(
      'section',
      { class: 'card stack ended-replay', attrs: { 'data-testid': 'ended-replay', 'aria-labelledby': 'ended-replay-title' } },
      h('h2', { text: t('replay.replayTitle'), attrs: { id: 'ended-replay-title' } }),
      h('div', { class: 'replay-stage' }, video),
      card.element,
    );
    slot.replaceWith(section);
    player.playRecording(video, recording, api.token);
  } catch (err) {
    slot.replaceWith(h('p', { class: 'muted', text: describeError(err) }));
  }
}

function followButton(api: HawkerApi, creatorId: string): HTMLButtonElement {
  const button = h('button', {
    class: 'btn',
    text: t('replay.follow'),
    attrs: { type: 'button', 'aria-pressed': 'false', 'data-testid': 'follow' },
  });
  let following = false;
  const show = () => {
    button.textContent = following ? t('replay.following') : t('replay.follow');
    button.setAttribute('aria-pressed', String(following));
  };
  // Whether the viewer follows already: their list (bounded by FOLLOWS_PER_USER; the first page is enough to show it).
  void api
    .myFollows({ limit: 200 })
    .then((list) => {
      following = list.follows.some((f) => f.creatorId === creatorId);
      show();
    })
    .catch(() => {});
  button.addEventListener('click', () =>
    withButton(button, async () => {
      await (following ? api.unfollow(creatorId) : api.follow(creatorId));
      following = !following;
      show();
    }),
  );
  return button;
}

/** A product of the ended live: shop products sell on (a replay order of this room); the room's own ones are over. */
function productRow(api: HawkerApi, roomId: string, p: Product): HTMLElement {
  const inStock = p.skus.filter((s) => s.left > 0);
  const select = h(
    'select',
    { attrs: { 'aria-label': p.title, 'data-testid': 'ended-sku' } },
    ...inStock.map((s) => h('option', { text: `${s.label} · ${money(s.price ?? p.price, p.currency)}`, attrs: { value: s.id } })),
  );
  const buy = h('button', { class: 'btn btn-primary', text: t('shop.buy'), attrs: { type: 'button', 'data-testid': 'ended-buy' } });
  buy.addEventListener('click', () =>
    withButton(buy, async () => {
      await api.placeShopOrder({
        productId: p.id,
        skuId: select.value,
        quantity: 1,
        idempotencyKey: crypto.randomUUID(),
        channel: 'replay',
        roomId,
      });
      toast(t('replay.bought'), 'ok', 6000);
    }).catch((err: unknown) => toast(describeError(err), 'error')),
  );
  const forSale = Boolean(p.shopId) && inStock.length > 0;
  return h(
    'li',
    { class: 'list-item product', attrs: { 'data-testid': 'ended-product', 'data-product-id': p.id } },
    h('img', { attrs: { src: p.imageUrl, alt: '' } }),
    h(
      'div',
      { class: 'meta grow' },
      h('div', { class: 'title', text: p.title }),
      h('div', { class: 'small muted', text: money(p.price, p.currency) }),
    ),
    forSale
      ? h('div', { class: 'row wrap' }, select, buy)
      : h('span', { class: 'muted small', text: p.shopId ? t('shop.soldOut') : t('replay.notForSale') }),
  );
}
