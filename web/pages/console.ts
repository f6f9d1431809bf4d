/**
 * Agency console: every live room of the agency on one screen, with video thumbnails, counters and chat, and
 * moderation of any of them (delete, mute, ban, keyword lists); per-room and total GMV; rooms come and go live.
 */
import { AgencyConsole, type KeywordList, type RoomSnapshot } from '@hawker/client-sdk';
import type { RoomModerationState } from '@hawker/protocol';
import { CHAT_EVENTS, ChatPanel, type ChatModeration, durationText } from './lib/chat.ts';
import { byId, h, icon, replace } from './lib/dom.ts';
import { clock, compact, moneyTotals } from './lib/format.ts';
import { t } from './lib/i18n.ts';
import './lib/messages/console.ts';
import './lib/messages/staff.ts';
import { AgencyKeywordEditor, keywordModeText } from './lib/keywords.ts';
import type { Identity } from './lib/identity.ts';
import { startStaffPage } from './lib/staff.ts';
import { ConnectionBanner, counter, describeError, openOrNotice, pageHead, roleName, showNotice, toast, withButton } from './lib/ui.ts';

startStaffPage(
  { path: '/console', title: t('console.title'), what: t('console.page') },
  (identity, agencyId) => void start(identity, agencyId),
);

async function start(identity: Identity, agencyId: string): Promise<void> {
  const agency = await openOrNotice(() => AgencyConsole.connect(location.origin, identity.token, agencyId), {
    title: t('console.cannotOpen'),
    action: { label: t('staff.backHome'), href: '/' },
    testId: 'console-error',
  });
  if (!agency) return;
  const view = new ConsoleView(agency, identity);
  window.addEventListener('pagehide', () => view.close());
}

/** Counters and GMV are polled: payments complete in the background and are not pushed to consoles. */
const ANALYTICS_EVERY_MS = 5_000;
/** Activity lines kept on screen. */
const ACTIVITY_SHOWN = 30;

class ConsoleView {
  private readonly banner = new ConnectionBanner();
  private readonly tiles = new Map<string, RoomTile>();
  private readonly grid = h('div', { class: 'room-grid', attrs: { 'data-testid': 'room-grid' } });
  private readonly empty = h('div', { class: 'empty', text: t('console.noRooms'), attrs: { 'data-testid': 'no-rooms' } });
  private readonly agencyBans = h('ul', { class: 'list people-list', attrs: { 'data-testid': 'agency-bans' } });
  private readonly activity = h('ul', { class: 'list activity', attrs: { 'data-testid': 'activity' } });
  private readonly totals = {
    rooms: h('b', { text: '0', attrs: { 'data-testid': 'total-rooms' } }),
    viewers: h('b', { text: '0', attrs: { 'data-testid': 'total-viewers' } }),
    orders: h('b', { text: '0', attrs: { 'data-testid': 'total-orders' } }),
    gmv: h('b', { class: 'money', text: '—', attrs: { 'data-testid': 'total-gmv' } }),
  };
  private readonly keywords: AgencyKeywordEditor;

