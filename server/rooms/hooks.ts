import type { DisconnectReason } from 'socket.io';
import type { Principal } from '@hawker/protocol';
import type { RoomSnapshot } from '@hawker/protocol';
import type { Room } from '@hawker/protocol';
import type { HawkerSocket } from '../kernel/context.ts';

/**
 * How a feature hooks into a room's life without the rooms domain knowing it: chat adds history to the snapshot,
 * moderation refuses banned users at join, commerce stops sales when a room ends, media closes routers. Each hook is
 * small and optional; the rooms domain calls them in registration order.
 */
export interface RoomHook {
  readonly name: string;
  /** May throw an AppError to refuse the join (banned, room full...). */
  beforeJoin?(room: Room, socket: HawkerSocket): Promise<void>;
  /**
   * Adds this feature's slot to the join snapshot. `observer`: the snapshot is for someone reading the room without
   * joining it (the agency console), who must not be counted.
   */
  snapshot?(room: Room, principal: Principal, opts?: { observer?: boolean }): Promise<Partial<RoomSnapshot>>;
  afterJoin?(room: Room, socket: HawkerSocket): Promise<void>;
  /** The socket left the room (leave event, kick, disconnect, or room end); `cause` says whether it may be back soon. */
  afterLeave?(roomId: string, socket: HawkerSocket, cause: LeaveCause): Promise<void>;
  onLive?(room: Room): Promise<void>;
  /** Runs on every node when a room ends. */
  onEnded?(roomId: string, reason: string): Promise<void>;
}

/**
 * Why a connection left a room. `dropped`: the connection broke (network cut, ping timeout) and its client is most
 * likely reconnecting, so a feature may hold what the connection had for a while (media does: docs/media.md);
 * `left`: it is gone on purpose (room:leave, a kick, the client or the server closed the connection, the room ended).
 */
export type LeaveCause = 'left' | 'dropped';

/**
 * Disconnect reasons that mean a broken connection rather than one closed by either end: the reasons Socket.IO's
 * connection-state recovery treats as recoverable, minus the server itself stopping ("server shutting down",
 * "forced server close"), when nothing on this node should be held.
 */
const DROPPED: ReadonlySet<DisconnectReason> = new Set<DisconnectReason>(['transport error', 'transport close', 'forced close', 'ping timeout']);

/** The leave cause of a socket's disconnect reason. */
export const leaveCause = (reason: DisconnectReason): LeaveCause => (DROPPED.has(reason) ? 'dropped' : 'left');

/** The ordered list of hooks; domains add theirs at start-up. */
export class RoomHooks {
  private readonly hooks: RoomHook[] = [];

  add(hook: RoomHook): void {
    this.hooks.push(hook);
  }

  list(): readonly RoomHook[] {
    return this.hooks;
  }
}
