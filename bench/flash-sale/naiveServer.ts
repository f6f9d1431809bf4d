/**
 * The flash-sale benchmark's baseline: the same rules as Hawker's reserve script (idempotency, per-buyer limit, stock)
 * written the naive way, each step its own Redis command: read the idempotency key, read the buyer's units, GET the
 * stock, check, DECR, record. Between the GET and the DECR other buyers read the same stock, so it oversells; the
 * benchmark measures by how much. A bare Socket.IO server, no auth, same wire shapes as Hawker.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

const { redisUrl, prefix, limit } = JSON.parse(process.argv[2] ?? '{}') as { redisUrl: string; prefix: string; limit: number };
const redis = new Redis(redisUrl);
const server = http.createServer();
const io = new Server(server, { maxHttpBufferSize: 64 * 1024 });
let seq = 0;

type Ack = (r: unknown) => void;
const conflict = (reason: string) => ({ ok: false, error: { code: 'CONFLICT', message: reason, details: { reason } } });

io.on('connection', (socket) => {
  const buyer = String(socket.handshake.auth.userId ?? socket.id);
  socket.on('room:join', (_: unknown, ack: Ack) => ack({ ok: true, data: {} }));
  socket.on(
    'order:place',
    async ({ saleId, quantity, idempotencyKey }: { saleId: string; quantity: number; idempotencyKey: string }, ack: Ack) => {
      try {
        const idemKey = `${prefix}idem:${buyer}:${idempotencyKey}`;
        const prior = await redis.get(idemKey);
        if (prior) return ack({ ok: true, data: { order: { id: prior }, replayed: true } });
        const units = Number(await redis.hget(`${prefix}units:${saleId}`, buyer));
        if (units + quantity > limit) return ack(conflict('LIMIT_REACHED'));
        const left = Number(await redis.get(`${prefix}stock:${saleId}`));
        if (left < quantity) return ack(conflict('SOLD_OUT'));
        await redis.decrby(`${prefix}stock:${saleId}`, quantity);
        const orderId = `o${process.pid}-${seq++}`;
        await redis.hincrby(`${prefix}units:${saleId}`, buyer, quantity);
        await redis.hset(`${prefix}order:${orderId}`, 'buyer', buyer, 'sale', saleId, 'quantity', quantity, 'status', 'reserved');
        await redis.set(idemKey, orderId);
        await redis.incrby(`${prefix}sold:${saleId}`, quantity);
        ack({ ok: true, data: { order: { id: orderId }, replayed: false } });
      } catch (err) {
        ack({ ok: false, error: { code: 'INTERNAL', message: (err as Error).message } });
      }
    },
  );
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ ready: true, url: `http://127.0.0.1:${port}` });
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