  constructor(
    private readonly agency: AgencyConsole,
    private readonly identity: Identity,
  ) {
    this.keywords = new AgencyKeywordEditor((change) => agency.agencyKeywords(change), 'row wrap');
    this.render();
    for (const snap of agency.rooms.values()) this.addTile(snap);
    this.renderTotals();
    void this.refreshAnalytics();
    void this.loadKeywords();
    void this.loadAgencyBans();
    const timer = setInterval(() => void this.refreshAnalytics(), ANALYTICS_EVERY_MS);
    agency.adopt({ close: () => clearInterval(timer) });

    for (const event of CHAT_EVENTS) agency.on(event, (payload) => this.tiles.get(payload.roomId)?.chat.apply({ event, payload } as never));
    agency.on('room:stats', (s) => {
      this.tiles.get(s.roomId)?.stats(s);
      this.renderTotals();
    });
    agency.on('console:roomLive', ({ snapshot }) => {
      this.addTile(snapshot);
      this.note(t('console.wentLive', { name: snapshot.room.creatorName, title: snapshot.room.title }));
    });
    agency.on('console:roomEnded', ({ roomId, reason }) => {
      const tile = this.tiles.get(roomId);
      if (tile) this.note(t('console.liveEnded', { name: tile.snapshot.room.creatorName, reason }));
      this.removeTile(roomId);
    });
    agency.on('sale:started', (s) => this.note(t('console.saleStarted', { room: this.title(s.roomId), title: s.title, n: s.quantity })));
    agency.on('sale:soldout', ({ roomId }) => this.note(t('console.saleSoldOut', { room: this.title(roomId) }), true));
    agency.on('sale:ended', ({ roomId, sold }) => this.note(t('console.saleEnded', { room: this.title(roomId), n: sold })));
    agency.on('disconnected', () => this.banner.show(t('console.disconnected')));
    agency.on('resync', () => {
      this.banner.hide();
      for (const id of [...this.tiles.keys()]) this.removeTile(id);
      for (const snap of agency.rooms.values()) this.addTile(snap);
    });
    // Access withdrawn while the console was open: say so plainly (English and Chinese) instead of going stale.
    agency.on('console:revoked', ({ agencyId }) => {
      if (agencyId === agency.agencyId) this.revoked('staff');
    });
    agency.on('session:revoked', () => this.revoked('signedOut'));
    agency.on('closed', ({ code, reason }) => {
      if (code === 'CLOSED_BY_CLIENT' || code === 'REVOKED') return;
      this.banner.show(t('console.stopped', { reason }), 'error');
    });
  }

  close(): void {
    this.agency.close();
  }

  /** The console's access was withdrawn: close everything and show why, and what to do, in the page's language. */
  private revoked(kind: 'staff' | 'signedOut'): void {
    this.banner.hide();
    this.close();
    showNotice({
      title: kind === 'staff' ? t('console.revokedStaff') : t('console.revokedSignedOut'),
      message: kind === 'staff' ? t('console.revokedStaffText') : t('console.revokedSignedOutText'),
      action:
        kind === 'signedOut'
          ? { label: t('console.signInAgain'), href: '/?next=%2Fconsole#sign-in' }
          : { label: t('staff.backHome'), href: '/' },
      testId: 'console-revoked',
    });
  }

  private title(roomId: string): string {
    return this.tiles.get(roomId)?.snapshot.room.title ?? t('console.aRoom');
  }

  private render(): void {
    const main = byId('main');
    main.className = 'page page-wide console-page';
    replace(
      main,
      h(
        'div',
        { class: 'stack' },
        pageHead(
          {
            title: t('console.title'),
            sub: t('console.who', {
              agency: this.agency.agencyId,
              name: this.identity.principal.name,
              role: roleName(this.identity.principal.role),
            }),
          },
          h('a', {
            class: 'btn btn-ghost',
            text: t('console.manage'),
            attrs: { href: `/agency?agency=${encodeURIComponent(this.agency.agencyId)}`, 'data-testid': 'agency-link' },
          }),
        ),
        h(
          'div',
          { class: 'counters' },
          counter(this.totals.rooms, t('console.roomsLive')),
          counter(this.totals.viewers, t('console.viewersNow')),
          counter(this.totals.orders, t('console.ordersAgency')),
          counter(this.totals.gmv, t('console.gmvAgency')),
        ),
        h(
          'div',
          { class: 'console-layout' },
          h('div', { class: 'stack' }, this.grid, this.empty),
          h(
            'aside',
            { class: 'stack' },
            h(
              'section',
              { class: 'card' },
              h('h2', { text: t('console.keywordsAll') }),
              h('p', { class: 'muted small', text: t('console.keywordsAllHint') }),
              this.keywords.list,
              this.keywords.form,
            ),
            h('section', { class: 'card' }, h('h2', { text: t('console.agencyBans') }), this.agencyBans),
            h('section', { class: 'card' }, h('h2', { text: t('console.activity') }), this.activity),
          ),
        ),
      ),
    );
  }

  private addTile(snap: RoomSnapshot): void {
    if (this.tiles.has(snap.room.id)) return;
    const tile = new RoomTile(snap, this.agency, this.identity.principal.userId);
    this.tiles.set(snap.room.id, tile);
    this.grid.appendChild(tile.element);
    this.empty.hidden = true;
    this.renderTotals();
    void tile.refreshAnalytics();
  }

