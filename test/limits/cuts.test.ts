import { expect, it } from 'vitest';
import type { ConnectionCut } from '@hawker/protocol';
import { call, connect, ok, type ClientSocket } from '../../harness/clients.ts';
import { liveRoom, tokenFor } from '../../harness/live.ts';
import { startNode, twoNodes, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

type ConnectRefusal = Error & { data?: { code: string; details?: { limit?: string; max?: number; retryAfterMs?: number } } };
const refusalOf = (p: Promise<ClientSocket>) =>
  p.then(
    (s) => {
      s.disconnect();
      throw new Error('expected the connection to be refused');
    },
    (err: ConnectRefusal) => err.data,
  );

it('SOCKET_CUT_REFUSALS: a connection tapping far past its budget gets one RATE_LIMITED naming the limit and is cut; the calm one beside it is not; reconnects are refused on every node during the cool-down', async () => {
  const CUT = 12;
  const [a, b] = await twoNodes(t, {
    LIKES_PER_USER_PER_SEC: '5',
    SOCKET_CUT_REFUSALS: String(CUT),
    SOCKET_CUT_WINDOW_MS: '60000',
    SOCKET_CUT_COOLDOWN_MS: '60000',
  });
  const { roomId } = await liveRoom(a.url);
  const floodToken = await tokenFor(a.url, 'flooder');
  const flooder = t.add(await connect(a.url, floodToken));
  // The same user's other connection, idle: judged by its own answers, so it stays.
  const idle = t.add(await connect(a.url, floodToken));
  // Another person at the SDK's pace (one like packet every 250 ms, a tap each: under their 5 a second).
  const calm = t.add(await connect(a.url, await tokenFor(a.url, 'calm')));
  for (const s of [flooder, calm]) ok(await call(s, 'room:join', { roomId }));

  const cuts: ConnectionCut[] = [];
  flooder.on('connection:cut', (cut) => cuts.push(cut));
  const disconnected = new Promise<string>((resolve) => flooder.once('disconnect', resolve));
  let calmDone = false;
  const calmAnswers: string[] = [];
  const calmLoop = (async () => {
    while (!calmDone) {
      const ack = await call(calm, 'like:tap', { roomId, count: 1 });
      calmAnswers.push(ack.ok ? 'ok' : ack.error.code);
      await new Promise((r) => setTimeout(r, 250)); // pacing: the SDK flushes taps every 250 ms
    }
  })();

  // The flooder: 50 taps a packet, each sent as soon as the last is answered, until the server cuts it.
  const limits = new Set<string>();
  let refusals = 0;
  while (flooder.connected) {
    const ack = await call(flooder, 'like:tap', { roomId, count: 50 }).catch(() => undefined);
    if (ack && !ack.ok) {
      refusals++;
      limits.add(`${ack.error.code}:${(ack.error.details as { limit?: string } | undefined)?.limit ?? '-'}`);
    }
  }
  expect(await disconnected).toBe('io server disconnect');
  expect(refusals).toBeGreaterThanOrEqual(CUT - 1);
  expect(refusals).toBeLessThanOrEqual(CUT);
  // Which limit refuses first depends on how fast the flooder's packets arrive (a quiet machine answers faster than
  // SOCKET_EVENTS_PER_SEC allows); each refusal names one of them.
  expect(limits.size).toBeGreaterThan(0);
  for (const l of limits) expect(['RATE_LIMITED:LIKES_PER_USER_PER_SEC', 'RATE_LIMITED:SOCKET_EVENTS_PER_SEC']).toContain(l);
  // Told once, with the limit's name, its value and the cool-down.
  expect(cuts).toHaveLength(1);
  expect(cuts[0]).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'SOCKET_CUT_REFUSALS', max: CUT } });
  expect(cuts[0]!.details.retryAfterMs).toBeGreaterThan(50_000);
  expect(cuts[0]!.details.retryAfterMs).toBeLessThanOrEqual(60_000);

  // The calm connection and the flooder's idle one carry on.
  calmDone = true;
  await calmLoop;
  expect(calm.connected).toBe(true);
  expect(idle.connected).toBe(true);
  expect(calmAnswers.length).toBeGreaterThan(0);
  expect(calmAnswers.every((x) => x === 'ok')).toBe(true);
  expect(ok(await call(calm, 'like:tap', { roomId, count: 1 }))).toEqual({ accepted: 1 });
  expect(ok(await call(idle, 'room:join', { roomId }))).toBeTruthy();

  // Reconnecting during the cool-down: refused with a typed error naming the limit, on this node and on the other.
  for (const url of [a.url, b.url]) {
    const refusal = await refusalOf(connect(url, floodToken));
    expect(refusal).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'SOCKET_CUT_REFUSALS', max: CUT } });
    expect(refusal!.details!.retryAfterMs).toBeGreaterThan(0);
  }
  // Other people connect as usual.
  t.add(await connect(b.url, await tokenFor(b.url, 'newcomer')));
});

