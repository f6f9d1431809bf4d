import type { DisconnectReason } from 'socket.io';
import type { Room } from '@hawker/protocol';
import type { HawkerSocket } from '../kernel/context.ts';
import type { Logger } from '../kernel/log.ts';

/**
 * How a feature hooks into a room's life without the rooms domain knowing it: moderation refuses banned users at join,
 * presence counts who joined, commerce stops sales when a room ends, media closes routers. Each feature declares one
 * hook (hocuspocus-extension style): a `name`, a `priority`, and the kinds it handles. The node registers them all in
 * one place (server/domains.ts); `RoomHooks` runs them by priority, highest first, and applies one error rule per kind
 * (docs/architecture.md, "Rooms and hooks", has the order and why each hook sits where it does):
 *
 * - `beforeJoin` may refuse: the first hook that throws stops the join (its AppError is what the joiner gets) and the
 *   hooks after it do not run.
 * - `afterJoin`, `afterLeave`, `onScheduled`, `onLive`, `onEnded` are notifications of something that already happened (the socket is
 *   in the room, the room is live...): a hook that throws is logged with its name and kind, the hooks after it still
 *   run, and the operation succeeds. A hook that must refuse does it in `beforeJoin`.
 *
 * The join snapshot is not a hook: every slot has exactly one provider (server/rooms/snapshot.ts).
 */
export interface RoomHook {
  readonly name: string;
  /** Higher runs first, for every kind. Unique among a node's hooks, so the order is never left to registration. */
  readonly priority: number;
  /** May throw (an AppError) to refuse the join: banned, server shutting down... */
  beforeJoin?(room: Room, socket: HawkerSocket): Promise<void>;
  /** The socket is in the room (its snapshot is built). Also runs for a connection Socket.IO recovered. */
  afterJoin?(room: Room, socket: HawkerSocket): Promise<void>;
  /** The socket left the room (leave event, kick, disconnect, or room end); `cause` says whether it may be back soon. */
  afterLeave?(roomId: string, socket: HawkerSocket, cause: LeaveCause): Promise<void>;
  /** The room was created, scheduled (it may go live at once or at its `scheduledAt`). Additive (issue 19). */
  onScheduled?(room: Room): Promise<void>;
  /** The room went live. */
  onLive?(room: Room): Promise<void>;
  /** The room ended. Runs on every node. */
  onEnded?(roomId: string, reason: string): Promise<void>;
}

/** The hook kinds that are notifications: a failing hook is logged, the others still run, the operation stands. */
export type NotificationKind = 'afterJoin' | 'afterLeave' | 'onScheduled' | 'onLive' | 'onEnded';

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
const DROPPED: ReadonlySet<DisconnectReason> = new Set<DisconnectReason>([
  'transport error',
  'transport close',
  'forced close',
  'ping timeout',
]);

/** The leave cause of a socket's disconnect reason. */
export const leaveCause = (reason: DisconnectReason): LeaveCause => (DROPPED.has(reason) ? 'dropped' : 'left');

/** A node's room hooks, sorted by priority, and the typed runner of each kind with its error rule. */
export class RoomHooks {
  private hooks: readonly RoomHook[] = [];

  constructor(private readonly log: Logger) {}

  /**
   * Adds hooks (the node does it once, in server/domains.ts). Throws on a name or priority already taken: two hooks of
   * one priority would run in an order nobody chose.
   */
  register(...hooks: RoomHook[]): void {
    const all = [...this.hooks, ...hooks];
    for (const [i, h] of all.entries()) {
      if (!Number.isFinite(h.priority)) throw new Error(`Room hook ${h.name}: priority must be a finite number`);
      const clash = all.slice(0, i).find((o) => o.name === h.name || o.priority === h.priority);
      if (clash)
        throw new Error(
          `Room hook ${h.name} (priority ${h.priority}) clashes with ${clash.name} (priority ${clash.priority}): names and priorities are unique`,
        );
    }
    this.hooks = all.sort((a, b) => b.priority - a.priority);
  }

  /** The hooks in the order they run. */
  list(): readonly RoomHook[] {
    return this.hooks;
  }

  /** Runs every beforeJoin in order; the first that throws refuses the join (its error propagates, the rest do not run). */
  async beforeJoin(room: Room, socket: HawkerSocket): Promise<void> {
    for (const h of this.hooks) await h.beforeJoin?.(room, socket);
  }

  afterJoin(room: Room, socket: HawkerSocket): Promise<void> {
    return this.notify('afterJoin', { roomId: room.id, socketId: socket.id }, (h) => h.afterJoin?.(room, socket));
  }

  afterLeave(roomId: string, socket: HawkerSocket, cause: LeaveCause): Promise<void> {
    return this.notify('afterLeave', { roomId, socketId: socket.id, cause }, (h) => h.afterLeave?.(roomId, socket, cause));
  }

  onScheduled(room: Room): Promise<void> {
    return this.notify('onScheduled', { roomId: room.id }, (h) => h.onScheduled?.(room));
  }

  onLive(room: Room): Promise<void> {
    return this.notify('onLive', { roomId: room.id }, (h) => h.onLive?.(room));
  }

  onEnded(roomId: string, reason: string): Promise<void> {
    return this.notify('onEnded', { roomId }, (h) => h.onEnded?.(roomId, reason));
  }

  /** Runs one notification kind on every hook, in order; a failure is logged with the hook's name and never rejects. */
  private async notify(
    kind: NotificationKind,
    about: Record<string, unknown>,
    run: (h: RoomHook) => Promise<void> | undefined,
  ): Promise<void> {
    for (const h of this.hooks) {
      try {
        await run(h);
      } catch (err) {
        this.log.error(
          { err, hook: h.name, kind, ...about },
          `room hook ${h.name} failed in ${kind}; the other hooks still run and what happened stands`,
        );
      }
    }
  }
}