  private removeTile(roomId: string): void {
    const tile = this.tiles.get(roomId);
    if (!tile) return;
    tile.close();
    this.tiles.delete(roomId);
    this.empty.hidden = this.tiles.size > 0;
    this.renderTotals();
  }

  private renderTotals(): void {
    this.totals.rooms.textContent = String(this.tiles.size);
    this.totals.viewers.textContent = compact([...this.tiles.values()].reduce((n, t) => n + t.viewers, 0));
  }

  private async refreshAnalytics(): Promise<void> {
    await Promise.all([...this.tiles.values()].flatMap((tile) => [tile.refreshAnalytics(), tile.refreshPeople()]));
    try {
      const a = await this.agency.api.agencyAnalytics(this.agency.agencyId);
      this.totals.orders.textContent = compact(a.orders);
      this.totals.gmv.textContent = moneyTotals(a.gmv);
    } catch {
      // Keep the last numbers; the next poll retries.
    }
  }

  private async loadKeywords(): Promise<void> {
    try {
      this.keywords.show(await this.agency.api.agencyModeration(this.agency.agencyId));
    } catch (err) {
      this.keywords.showError(describeError(err));
    }
  }

  /** Users banned from every room of the agency, each with Unban. */
  private async loadAgencyBans(): Promise<void> {
    let bans: string[];
    try {
      bans = (await this.agency.api.agencyModeration(this.agency.agencyId)).bans;
    } catch (err) {
      replace(this.agencyBans, h('li', { class: 'muted small', text: describeError(err) }));
      return;
    }
    if (bans.length === 0) {
      replace(this.agencyBans, h('li', { class: 'muted small', text: t('console.agencyBansEmpty') }));
      return;
    }
    replace(
      this.agencyBans,
      ...bans.map((userId) =>
        personRow(userId, null, t('console.unban'), t('console.unbanOf', { user: userId }), 'agency-unban', async () => {
          await this.agency.agencyUnban(userId);
          toast(t('console.unbanned', { user: userId }), 'ok');
          await this.loadAgencyBans();
        }),
      ),
    );
  }

  private note(text: string, alert = false): void {
    this.activity.prepend(
      h(
        'li',
        { class: alert ? 'list-item alert' : 'list-item', attrs: { 'data-testid': 'activity-item' } },
        h('span', { class: 'muted small', text: clock(Date.now()) }),
        h('span', { class: 'grow', text }),
      ),
    );
    while (this.activity.childElementCount > ACTIVITY_SHOWN) this.activity.lastElementChild?.remove();
  }
}

/** Slow-mode intervals a moderator picks from, seconds (0: off). */
const SLOW_CHOICES = [0, 3, 10, 30, 60, 120, 300, 600] as const;

/** One banned or muted user, with the button that lifts it. */
function personRow(
  userId: string,
  note: string | null,
  label: string,
  aria: string,
  testId: string,
  lift: () => Promise<void>,
): HTMLLIElement {
  const b = h('button', {
    class: 'btn btn-ghost btn-sm',
    text: label,
    attrs: { type: 'button', 'aria-label': aria, 'data-testid': testId },
  });
  b.addEventListener('click', () => void withButton(b, lift));
  return h(
    'li',
    { class: 'list-item', attrs: { 'data-testid': 'person', 'data-user-id': userId } },
    h('span', { class: 'grow', text: userId }),
    note ? h('span', { class: 'muted small', text: note }) : null,
    b,
  );
}

/** One live room in the console grid: thumbnail, counters, chat with a menu per message, room rules, who is banned or muted. */
class RoomTile {
  readonly element: HTMLElement;
  readonly chat: ChatPanel;
  viewers: number;
  private readonly video = h('video', { attrs: { muted: true, autoplay: true, playsinline: true, 'data-testid': 'thumbnail' } });
  private readonly videoNote = h('div', { class: 'placeholder', text: t('console.connectingVideo') });
  private readonly counters = {
    viewers: h('b', { attrs: { 'data-testid': 'tile-viewers' } }),
    likes: h('b', { attrs: { 'data-testid': 'tile-likes' } }),
    orders: h('b', { text: '—', attrs: { 'data-testid': 'tile-orders' } }),
    gmv: h('b', { class: 'money', text: '—', attrs: { 'data-testid': 'tile-gmv' } }),
  };
  private readonly slow = h('select', { attrs: { 'aria-label': t('console.slowMode'), 'data-testid': 'slow-mode' } });
  private readonly banned = h('ul', { class: 'list people-list', attrs: { 'data-testid': 'banned' } });
  private readonly muted = h('ul', { class: 'list people-list', attrs: { 'data-testid': 'muted' } });
  private readonly peopleSummary = h('summary', { text: t('console.people'), attrs: { 'data-testid': 'people-summary' } });
  private readonly blocked = h('div', { class: 'keyword-list', attrs: { 'data-testid': 'room-keywords' } });
  private readonly mod: ChatModeration;
  private closed = false;
  private stopVideo: (() => void) | null = null;

