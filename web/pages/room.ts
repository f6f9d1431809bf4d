/**
 * Viewer room, phone first: the creator's video full screen (landscape shown whole), chat and flying comments over it,
 * likes, the product bag and my orders on a right rail, the flash sale and pinned product above the chat, and buying
 * through a product sheet and a checkout sheet that shows the order's status as it changes. At 1024 px and wider the
 * video sits between a product panel and a chat panel.
 */
import { HawkerApi, LiveRoom } from '@hawker/client-sdk';
import { byId, h } from './lib/dom.ts';
import { t } from './lib/i18n.ts';
import './lib/messages/common.ts';
import './lib/messages/room.ts';
import type { Identity } from './lib/identity.ts';
import { sourceFromUrl, touch } from './lib/touch.ts';
import { describeError, renderTopbar, requireIdentity, showNotice } from './lib/ui.ts';

// The page's first script is only what starts the join (issue 20: first frame sooner): the identity, then the join
// at once; the top bar and everything else render while the connection opens. The `hawker:` performance marks time
// the page's start for bench:first-frame (they cost nothing and change nothing).
performance.mark('hawker:script');
const identity = requireIdentity(['viewer', 'creator', 'moderator', 'agency', 'merchant', 'admin'], t('page.room'));
const roomId = new URLSearchParams(location.search).get('id');
if (identity && roomId) void enter(identity, roomId);
renderTopbar('/room');
document.title = `${t('page.room')} — Hawker`;
if (identity && !roomId) {
  showNotice({
    title: t('room.noRoom'),
    message: t('room.noRoomHint'),
    action: { label: t('room.seeLive'), href: '/#live-now' },
    testId: 'no-room',
  });
} else if (identity && roomId) {
  byId('main').replaceChildren(h('p', { class: 'muted', text: t('room.joining') }));
}

async function enter(identity: Identity, id: string): Promise<void> {
  // The view (chat, bag, sheets) loads while the connection opens and the join is answered; LiveRoom.join loads the
  // media code (mediasoup-client) the same way.
  const viewModule = import('./lib/roomView.ts');
  viewModule.catch(() => {}); // reported below, once the join is known
  // The product list is asked for alongside the join (it needs no joined socket), so the bag is ready with the room.
  const products = new HawkerApi(location.origin, identity.token).listProducts(id);
  products.catch(() => {}); // a refusal is the join's to report; the bag reads the list again when opened
  let room: LiveRoom;
  try {
    // `watch`: the media start (media:watch: capabilities, receive transport, consumers) is asked for with the join.
    performance.mark('hawker:join');
    room = await LiveRoom.join(location.origin, identity.token, id, { watch: true });
    performance.mark('hawker:joined');
  } catch (err) {
    // An ended live is no longer joined: its page shows the summary and the products that keep selling.
    const api = new HawkerApi(location.origin, identity.token);
    const ended = await api.getRoom(id).catch(() => null);
    if (ended?.status === 'ended') {
      const { showEndedRoom } = await import('./lib/endedRoom.ts');
      return showEndedRoom(api, ended, identity.principal.userId);
    }
    showNotice({
      title: t('room.cannotJoin'),
      message: describeError(err),
      action: { label: t('room.findAnother'), href: '/#live-now' },
      testId: 'join-error',
    });
    return;
  }
  let view: import('./lib/roomView.ts').RoomView;
  try {
    const { RoomView } = await viewModule;
    performance.mark('hawker:view');
    view = new RoomView(room, products);
  } catch (err) {
    room.close();
    showNotice({ title: t('room.cannotJoin'), message: describeError(err), testId: 'join-error' });
    return;
  }
  // The join counts a 'live' visit; a link that names another source (a search result, a follow notice) adds it.
  const src = sourceFromUrl();
  if (src && src !== 'live') touch({ kind: 'visit', source: src, roomId: room.roomId });
  window.addEventListener('pagehide', () => view.close());
}
