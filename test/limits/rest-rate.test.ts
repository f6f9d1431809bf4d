import { expect, it } from 'vitest';
import type { Room } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { tokenFor } from '../../harness/live.ts';
import { startNode, twoNodes } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

/** A raw request, for headers: status, Retry-After and the error body. */
async function hit(url: string, path: string, opts: { token?: string; xff?: string; method?: string; body?: unknown } = {}) {
  const res = await fetch(`${url}${path}`, {
    method: opts.method ?? 'GET',
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.xff ? { 'x-forwarded-for': opts.xff } : {}),
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  let json: { error?: { code: string; details?: Record<string, unknown> } } = {};
  try {
    json = JSON.parse(text) as typeof json;
  } catch {}
  return { status: res.status, retryAfter: res.headers.get('retry-after'), error: json.error };
}

it('REST_RATE_PER_USER_PER_MIN holds across two nodes with 429, RATE_LIMITED, its name and Retry-After; refused writes change nothing', async () => {
  const [a, b] = await twoNodes(t, { REST_RATE_PER_USER_PER_MIN: '6' });
  const token = await tokenFor(a.url, 'busy', 'creator');
  const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => hit(i % 2 ? b.url : a.url, '/api/rooms', { token })));
  expect(answers.filter((r) => r.status === 200)).toHaveLength(6);
  const refused = answers.filter((r) => r.status !== 200);
  for (const r of refused) {
    expect(r.status).toBe(429);
    expect(r.error).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'REST_RATE_PER_USER_PER_MIN', max: 6 } });
    expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(r.retryAfter)).toBeLessThanOrEqual(60);
  }
  const create = await hit(b.url, '/api/rooms', { token, method: 'POST', body: { title: 'Too many' } });
  expect(create.status).toBe(429);
  // Another user is not affected, and sees no room created by the refused request; health is never limited.
  const other = await tokenFor(a.url, 'other');
  const rooms = await api<{ rooms: Room[] }>(a.url, 'GET', '/api/rooms?creatorId=busy', other);
  expect(rooms.status).toBe(200);
  expect(rooms.body.rooms).toEqual([]);
  expect((await hit(a.url, '/healthz')).status).toBe(200);
});

it('REST_RATE_PER_IP_PER_MIN: without TRUSTED_PROXIES a forged X-Forwarded-For changes nothing', async () => {
  const node = t.add(await startNode({ REST_RATE_PER_IP_PER_MIN: '5' }));
  const answers = [];
  for (let i = 0; i < 7; i++) answers.push(await hit(node.url, '/api/rooms/nosuchroom', { xff: `203.0.113.${i}` }));
  // Unauthenticated requests count per address too (401 until the limit, then 429).
  expect(answers.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 429, 429]);
  expect(answers[5]!.error).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'REST_RATE_PER_IP_PER_MIN', max: 5 } });
  expect(Number(answers[5]!.retryAfter)).toBeGreaterThanOrEqual(1);
  // Health, metrics, pages and the payment webhook are not limited per address.
  expect((await hit(node.url, '/healthz')).status).toBe(200);
  expect((await hit(node.url, '/metrics')).status).toBe(200);
  expect((await hit(node.url, '/')).status).not.toBe(429);
  expect((await hit(node.url, '/api/payments/webhook', { method: 'POST', body: {} })).status).not.toBe(429);
});

it('REST_RATE_PER_IP_PER_MIN: behind a trusted proxy, clients are told apart by the address it reports', async () => {
  const node = t.add(await startNode({ REST_RATE_PER_IP_PER_MIN: '3', TRUSTED_PROXIES: 'loopback' }));
  for (let i = 0; i < 3; i++) expect((await hit(node.url, '/api/rooms/x', { xff: '198.51.100.7' })).status).toBe(401);
  expect((await hit(node.url, '/api/rooms/x', { xff: '198.51.100.7' })).status).toBe(429);
  // A buyer behind the same proxy is another address; a client prepending a forged address to the chain still has its
  // own (the proxy appends the address it saw, and only the proxy is trusted).
  expect((await hit(node.url, '/api/rooms/x', { xff: '198.51.100.8' })).status).toBe(401);
  expect((await hit(node.url, '/api/rooms/x', { xff: '192.0.2.1, 198.51.100.7' })).status).toBe(429);
});
