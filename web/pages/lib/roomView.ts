/**
 * The viewer room's view for one joined room (room.ts joins first, then hands the LiveRoom here): video, chat and
 * flying comments, likes, the bag, orders and the checkout sheets. A module of its own so the page's first script is
 * only what starts the join: this one loads while the connection opens and the join is answered (issue 20).
 */
import {
  COMMERCE_PUSHES,
  type LiveRoom,
  type Product,
  type ChatMessage,
  type CommerceEvent,
  type PlayerState,
  type RoomSnapshot,
} from '@hawker/client-sdk';
import { CHAT_EVENTS, ChatPanel } from './chat.ts';
import { byId, h, icon, replace } from './dom.ts';
import { compact, initials } from './format.ts';
import { t } from './i18n.ts';
import './messages/room.ts';
import './messages/shop.ts';
import { showEndedRoom } from './endedRoom.ts';
import { RoomShop } from './shop.ts';
import { ConnectionBanner, describeError, showNotice } from './ui.ts';

/** Most comments flying over the video at once; more would cover the picture. */
const MAX_DANMAKU = 12;

/** The room page for one joined room; owns the LiveRoom and the page's timers. */
export class RoomView {
  private readonly banner = new ConnectionBanner();
  private readonly video = h('video', { attrs: { autoplay: true, playsinline: true, 'data-testid': 'video' } });
  private readonly placeholder = h('div', { class: 'placeholder', attrs: { 'data-testid': 'stage-note' } });
  private readonly livePill = h('span', { class: 'pill', attrs: { 'data-testid': 'room-status' } });
  private readonly viewers = h('span', { class: 'stat-chip', attrs: { 'data-testid': 'viewers' } });
  private readonly likeCount = h('span', { class: 'rail-label', attrs: { 'data-testid': 'likes' } });
  private readonly unmute = h(
    'button',
    { class: 'btn btn-sm unmute', attrs: { type: 'button', hidden: true, 'data-testid': 'unmute' } },
    t('room.unmute'),
  );
  private readonly danmaku = h('div', { class: 'danmaku', attrs: { 'aria-hidden': 'true' } });
  private readonly hearts = h('div', { class: 'like-burst', attrs: { 'aria-hidden': 'true' } });
  private readonly chat: ChatPanel;
  private readonly shop: RoomShop;
  private lane = 0;

  constructor(
    private readonly room: LiveRoom,
    products: Promise<Product[]>,
  ) {
    const snap = room.snapshot;
    // The video first: its set-up (capabilities, device, transport) runs while the rest of the page renders. Not for a
    // room that closed while this code loaded (handled at the end of the constructor).
    if (!room.closedWith) void this.startVideo();
    this.chat = new ChatPanel(snap, { send: (text) => room.chat(text), onNew: (m) => this.fly(m) });
    let prefetched: Promise<Product[]> | null = products;
    this.shop = new RoomShop(snap, {
      serverNow: () => room.serverNow(),
      buy: (what) => room.buy(what),
      // The list asked for during the join first, fresh reads after that.
      products: () => {
        const list = prefetched ?? room.api.listProducts(room.roomId);
        prefetched = null;
        return list;
      },
      myOrders: () => room.api.myOrders({ limit: 50 }),
      // Counted by the server from the socket (analytics and the crowd); watch time is the join's, not a page touch.
      onOpen: (p) => void room.clickProduct(p.id).catch((err: unknown) => console.debug('product click not counted', err)),
    });
    this.render();
    this.renderStats(snap.stats);

    for (const event of CHAT_EVENTS) room.on(event, (payload) => this.chat.apply({ event, payload } as never));
    room.on('room:stats', (s) => this.renderStats(s));
    room.on('room:updated', () => this.renderStatus());
    for (const event of COMMERCE_PUSHES) room.on(event, (payload) => this.shop.apply({ event, payload } as CommerceEvent));
    room.on('disconnected', () => this.banner.show(t('room.reconnecting')));
    room.on('resync', (s) => this.resync(s));
    room.on('closed', (closed) => this.closed(closed));
    // The room may have ended (or this viewer been removed) while this view's code loaded after the join: no `closed`
    // event is coming, so act on it now.
    if (room.closedWith) this.closed(room.closedWith);
  }

  /** The room closed for good: the ended room's summary, or why this viewer is out. */
  private closed({ code, reason }: { code: string; reason: string }): void {
    this.shop.close();
    if (code === 'CLOSED_BY_CLIENT') return;
    this.banner.hide();
    this.shop.sheets.remove();
    if (code === 'ROOM_ENDED') {
      void this.room.api.getRoom(this.room.roomId).then(
        (r) => showEndedRoom(this.room.api, r, this.room.snapshot.you.userId),
        () => showEndedRoom(this.room.api, { ...this.room.room, status: 'ended' }, this.room.snapshot.you.userId),
      );
      return;
    }
    showNotice({
      title: code === 'KICKED' ? t('room.kickedTitle') : t('room.leftTitle'),
      message: t('room.closedHint', { reason }),
      action: { label: t('room.seeLive'), href: '/#live-now' },
      testId: 'room-ended',
    });
  }

