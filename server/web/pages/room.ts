/**
 * Viewer room: the creator's video, chat with flying comments, the pinned product, the flash-sale countdown and stock,
 * buying with the order's status as it changes, and likes.
 */
import { LiveRoom } from '../../../client-sdk/src/index.ts';
import { byId, h, icon, replace } from './lib/dom.ts';
import { initials } from './lib/format.ts';
import type { Identity } from './lib/identity.ts';
import { ConnectionBanner, describeError, renderTopbar, requireIdentity, showNotice } from './lib/ui.ts';

renderTopbar('/room');
const identity = requireIdentity(['viewer', 'creator', 'moderator', 'agency', 'admin'], 'viewer room');
const roomId = new URLSearchParams(location.search).get('id');
if (identity && !roomId) {
  showNotice({ title: 'No room chosen', message: 'Open a live from the list on the home page.', action: { label: 'See who is live', href: '/#live-now' }, testId: 'no-room' });
} else if (identity && roomId) {
  void enter(identity, roomId);
}

async function enter(identity: Identity, id: string): Promise<void> {
  let room: LiveRoom;
  try {
    room = await LiveRoom.join(location.origin, identity.token, id);
  } catch (err) {
    showNotice({ title: 'Cannot join this live', message: describeError(err), action: { label: 'Find another live', href: '/#live-now' }, testId: 'join-error' });
    return;
  }
  const view = new RoomView(room);
  window.addEventListener('pagehide', () => view.close());
}

/** The room page for one joined room; owns the LiveRoom. */
class RoomView {
  private readonly banner = new ConnectionBanner();
  private readonly video = h('video', { attrs: { autoplay: true, playsinline: true, 'data-testid': 'video' } });
  private readonly placeholder = h('div', { class: 'placeholder', attrs: { 'data-testid': 'stage-note' } });
  private readonly livePill = h('span', { class: 'pill', attrs: { 'data-testid': 'room-status' } });

  constructor(private readonly room: LiveRoom) {
    this.render();
    room.on('room:updated', () => this.renderStatus());
    room.on('disconnected', () => this.banner.show('Not connected: reconnecting… Chat and buying resume when the connection is back.'));
    room.on('resync', () => {
      this.banner.hide();
      this.renderStatus();
    });
    room.on('closed', ({ code, reason }) => {
      if (code === 'CLOSED_BY_CLIENT') return;
      showNotice({
        title: code === 'ROOM_ENDED' ? 'This live has ended' : 'You left this live',
        message: `${reason}. Find another live on the home page.`,
        action: { label: 'See who is live', href: '/#live-now' },
        testId: 'room-ended',
      });
    });
  }

  close(): void {
    this.room.close();
  }

  private render(): void {
    const r = this.room.room;
    const main = byId('main');
    main.className = '';
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
          h(
            'div',
            { class: 'stage-top' },
            h('div', { class: 'host' }, h('span', { class: 'avatar', text: initials(r.creatorName) }), h('div', {}, h('b', { text: r.creatorName }), h('div', { class: 'title', text: r.title }))),
            this.livePill,
          ),
        ),
        h('aside', { class: 'side', attrs: { id: 'room-side' } }),
      ),
    );
    this.renderStatus();
  }

  private renderStatus(): void {
    const { status } = this.room.room;
    this.livePill.replaceChildren(status === 'live' ? 'Live' : status === 'scheduled' ? 'Starting soon' : 'Ended');
    this.livePill.className = status === 'live' ? 'pill pill-live' : 'pill';
    if (status === 'scheduled') replace(this.placeholder, h('div', {}, icon('camera', 'tile-icon'), h('p', { text: 'The creator is getting ready. The video starts as soon as they go live.' })));
    this.placeholder.hidden = status === 'live';
  }
}
