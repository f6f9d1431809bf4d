import { expect, it } from 'vitest';
import { call, connect, ok } from '../../harness/clients.ts';
import { LiveClient, liveRoom, tokenFor } from '../../harness/live.ts';
import { twoNodes } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('LIKES_PER_USER_PER_SEC holds over all of a user’s connections on two nodes; refused taps count nowhere', async () => {
  const PER_SEC = 10;
  const [a, b] = await twoNodes(t, { LIKES_PER_USER_PER_SEC: String(PER_SEC), STATS_TICK_MS: '200' });
  const { roomId } = await liveRoom(a.url);
  const token = await tokenFor(a.url, 'tapper');
  // Four connections, two per node: each is far under the per-connection cap (15/s), together far over the per-user one.
  const sockets = await Promise.all([a, b, a, b].map(async (n) => t.add(await connect(n.url, token))));
  for (const s of sockets) ok(await call(s, 'room:join', { roomId }));
  const watcher = t.add(await LiveClient.connect(b.url, await tokenFor(b.url, 'watcher')));
  await watcher.join(roomId);

  const started = Date.now();
  let accepted = 0;
  const refusals: unknown[] = [];
  // 2.5 s of taps from every connection: 4 x 5 taps every 100 ms is 200 taps a second offered.
  await Promise.all(
    sockets.map(async (s) => {
      while (Date.now() - started < 2_500) {
        const ack = await call(s, 'like:tap', { roomId, count: 5 });
        if (ack.ok) accepted += (ack.data as { accepted: number }).accepted;
        else refusals.push(ack.error);
        await new Promise((r) => setTimeout(r, 100)); // pacing: a tap packet per connection every 100 ms
      }
    }),
  );
  const seconds = Math.ceil((Date.now() - started) / 1000);
  expect(accepted).toBeGreaterThanOrEqual(PER_SEC); // taps do get through...
  expect(accepted).toBeLessThanOrEqual(PER_SEC * (seconds + 1)); // ...but at most the limit in each second touched
  expect(refusals.length).toBeGreaterThan(0);
  for (const e of refusals) {
    expect(e).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'LIKES_PER_USER_PER_SEC', max: PER_SEC } });
    expect((e as { details: { retryAfterMs: number } }).details.retryAfterMs).toBeLessThanOrEqual(1_000);
  }
  // The room's total is exactly what was accepted, seen from the other node.
  await watcher.until(`the like total reaches ${accepted}`, (s) => s.stats.likes === accepted);

  // Another user in the same second is not affected.
  const other = t.add(await connect(a.url, await tokenFor(a.url, 'calm')));
  ok(await call(other, 'room:join', { roomId }));
  expect(ok(await call(other, 'like:tap', { roomId, count: 3 }))).toEqual({ accepted: 3 });
});
