/**
 * The replay player shared by the replay page (replay.ts) and the ended room (lib/endedRoom.ts): the recording played
 * with hls.js, and the card of the product that was pinned at the moment playing, buyable from the replay (POST
 * /api/orders, channel `replay`: at the product's current price and stock, a flash-sale price only while that sale
 * really runs). hls.js is large: the ended room imports this module dynamically, so the live room's bundle never
 * carries it.
 */
import Hls from 'hls.js';
import type { HawkerApi, Product, Recording, RecordingTimelineEntry } from '@hawker/client-sdk';
import { h, replace } from './dom.ts';
import { money } from './format.ts';
import { t } from './i18n.ts';
import './messages/replay.ts';
import './messages/shop.ts';
import { describeOrderError } from './shop.ts';
import { touch, watchVideo } from './touch.ts';
import { toast, withButton } from './ui.ts';

/** The product pinned at `ms` into the recording: the last pin at or before it, unless unpinned since. */
export function pinnedAt(entries: readonly RecordingTimelineEntry[], ms: number): Product | null {
  let pinned: Product | null = null;
  for (const e of entries) {
    if (e.offsetMs > ms) break;
    if (e.kind === 'pin') pinned = (e.data.product as Product | undefined) ?? null;
    else if (e.kind === 'unpin' && pinned && e.productId === pinned.id) pinned = null;
  }
  return pinned;
}

/** A muted, inline video element for a replay (`label` names it for assistive technology when there is no heading). */
export function replayVideo(testId: string, label?: string): HTMLVideoElement {
  const video = h('video', {
    attrs: { controls: true, playsinline: true, muted: true, 'data-testid': testId, ...(label ? { 'aria-label': label } : {}) },
  });
  // The property, not only the attribute: an element made by script is not muted by setAttribute('muted'), and
  // browsers autoplay only muted video.
  video.muted = true;
  return video;
}

/**
 * Plays `recording` in `video` (hls.js, the HLS files fetched with the viewer's bearer token) and starts it muted.
 * Returns a function that stops and releases the player; it is also released when the page is left.
 */
export function playRecording(video: HTMLVideoElement, recording: Recording, token: string): () => void {
  const src = `${location.origin}${recording.playlistUrl}`;
  if (!Hls.isSupported()) {
    toast(t('replay.replayUnsupported'), 'error');
    return () => {};
  }
  // The HLS files need the same bearer token as the rest of the API.
  const hls = new Hls({ xhrSetup: (xhr) => xhr.setRequestHeader('Authorization', `Bearer ${token}`) });
  hls.loadSource(src);
  hls.attachMedia(video);
  hls.on(Hls.Events.ERROR, (_e, data) => {
    if (data.fatal) toast(t('replay.replayProblem', { details: data.details }), 'error');
  });
  // The crowd (种草): seconds really played, reported as the replay's watch time.
  watchVideo(video, 'replay', { roomId: recording.roomId });
  const destroy = () => hls.destroy();
  window.addEventListener('pagehide', destroy, { once: true });
  void video.play().catch(() => {}); // muted autoplay; the controls start it otherwise
  return destroy;
}

/**
 * The card of the product pinned at the video's position, with today's price and stock (`current`, by product id)
 * and a Buy button for shop products (a replay order of `roomId`). It follows the video by itself.
 */
export class ReplayCard {
  readonly element = h('section', { class: 'card pinned-card', attrs: { 'data-testid': 'replay-card', hidden: true } });
  private shown: string | null = null;

  constructor(
    private readonly api: HawkerApi,
    private readonly roomId: string,
    private readonly entries: readonly RecordingTimelineEntry[],
    private readonly current: ReadonlyMap<string, Product>,
    private readonly video: HTMLVideoElement,
  ) {
    video.addEventListener('timeupdate', () => this.update());
    video.addEventListener('seeked', () => this.update());
  }

  /** Shows the card of the product pinned at the current position (the same product: left as it is). */
  update(): void {
    const then = pinnedAt(this.entries, this.video.currentTime * 1000);
    const product = then ? (this.current.get(then.id) ?? then) : null;
    if ((product?.id ?? null) === this.shown) return;
    this.shown = product?.id ?? null;
    if (!product) {
      this.element.hidden = true;
      return;
    }
    const sku = product.skus[0];
    const soldOut = sku !== undefined && sku.left <= 0;
    const buy = h(
      'button',
      { class: 'btn btn-primary', attrs: { type: 'button', 'data-testid': 'replay-buy', disabled: soldOut } },
      soldOut ? t('shop.soldOut') : t('shop.buy'),
    );
    buy.addEventListener('click', () => {
      touch({ kind: 'click', source: 'replay', roomId: this.roomId, productId: product.id });
      void withButton(buy, () => this.buy(product));
    });
    replace(
      this.element,
      h('img', { attrs: { src: product.imageUrl, alt: '', width: 72, height: 72 } }),
      h(
        'div',
        {},
        h('strong', { attrs: { 'data-testid': 'replay-card-title' } }, product.title),
        h('div', { class: 'muted' }, money(sku?.price ?? product.price, product.currency)),
      ),
      product.shopId && sku ? buy : h('span', { class: 'muted' }, t('replay.replayOnlyLive')),
    );
    this.element.hidden = false;
  }

  private async buy(product: Product): Promise<void> {
    const sku = product.skus[0];
    if (!sku) return;
    try {
      const { order } = await this.api.placeShopOrder({
        productId: product.id,
        skuId: sku.id,
        quantity: 1,
        idempotencyKey: crypto.randomUUID(),
        channel: 'replay',
        roomId: this.roomId,
      });
      toast(t('replay.replayOrdered', { title: order.title }), 'ok');
      this.element.dataset.orderId = order.id;
    } catch (err) {
      toast(describeOrderError(err), 'error');
    }
  }
}
