/**
 * Viewer room: the creator's video, chat with flying comments, the pinned product, the flash-sale countdown and stock,
 * buying with the order's status as it changes, and likes.
 */
import { COMMERCE_PUSHES, LiveRoom, type ChatMessage, type CommerceEvent, type PlayerState, type RoomSnapshot } from '@hawker/client-sdk';
import { CHAT_EVENTS, ChatPanel } from './lib/chat.ts';
import { byId, h, icon, replace } from './lib/dom.ts';
import { compact, initials } from './lib/format.ts';
import type { Identity } from './lib/identity.ts';
import { ShopStrip } from './lib/shop.ts';
import { ConnectionBanner, describeError, renderTopbar, requireIdentity, showNotice } from './lib/ui.ts';

renderTopbar('/room');
const identity = requireIdentity(['viewer', 'creator', 'moderator', 'agency', 'merchant', 'admin'], 'viewer room');
const roomId = new URLSearchParams(location.search).get('id');
if (identity && !roomId) {
  showNotice({
    title: 'No room chosen',
    message: 'Open a live from the list on the home page.',
    action: { label: 'See who is live', href: '/#live-now' },
    testId: 'no-room',
  });
} else if (identity && roomId) {
  void enter(identity, roomId);
}

async function enter(identity: Identity, id: string): Promise<void> {
  let room: LiveRoom;
  try {
    room = await LiveRoom.join(location.origin, identity.token, id);
  } catch (err) {
    showNotice({
      title: 'Cannot join this live',
      message: describeError(err),
      action: { label: 'Find another live', href: '/#live-now' },
      testId: 'join-error',
    });
    return;
  }
  const view = new RoomView(room);
  window.addEventListener('pagehide', () => view.close());
}

/** Most comments flying over the video at once; more would cover the picture. */
const MAX_DANMAKU = 12;

/** The room page for one joined room; owns the LiveRoom and the page's timers. */
class RoomView {
  private readonly banner = new ConnectionBanner();
  private readonly video = h('video', { attrs: { autoplay: true, playsinline: true, 'data-testid': 'video' } });
  private readonly placeholder = h('div', { class: 'placeholder', attrs: { 'data-testid': 'stage-note' } });
  private readonly livePill = h('span', { class: 'pill', attrs: { 'data-testid': 'room-status' } });
  private readonly viewers = h('span', { class: 'stat-chip', attrs: { 'data-testid': 'viewers' } });
  private readonly likeCount = h('span', { attrs: { 'data-testid': 'likes' } });
  private readonly unmute = h(
    'button',
    { class: 'btn btn-sm unmute', attrs: { type: 'button', hidden: true, 'data-testid': 'unmute' } },
    'Tap to unmute',
  );
  private readonly danmaku = h('div', { class: 'danmaku', attrs: { 'aria-hidden': 'true' } });
  private readonly hearts = h('div', { class: 'like-burst', attrs: { 'aria-hidden': 'true' } });
  private readonly chat: ChatPanel;
  private readonly shop: ShopStrip;
  private lane = 0;

  constructor(private readonly room: LiveRoom) {
    const snap = room.snapshot;
    this.chat = new ChatPanel(snap, { send: (text) => room.chat(text), onNew: (m) => this.fly(m) });
    this.shop = new ShopStrip(snap, { serverNow: () => room.serverNow(), buy: (what) => room.buy(what) });
    this.render();
    this.renderStats(snap.stats);
    void this.startVideo();

    for (const event of CHAT_EVENTS) room.on(event, (payload) => this.chat.apply({ event, payload } as never));
    room.on('room:stats', (s) => this.renderStats(s));
    room.on('room:updated', () => this.renderStatus());
    for (const event of COMMERCE_PUSHES) room.on(event, (payload) => this.shop.apply({ event, payload } as CommerceEvent));
    room.on('disconnected', () => this.banner.show('Not connected: reconnecting… Chat and buying resume when the connection is back.'));
    room.on('resync', (s) => this.resync(s));
    room.on('closed', ({ code, reason }) => {
      this.shop.close();
      if (code === 'CLOSED_BY_CLIENT') return;
      this.banner.hide();
      showNotice({
        title: code === 'ROOM_ENDED' ? 'This live has ended' : code === 'KICKED' ? 'You were removed from this live' : 'You left this live',
        message: `${reason}. Find another live on the home page.`,
        action: { label: 'See who is live', href: '/#live-now' },
        testId: 'room-ended',
      });
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
    main.className = '';
    const like = h(
      'button',
      { class: 'btn btn-icon like-button', attrs: { type: 'button', 'aria-label': 'Like', 'data-testid': 'like' } },
      icon('heart'),
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
        h(
          'section',
          { class: 'stage', attrs: { 'aria-label': 'Live video' } },
          this.video,
          this.placeholder,
          this.unmute,
          this.danmaku,
          this.hearts,
          h(
            'div',
            { class: 'stage-top' },
            h(
              'div',
              { class: 'host' },
              h('span', { class: 'avatar', text: initials(r.creatorName) }),
              h('div', {}, h('b', { text: r.creatorName }), h('div', { class: 'title', text: r.title })),
            ),
            this.livePill,
            h('div', { class: 'grow' }),
            this.viewers,
          ),
          h('div', { class: 'stage-actions' }, like, this.likeCount),
        ),
        h('aside', { class: 'side' }, this.shop.element, h('h3', { text: 'Live chat' }), this.chat.element),
      ),
    );
    this.renderStatus();
  }

  private renderStatus(): void {
    const { status } = this.room.room;
    this.livePill.replaceChildren(status === 'live' ? 'Live' : status === 'scheduled' ? 'Starting soon' : 'Ended');
    this.livePill.className = status === 'live' ? 'pill pill-live' : 'pill';
  }

  private renderStats(s: { viewers: number; likes: number }): void {
    this.viewers.replaceChildren(icon('eye'), ` ${compact(s.viewers)}`);
    this.likeCount.textContent = compact(s.likes);
  }

  private async startVideo(): Promise<void> {
    this.note('Connecting to the video…');
    try {
      const player = await this.room.watch(this.video);
      const show = (state: PlayerState) => {
        if (state === 'playing') {
          this.placeholder.hidden = true;
          this.unmute.hidden = !player.muted;
        } else if (state === 'paused') this.note('The creator paused the camera. Stay tuned.');
        else if (state === 'waiting')
          this.note(
            this.room.room.status === 'live'
              ? 'The creator is setting up the camera…'
              : 'The creator is getting ready. The video starts as soon as they go live.',
          );
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