  constructor(
    readonly snapshot: RoomSnapshot,
    private readonly agency: AgencyConsole,
    selfId: string,
  ) {
    const r = snapshot.room;
    this.viewers = snapshot.stats.viewers;
    this.mod = { moderation: agency.moderation(r.id), selfId, onChanged: () => void this.refreshPeople() };
    this.chat = new ChatPanel(snapshot, { mod: this.mod });
    this.slowOptions(600, snapshot.chatSettings.slowModeS);
    this.slow.addEventListener('change', () => {
      const seconds = Number(this.slow.value);
      this.slow.disabled = true;
      this.mod.moderation.slowMode(seconds).then(
        (s) => {
          this.slow.disabled = false;
          this.slow.value = String(s.slowModeS);
          toast(t('console.slowSet', { value: s.slowModeS ? durationText(s.slowModeS) : t('console.slowOff') }), 'ok');
        },
        (err: unknown) => {
          this.slow.disabled = false;
          toast(describeError(err), 'error', 6000);
        },
      );
    });
    const word = h('input', {
      attrs: {
        maxlength: 40,
        placeholder: t('console.blockWord'),
        'aria-label': t('console.blockWordLabel'),
        'data-testid': 'room-keyword-input',
      },
    });
    const block = h('button', {
      class: 'btn btn-sm',
      text: t('console.block'),
      attrs: { type: 'submit', 'data-testid': 'room-keyword-add' },
    });
    const keywordForm = h(
      'form',
      {
        class: 'row',
        on: {
          submit: (e) => {
            e.preventDefault();
            if (!word.value.trim()) return;
            void withButton(block, async () => {
              this.showRoomKeywords(await this.mod.moderation.keywords({ add: [{ word: word.value.trim(), mode: 'block' }] }));
              word.value = '';
            });
          },
        },
      },
      h('div', { class: 'grow' }, word),
      block,
    );
    this.element = h(
      'article',
      { class: 'card room-tile', attrs: { 'data-testid': 'room-tile', 'data-room-id': r.id } },
      h(
        'div',
        { class: 'video-frame' },
        this.video,
        this.videoNote,
        h('div', { class: 'overlay-tl' }, h('span', { class: 'pill pill-live', text: t('console.live') })),
      ),
      h('div', { class: 'title', text: r.title, attrs: { 'data-testid': 'tile-title' } }),
      h(
        'div',
        { class: 'row wrap' },
        h('div', { class: 'grow muted small', text: t('console.with', { name: r.creatorName }) }),
        h('label', { class: 'field-inline' }, h('span', { class: 'muted small', text: t('console.slowMode') }), this.slow),
        h(
          'a',
          { class: 'btn btn-ghost btn-sm', attrs: { href: `/room?id=${encodeURIComponent(r.id)}`, target: '_blank' } },
          icon('eye'),
          t('console.open'),
        ),
      ),
      h(
        'div',
        { class: 'counters' },
        counter(this.counters.viewers, t('console.viewers')),
        counter(this.counters.likes, t('console.likes')),
        counter(this.counters.orders, t('console.orders')),
        counter(this.counters.gmv, t('console.gmv')),
      ),
      this.chat.element,
      h(
        'details',
        { class: 'people', attrs: { 'data-testid': 'people' } },
        this.peopleSummary,
        h('h3', { class: 'small', text: t('console.bannedTitle') }),
        this.banned,
        h('h3', { class: 'small', text: t('console.mutedTitle') }),
        this.muted,
      ),
      this.blocked,
      keywordForm,
    );
    this.stats(snapshot.stats);
    void this.refreshPeople();
    void this.startVideo();
  }

