/**
 * Creator studio: pick or create a room, preview the camera, go live and end; products, flash sales, chat moderation
 * and live counters for the open room.
 */
import { HawkerApi, LiveRoom, type Room } from '../../../client-sdk/src/index.ts';
import { byId, h, icon, replace } from './lib/dom.ts';
import { clock } from './lib/format.ts';
import type { Identity } from './lib/identity.ts';
import { armedButton, ConnectionBanner, describeError, renderTopbar, requireIdentity, showNotice, toast, withButton } from './lib/ui.ts';

renderTopbar('/studio');
const identity = requireIdentity(['creator'], 'creator studio');
if (identity) {
  const roomId = new URLSearchParams(location.search).get('room');
  if (roomId) void openStudio(identity, roomId);
  else void showRoomPicker(identity);
}

/** No room chosen: the creator's rooms that are not over, and a form to create one. */
async function showRoomPicker(identity: Identity): Promise<void> {
  const api = new HawkerApi(location.origin, identity.token);
  const main = byId('main');
  main.className = 'page page-narrow';
  const list = h('ul', { class: 'list', attrs: { 'data-testid': 'my-rooms' } }, h('li', { class: 'empty', text: 'Loading your rooms…' }));
  const title = h('input', { attrs: { name: 'title', required: true, maxlength: 120, placeholder: 'e.g. Friday night skincare drop' } });
  const create = h('button', { class: 'btn btn-primary', text: 'Create room', attrs: { type: 'submit', 'data-testid': 'create-room' } });
  const form = h(
    'form',
    {
      class: 'row',
      on: {
        submit: (e) => {
          e.preventDefault();
          if (!title.value.trim()) {
            toast('Give your live a title first.', 'error');
            title.focus();
            return;
          }
          void withButton(create, async () => {
            const room = await api.createRoom({ title: title.value.trim() });
            location.href = `/studio?room=${encodeURIComponent(room.id)}`;
          });
        },
      },
    },
    h('label', { class: 'field grow' }, 'Title of your next live', title),
    create,
  );
  replace(
    main,
    h('div', { class: 'stack' }, h('h1', { text: 'Creator studio' }), h('section', { class: 'card' }, h('h2', { text: 'New live room' }), form), h('section', { class: 'card' }, h('h2', { text: 'Your rooms' }), list)),
  );
  try {
    const rooms = (await api.listRooms({ creatorId: identity.principal.userId, limit: 50 })).filter((r) => r.status !== 'ended');
    if (rooms.length === 0) replace(list, h('li', { class: 'empty', text: 'No rooms yet: create one above.' }));
    else replace(list, ...rooms.map(roomItem));
  } catch (err) {
    replace(list, h('li', { class: 'empty', text: describeError(err) }));
  }
}

function roomItem(room: Room): HTMLLIElement {
  return h(
    'li',
    { class: 'list-item', attrs: { 'data-testid': 'my-room' } },
    h('span', { class: room.status === 'live' ? 'pill pill-live' : 'pill', text: room.status }),
    h('div', { class: 'grow' }, h('div', { class: 'title', text: room.title }), h('div', { class: 'muted small', text: `created ${clock(room.createdAt)}` })),
    h('a', { class: 'btn btn-sm', text: 'Open', attrs: { href: `/studio?room=${encodeURIComponent(room.id)}` } }),
  );
}

/** A room is open: join it as its creator and build the studio around it. */
async function openStudio(identity: Identity, roomId: string): Promise<void> {
  let room: LiveRoom;
  try {
    room = await LiveRoom.join(location.origin, identity.token, roomId);
  } catch (err) {
    showNotice({ title: 'Cannot open this room', message: describeError(err), action: { label: 'Back to your rooms', href: '/studio' }, testId: 'studio-error' });
    return;
  }
  if (room.room.creatorId !== identity.principal.userId) {
    room.close();
    showNotice({ title: 'Not your room', message: 'Only the room\'s creator can run it from the studio. Open one of your own rooms.', action: { label: 'Your rooms', href: '/studio' } });
    return;
  }
  const studio = new Studio(room);
  window.addEventListener('pagehide', () => studio.close());
}

