/**
 * Replay of a recorded live (docs/replay.md): the recording played with hls.js (or the browser's own HLS), the
 * shopping timeline as markers to jump to, the product card that was pinned at the moment playing, and buying it from
 * the replay (POST /api/orders, channel `replay`: at the product's current price and stock, a flash-sale price only
 * while that sale really runs). Phone-first: one column, the video on top.
 *
 * `/replay?id=<recordingId>`, or `/replay?room=<roomId>` for the room's latest recording.
 */
import Hls from 'hls.js';
import { HawkerApi, type Product, type Recording, type RecordingTimelineEntry } from '@hawker/client-sdk';
import { clipCutPanel, mayClip } from './lib/clipCut.ts';
import { byId, h, replace } from './lib/dom.ts';
import { money } from './lib/format.ts';
import type { Identity } from './lib/identity.ts';
import { describeOrderError } from './lib/shop.ts';
import { touch, watchVideo } from './lib/touch.ts';
import { describeError, renderTopbar, requireIdentity, showNotice, toast, withButton } from './lib/ui.ts';

renderTopbar('/replay');
const identity = requireIdentity(['viewer', 'creator', 'moderator', 'agency', 'merchant', 'admin'], 'replay');
const params = new URLSearchParams(location.search);
if (identity) void open(identity, params.get('id'), params.get('room'));

async function open(identity: Identity, id: string | null, roomId: string | null): Promise<void> {
  const api = new HawkerApi(location.origin, identity.token);
  try {
    const recording = id ? await api.getRecording(id) : roomId ? (await api.listRecordings({ roomId, limit: 1 }))[0] : undefined;
    if (!recording) {
      showNotice({
        title: 'No replay',
        message: 'This live has no recording yet.',
        action: { label: 'Home', href: '/' },
        testId: 'no-replay',
      });
      return;
    }
    const [{ entries }, current] = await Promise.all([
      api.recordingTimeline(recording.id),
      // Today's price and stock of the room's products: buying from a replay is at those, not at the live's.
      api.listProducts(recording.roomId).catch(() => [] as Product[]),
    ]);
    new ReplayView(api, identity, recording, entries, new Map(current.map((p) => [p.id, p])));
  } catch (err) {
    showNotice({
      title: 'Cannot open this replay',
      message: describeError(err),
      action: { label: 'Home', href: '/' },
      testId: 'replay-error',
    });
  }
}

/** m:ss of an offset in ms. */
function at(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

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

class ReplayView {
  private readonly video = h('video', { attrs: { controls: true, playsinline: true, muted: true, 'data-testid': 'replay-video' } });
  private readonly card = h('section', { class: 'card pinned-card', attrs: { 'data-testid': 'replay-card', hidden: true } });
  private shown: string | null = null;

  constructor(
    private readonly api: HawkerApi,
    private readonly identity: Identity,
    private readonly recording: Recording,
    private readonly entries: RecordingTimelineEntry[],
    private readonly current: ReadonlyMap<string, Product>,
  ) {
    const markers = entries
      .filter((e) => e.kind === 'pin' || e.kind === 'sale_start')
      .map((e) =>
        h(
          'button',
          {
            class: 'btn btn-sm marker',
            attrs: { type: 'button', 'data-testid': 'marker', 'data-offset': e.offsetMs, 'data-product': e.productId ?? '' },
            on: { click: () => this.seek(e.offsetMs) },
          },
          `${at(e.offsetMs)} ${e.kind === 'pin' ? String((e.data.product as Product | undefined)?.title ?? 'Product') : 'Flash sale'}`,
        ),
      );
    replace(
      byId('main'),
      h('div', { class: 'replay-stage' }, this.video),
      h(
        'p',
        { class: 'muted', attrs: { 'data-testid': 'replay-status' } },
        recording.status === 'recording' ? 'Live now: replaying from the start' : 'Replay',
      ),
      this.card,
      h('nav', { class: 'markers', attrs: { 'aria-label': 'Products in this live' } }, ...markers),
    );
    // The room's staff cut clips here (docs/replay.md, "Clips"), from the room's products as sold now.
    if (mayClip(identity.principal, recording))
      byId('main').append(clipCutPanel(api, recording, [...current.values()], () => this.video.currentTime));
    // The property, not only the attribute: an element made by script is not muted by setAttribute('muted'), and
    // browsers autoplay only muted video.
    this.video.muted = true;
    this.video.addEventListener('timeupdate', () => this.update());
    this.video.addEventListener('seeked', () => this.update());
    // The crowd (种草): seconds really played, reported as the replay's watch time.
    watchVideo(this.video, 'replay', { roomId: recording.roomId });
    this.attach();
  }

  private attach(): void {
    const src = `${location.origin}${this.recording.playlistUrl}`;
    const token = this.identity.token;
    if (Hls.isSupported()) {
      // The HLS files need the same bearer token as the rest of the API.
      const hls = new Hls({ xhrSetup: (xhr) => xhr.setRequestHeader('Authorization', `Bearer ${token}`) });
      hls.loadSource(src);
      hls.attachMedia(this.video);
      hls.on(Hls.Events.ERROR, (_e, data) => {
        if (data.fatal) toast(`Playback problem: ${data.details}`, 'error');
      });
      window.addEventListener('pagehide', () => hls.destroy());
    } else {
      toast('This browser cannot play the replay (no Media Source Extensions)', 'error');
    }
    void this.video.play().catch(() => {}); // muted autoplay; the controls start it otherwise
  }

  private seek(offsetMs: number): void {
    // A little after the pin, so the card shows what was being presented.
    this.video.currentTime = offsetMs / 1000 + 0.1;
    this.update();
  }

  /** Shows the card of the product pinned at the current position (the same product: left as it is). */
  private update(): void {
    const then = pinnedAt(this.entries, this.video.currentTime * 1000);
    const product = then ? (this.current.get(then.id) ?? then) : null;
    if ((product?.id ?? null) === this.shown) return;
    this.shown = product?.id ?? null;
    if (!product) {
      this.card.hidden = true;
      return;
    }
    const sku = product.skus[0];
    const soldOut = sku !== undefined && sku.left <= 0;
    const buy = h(
      'button',
      { class: 'btn btn-primary', attrs: { type: 'button', 'data-testid': 'replay-buy', disabled: soldOut } },
      soldOut ? 'Sold out' : 'Buy',
    );
    buy.addEventListener('click', () => {
      touch({ kind: 'click', source: 'replay', roomId: this.recording.roomId, productId: product.id });
      void withButton(buy, () => this.buy(product));
    });
    replace(
      this.card,
      h('img', { attrs: { src: product.imageUrl, alt: '', width: 72, height: 72 } }),
      h(
        'div',
        {},
        h('strong', { attrs: { 'data-testid': 'replay-card-title' } }, product.title),
        h('div', { class: 'muted' }, money(sku?.price ?? product.price, product.currency)),
      ),
      product.shopId && sku ? buy : h('span', { class: 'muted' }, 'Sold during the live only'),
    );
    this.card.hidden = false;
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
        roomId: this.recording.roomId,
      });
      toast(`Ordered ${order.title}: pay within the reservation window`, 'ok');
      this.card.dataset.orderId = order.id;
    } catch (err) {
      toast(describeOrderError(err), 'error');
    }
  }
}
