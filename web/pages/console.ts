/**
 * Agency console: every live room of the agency on one screen, with video thumbnails, counters and chat, and
 * moderation of any of them (delete, mute, ban, keyword lists); per-room and total GMV; rooms come and go live.
 */
import { AgencyConsole, type KeywordList, type RoomSnapshot } from '@hawker/client-sdk';
import { CHAT_EVENTS, ChatPanel } from './lib/chat.ts';
import { byId, h, icon, replace } from './lib/dom.ts';
import { clock, compact, moneyTotals } from './lib/format.ts';
import type { Identity } from './lib/identity.ts';
import { ConnectionBanner, describeError, renderTopbar, requireIdentity, showNotice, toast, withButton } from './lib/ui.ts';

renderTopbar('/console');
const identity = requireIdentity(['agency', 'moderator', 'admin'], 'agency console');
if (identity) {
  // Admins pick the agency in the URL; owners and moderators watch their own.
  const agencyId = identity.principal.role === 'admin' ? new URLSearchParams(location.search).get('agency') : identity.principal.agencyId;
  if (!agencyId) {
    showNotice({
      title: 'Which agency?',
      message:
        identity.principal.role === 'admin'
          ? 'Open /console?agency=<agency id>.'
          : 'Your identity has no agency. Sign in again with an agency id.',
      action: { label: 'Switch identity', href: '/?next=%2Fconsole#sign-in' },
      testId: 'no-agency',
    });
  } else {
    void start(identity, agencyId);
  }
}

async function start(identity: Identity, agencyId: string): Promise<void> {
  let agency: AgencyConsole;
  try {
    agency = await AgencyConsole.connect(location.origin, identity.token, agencyId);
  } catch (err) {
    showNotice({
      title: 'Cannot open the console',
      message: describeError(err),
      action: { label: 'Back home', href: '/' },
      testId: 'console-error',
    });
    return;
  }
  const view = new ConsoleView(agency, identity);
  window.addEventListener('pagehide', () => view.close());
}

/** What the console shows when its access is withdrawn while open, in English and Chinese. */
const REVOKED_TEXT = {
  staff: {
    en: {
      title: 'Console access withdrawn',
      message:
        "You are no longer on this agency's staff, so its console and room videos were closed. Ask the agency's owner if this is a mistake.",
    },
    zh: { title: '控制台权限已撤销', message: '您已不在该机构的工作人员名单中，控制台和直播间画面已关闭。如有疑问，请联系机构负责人。' },
  },
  signedOut: {
    en: { title: 'Signed out', message: 'An administrator signed you out on every device. Sign in again to continue.' },
    zh: { title: '已退出登录', message: '管理员已将您在所有设备上退出登录。请重新登录后继续。' },
  },
} as const;

/** Counters and GMV are polled: payments complete in the background and are not pushed to consoles. */
const ANALYTICS_EVERY_MS = 5_000;
/** Activity lines kept on screen. */
const ACTIVITY_SHOWN = 30;

class ConsoleView {
  private readonly banner = new ConnectionBanner();
  private readonly tiles = new Map<string, RoomTile>();
  private readonly grid = h('div', { class: 'room-grid', attrs: { 'data-testid': 'room-grid' } });
  private readonly empty = h('div', {
    class: 'empty',
    text: 'No room of your agency is live right now. Rooms appear here the moment a creator goes live.',
    attrs: { 'data-testid': 'no-rooms' },
  });
  private readonly activity = h('ul', { class: 'list activity', attrs: { 'data-testid': 'activity' } });
  private readonly totals = {
    rooms: h('b', { text: '0', attrs: { 'data-testid': 'total-rooms' } }),
    viewers: h('b', { text: '0', attrs: { 'data-testid': 'total-viewers' } }),
    orders: h('b', { text: '0', attrs: { 'data-testid': 'total-orders' } }),
    gmv: h('b', { text: '—', attrs: { 'data-testid': 'total-gmv' } }),
  };
  private readonly keywords = h('div', { class: 'keyword-list', attrs: { 'data-testid': 'agency-keywords' } });

