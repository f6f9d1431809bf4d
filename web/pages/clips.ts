/**
 * The clips feed (docs/replay.md, "Clips"): published clips one per screen, swiped vertically like a phone video app
 * (CSS scroll snap), each autoplaying muted when it comes into view (tap for sound), with its products' cards opening
 * the room's own detail sheet and the off-live checkout (lib/shop.ts `OffLiveCheckout`, as the storefront's) that buys
 * with channel `clip` and follows the order to paid, or declined with a retry, and a "LIVE now" badge linking to the
 * creator's room while they are live.
 *
 * `/clips`, or `/clips?id=<clipId>` to start from one clip.
 */
import Hls from 'hls.js';
import { HawkerApi, type Clip, type Order, type Product } from '@hawker/client-sdk';
import { byId, h, icon, replace } from './lib/dom.ts';
import { money } from './lib/format.ts';
import { t } from './lib/i18n.ts';
import './lib/messages/clips.ts';
import type { Identity } from './lib/identity.ts';
import { OffLiveCheckout, RoomShop } from './lib/shop.ts';
import { touch, watchVideo } from './lib/touch.ts';
import { describeError, renderTopbar, requireIdentity, showNotice, toast } from './lib/ui.ts';

renderTopbar('/clips');
const identity = requireIdentity(['viewer', 'creator', 'moderator', 'agency', 'merchant', 'admin'], t('clips.what'));
if (identity) void open(identity, new URLSearchParams(location.search).get('id'));

async function open(identity: Identity, first: string | null): Promise<void> {
  const api = new HawkerApi(location.origin, identity.token);
  try {
    const clips = await api.listClips({ limit: 30 });
    // A shared link to one clip starts the feed there (it may be older than the first page, or a draft for its staff).
    if (first && !clips.some((c) => c.id === first)) clips.unshift(await api.getClip(first));
    else if (first)
      clips.unshift(
        ...clips.splice(
          clips.findIndex((c) => c.id === first),
          1,
        ),
      );
    if (clips.length === 0) {
      showNotice({
        title: t('clips.empty'),
        message: t('clips.emptyHint'),
        action: { label: t('clips.home'), href: '/#live-now' },
        testId: 'no-clips',
      });
      return;
    }
    new ClipsFeed(api, identity, clips);
  } catch (err) {
    showNotice({
      title: t('clips.cannotLoad'),
      message: describeError(err),
      action: { label: t('clips.home'), href: '/' },
      testId: 'clips-error',
    });
  }
}

/** One clip's screen: its video (hls.js attached when it first comes into view), overlay, products. */
class ClipView {
  readonly element: HTMLElement;
  readonly video = h('video', { attrs: { playsinline: true, muted: true, loop: true, preload: 'none', 'data-testid': 'clip-video' } });
  private readonly sound: HTMLButtonElement;
  private hls: Hls | null = null;

  constructor(
    readonly clip: Clip,
    index: number,
    total: number,
    private readonly token: string,
    onBuy: (clip: Clip, product: Product) => void,
  ) {
    // The property, not only the attribute: browsers autoplay only muted video.
    this.video.muted = true;
    watchVideo(this.video, 'clip', { roomId: clip.roomId }); // the crowd's watch time: seconds really played
    this.sound = h(
      'button',
      {
        class: 'btn btn-icon clip-sound',
        attrs: { type: 'button', 'aria-label': t('clips.sound'), 'aria-pressed': 'false', 'data-testid': 'clip-sound' },
      },
      h('span', { class: 'clip-sound-glyph', attrs: { 'aria-hidden': 'true' }, text: '🔇' }),
    );
    this.sound.addEventListener('click', () => this.toggleSound());
    // A tap on the picture toggles the sound too, as phone video apps do.
    this.video.addEventListener('click', () => this.toggleSound());
    const live = clip.liveRoomId
      ? h(
          'a',
          {
            class: 'pill pill-live clip-live',
            attrs: {
              href: `/room?id=${encodeURIComponent(clip.liveRoomId)}`,
              'aria-label': t('clips.liveNowLabel'),
              'data-testid': 'clip-live',
            },
          },
          t('clips.liveNow'),
        )
      : null;
    const cards = clip.products.map((p) => {
      const sku = p.skus[0];
      const left = p.skus.reduce((n, s) => n + s.left, 0);
      const buyable = Boolean(p.shopId && sku);
      const buy = h(
        'button',
        { class: 'btn btn-primary btn-sm', attrs: { type: 'button', 'data-testid': 'clip-buy', disabled: !buyable || left <= 0 } },
        icon('bag'),
        !buyable ? t('clips.liveOnly') : left > 0 ? t('clips.buy') : t('clips.soldOut'),
      );
      buy.addEventListener('click', () => onBuy(clip, p));
      return h(
        'li',
        { class: 'clip-card', attrs: { 'data-testid': 'clip-card', 'data-product': p.id } },
        h('img', { attrs: { src: p.imageUrl, alt: '', width: 48, height: 48, loading: 'lazy' } }),
        h(
          'div',
          { class: 'meta' },
          h('div', { class: 'title', text: p.title, attrs: { 'data-testid': 'clip-card-title' } }),
          h('div', { class: 'price', text: money(sku?.price ?? p.price, p.currency) }),
        ),
        buy,
      );
    });
    // An article per clip: a role=feed's items must be articles (ARIA), which lets screen readers page through them.
    this.element = h(
      'article',
      {
        class: 'clip',
        attrs: { 'aria-label': t('clips.clip', { n: index + 1, total, title: clip.title }), 'data-testid': 'clip', 'data-clip': clip.id },
      },
      h('div', { class: 'clip-frame' }, this.video),
      h('div', { class: 'clip-top' }, live, h('div', { class: 'grow' }), this.sound),
      h(
        'div',
        { class: 'clip-bottom' },
        h('h2', { class: 'clip-title', text: clip.title, attrs: { 'data-testid': 'clip-title' } }),
        cards.length ? h('ul', { class: 'clip-cards', attrs: { 'aria-label': t('clips.products') } }, ...cards) : null,
      ),
    );
  }