/** The studio for one joined room. Owns the LiveRoom and the camera; `close()` releases both. */
class Studio {
  private readonly banner = new ConnectionBanner();
  private readonly statusPill = h('span', { class: 'pill', attrs: { 'data-testid': 'room-status' } });
  private readonly goLiveButton = h('button', { class: 'btn btn-live', attrs: { type: 'button', 'data-testid': 'go-live' } }, icon('play'), 'Go live');
  private readonly endButton = h('button', { class: 'btn btn-danger', text: 'End live', attrs: { type: 'button', 'data-testid': 'end-live' } });
  private readonly preview = h('video', { attrs: { autoplay: true, muted: true, playsinline: true, 'data-testid': 'preview' } });
  private readonly previewNote = h('div', { class: 'placeholder', text: 'Starting your camera…' });
  private camera: MediaStream | null = null;

  constructor(private readonly room: LiveRoom) {
    this.render();
    this.preview.muted = true; // the creator must not hear themselves
    void this.startCamera();
    room.on('room:updated', () => this.renderStatus());
    room.on('disconnected', () => this.banner.show('Connection lost: reconnecting… Your viewers keep watching once you are back.'));
    room.on('resync', () => {
      this.banner.hide();
      this.renderStatus();
    });
    room.on('closed', ({ code, reason }) => {
      this.stopCamera();
      if (code === 'CLOSED_BY_CLIENT') return;
      showNotice({
        title: code === 'ROOM_ENDED' ? 'Your live has ended' : 'The studio was disconnected',
        message: code === 'ROOM_ENDED' ? `${reason}. Thanks for streaming! Start another live whenever you are ready.` : `${reason}.`,
        action: { label: 'Plan your next live', href: '/studio' },
        testId: 'live-ended',
      });
    });
  }

  close(): void {
    this.room.close();
    this.stopCamera();
  }

  private render(): void {
    const r = this.room.room;
    const main = byId('main');
    main.className = 'page';
    this.goLiveButton.addEventListener('click', () => void withButton(this.goLiveButton, () => this.goLive()));
    armedButton(this.endButton, 'Tap again to end for everyone', () => withButton(this.endButton, () => this.room.end('The creator ended the live')));
    const watchLink = h('a', { class: 'btn btn-ghost btn-sm', text: 'Viewer link', attrs: { href: `/room?id=${encodeURIComponent(r.id)}`, target: '_blank', 'data-testid': 'viewer-link' } });
    replace(
      main,
      h(
        'div',
        { class: 'stack' },
        h('div', { class: 'row' }, h('div', { class: 'grow' }, h('h1', { text: r.title, attrs: { 'data-testid': 'room-title' } }), h('div', { class: 'muted small', text: `Room ${r.id}` })), watchLink),
        h(
          'div',
          { class: 'studio' },
          h(
            'div',
            { class: 'stack' },
            h('section', { class: 'card stack' }, h('div', { class: 'video-frame' }, this.preview, this.previewNote, h('div', { class: 'overlay-tl' }, this.statusPill)), h('div', { class: 'row end' }, this.goLiveButton, this.endButton)),
          ),
          h('div', { class: 'stack', attrs: { id: 'studio-side' } }),
        ),
      ),
    );
    this.renderStatus();
  }

  private renderStatus(): void {
    const { status } = this.room.room;
    this.statusPill.textContent = status === 'live' ? 'Live' : status === 'scheduled' ? 'Not live yet' : 'Ended';
    this.statusPill.className = status === 'live' ? 'pill pill-live' : 'pill';
    this.goLiveButton.hidden = status !== 'scheduled';
    this.endButton.hidden = status === 'ended';
  }

  private async goLive(): Promise<void> {
    if (!this.camera) {
      toast('Your camera is not on: allow camera access for this site, then reload the page.', 'error', 7000);
      return;
    }
    await this.room.goLive();
    this.renderStatus();
    toast('You are live!', 'ok');
  }

  private async startCamera(): Promise<void> {
    try {
      this.camera = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 } }, audio: true });
      this.preview.srcObject = this.camera;
      this.previewNote.hidden = true;
    } catch (err) {
      const name = (err as DOMException).name;
      this.previewNote.textContent =
        name === 'NotAllowedError'
          ? 'Camera access is blocked. Allow the camera for this site in the address bar, then reload.'
          : name === 'NotFoundError'
            ? 'No camera found. Connect one and reload the page.'
            : `The camera could not start (${(err as Error).message}). Close other apps using it and reload.`;
    }
  }

  private stopCamera(): void {
    for (const t of this.camera?.getTracks() ?? []) t.stop();
    this.camera = null;
  }
}
