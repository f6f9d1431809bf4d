import { expect, it } from 'vitest';
import { startLocalPostgres } from '../../server/kernel/localPostgres.ts';
import { startLocalRedis } from '../../server/kernel/localRedis.ts';
import { api, devToken } from '../../harness/clients.ts';
import { startNode, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

const readyz = async (url: string) => {
  const res = await fetch(`${url}/readyz`);
  return {
    status: res.status,
    body: (await res.json()) as { ok: boolean; redis: { ok: boolean }; workers: { alive: number }; ledger?: { ok: boolean } },
  };
};

it('/healthz answers while the process is up', async () => {
  const node = t.add(await startNode());
  const res = await fetch(`${node.url}/healthz`);
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ ok: true });
});

it('/readyz reports workers and Redis, turns 503 when Redis stops and 200 again when it returns', async () => {
  const dir = await t.tempDir('hawker-readyz-');
  let redis = await startLocalRedis({ dir });
  t.defer(() => redis.stop()); // whichever redis-server runs at the end: this test restarts it
  const node = t.add(await startNode({ MEDIASOUP_WORKERS: '2' }, redis.url));

  const token = await devToken(node.url, { userId: 'v1', name: 'Viewer', role: 'viewer' });
  const up = await readyz(node.url);
  expect(up.status).toBe(200);
  expect(up.body).toMatchObject({
    ok: true,
    redis: { ok: true, maxmemoryPolicy: 'noeviction' },
    workers: { ok: true, alive: 2, expected: 2 },
  });

  const port = redis.port;
  await redis.stop();
  const down = await waitFor('readyz 503', async () => {
    const r = await readyz(node.url);
    return r.status === 503 ? r : undefined;
  });
  expect(down.body.ok).toBe(false);
  expect(down.body.redis.ok).toBe(false);
  // Requests that need Redis meanwhile get a typed, retryable error, not INTERNAL.
  const rooms = await api<{ error: { code: string } }>(node.url, 'GET', '/api/rooms', token);
  expect(rooms.status).toBe(503);
  expect(rooms.body.error.code).toBe('UNAVAILABLE');

  redis = await startLocalRedis({ dir, port });
  const back = await waitFor(
    'readyz 200',
    async () => {
      const r = await readyz(node.url);
      return r.status === 200 ? r : undefined;
    },
    15_000,
  );
  expect(back.body.redis.ok).toBe(true);
});

it('/readyz refuses a Redis that may evict keys', async () => {
  const redis = t.add(await startLocalRedis({ dir: await t.tempDir('hawker-readyz-') }));
  const node = t.add(await startNode({}, redis.url));
  await node.node.ctx.redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
  const r = await readyz(node.url);
  expect(r.status).toBe(503);
  expect(r.body.redis).toMatchObject({ ok: false, maxmemoryPolicy: 'allkeys-lru' });
});

it('/readyz turns 503 while the PostgreSQL ledger is down and 200 again once it is back', async () => {
  const dir = await t.tempDir('hawker-readyz-pg-');
  let db = await startLocalPostgres({ dir });
  t.defer(() => db.stop());
  const node = t.add(await startNode({ DATABASE_URL: db.url }));
  const up = await readyz(node.url);
  expect(up.status).toBe(200);
  expect(up.body).toMatchObject({ ok: true, ledger: { ok: true } });

  await db.stop();
  const down = await waitFor(
    'readyz to report the ledger down',
    async () => {
      const r = await readyz(node.url);
      return r.status === 503 ? r : null;
    },
    20_000,
  );
  expect(down.body).toMatchObject({ ok: false, ledger: { ok: false }, redis: { ok: true } });

  db = await startLocalPostgres({ dir }); // same cluster, same port: the node's pool reconnects by itself
  await waitFor('readyz 200 again', async () => (await readyz(node.url)).status === 200, 30_000);
});