  /** In view: attach the stream the first time, then play (muted autoplay is always allowed). */
  play(): void {
    if (!this.hls && !this.video.src) this.attach();
    void this.video.play().catch(() => {
      // Autoplay refused (sound on without a gesture): the sound button or a tap starts it.
    });
  }

  pause(): void {
    this.video.pause();
  }

  private attach(): void {
    const src = `${location.origin}${this.clip.playlistUrl}`;
    if (Hls.isSupported()) {
      // The clip's files need the same bearer token as the rest of the API.
      const hls = new Hls({ xhrSetup: (xhr) => xhr.setRequestHeader('Authorization', `Bearer ${this.token}`) });
      hls.loadSource(src);
      hls.attachMedia(this.video);
      hls.on(Hls.Events.ERROR, (_e, data) => {
        if (data.fatal) toast(t('clips.playback', { details: data.details }), 'error');
      });
      this.hls = hls;
    } else {
      toast(t('clips.noMse'), 'error');
    }
  }

  private toggleSound(): void {
    this.video.muted = !this.video.muted;
    const on = !this.video.muted;
    this.sound.setAttribute('aria-pressed', String(on));
    this.sound.setAttribute('aria-label', on ? t('clips.mute') : t('clips.sound'));
    replace(this.sound, h('span', { class: 'clip-sound-glyph', attrs: { 'aria-hidden': 'true' }, text: on ? '🔊' : '🔇' }));
    if (on) void this.video.play().catch(() => {});
  }

  destroy(): void {
    this.hls?.destroy();
  }
}

/** The feed: one clip per screen, the one most in view plays, the others pause. */
class ClipsFeed {
  private readonly views: ClipView[];
  private current: ClipView | null = null;
  /** The clip whose product card was tapped last: the order credits its room. */
  private clipOfProduct: Clip | null = null;
  private readonly shop: RoomShop;
  private readonly checkout: OffLiveCheckout;

  constructor(
    private readonly api: HawkerApi,
    identity: Identity,
    clips: readonly Clip[],
  ) {
    // The off-live checkout: places the order from the clip whose card was tapped (channel `clip`, its room credited)
    // and reads its status until it is paid or failed (no room socket on this page).
    this.checkout = new OffLiveCheckout({
      place: (line) => {
        const clip = this.clipOfProduct ?? this.current?.clip;
        if (!clip) return Promise.reject(new Error('Nothing to buy from this clip'));
        return this.api.placeShopOrder({
          productId: line.productId,
          skuId: line.skuId,
          quantity: line.quantity,
          idempotencyKey: crypto.randomUUID(),
          channel: 'clip',
          roomId: clip.roomId,
        });
      },
      status: async (orderId) => {
        const order = await this.api.call<Order>('GET', `/api/orders/${encodeURIComponent(orderId)}`);
        return { status: order.status, reason: order.failureReason };
      },
    });
    // One shop for the page: its detail sheet shows the product of whichever clip's card was tapped (SKU, quantity),
    // and hands the choice to the checkout.
    this.shop = RoomShop.offLive(clips[0]!.roomId, {
      products: async () => this.current?.clip.products ?? [],
      myOrders: () => api.myOrders({ limit: 50 }),
      checkout: (line) => this.checkout.open(line),
    });
    this.views = clips.map((c, i) => new ClipView(c, i, clips.length, identity.token, (clip, p) => this.openProduct(clip, p)));
    const main = byId('main');
    replace(
      main,
      h(
        'div',
        { class: 'clips-feed', attrs: { role: 'feed', 'aria-label': t('clips.feed'), 'data-testid': 'clips-feed' } },
        ...this.views.map((v) => v.element),
      ),
    );
    document.body.append(this.shop.sheets, this.checkout.element);
    const observer = new IntersectionObserver((entries) => this.seen(entries), { threshold: 0.6 });
    for (const v of this.views) observer.observe(v.element);
    window.addEventListener('pagehide', () => {
      for (const v of this.views) v.destroy();
      this.shop.close();
    });
  }

  private seen(entries: IntersectionObserverEntry[]): void {
    for (const e of entries) {
      const view = this.views.find((v) => v.element === e.target);
      if (!view) continue;
      if (e.isIntersecting) {
        if (this.current && this.current !== view) this.current.pause();
        this.current = view;
        view.play();
      } else if (view === this.current) {
        view.pause();
      }
    }
  }

  private openProduct(clip: Clip, p: Product): void {
    this.clipOfProduct = clip;
    touch({ kind: 'click', source: 'clip', roomId: clip.roomId, productId: p.id });
    this.shop.show(p);
  }
}
