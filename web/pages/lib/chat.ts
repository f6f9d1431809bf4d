import {
  applyLiveEvent,
  liveStateFromSnapshot,
  type ChatMessage,
  type LiveEvent,
  type LiveRoomState,
  type RoomModeration,
  type RoomSnapshot,
} from '@hawker/client-sdk';
import { h, replace } from './dom.ts';
import { clock } from './format.ts';
import { t } from './i18n.ts';
import './messages/chat.ts';
import { describeError, toast } from './ui.ts';

/** Messages kept on screen per room (the server's history is of the same order). */
const SHOWN = 200;

/** What the chat panel needs for moderation menus: the room's moderation, and who "you" are (no menu on yourself). */
export interface ChatModeration {
  moderation: RoomModeration;
  selfId: string;
  /** The server's longest mute (RoomModerationState.limits): longer choices are not offered. */
  muteMaxS?: number;
  /** Called after a mute or ban went through (a console refreshes its lists). */
  onChanged?: () => void;
}

/** Mute lengths a moderator picks from, seconds. */
export const MUTE_CHOICES = [60, 600, 3600, 24 * 3600, 7 * 24 * 3600] as const;

/** A duration in the page's language, in its largest whole unit: 45 s, 10 min, 1 h, 7 d. */
export function durationText(s: number): string {
  if (s % 86_400 === 0) return t('chat.days', { n: s / 86_400 });
  if (s % 3600 === 0) return t('chat.hours', { n: s / 3600 });
  if (s % 60 === 0) return t('chat.minutes', { n: s / 60 });
  return t('chat.seconds', { n: s });
}

/**
 * A room's chat log, kept with the protocol's own reducer (messages merged by id, deletes that overtake their batch
 * remembered), with optional moderation buttons on each message and an optional send form.
 */
export class ChatPanel {
  readonly element: HTMLElement;
  private readonly log = h('ul', { class: 'chat-log', attrs: { 'data-testid': 'chat-log', 'aria-live': 'polite' } });
  private state: LiveRoomState;
  private readonly form: HTMLFormElement | null = null;
  private readonly input = h('input', {
    attrs: { maxlength: 200, placeholder: t('chat.placeholder'), 'aria-label': t('chat.label'), 'data-testid': 'chat-input' },
  });
  private readonly sendButton = h('button', {
    class: 'btn btn-primary',
    text: t('chat.send'),
    attrs: { type: 'submit', 'data-testid': 'chat-send' },
  });
  private readonly note = h('div', { class: 'muted small', attrs: { 'data-testid': 'chat-note', hidden: true } });
  private muteTimer: ReturnType<typeof setTimeout> | undefined;
  /** The message whose moderation menu is open (kept open across re-renders). */
  private openMenu: string | null = null;
  /** That menu, reused across re-renders so its chosen duration and armed ban survive incoming chat. */
  private menuElement: HTMLElement | null = null;

  constructor(
    snapshot: RoomSnapshot,
    private readonly opts: {
      mod?: ChatModeration;
      send?: (text: string) => Promise<unknown>;
      onNew?: (messages: ChatMessage[]) => void;
      compact?: boolean;
    },
  ) {
    this.state = liveStateFromSnapshot(snapshot, SHOWN);
    if (opts.send) {
      this.form = h('form', { class: 'chat-form', on: { submit: (e) => this.submit(e) } }, this.input, this.sendButton);
    }
    this.element = h('div', { class: 'chat' }, this.log, this.note, this.form);
    this.render();
    this.renderMute();
  }

  /** Replaces the state with a fresh snapshot (after a reconnect). */
  reset(snapshot: RoomSnapshot): void {
    this.state = liveStateFromSnapshot(snapshot, SHOWN);
    this.render();
    this.renderMute();
  }

  /** Applies one push (chat:batch, chat:deleted, chat:muted, chat:settings...). */
  apply(e: LiveEvent): void {
    const before = new Set(this.state.chat.map((m) => m.id));
    const next = applyLiveEvent(this.state, e);
    if (next === this.state) return;
    this.state = next;
    if (e.event === 'chat:batch') this.opts.onNew?.(next.chat.filter((m) => !before.has(m.id)));
    if (e.event === 'chat:muted' || e.event === 'chat:settings') this.renderMute();
    this.render();
  }

  private render(): void {
    const atBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 40;
    replace(
      this.log,
      ...(this.state.chat.length ? this.state.chat.map((m) => this.item(m)) : [h('li', { class: 'empty', text: t('chat.empty') })]),
    );
    if (atBottom) this.log.scrollTop = this.log.scrollHeight;
  }

