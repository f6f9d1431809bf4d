import { expect, it } from 'vitest';
import { call, ok } from '../../harness/clients.ts';
import { hostAndViewer, LiveClient, tokenFor } from '../../harness/live.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it("slow mode spaces each viewer's messages, is pushed to the room, exempts staff, and can be turned off", async () => {
  const node = t.add(await startNode({ CHAT_RATE_BURST: '20' }));
  const { roomId, host, viewer } = await hostAndViewer(t, node.url);

  expect(ok(await call(host.socket, 'mod:slowMode', { roomId, seconds: 30 }))).toEqual({ roomId, slowModeS: 30, maxLength: 200 });
  await viewer.until('viewer learns slow mode', (s) => s.slowModeS === 30);
  expect(await call(viewer.socket, 'chat:send', { roomId, text: 'first' })).toMatchObject({ ok: true });
  const second = await call(viewer.socket, 'chat:send', { roomId, text: 'second' });
  expect(second).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED', details: { slowMode: true } } });
  const wait = (second as { error: { details: { retryAfterMs: number } } }).error.details.retryAfterMs;
  expect(wait).toBeGreaterThan(25_000);
  expect(wait).toBeLessThanOrEqual(30_000);
  // Staff are exempt.
  expect(await call(host.socket, 'chat:send', { roomId, text: 'host 1' })).toMatchObject({ ok: true });
  expect(await call(host.socket, 'chat:send', { roomId, text: 'host 2' })).toMatchObject({ ok: true });
  // A late joiner gets the setting in its snapshot.
  const late = t.add(await LiveClient.connect(node.url, await tokenFor(node.url, 'late')));
  expect((await late.join(roomId)).chatSettings).toEqual({ roomId, slowModeS: 30, maxLength: 200 });

  ok(await call(host.socket, 'mod:slowMode', { roomId, seconds: 0 }));
  expect(await call(viewer.socket, 'chat:send', { roomId, text: 'free again' })).toMatchObject({ ok: true });
});