  constructor(
    private readonly agency: AgencyConsole,
    private readonly identity: Identity,
  ) {
    this.render();
    for (const snap of agency.rooms.values()) this.addTile(snap);
    this.renderTotals();
    void this.refreshAnalytics();
    void this.loadKeywords();
    const timer = setInterval(() => void this.refreshAnalytics(), ANALYTICS_EVERY_MS);
    agency.adopt({ close: () => clearInterval(timer) });

    for (const event of CHAT_EVENTS) agency.on(event, (payload) => this.tiles.get(payload.roomId)?.chat.apply({ event, payload } as never));
    agency.on('room:stats', (s) => {
      this.tiles.get(s.roomId)?.stats(s);
      this.renderTotals();
    });
    agency.on('console:roomLive', ({ snapshot }) => {
      this.addTile(snapshot);
      this.note(`${snapshot.room.creatorName} went live: ${snapshot.room.title}`);
    });
    agency.on('console:roomEnded', ({ roomId, reason }) => {
      const tile = this.tiles.get(roomId);
      if (tile) this.note(`${tile.snapshot.room.creatorName}'s live ended (${reason})`);
      this.removeTile(roomId);
    });
    agency.on('sale:started', (s) => this.note(`Flash sale started in ${this.title(s.roomId)}: ${s.title}, ${s.quantity} units`));
    agency.on('sale:soldout', ({ roomId }) => this.note(`Flash sale SOLD OUT in ${this.title(roomId)}`, true));
    agency.on('sale:ended', ({ roomId, sold }) => this.note(`Flash sale ended in ${this.title(roomId)}: ${sold} sold`));
    agency.on('disconnected', () => this.banner.show('Console disconnected: reconnecting… Moderation resumes when it is back.'));
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
      this.banner.show(`The console stopped: ${reason}. Reload the page.`, 'error');
    });
  }

  close(): void {
    this.agency.close();
  }

  /** The console's access was withdrawn: close everything and show why, and what to do, in English and Chinese. */
  private revoked(kind: 'staff' | 'signedOut'): void {
    this.banner.hide();
    this.close();
    const text = REVOKED_TEXT[kind];
    showNotice({
      title: `${text.en.title} · ${text.zh.title}`,
      message: text.en.message,
      action:
        kind === 'signedOut'
          ? { label: 'Sign in again · 重新登录', href: '/?next=%2Fconsole#sign-in' }
          : { label: 'Back home · 返回首页', href: '/' },
      testId: 'console-revoked',
    });
    document
      .querySelector('[data-testid="console-revoked"] p')
      ?.after(h('p', { class: 'muted', text: text.zh.message, attrs: { lang: 'zh-CN', 'data-testid': 'console-revoked-zh' } }));
  }

  private title(roomId: string): string {
    return this.tiles.get(roomId)?.snapshot.room.title ?? 'a room';
  }

  private render(): void {
    const main = byId('main');
    main.className = 'page page-wide';
    const word = h('input', {
      attrs: { maxlength: 40, placeholder: 'word or phrase', 'aria-label': 'Keyword', 'data-testid': 'keyword-input' },
    });
    const mode = h(
      'select',
      { attrs: { 'aria-label': 'What the keyword does', 'data-testid': 'keyword-mode' } },
      h('option', { text: 'Block', attrs: { value: 'block' } }),
      h('option', { text: 'Shadow (only the sender sees it)', attrs: { value: 'shadow' } }),
    );
    const add = h('button', { class: 'btn', text: 'Add to every room', attrs: { type: 'submit', 'data-testid': 'keyword-add' } });
    const form = h(
      'form',
      {
        class: 'row',
        on: {
          submit: (e) => {
            e.preventDefault();
            if (!word.value.trim()) return;
            void withButton(add, async () => {
              this.showKeywords(
                await this.agency.agencyKeywords({ add: [{ word: word.value.trim(), mode: mode.value as 'block' | 'shadow' }] }),
              );
              word.value = '';
            });
          },
        },
      },
      h('div', { class: 'grow' }, word),
      mode,
      add,
    );
    const counter = (value: HTMLElement, label: string) => h('div', { class: 'counter' }, value, h('span', { text: label }));
    replace(
      main,
      h(
        'div',
        { class: 'stack' },
        h(
          'div',
          { class: 'row' },
          h(
            'div',
            { class: 'grow' },
            h('h1', { text: 'Agency console' }),
            h('div', {
              class: 'muted small',
              text: `Agency ${this.agency.agencyId} · ${this.identity.principal.name} (${this.identity.principal.role})`,
            }),
          ),
        ),
        h(
          'div',
          { class: 'counters' },
          counter(this.totals.rooms, 'Rooms live'),
          counter(this.totals.viewers, 'Viewers now'),
          counter(this.totals.orders, 'Orders (agency)'),
          counter(this.totals.gmv, 'GMV paid (agency)'),
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
              h('h2', { text: 'Keywords, all rooms' }),
              h('p', { class: 'muted small', text: 'Applies to every room of your creators.' }),
              this.keywords,
              form,
            ),
            h('section', { class: 'card' }, h('h2', { text: 'Activity' }), this.activity),
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
    await Promise.all([...this.tiles.values()].map((t) => t.refreshAnalytics()));
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
      this.showKeywords(await this.agency.api.agencyModeration(this.agency.agencyId));
    } catch (err) {
      replace(this.keywords, h('span', { class: 'muted small', text: describeError(err) }));
    }
  }

  private showKeywords(list: KeywordList): void {
    if (list.keywords.length === 0) {
      replace(this.keywords, h('span', { class: 'muted small', text: 'No keywords yet.' }));
      return;
    }
    replace(
      this.keywords,
      ...list.keywords.map((k) => {
        const remove = h('button', { text: '×', attrs: { type: 'button', 'aria-label': `Remove ${k.word}` } });
        remove.addEventListener('click', () => {
          this.agency.agencyKeywords({ remove: [k.word] }).then(
            (l) => this.showKeywords(l),
            (err: unknown) => toast(describeError(err), 'error'),
          );
        });
        return h('span', { class: 'keyword', attrs: { 'data-testid': 'keyword' } }, `${k.word} · ${k.mode}`, remove);
      }),
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

/** One live room in the console grid: thumbnail, counters, chat with moderation, room rules. */
class RoomTile {
  readonly element: HTMLElement;
  readonly chat: ChatPanel;
  viewers: number;
  private readonly video = h('video', { attrs: { muted: true, autoplay: true, playsinline: true, 'data-testid': 'thumbnail' } });
  private readonly videoNote = h('div', { class: 'placeholder', text: 'Connecting to the video…' });
  private readonly counters = {
    viewers: h('b', { attrs: { 'data-testid': 'tile-viewers' } }),
    likes: h('b', { attrs: { 'data-testid': 'tile-likes' } }),
    orders: h('b', { text: '—', attrs: { 'data-testid': 'tile-orders' } }),
    gmv: h('b', { text: '—', attrs: { 'data-testid': 'tile-gmv' } }),
  };
  private closed = false;
  private stopVideo: (() => void) | null = null;

  constructor(
    readonly snapshot: RoomSnapshot,
    private readonly agency: AgencyConsole,
    selfId: string,
  ) {
    const r = snapshot.room;
    this.viewers = snapshot.stats.viewers;
    this.chat = new ChatPanel(snapshot, { mod: { moderation: agency.moderation(r.id), selfId } });
    const counter = (value: HTMLElement, label: string) => h('div', { class: 'counter' }, value, h('span', { text: label }));
    const slow = h('button', {
      class: 'btn btn-ghost btn-sm',
      text: snapshot.chatSettings.slowModeS > 0 ? 'Slow mode off' : 'Slow mode 10 s',
      attrs: { type: 'button', 'data-testid': 'slow-mode' },
    });
    let slowOn = snapshot.chatSettings.slowModeS > 0;
    slow.addEventListener(
      'click',
      () =>
        void withButton(slow, async () => {
          const s = await agency.moderation(r.id).slowMode(slowOn ? 0 : 10);
          slowOn = s.slowModeS > 0;
          slow.textContent = slowOn ? 'Slow mode off' : 'Slow mode 10 s';
        }),
    );
    const word = h('input', {
      attrs: {
        maxlength: 40,
        placeholder: 'Block a word in this room',
        'aria-label': 'Word to block in this room',
        'data-testid': 'room-keyword-input',
      },
    });
    const block = h('button', { class: 'btn btn-sm', text: 'Block', attrs: { type: 'submit', 'data-testid': 'room-keyword-add' } });
    const blocked = h('div', { class: 'keyword-list', attrs: { 'data-testid': 'room-keywords' } });
    const showRoomKeywords = (list: KeywordList) =>
      replace(
        blocked,
        ...list.keywords.map((k) => h('span', { class: 'keyword', attrs: { 'data-testid': 'room-keyword' } }, `${k.word} · ${k.mode}`)),
      );
    const keywordForm = h(
      'form',
      {
        class: 'row',
        on: {
          submit: (e) => {
            e.preventDefault();
            if (!word.value.trim()) return;
            void withButton(block, async () => {
              showRoomKeywords(await agency.moderation(r.id).keywords({ add: [{ word: word.value.trim(), mode: 'block' }] }));
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
        h('div', { class: 'overlay-tl' }, h('span', { class: 'pill pill-live', text: 'Live' })),
      ),
      h('div', { class: 'title', text: r.title, attrs: { 'data-testid': 'tile-title' } }),
      h(
        'div',
        { class: 'row' },
        h('div', { class: 'grow muted small', text: `with ${r.creatorName}` }),
        slow,
        h(
          'a',
          { class: 'btn btn-ghost btn-sm', attrs: { href: `/room?id=${encodeURIComponent(r.id)}`, target: '_blank' } },
          icon('eye'),
          'Open',
        ),
      ),
      h(
        'div',
        { class: 'counters' },
        counter(this.counters.viewers, 'Viewers'),
        counter(this.counters.likes, 'Likes'),
        counter(this.counters.orders, 'Orders'),
        counter(this.counters.gmv, 'GMV'),
      ),
      this.chat.element,
      blocked,
      keywordForm,
    );
    this.stats(snapshot.stats);
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

  close(): void {
    this.closed = true;
    this.stopVideo?.();
    this.element.remove();
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
          s === 'paused' ? 'Camera paused' : s === 'waiting' ? 'No video yet' : s === 'closed' ? 'Video stopped' : '';
      };
      player.on('state', show);
      show(player.state);
    } catch (err) {
      this.videoNote.textContent = describeError(err);
    }
  }
}
