import type { Socket as NetSocket } from 'node:net';
import { Socket as EngineSocket, transports } from 'engine.io';

interface WsTransport {
  /** The `ws` WebSocket under engine.io's transport; `_socket` is its TCP socket. */
  socket?: { _socket?: NetSocket };
  send(packets: unknown[]): void;
}

let corked = false;

/**
 * Makes engine.io's WebSocket transport hand a flush of several packets to the kernel in ONE write: it corks the
 * connection's TCP socket around the flush, so the frames `ws` writes one by one (one `writev` each) leave together.
 *
 * Why: under load most writes to a connection queue while its previous write is in flight (engine.io sends the next
 * packets when that write's callback runs), so each flush carries several packets: a tick's stats of every room the
 * connection is in, chat batches, acknowledgements. Without the cork each frame was its own system call, and `writev`
 * was the largest single item of the node's CPU in bench:soak (30% of the busy time in its long tasks, the flushes
 * started by a write's completion another 29% by entry). Frames, order and bytes on the wire are unchanged; only the
 * number of system calls falls. A flush of one packet is left as it was (`ws` corks its own two-part frames).
 *
 * Global and idempotent: it patches the transport class engine.io uses for every server in the process.
 */
export function corkWebSocketFlushes(): void {
  if (corked) return;
  corked = true;
  const proto = (transports as unknown as { websocket: { prototype: WsTransport } }).websocket.prototype;
  const send = proto.send;
  proto.send = function (this: WsTransport, packets: unknown[]) {
    const tcp = packets.length > 1 ? this.socket?._socket : undefined;
    if (!tcp || typeof tcp.cork !== 'function' || tcp.destroyed) return send.call(this, packets);
    tcp.cork();
    try {
      send.call(this, packets);
    } finally {
      tcp.uncork();
    }
  };
}

interface EngineFlush {
  flush(): void;
  /** engine.io's queue of packets not yet handed to the transport. */
  writeBuffer: { options?: { wsPreEncodedFrame?: unknown } }[];
}

let coalescing = false;
/** Connections with packets queued this turn of the event loop, flushed together in the check phase. */
const dirty = new Set<EngineFlush>();
let flushScheduled = false;

/**
 * Makes engine.io flush a connection's own packets (acknowledgements, `socket.emit`) once per turn of the event loop
 * instead of on every packet: a `sendPacket` queues the packet and marks the connection; one `setImmediate` per turn
 * (for all connections) runs engine.io's own flush for each marked one. Broadcast packets still flush at once.
 *
 * Why: engine.io writes a packet at once when the transport is idle, and the next packet to that connection then waits
 * for that write's callback and goes in a write of its own. A flash-sale buyer sends its attempts together and their
 * answers come back in the same Redis reply (auto-pipelined), so every buyer cost two socket writes (two system calls,
 * two write callbacks, two drains) where one would do; the same holds for an acknowledgement and a push caused by the
 * same event. Flushed in the same turn, such packets leave in one corked write (corkWebSocketFlushes). The delay is the
 * rest of the current turn (setImmediate runs in the check phase of the same loop iteration); per connection, packets
 * keep their order, and engine.io's flush still decides whether the transport can take them (closing connections
 * still drain before they close: engine.io waits for the 'drain' the flush emits).
 *
 * Global and idempotent: it patches engine.io's Socket class for every server in the process.
 */
export function coalesceEngineFlushes(): void {
  if (coalescing) return;
  coalescing = true;
  const proto = EngineSocket.prototype as unknown as EngineFlush;
  const flushNow = proto.flush;
  const run = () => {
    flushScheduled = false;
    // A flush can queue more (a packet's callback sending again): those are marked anew and flushed next turn.
    const due = [...dirty];
    dirty.clear();
    for (const socket of due) flushNow.call(socket);
  };
  proto.flush = function (this: EngineFlush) {
    // A broadcast's packet (its WebSocket frame encoded once for every receiver) is flushed at once, as before: a
    // broadcast reaches each of its thousands of connections with one packet, so deferring it batches nothing and
    // only makes every receiver wait for the whole fan-out loop before the first write (bench:chat's chat batches).
    // Flushing sends everything queued before it too, in order.
    const newest = this.writeBuffer[this.writeBuffer.length - 1];
    if (newest?.options?.wsPreEncodedFrame !== undefined) return flushNow.call(this);
    dirty.add(this);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(run);
    }
  };
}