  stats(s: { viewers: number; likes: number }): void {
    this.viewers = s.viewers;
    this.counters.viewers.textContent = compact(s.viewers);
    this.counters.likes.textContent = compact(s.likes);
  }

  async refreshAnalytics(): Promise<void> {
    try {
      const a = await this.agency.api.roomAnalytics(this.snapshot.room.id);
      this.counters.orders.textContent = compact(a.orders);
      this.counters.gmv.textContent = moneyTotals(a.gmv);
    } catch {
      // Keep the last numbers; the next poll retries.
    }
  }

  /** Who is banned and muted here (with Unban and Unmute), the room's keywords, and the server's bounds on choices. */
  async refreshPeople(): Promise<void> {
    let state: RoomModerationState;
    try {
      state = await this.agency.api.roomModeration(this.snapshot.room.id);
    } catch {
      return; // Keep the last lists; the next action or poll reads again.
    }
    if (this.closed) return;
    this.mod.muteMaxS = state.limits.muteMaxS;
    if (!this.slow.disabled) this.slowOptions(state.limits.slowModeMaxS, state.slowModeS);
    this.showRoomKeywords(state);
    this.peopleSummary.textContent = `${t('console.people')} · ${t('console.bannedN', { n: state.bans.length })} · ${t('console.mutedN', { n: state.mutes.length })}`;
    const lift = (what: () => Promise<unknown>, done: string) => async () => {
      await what();
      toast(done, 'ok');
      await this.refreshPeople();
    };
    replace(
      this.banned,
      ...(state.bans.length
        ? state.bans.map((userId) =>
            personRow(
              userId,
              null,
              t('console.unban'),
              t('console.unbanOf', { user: userId }),
              'unban',
              lift(() => this.mod.moderation.unban(userId), t('console.unbanned', { user: userId })),
            ),
          )
        : [h('li', { class: 'muted small', text: t('console.nobodyBanned') })]),
    );
    replace(
      this.muted,
      ...(state.mutes.length
        ? state.mutes.map(({ userId, until }) =>
            personRow(
              userId,
              t('console.mutedUntil', { time: clock(until) }),
              t('console.unmute'),
              t('console.unmuteOf', { user: userId }),
              'unmute',
              lift(() => this.mod.moderation.unmute(userId), t('console.unmuted', { user: userId })),
            ),
          )
        : [h('li', { class: 'muted small', text: t('console.nobodyMuted') })]),
    );
  }

  close(): void {
    this.closed = true;
    this.stopVideo?.();
    this.element.remove();
  }

  /** The slow-mode choices up to the server's bound (and the current value, whatever it is). */
  private slowOptions(max: number, current: number): void {
    const values = [...new Set([...SLOW_CHOICES.filter((s) => s <= max), current])].sort((a, b) => a - b);
    replace(
      this.slow,
      ...values.map((s) =>
        h('option', {
          text: s === 0 ? t('console.slowOff') : durationText(s),
          attrs: { value: s, selected: s === current ? true : undefined },
        }),
      ),
    );
    this.slow.value = String(current);
  }

  private showRoomKeywords(list: KeywordList): void {
    replace(
      this.blocked,
      ...list.keywords.map((k) =>
        h('span', { class: 'keyword', attrs: { 'data-testid': 'room-keyword' } }, `${k.word} · ${keywordModeText(k.mode)}`),
      ),
    );
  }

  private async startVideo(): Promise<void> {
    try {
      const player = await this.agency.watchRoom(this.snapshot.room.id, this.video);
      if (this.closed) {
        player.close();
        return;
      }
      this.stopVideo = () => player.close();
      const show = (s: string) => {
        this.videoNote.hidden = s === 'playing';
        this.videoNote.textContent =
          s === 'paused'
            ? t('console.cameraPaused')
            : s === 'waiting'
              ? t('console.noVideo')
              : s === 'closed'
                ? t('console.videoStopped')
                : '';
      };
      player.on('state', show);
      show(player.state);
    } catch (err) {
      this.videoNote.textContent = describeError(err);
    }
  }
}
