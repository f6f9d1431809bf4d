import type { ConsoleWatchResult, RoomSnapshot } from '@hawker/protocol';
import {
  openSocket,
  request,
  Session,
  type ClientSocket,
  type ConnectOptions,
  type LifecycleEvents,
  type ServerPushes,
} from './connection.ts';
import { HawkerApi } from './api.ts';
import type { Player, WatchOptions } from './media.ts';
import { RoomModeration, type KeywordEdit } from './moderation.ts';
import type { KeywordList } from '@hawker/protocol';

/**
 * Events an AgencyConsole emits: the pushes of every watched room (each payload carries its `roomId`), the console's
 * own `console:roomLive` / `console:roomEnded` / `console:revoked` (the user left the agency's staff: the console then
 * closes with code `REVOKED`), and connection lifecycle.
 *
 * @example
 * agency.on('console:roomLive', ({ snapshot }) => addTile(snapshot));
 * agency.on('console:roomEnded', ({ roomId }) => removeTile(roomId));
 */
export type AgencyConsoleEvents = ServerPushes &
  LifecycleEvents & {
    /** After a reconnect, the fresh list of live rooms replaced `rooms`: re-render from it. */
    resync: ConsoleWatchResult;
  };

/**
 * An agency's live rooms on one connection, for moderators and agency owners: every live room's pushes (chat, counts,
 * products, sales) without joining any of them as a viewer, rooms added and removed as creators go live and end, and
 * the `rooms` map kept current. Moderation calls work on any of the agency's rooms. Reconnects and re-watches by
 * itself; `close()` is idempotent.
 *
 * @example
 * const agency = await AgencyConsole.connect('http://localhost:3000', moderatorToken, 'ag1');
 * for (const snap of agency.rooms.values()) addTile(snap);
 * agency.on('console:roomLive', ({ snapshot }) => addTile(snapshot));
 */
export class AgencyConsole extends Session<AgencyConsoleEvents> {
  /** REST client with the same server and token (agency and room analytics, moderation state). */
  readonly api: HawkerApi;
  private readonly live = new Map<string, RoomSnapshot>();
  private offsetMs: number;

  private constructor(
    socket: ClientSocket,
    readonly agencyId: string,
    watched: ConsoleWatchResult,
    private readonly url: string,
    private readonly token: string,
    private readonly opts: ConnectOptions,
  ) {
    super(socket, opts.timeoutMs ?? 10_000);
    this.api = new HawkerApi(url, token, { timeoutMs: this.timeoutMs });
    this.offsetMs = watched.serverTime - Date.now();
    for (const s of watched.rooms) this.live.set(s.room.id, s);
  }

