/**
 * Chat benchmark load process: `senders` users join the room (or spread over `roomIds`, sender i in room i mod n, each
 * sending to its own room) and send `rate` messages/s in total for `seconds`,
 * round-robin, each text stamped with its send time, and `likeRate` like taps/s beside them (unacknowledged in the
 * figures). Counts what the server accepted and refused.
 */
import { call, type ClientSocket } from '../../harness/clients.ts';
import { emitEvent, serveLoad } from '../lib/procs.ts';
import { pool, signer } from '../lib/sockets.ts';
import { open, stampedText } from './clients.ts';

interface Init {
  url: string;
  roomId: string;
  /** bench:scale: the senders spread over these rooms instead (sender i in roomIds[i % n]). */
  roomIds?: string[];
  secret: string;
  senders: number;
}

serveLoad<Init>((init) => {
  const sockets: ClientSocket[] = [];
  /** The room each socket joined (same index). */
  const roomOf: string[] = [];
  const rooms = init.roomIds ?? [init.roomId];
  let aborted = false;
  return {
    async connect() {
      const sign = signer(init.secret);
      await pool(
        Array.from({ length: init.senders }, (_, i) => i),
        20,
        async (i) => {
          const userId = `sender${i}`;
          const roomId = rooms[i % rooms.length]!;
          const socket = await open(init.url, await sign(userId), userId, true, roomId);
          sockets[i] = socket;
          roomOf[i] = roomId;
          const ack = (await call(socket, 'room:join', { roomId }, 60_000)) as { ok: boolean };
          if (!ack.ok) throw new Error(`sender join refused: ${JSON.stringify(ack)}`);
        },
      );
      return { connected: sockets.length };
    },
    abort() {
      aborted = true;
      return {};
    },
    async send({ rate, seconds, likeRate = 0 }: { rate: number; seconds: number; likeRate?: number }) {
      const t0 = performance.now();
      const acks: Promise<void>[] = [];
      const outcome = {
        sent: 0,
        accepted: 0,
        refused: {} as Record<string, number>,
        /** Per room: messages sent and not surely refused (an unanswered one may still have been broadcast). */
        owedByRoom: {} as Record<string, number>,
        startedAt: Date.now(),
        endedAt: 0,
      };
      let lastProgress = t0;
      let likes = 0;
      // Every 5 ms, send whatever the schedule says is due: a steady `rate`, not bursts of a second.
      while (!aborted) {
        const elapsed = (performance.now() - t0) / 1000;
        if (elapsed >= seconds) break;
        const due = Math.floor(elapsed * rate) - outcome.sent;
        for (let k = 0; k < due; k++) {
          const index = outcome.sent % sockets.length;
          const socket = sockets[index]!;
          const roomId = roomOf[index]!;
          const text = stampedText(outcome.sent);
          outcome.sent += 1;
          outcome.owedByRoom[roomId] = (outcome.owedByRoom[roomId] ?? 0) + 1;
          acks.push(
            call(socket, 'chat:send', { roomId, text }, 30_000).then(
              (ack) => {
                if (ack.ok) outcome.accepted += 1;
                else {
                  outcome.refused[ack.error.code] = (outcome.refused[ack.error.code] ?? 0) + 1;
                  outcome.owedByRoom[roomId]! -= 1;
                }
              },
              () => {
                outcome.refused.NO_ACK = (outcome.refused.NO_ACK ?? 0) + 1;
              },
            ),
          );
        }
        // Like taps beside the chat (bench:chat --likes): the crowd pipeline's busiest input in a big room.
        const likesDue = Math.floor(elapsed * likeRate) - likes;
        for (let k = 0; k < likesDue; k++) {
          const index = likes % sockets.length;
          likes += 1;
          sockets[index]!.emit('like:tap', { roomId: roomOf[index]!, count: 1 }, () => {});
        }
        if (performance.now() - lastProgress > 2_000) {
          lastProgress = performance.now();
          emitEvent({ sent: outcome.sent, accepted: outcome.accepted });
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      outcome.endedAt = Date.now();
      await Promise.all(acks);
      return outcome;
    },
    exit() {
      for (const s of sockets) s.disconnect();
    },
  };
});
