import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect, inject, it } from 'vitest';
import { freePort } from '../../server/kernel/localRedis.ts';
import type { Order, PlaceOrderResult } from '@hawker/protocol';
import type { GatewayCharge } from '../../server/payments/contract.ts';
import { api, call, ok } from '../../harness/clients.ts';
import { joinedViewer, liveRoomWithProduct, scheduleSale } from '../../harness/commerce.ts';
import { randomPrefix, schemaFor, waitFor } from '../../harness/node.ts';
import { stopProcess } from '../../harness/nodeProcess.ts';
import { useTeardown } from '../../harness/teardown.ts';

const root = path.resolve(import.meta.dirname, '../..');
const t = useTeardown();

it('without PAYMENT_GATEWAY_URL the server starts the sandbox gateway as a child, charges through it, and stops it on SIGTERM', async () => {
  const dir = await t.tempDir('hawker-start-pay-');
  const port = await freePort();
  const child = t.add(
    spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: root,
      env: {
        DATABASE_URL: inject('databaseUrl'),
        DATABASE_SCHEMA: schemaFor(randomPrefix()),
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dir,
        REDIS_URL: inject('redisUrl'),
        REDIS_KEY_PREFIX: randomPrefix(),
        MEDIASOUP_WORKERS: '1',
        MEDIASOUP_PORT_BASE: '0',
        COMMERCE_TICK_MS: '100',
        SANDBOX_DECLINE_RATE: '0',
        SANDBOX_TIMEOUT_RATE: '0',
        SANDBOX_LATENCY_MS: '10',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
    // Should the test fail before its own SIGTERM: SIGTERM first, so the server stops the sandbox it launched too.
    (c) => stopProcess(c),
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const url = `http://127.0.0.1:${port}`;
  await waitFor('readyz 200', async () => (await fetch(`${url}/readyz`)).status === 200, 30_000);
  const line = out.split('\n').find((l) => l.includes('started the sandbox payment gateway'));
  expect(line, out).toBeDefined();
  const { url: gatewayUrl, pid: gatewayPid } = JSON.parse(line!) as { url: string; pid: number };
  expect((await fetch(`${gatewayUrl}/healthz`)).status).toBe(200);

  // The demo path end to end: an order placed in a room is charged by the launched sandbox.
  const node = { url };
  const { creator, room, product } = await liveRoomWithProduct(node);
  const sale = await scheduleSale(node, creator, room.id, product.id);
  const v = await joinedViewer(t, node, room.id, { userId: 'v1' });
  const { order } = ok(
    await call(v.socket, 'order:place', { roomId: room.id, saleId: sale.id, quantity: 1, idempotencyKey: 'demo-order-1' }),
  ) as PlaceOrderResult;
  await waitFor(
    'order paid',
    async () => (await api<Order>(url, 'GET', `/api/orders/${order.id}`, v.token)).body.status === 'paid',
    20_000,
  );
  const ledger = await fetch(`${gatewayUrl}/v1/ledger`, { headers: { authorization: 'Bearer sk_sandbox_hawker_dev' } });
  expect(((await ledger.json()) as { charges: GatewayCharge[] }).charges.map((c) => [c.reference, c.status])).toEqual([
    [order.id, 'succeeded'],
  ]);
  expect(await fs.readFile(path.join(dir, 'sandbox', 'ledger.jsonl'), 'utf8')).toContain(order.id);

  child.kill('SIGTERM');
  const [code] = await exited;
  expect(code, out).toBe(0);
  await expect(fs.stat(`/proc/${gatewayPid}`)).rejects.toThrow();
  await expect(fetch(`${gatewayUrl}/healthz`)).rejects.toThrow();
});
