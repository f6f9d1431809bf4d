/**
 * Buyers load process (flash sale and orders benchmarks): `count` buyers (one socket, one identity each) join the
 * room; on `fire`, at an agreed instant, every buyer sends `attempts` order:place requests at once (distinct
 * idempotency keys) and times each answer. With `waitSettled`, it also times each reserved order until the
 * `order:updated` push that settles it (paid, failed or expired) reaches the buyer, waiting at most `settleMs`.
 */
import { call, type ClientSocket } from '../../harness/clients.ts';
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
  /**
   * bench:scale: buyers spread over several rooms' sales (buyer i buys in targets[i % n], connecting with `?room=` so
   * a proxy routing by room sends it to the room's node) instead of `roomId` / `saleId`.
   */
  targets?: { roomId: string; saleId: string }[];
  waitSettled?: boolean;
  settleMs?: number;
}

const SETTLED = new Set(['paid', 'failed', 'expired', 'cancelled']);

type Ack =
  | { ok: true; data: { order: { id: string }; replayed: boolean } }
  | { ok: false; error: { code: string; details?: { reason?: string } } };

serveLoad<Init>((init) => {
  const sockets: ClientSocket[] = [];
  const targetOf = (i: number) => init.targets?.[i % init.targets.length];
  return {
    async connect() {
      const sign = signer(init.secret);
      let done = 0;
      await pool(
        Array.from({ length: init.count }, (_, i) => i),
        50,
        async (i) => {
          const userId = `${init.idPrefix}${i}`;
          const roomId = targetOf(i)?.roomId ?? init.roomId;
          const socket = await open(init.url, await sign(userId), userId, init.targets ? { query: { room: roomId } } : {});
          sockets[i] = socket;
          const ack = (await call(socket, 'room:join', { roomId }, 60_000)) as { ok: boolean };
          if (!ack.ok) throw new Error(`join refused: ${JSON.stringify(ack)}`);
          if (++done % 500 === 0) emitEvent({ connected: 500 });
        },
      );
      return { connected: sockets.length };
    },
    /** `saleId` overrides the init's (a run that creates its sale after the buyers are connected). */
    async fire({ at, saleId = init.saleId }: { at: number; saleId?: string }) {
      await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
      const latencies: number[] = [];
      const outcomes: Record<string, number> = {};
      const reserved: string[] = [];
      // Order id -> when its request left; pushes can overtake the ack, so they are kept until matched.
      const sentAt = new Map<string, number>();
      const early = new Map<string, { status: string; at: number }>();
      const settled: { orderId: string; status: string; ms: number }[] = [];
      let settledAll: () => void = () => {};
      const allSettled = new Promise<void>((r) => (settledAll = r));
      const settle = (orderId: string, status: string, at: number) => {
        const t0 = sentAt.get(orderId);
        if (t0 === undefined) return void early.set(orderId, { status, at });
        sentAt.delete(orderId);
        settled.push({ orderId, status, ms: at - t0 });
        lastSettled = Date.now();
        if (settled.length === reserved.length && doneFiring) settledAll();
      };
      let doneFiring = false;
      let lastSettled = 0;
      if (init.waitSettled) {
        for (const socket of sockets)
          socket.on('order:updated', (u) => SETTLED.has(u.status) && settle(u.orderId, u.status, performance.now()));
      }
      const firstSent = Date.now();
      let lastAnswer = firstSent;
      await Promise.all(
        sockets.flatMap((socket, i) =>
          Array.from({ length: init.attempts }, async (_, k) => {
            const t0 = performance.now();
            const target = targetOf(i) ?? { roomId: init.roomId, saleId };
            const payload = { ...target, quantity: 1, idempotencyKey: `key-${init.idPrefix}${i}-${k}` };
            const ack = (await call(socket, 'order:place', payload as never, 120_000).catch(() => ({
              ok: false,
              error: { code: 'NO_ANSWER' },
            }))) as Ack;
            latencies.push(performance.now() - t0);
            lastAnswer = Date.now();
            const outcome = ack.ok
              ? ack.data.replayed
                ? 'replayed'
                : 'reserved'
              : `${ack.error.code}${ack.error.details?.reason ? `:${ack.error.details.reason}` : ''}`;
            outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
            if (ack.ok && !ack.data.replayed) {
              reserved.push(ack.data.order.id);
              sentAt.set(ack.data.order.id, t0);
              const pushed = early.get(ack.data.order.id);
              if (pushed) settle(ack.data.order.id, pushed.status, pushed.at);
            }
          }),
        ),
      );
      doneFiring = true;
      if (!init.waitSettled) return { firstSent, lastAnswer, latencies, outcomes, reserved };
      if (settled.length < reserved.length) {
        await Promise.race([allSettled, new Promise((r) => setTimeout(r, init.settleMs ?? 120_000))]);
      }
      return { firstSent, lastAnswer, latencies, outcomes, reserved, settled, lastSettled };
    },
    exit() {
      for (const s of sockets) s.disconnect();
    },
  };
});
