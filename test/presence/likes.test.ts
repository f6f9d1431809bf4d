import { expect, it } from 'vitest';
import { call, ok } from '../../harness/clients.ts';
import { LiveClient, liveRoom, tokenFor } from '../../harness/live.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('taps from many viewers are summed per tick and pushed as totals, not one packet per tap', async () => {
  const node = t.add(await startNode({ STATS_TICK_MS: '200' }));
  const { roomId } = await liveRoom(node.url);
  const watcher = t.add(await LiveClient.connect(node.url, await tokenFor(node.url, 'watcher')));
  await watcher.join(roomId);
  const tappers = await Promise.all(
    Array.from({ length: 10 }, async (_, i) => t.add(await LiveClient.connect(node.url, await tokenFor(node.url, `t${i}`)))),
  );
  for (const tapper of tappers) await tapper.join(roomId);

  let sent = 0;
  await Promise.all(
    tappers.map(async (tapper) => {
      for (let i = 0; i < 8; i++) {
        const { accepted } = ok(await call(tapper.socket, 'like:tap', { roomId, count: 3 })) as { accepted: number };
        expect(accepted).toBe(3);
        sent += accepted;
      }
    }),
  );
  expect(sent).toBe(240);
  await watcher.until('the total reaches 240', (s) => s.stats.likes === 240);
  const likePushes = watcher.pushes.filter((p) => p.event === 'room:stats').length;
  expect(likePushes).toBeLessThan(80); // 80 tap events, far fewer packets
  const late = t.add(await LiveClient.connect(node.url, await tokenFor(node.url, 'late')));
  expect((await late.join(roomId)).stats.likes).toBe(240);
});

it('caps taps per connection and refuses taps from outside the room', async () => {
  // The per-person limit (test/limits/likes-per-user.test.ts) raised out of the way: this is the connection's cap.
  const node = t.add(await startNode({ LIKES_PER_USER_PER_SEC: '1000' }));
  const { roomId } = await liveRoom(node.url);
  const bot = t.add(await LiveClient.connect(node.url, await tokenFor(node.url, 'bot')));
  expect(await call(bot.socket, 'like:tap', { roomId, count: 5 })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  await bot.join(roomId);
  let accepted = 0;
  for (let i = 0; i < 3; i++) accepted += (ok(await call(bot.socket, 'like:tap', { roomId, count: 50 })) as { accepted: number }).accepted;
  expect(accepted).toBeGreaterThanOrEqual(45);
  expect(accepted).toBeLessThan(60); // a 45-tap burst plus a few refilled, not 150
  await bot.until('the capped taps are counted', (s) => s.stats.likes === accepted);
});
