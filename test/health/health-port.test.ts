/**
 * HEALTH_PORT: a second listener for health checks and metrics only (server/app.ts). A check that opens its own
 * connection there is not queued behind a flood of new connections on PORT (the node accepts one per loop turn); the
 * bench (bench/soak/freshProbe.ts beside bench:soak) measures that, this test what the listener serves.
 */
import net from 'node:net';
import { expect, it } from 'vitest';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('HEALTH_PORT serves /healthz, /readyz and /metrics with the security headers, nothing else, and closes with the node', async () => {
  const node = await startNode({ HEALTH_PORT: '0' });
  let closed = false;
  t.defer(() => (closed ? undefined : node.close()));
  const health = node.node.healthAddress();
  expect(health).toBeDefined();
  expect(health!.port).not.toBe(node.port);
  const base = `http://127.0.0.1:${health!.port}`;

  const healthz = await fetch(`${base}/healthz`);
  expect(healthz.status).toBe(200);
  expect(await healthz.json()).toMatchObject({ ok: true });
  expect(healthz.headers.get('x-content-type-options')).toBe('nosniff');
  const readyz = await fetch(`${base}/readyz`);
  expect(readyz.status).toBe(200);
  expect(await readyz.json()).toMatchObject({ ok: true, redis: { ok: true } });
  const metrics = await fetch(`${base}/metrics`);
  expect(metrics.status).toBe(200);
  expect(await metrics.text()).toMatch(/^hawker_/m);

  // The API, the pages and Socket.IO stay on PORT only.
  for (const pathname of ['/api/rooms', '/', '/room', '/socket.io/?EIO=4&transport=polling']) {
    const res = await fetch(`${base}${pathname}`);
    expect(res.status, pathname).toBe(404);
    expect(res.headers.get('x-content-type-options'), pathname).toBe('nosniff');
    expect(res.headers.get('cache-control'), pathname).toBe('no-store');
    expect(await res.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  }
  const post = await fetch(`${base}/readyz`, { method: 'POST' });
  expect(post.status).toBe(404);
  // PORT still answers the same checks.
  expect((await fetch(`${node.url}/healthz`)).status).toBe(200);
  expect((await fetch(`${node.url}/readyz`)).status).toBe(200);

  // A kept-alive client does not hold the node's close: the listener ends its connections and stops accepting.
  const kept = net.connect(health!.port, '127.0.0.1');
  await new Promise((r) => kept.once('connect', r));
  const ended = new Promise((r) => kept.once('close', r));
  await node.close();
  closed = true;
  await ended;
  const refused = await new Promise<string>((resolve) => {
    const s = net.connect(health!.port, '127.0.0.1');
    s.once('connect', () => resolve('connected'));
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
  expect(refused).toBe('ECONNREFUSED');
});

it('without HEALTH_PORT there is no second listener', async () => {
  const node = t.add(await startNode());
  expect(node.node.healthAddress()).toBeUndefined();
});
