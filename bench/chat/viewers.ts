/**
 * Chat benchmark load process: `count` viewers join one room (or spread over `roomIds`, viewer i in room i mod n) and
 * count the chat they receive (wire-level clients,
 * see `openWire`). Every `probeEvery`-th viewer is a probe: a socket.io-client connection that records the delivery latency of every message (receive time minus the send time
 * stamped in its text; same host, same clock).
 */
import { call, ok } from '../../harness/clients.ts';
import type { ChatBatch } from '@hawker/protocol';
import { emitEvent, serveLoad } from '../lib/procs.ts';
import { pool, signer } from '../lib/sockets.ts';
import { counted, open, openWire, sentAt } from './clients.ts';

interface Init {
  url: string;
  roomId: string;
  /** bench:scale: the viewers spread over these rooms instead (viewer i in roomIds[i % n]). */
  roomIds?: string[];
  secret: string;
  /** User ids are `${idPrefix}${i}` for i in [0, count). */
  idPrefix: string;
  count: number;
  probeEvery: number;
}

serveLoad<Init>((init) => {
  const sockets: { close(): void }[] = [];
  const latencies: number[] = [];
  let probeMessages = 0;
  let probes = 0;
  const rooms = init.roomIds ?? [init.roomId];
  /** Viewers per room (probes included): what each room's accepted messages owe. */
  const byRoom: Record<string, number> = {};
  return {
    async connect() {
      const sign = signer(init.secret);
      const ids = Array.from({ length: init.count }, (_, i) => i);
      let done = 0;
      await pool(ids, 50, async (i) => {
        const userId = `${init.idPrefix}${i}`;
        const roomId = rooms[i % rooms.length]!;
        if (i % init.probeEvery !== 0) {
          sockets.push(await openWire(init.url, await sign(userId), roomId));
        } else {
          const socket = await open(init.url, await sign(userId), userId, false, roomId);
          sockets.push({ close: () => socket.disconnect() });
          probes += 1;
          socket.on('chat:batch', (batch: ChatBatch) => {
            const now = Date.now();
            for (const m of batch.messages) {
              const t = sentAt(m.text);
              if (t === undefined) continue;
              probeMessages += 1;
              latencies.push(now - t);
            }
          });
          ok(await call(socket, 'room:join', { roomId }, 60_000));
        }
        byRoom[roomId] = (byRoom[roomId] ?? 0) + 1;
        done += 1;
        if (done % 250 === 0) emitEvent({ connected: done });
      });
      return { connected: sockets.length, probes, byRoom };
    },
    reset() {
      counted.messages = 0;
      counted.lastAt = 0;
      probeMessages = 0;
      latencies.length = 0;
      return {};
    },
    /** What arrived since the last reset; latencies only when asked (they are many). */
    report({ withLatencies }: { withLatencies?: boolean }) {
      return {
        // Probes' deliveries are counted by their listener, everyone else's by their wire client.
        deliveries: counted.messages + probeMessages,
        probeDeliveries: probeMessages,
        lastAt: Math.max(counted.lastAt, 0),
        ...(withLatencies ? { latencies } : {}),
      };
    },
    exit() {
      for (const s of sockets) s.close();
    },
  };
});
