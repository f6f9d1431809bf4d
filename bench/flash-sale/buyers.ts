/**
 * Flash-sale load process: `count` buyers (one socket, one identity each) join the room; on `fire`, at an agreed
 * instant, every buyer sends `attempts` order:place requests at once (distinct idempotency keys) and times each answer.
 */
import { call, type ClientSocket } from '../../test/helpers/clients.ts';
import { emitEvent, serveLoad } from '../lib/procs.ts';
import { open, pool, signer } from '../lib/sockets.ts';

interface Init {
  url: string;
  roomId: string;
  saleId: string;
  secret: string;
  idPrefix: string;
  count: number;
  attempts: number;
}

type Ack = { ok: true; data: { order: { id: string }; replayed: boolean } } | { ok: false; error: { code: string; details?: { reason?: string } } };

serveLoad<Init>((init) => {
  const sockets: ClientSocket[] = [];
  return {
    async connect() {
      const sign = signer(init.secret);
      let done = 0;
      await pool(Array.from({ length: init.count }, (_, i) => i), 50, async (i) => {
        const userId = `${init.idPrefix}${i}`;
        const socket = await open(init.url, await sign(userId), userId);
        sockets.push(socket);
        const ack = (await call(socket, 'room:join', { roomId: init.roomId }, 60_000)) as { ok: boolean };
        if (!ack.ok) throw new Error(`join refused: ${JSON.stringify(ack)}`);
        if (++done % 500 === 0) emitEvent({ connected: 500 });
      });
      return { connected: sockets.length };
    },
    async fire({ at }: { at: number }) {
      await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
      const latencies: number[] = [];
      const outcomes: Record<string, number> = {};
      const reserved: string[] = [];
      const firstSent = Date.now();
      let lastAnswer = firstSent;
      await Promise.all(
        sockets.flatMap((socket, i) =>
          Array.from({ length: init.attempts }, async (_, k) => {
            const t0 = performance.now();
            const payload = { roomId: init.roomId, saleId: init.saleId, quantity: 1, idempotencyKey: `key-${init.idPrefix}${i}-${k}` };
            const ack = (await call(socket, 'order:place', payload as never, 120_000).catch(() => ({ ok: false, error: { code: 'NO_ANSWER' } }))) as Ack;
            latencies.push(performance.now() - t0);
            lastAnswer = Date.now();
            const outcome = ack.ok ? (ack.data.replayed ? 'replayed' : 'reserved') : `${ack.error.code}${ack.error.details?.reason ? `:${ack.error.details.reason}` : ''}`;
            outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
            if (ack.ok && !ack.data.replayed) reserved.push(ack.data.order.id);
          }),
        ),
      );
      return { firstSent, lastAnswer, latencies, outcomes, reserved };
    },
    exit() {
      for (const s of sockets) s.disconnect();
    },
  };
});