  private item(m: ChatMessage): HTMLLIElement {
    // A merchant in a live room is a viewer like any other.
    const staff = m.role !== 'viewer' && m.role !== 'merchant';
    const mod = this.opts.mod && m.userId !== this.opts.mod.selfId ? this.opts.mod : null;
    const open = mod !== null && this.openMenu === m.id;
    const menuId = `mod-actions-${m.id}`;
    // The menu opens below its message, in the flow of the log: it never covers a message.
    const toggle = mod
      ? h('button', {
          class: 'btn btn-ghost btn-icon mod-toggle',
          text: '⋯',
          attrs: {
            type: 'button',
            'aria-label': t('chat.modMenu', { name: m.name }),
            'aria-expanded': open ? 'true' : 'false',
            'aria-controls': menuId,
            'data-testid': 'mod-menu',
          },
          on: {
            click: () => {
              this.openMenu = open ? null : m.id;
              this.menuElement = null;
              this.render();
              this.log.querySelector<HTMLElement>(`[data-id="${m.id}"] .mod-toggle`)?.focus();
            },
          },
        })
      : null;
    return h(
      'li',
      {
        class: m.shadowed ? 'chat-msg shadowed' : 'chat-msg',
        attrs: { 'data-testid': 'chat-msg', 'data-id': m.id, title: clock(m.at) },
      },
      h('span', { class: staff ? 'name staff' : 'name', text: m.name }),
      h('span', { class: 'text', text: m.text }),
      m.shadowed
        ? h('span', {
            class: 'pill pill-plain shadow-tag',
            text: t('chat.shadowed'),
            attrs: { title: t('chat.shadowedHint'), 'data-testid': 'shadowed' },
          })
        : null,
      toggle,
      open && mod ? (this.menuElement ??= this.menu(m, mod, menuId)) : null,
    );
  }

  /** Delete, mute for a chosen time, ban (a second tap confirms): one message's moderation. */
  private menu(m: ChatMessage, mod: ChatModeration, id: string): HTMLElement {
    const choices = MUTE_CHOICES.filter((s) => s <= (mod.muteMaxS ?? Number.POSITIVE_INFINITY));
    const duration = h(
      'select',
      { attrs: { 'aria-label': t('chat.modMuteFor'), 'data-testid': 'mod-mute-duration' } },
      ...choices.map((s) => h('option', { text: durationText(s), attrs: { value: s, selected: s === 600 ? true : undefined } })),
    );
    const closeAfter = (action: () => Promise<unknown>) => async () => {
      await action();
      this.openMenu = null;
      this.menuElement = null;
      this.render();
      mod.onChanged?.();
    };
    const ban = this.modButton(
      t('chat.modBan'),
      'mod-ban',
      closeAfter(() => mod.moderation.ban(m.userId)),
      t('chat.banned', { name: m.name }),
      t('chat.modBanConfirm'),
    );
    ban.classList.add('btn-danger');
    return h(
      'div',
      {
        class: 'mod-actions',
        attrs: { id, role: 'group', 'aria-label': t('chat.modMenu', { name: m.name }), 'data-testid': 'mod-actions' },
      },
      this.modButton(
        t('chat.modDelete'),
        'mod-delete',
        closeAfter(() => mod.moderation.deleteMessage(m.id)),
        t('chat.deleted'),
      ),
      h(
        'span',
        { class: 'mod-mute' },
        duration,
        this.modButton(
          t('chat.modMute'),
          'mod-mute',
          closeAfter(() => mod.moderation.mute(m.userId, Number(duration.value))),
          () => t('chat.mutedFor', { name: m.name, d: durationText(Number(duration.value)) }),
        ),
      ),
      ban,
    );
  }

  /** A moderation button; with `confirm`, the first tap arms it (its label says so) and the second acts. */
  private modButton(
    label: string,
    testId: string,
    action: () => Promise<unknown>,
    done: string | (() => string),
    confirm?: string,
  ): HTMLButtonElement {
    const b = h('button', { class: 'btn btn-ghost btn-sm', text: label, attrs: { type: 'button', 'data-testid': testId } });
    b.addEventListener('click', () => {
      if (confirm && !b.classList.contains('armed')) {
        b.classList.add('armed');
        b.textContent = confirm;
        return;
      }
      const message = typeof done === 'string' ? done : done();
      b.disabled = true;
      action().then(
        () => toast(message, 'ok'),
        (err: unknown) => {
          b.disabled = false;
          toast(describeError(err), 'error', 6000);
        },
      );
    });
    return b;
  }

  private renderMute(): void {
    if (!this.form) return;
    clearTimeout(this.muteTimer);
    const until = this.state.mutedUntil;
    const muted = until !== null && until > Date.now();
    this.input.disabled = muted;
    this.sendButton.disabled = muted;
    if (muted) {
      this.note.textContent = t('chat.muted', { time: clock(until) });
      this.note.hidden = false;
      // Unmuting needs no push: the mute simply runs out.
      this.muteTimer = setTimeout(() => this.renderMute(), Math.min(until - Date.now() + 500, 2 ** 31 - 1));
    } else if (this.state.slowModeS > 0) {
      this.note.textContent = t('chat.slow', { s: this.state.slowModeS });
      this.note.hidden = false;
    } else {
      this.note.hidden = true;
    }
  }

  private submit(e: Event): void {
    e.preventDefault();
    const text = this.input.value.trim();
    if (!text || !this.opts.send) return;
    this.sendButton.disabled = true;
    this.opts
      .send(text)
      .then(
        () => {
          // Clear only what was sent: text typed while it was on its way stays for the next send.
          if (this.input.value.trim() === text) this.input.value = '';
        },
        (err: unknown) => toast(describeError(err), 'error', 6000),
      )
      .finally(() => {
        this.sendButton.disabled = false;
        this.renderMute();
        this.input.focus();
      });
  }
}

/** The pushes a chat panel understands, as a list (for wiring `room.on(...)` to `panel.apply`). */
export const CHAT_EVENTS = ['chat:batch', 'chat:deleted', 'chat:settings', 'chat:muted'] as const;
