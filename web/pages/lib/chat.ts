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
import { describeError, toast } from './ui.ts';

/** Messages kept on screen per room (the server's history is of the same order). */
const SHOWN = 200;

/** What the chat panel needs for moderation buttons: the room's moderation, and who "you" are (no buttons on yourself). */
export interface ChatModeration {
  moderation: RoomModeration;
  selfId: string;
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
    const mod = this.opts.mod;
    const buttons =
      mod && m.userId !== mod.selfId
        ? h(
            'span',
            { class: 'mod' },
            this.modButton('Delete', 'mod-delete', () => mod.moderation.deleteMessage(m.id), 'Message deleted'),
            this.modButton(
              'Mute',
              'mod-mute',
              () => mod.moderation.mute(m.userId, 600, 'Muted from chat'),
              `${m.name} muted for 10 minutes`,
            ),
            this.modButton('Ban', 'mod-ban', () => mod.moderation.ban(m.userId, 'Banned from chat'), `${m.name} banned from this room`),
          )
        : null;
    return h(
      'li',
      { class: 'chat-msg', attrs: { 'data-testid': 'chat-msg', 'data-id': m.id, title: clock(m.at) } },
      h('span', { class: staff ? 'name staff' : 'name', text: m.name }),
      h('span', { class: 'text', text: m.text }),
      buttons,
    );
  }

  private modButton(label: string, testId: string, action: () => Promise<unknown>, done: string): HTMLButtonElement {
    const b = h('button', { class: 'btn btn-ghost btn-sm', text: label, attrs: { type: 'button', 'data-testid': testId } });
    b.addEventListener('click', () => {
      b.disabled = true;
      action().then(
        () => toast(done, 'ok'),
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