  close(): void {
    this.room.close();
  }

  private resync(s: RoomSnapshot): void {
    this.banner.hide();
    this.chat.reset(s);
    this.shop.reset(s);
    this.renderStats(s.stats);
    this.renderStatus();
  }

  private render(): void {
    const r = this.room.room;
    const main = byId('main');
    main.className = 'room-main';
    const like = h(
      'button',
      { class: 'rail-button like-button', attrs: { type: 'button', 'data-testid': 'like' } },
      h('span', { class: 'rail-icon' }, icon('heart')),
      // Named by its visible text (axe: label-content-name-mismatch): the word for assistive technology, then the count.
      h('span', { class: 'sr-only', text: t('room.like') }),
      this.likeCount,
    );
    like.addEventListener('click', () => {
      this.burst();
      this.room.like().catch(() => {
        // A like that did not make it is not worth interrupting the viewer for.
      });
    });
    replace(
      main,
      h(
        'div',
        { class: 'room-layout' },
        this.shop.bagPanel,
        h(
          'section',
          { class: 'stage', attrs: { 'aria-label': t('room.video') } },
          h('div', { class: 'frame' }, this.video),
          this.placeholder,
          this.danmaku,
          this.hearts,
          h(
            'div',
            { class: 'stage-top' },
            h(
              'div',
              { class: 'host' },
              h('span', { class: 'avatar', text: initials(r.creatorName) }),
              h('div', { class: 'host-text' }, h('b', { text: r.creatorName }), h('div', { class: 'title', text: r.title })),
            ),
            this.livePill,
            h('div', { class: 'grow' }),
            this.viewers,
          ),
          this.unmute,
          h('nav', { class: 'rail', attrs: { 'aria-label': t('shop.bag') } }, like, this.shop.bagButton, this.shop.ordersButton),
        ),
        h(
          'aside',
          { class: 'feed', attrs: { 'aria-label': t('room.chat') } },
          this.shop.feed,
          h('h3', { class: 'feed-title', text: t('room.chat') }),
          this.chat.element,
        ),
      ),
    );
    document.body.appendChild(this.shop.sheets);
    this.renderStatus();
  }

  private renderStatus(): void {
    const { status } = this.room.room;
    this.livePill.replaceChildren(status === 'live' ? t('room.live') : status === 'scheduled' ? t('room.soon') : t('room.ended'));
    this.livePill.className = status === 'live' ? 'pill pill-live' : 'pill';
  }

  private renderStats(s: { viewers: number; likes: number }): void {
    this.viewers.replaceChildren(icon('eye'), ` ${compact(s.viewers)}`);
    this.viewers.setAttribute('aria-label', t('room.viewers', { n: compact(s.viewers) }));
    this.likeCount.textContent = compact(s.likes);
  }

  private async startVideo(): Promise<void> {
    this.note(t('room.connectingVideo'));
    try {
      const player = await this.room.watch(this.video);
      const show = (state: PlayerState) => {
        if (state === 'playing') {
          this.placeholder.hidden = true;
          this.unmute.hidden = !player.muted;
        } else if (state === 'paused') this.note(t('room.paused'));
        else if (state === 'waiting') this.note(this.room.room.status === 'live' ? t('room.settingUp') : t('room.gettingReady'));
      };
      player.on('state', show);
      player.on('error', (err) => this.note(describeError(err)));
      this.unmute.addEventListener('click', () => {
        player.muted = false;
        this.unmute.hidden = true;
      });
      show(player.state);
    } catch (err) {
      this.note(describeError(err));
    }
  }

  private note(text: string): void {
    replace(this.placeholder, h('div', {}, icon('camera', 'tile-icon'), h('p', { text })));
    this.placeholder.hidden = false;
  }

  /** New comments fly across the video (弹幕) in a few lanes. */
  private fly(messages: ChatMessage[]): void {
    for (const m of messages.slice(-MAX_DANMAKU)) {
      if (this.danmaku.childElementCount >= MAX_DANMAKU) this.danmaku.firstElementChild?.remove();
      const el = h('span', { text: `${m.name}: ${m.text}` });
      el.style.top = `${(this.lane++ % 6) * 2.2}rem`;
      el.addEventListener('animationend', () => el.remove());
      this.danmaku.appendChild(el);
    }
  }

  private burst(): void {
    const heart = icon('heart');
    heart.style.left = `${Math.round(Math.random() * 30) - 15}px`;
    heart.addEventListener('animationend', () => heart.remove());
    this.hearts.appendChild(heart);
  }
}
