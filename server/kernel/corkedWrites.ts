import type { Socket as NetSocket } from 'node:net';
import { transports } from 'engine.io';

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