it('SOCKET_CUT_COOLDOWN_MS: once the cool-down is over the user connects again', async () => {
  const node = t.add(await startNode({ SOCKET_CUT_REFUSALS: '5', SOCKET_CUT_WINDOW_MS: '60000', SOCKET_CUT_COOLDOWN_MS: '1500' }));
  const token = await tokenFor(node.url, 'spammer');
  const s = t.add(await connect(node.url, token));
  const cut = new Promise<ConnectionCut>((resolve) => s.once('connection:cut', resolve));
  // Events past the connection's event budget (20/s, bursts of 60), all sent at once: the budget's refusals count too.
  for (let i = 0; i < 80; i++) void call(s, 'room:leave', { roomId: 'nowhere' }).catch(() => undefined);
  expect((await cut).details).toMatchObject({ limit: 'SOCKET_CUT_REFUSALS', max: 5 });
  const refusal = await refusalOf(connect(node.url, token));
  expect(refusal).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'SOCKET_CUT_REFUSALS' } });
  const back = await waitFor('the cool-down ends', () => connect(node.url, token), 15_000, 200);
  t.add(back);
  expect(back.connected).toBe(true);
});

/** A raw request, for headers: status, Retry-After and the error body. */
async function hit(url: string, path: string, opts: { token?: string; xff?: string } = {}) {
  const res = await fetch(`${url}${path}`, {
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.xff ? { 'x-forwarded-for': opts.xff } : {}),
    },
  });
  const json = (await res.json().catch(() => ({}))) as {
    error?: { code: string; details?: { limit?: string; max?: number; retryAfterMs?: number } };
  };
  return { status: res.status, retryAfter: res.headers.get('retry-after'), error: json.error };
}

it('REST_CUT_REFUSALS: an address that keeps sending after 429s is cut for the cool-down (429, Retry-After, the limit named); other addresses and /healthz are served', async () => {
  const node = t.add(
    await startNode({
      REST_RATE_PER_IP_PER_MIN: '4',
      TRUSTED_PROXIES: 'loopback',
      REST_CUT_REFUSALS: '10',
      REST_CUT_WINDOW_MS: '60000',
      REST_CUT_COOLDOWN_MS: '120000',
    }),
  );
  const token = await tokenFor(node.url, 'hammer');
  const answers = [];
  for (let i = 0; i < 20; i++) answers.push(await hit(node.url, '/api/rooms', { token, xff: '198.51.100.9' }));
  expect(answers.slice(0, 4).map((r) => r.status)).toEqual([200, 200, 200, 200]);
  // Refused by the per-address limit (from the limiter, then from the edge's memory of it) until the 10th refusal...
  for (const r of answers.slice(4, 14)) {
    expect(r.status).toBe(429);
    expect(r.error).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'REST_RATE_PER_IP_PER_MIN', max: 4 } });
    expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(r.retryAfter)).toBeLessThanOrEqual(60);
  }
  // ...then cut: the answer names the cut and its cool-down, longer than the per-address window.
  for (const r of answers.slice(14)) {
    expect(r.status).toBe(429);
    expect(r.error).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'REST_CUT_REFUSALS', max: 10 } });
    expect(Number(r.retryAfter)).toBeGreaterThan(60);
    expect(Number(r.retryAfter)).toBeLessThanOrEqual(120);
  }
  // Another address behind the same proxy, with the same token, is served; health is never refused.
  expect((await hit(node.url, '/api/rooms', { token, xff: '198.51.100.10' })).status).toBe(200);
  expect((await hit(node.url, '/healthz', { xff: '198.51.100.9' })).status).toBe(200);
});

it('REST_RATE_PER_USER_PER_MIN: once refused, the same token is refused at the edge with the same answer and Retry-After', async () => {
  const node = t.add(await startNode({ REST_RATE_PER_USER_PER_MIN: '3' }));
  const token = await tokenFor(node.url, 'eager');
  const answers = [];
  for (let i = 0; i < 6; i++) answers.push(await hit(node.url, '/api/rooms', { token }));
  expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 429, 429, 429]);
  for (const r of answers.slice(3)) {
    expect(r.error).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'REST_RATE_PER_USER_PER_MIN', max: 3 } });
    expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(r.error!.details!.retryAfterMs).toBeGreaterThan(0);
  }
  // Another user from the same address is served.
  expect((await hit(node.url, '/api/rooms', { token: await tokenFor(node.url, 'patient') })).status).toBe(200);
});