  /**
   * Connects and starts watching `agencyId`'s live rooms. Rejects with a HawkerError: `FORBIDDEN` for another
   * agency's rooms, `UNAUTHENTICATED` for a bad token, `NOT_CONNECTED` when the server cannot be reached.
   *
   * @example
   * const agency = await AgencyConsole.connect(url, token, 'ag1');
   */
  static async connect(url: string, token: string, agencyId: string, opts: ConnectOptions = {}): Promise<AgencyConsole> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const socket = await openSocket(url, token, opts);
    try {
      const watched = await request(socket, 'console:watch', { agencyId }, timeoutMs);
      const agency = new AgencyConsole(socket, agencyId, watched, url, token, opts);
      agency.wire();
      return agency;
    } catch (err) {
      socket.disconnect();
      throw err;
    }
  }

  /**
   * The agency's live rooms by id, as of their snapshot plus `room:updated` pushes.
   *
   * @example
   * console.log(`${agency.rooms.size} rooms live`);
   */
  get rooms(): ReadonlyMap<string, RoomSnapshot> {
    return this.live;
  }

  /**
   * The server's clock now (ms epoch), for countdowns.
   *
   * @example
   * const leftMs = sale.endsAt - agency.serverNow();
   */
  serverNow(): number {
    return Date.now() + this.offsetMs;
  }

  /**
   * Moderation of one of the agency's rooms (delete, mute, ban, slow mode, room keywords).
   *
   * @example
   * await agency.moderation(roomId).deleteMessage(messageId);
   */
  moderation(roomId: string): RoomModeration {
    return new RoomModeration(this, roomId);
  }

  /**
   * Edits the agency's keyword list, which applies to every room of its creators; resolves with the whole list.
   *
   * @example
   * await agency.agencyKeywords({ add: [{ word: 'fake giveaway', mode: 'shadow' }] });
   */
  agencyKeywords(edit: KeywordEdit): Promise<KeywordList> {
    return this.request('mod:agencyKeywords', { agencyId: this.agencyId, add: edit.add ?? [], remove: edit.remove ?? [] });
  }

  /**
   * Bans a user from every room of the agency's creators, present and future.
   *
   * @example
   * await agency.agencyBan(userId, 'Scam links in many rooms');
   */
  async agencyBan(userId: string, reason?: string): Promise<void> {
    await this.request('mod:agencyBan', { agencyId: this.agencyId, userId, ...(reason ? { reason } : {}) });
  }

  /**
   * Lifts an agency-wide ban.
   *
   * @example
   * await agency.agencyUnban(userId);
   */
  async agencyUnban(userId: string): Promise<void> {
    await this.request('mod:agencyUnban', { agencyId: this.agencyId, userId });
  }

  /**
   * Plays one of the agency's live rooms in `video` (muted; `maxSpatialLayer: 0` by default, the light quality a
   * thumbnail needs) without joining it as a viewer. Opens a media connection for that room (a room's video lives on
   * one server node); it closes with the player, with the room's end, or with this console.
   *
   * @example
   * const player = await agency.watchRoom(roomId, tile.querySelector('video')!);
   */
  async watchRoom(roomId: string, video: HTMLVideoElement, opts: WatchOptions = {}): Promise<Player> {
    // The media code (mediasoup-client) is loaded on first use, alongside the media connection (see liveRoom.ts).
    const [{ Player }, link] = await Promise.all([import('./media.ts'), MediaLink.open(this.url, this.token, roomId, this.opts)]);
    this.adopt(link);
    try {
      const player = await Player.start(link, video, { maxSpatialLayer: 0, ...opts });
      player.on('state', (s) => {
        if (s === 'closed') link.close();
      });
      return player;
    } catch (err) {
      link.close();
      throw err;
    }
  }

  protected override onPush(event: keyof ServerPushes, payload: unknown): void {
    if (event === 'console:revoked') {
      // This connection no longer watches the agency (its user left its staff): nothing more will come. Closed once
      // subscribers have seen the push.
      const revoked = payload as ServerPushes['console:revoked'];
      if (revoked.agencyId === this.agencyId) queueMicrotask(() => this.shutdown(revoked.message, 'REVOKED'));
    } else if (event === 'console:roomLive') {
      const { snapshot } = payload as ServerPushes['console:roomLive'];
      this.live.set(snapshot.room.id, snapshot);
    } else if (event === 'console:roomEnded' || event === 'room:ended') {
      this.live.delete((payload as ServerPushes['room:ended']).roomId);
    } else if (event === 'room:updated') {
      const { room } = payload as ServerPushes['room:updated'];
      const known = this.live.get(room.id);
      if (known) this.live.set(room.id, { ...known, room });
    }
  }

  protected override async resubscribe(): Promise<() => void> {
    const watched = await request(this.socket, 'console:watch', { agencyId: this.agencyId }, this.timeoutMs);
    return () => {
      this.offsetMs = watched.serverTime - Date.now();
      this.live.clear();
      for (const s of watched.rooms) this.live.set(s.room.id, s);
      this.events.emit('resync', watched);
    };
  }
}

/** Events of a {@link MediaLink}: the room's pushes, lifecycle, and `resync` after it re-attached. */
type MediaLinkEvents = ServerPushes & LifecycleEvents & { resync: { roomId: string } };

/** A console's connection to one room's media (`console:media`): what a thumbnail {@link Player} signals over. */
class MediaLink extends Session<MediaLinkEvents> {
  private constructor(
    socket: ClientSocket,
    readonly roomId: string,
    timeoutMs: number,
  ) {
    super(socket, timeoutMs);
  }

  static async open(url: string, token: string, roomId: string, opts: ConnectOptions): Promise<MediaLink> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const socket = await openSocket(url, token, opts, { room: roomId });
    try {
      await request(socket, 'console:media', { roomId }, timeoutMs);
      const link = new MediaLink(socket, roomId, timeoutMs);
      link.wire();
      return link;
    } catch (err) {
      socket.disconnect();
      throw err;
    }
  }

  protected override onPush(event: keyof ServerPushes, payload: unknown): void {
    if (event === 'room:ended' && (payload as ServerPushes['room:ended']).roomId === this.roomId) {
      queueMicrotask(() => this.shutdown('The live ended', 'ROOM_ENDED'));
    } else if (event === 'room:kicked' && (payload as ServerPushes['room:kicked']).roomId === this.roomId) {
      // Banned from the room: the server closed this connection's media and refuses console:media again.
      const { reason } = payload as ServerPushes['room:kicked'];
      queueMicrotask(() => this.shutdown(reason, 'KICKED'));
    } else if (event === 'console:revoked' && (payload as ServerPushes['console:revoked']).roomIds.includes(this.roomId)) {
      const { message } = payload as ServerPushes['console:revoked'];
      queueMicrotask(() => this.shutdown(message, 'REVOKED'));
    }
  }

  protected override async resubscribe(): Promise<() => void> {
    await request(this.socket, 'console:media', { roomId: this.roomId }, this.timeoutMs);
    return () => this.events.emit('resync', { roomId: this.roomId });
  }
}
