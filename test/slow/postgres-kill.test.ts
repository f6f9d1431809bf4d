import pg from 'pg';
import { expect, it } from 'vitest';
import { startLocalPostgres } from '../../server/kernel/localPostgres.ts';
import { orderKeys } from '../../server/orders/store.ts';
import { ErrorCode, type PlaceOrderResult } from '@hawker/protocol';
import { call } from '../../harness/clients.ts';
import { joinedViewer, liveRoomWithProduct, saleCounts, scheduleSale, startCommerce } from '../../harness/commerce.ts';
import { randomPrefix, schemaFor, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('PostgreSQL SIGKILLed mid-stream: orders are answered UNAVAILABLE while it is down, nothing acknowledged is lost, service resumes by itself', async () => {
  // Its own PostgreSQL (this test kills it); the embedded launcher restarts it, as it does under `npm start`.
  const db = t.add(await startLocalPostgres({ dir: await t.tempDir('hawker-pgkill-') }));
  const prefix = randomPrefix();
  const { node, redis } = await startCommerce(t, { env: { DATABASE_URL: db.url, REDIS_KEY_PREFIX: prefix } });
  const ledger = new pg.Pool({ connectionString: db.url, options: `-c search_path=${schemaFor(prefix)}`, max: 2 });
  ledger.on('error', () => {}); // it dies on purpose
  t.add(ledger, (p) => p.end());
  const { creator, room, product } = await liveRoomWithProduct(node, { stock: 400 });
  const sale = await scheduleSale(node, creator, room.id, product.id, { quantity: 300, perBuyerLimit: 99 });
  const v = await joinedViewer(t, node, room.id, { userId: 'pgkill-buyer' });

  const acked: string[] = [];
  const answers = new Map<string, number>();
  let n = 0;
  const order = async () => {
    const ack = (await call(
      v.socket,
      'order:place',
      { roomId: room.id, saleId: sale.id, quantity: 1, idempotencyKey: `pgkill-${String(n++).padStart(4, '0')}` },
      20_000,
    )) as { ok: true; data: PlaceOrderResult } | { ok: false; error: { code: string } };
    const key = ack.ok ? 'ok' : ack.error.code;
    answers.set(key, (answers.get(key) ?? 0) + 1);
    if (ack.ok) acked.push(ack.data.order.id);
    return ack.ok;
  };
  for (let i = 0; i < 10; i++) await order();

  const restarted = new Promise((resolve) => db.on('restarted', resolve));
  process.kill(db.pid, 'SIGKILL');
  // Keep ordering until an order succeeds again after the restart; every answer meanwhile is typed.
  await waitFor(
    'an UNAVAILABLE answer while PostgreSQL is down',
    async () => {
      await order();
      return (answers.get(ErrorCode.UNAVAILABLE) ?? 0) > 0;
    },
    20_000,
    60,
  );
  console.log('answers while down:', JSON.stringify(Object.fromEntries(answers)));
  await restarted;
  await waitFor('orders succeed again after the restart', () => order(), 30_000, 100);
  for (let i = 0; i < 5; i++) await order();

  expect([...answers.keys()].sort()).toEqual(['UNAVAILABLE', 'ok'].sort());
  // Nothing acknowledged is lost, and everything settles: paid, and the units of refused attempts back in the sale.
  await waitFor(
    'every order paid and no reservation left unconfirmed',
    async () => {
      const open = Number(
        (await ledger.query(`SELECT count(*) FROM orders WHERE status IN ('reserved', 'pending_payment')`)).rows[0].count,
      );
      return open === 0 && (await redis.zcard(orderKeys(prefix).unconfirmed)) === 0;
    },
    90_000,
    250,
  );
  const { rows } = await ledger.query<{ id: string; status: string }>(`SELECT id, status FROM orders WHERE room_id = $1`, [room.id]);
  const byId = new Map(rows.map((r) => [r.id, r.status]));
  for (const id of acked) expect(byId.get(id)).toBe('paid');
  const paid = rows.filter((r) => r.status === 'paid').length;
  expect(paid).toBe(acked.length);
  const c = await saleCounts(redis, prefix, sale.id);
  expect(c).toEqual({ left: 300 - paid, reserved: 0, sold: paid, returned: 0, quantity: 300 });
}, 180_000);
