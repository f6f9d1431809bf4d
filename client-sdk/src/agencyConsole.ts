import type { ConsoleWatchResult, RoomSnapshot } from '../../server/protocol/index.ts';
import { openSocket, request, Session, type ClientSocket, type ConnectOptions, type LifecycleEvents, type ServerPushes } from './connection.ts';

/**
 * Events an AgencyConsole emits: the pushes of every watched room (each payload carries its `roomId`), the console's
 * own `console:roomLive` / `console:roomEnded`, and connection lifecycle.
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
  private readonly live = new Map<string, RoomSnapshot>();
  private offsetMs: number;

  private constructor(
    socket: ClientSocket,
    readonly agencyId: string,
    watched: ConsoleWatchResult,
    timeoutMs: number,
  ) {
    super(socket, timeoutMs);
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
      const agency = new AgencyConsole(socket, agencyId, watched, timeoutMs);
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

  protected override onPush(event: keyof ServerPushes, payload: unknown): void {
    if (event === 'console:roomLive') {
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
