import { afterEach, expect, it } from 'vitest';
import { call, ok } from '../helpers/clients.ts';
import { LiveClient, liveRoom, tokenFor } from '../helpers/live.ts';
import { startNode, type TestNode } from '../helpers/node.ts';

let node: TestNode | undefined;
const clients: LiveClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await node?.close();
  node = undefined;
});

it('slow mode spaces each viewer\'s messages, is pushed to the room, exempts staff, and can be turned off', async () => {
  node = await startNode({ CHAT_RATE_BURST: '20' });
  const { roomId, creator } = await liveRoom(node.url);
  const host = await LiveClient.connect(node.url, creator);
  const viewer = await LiveClient.connect(node.url, await tokenFor(node.url, 'viewer'));
  clients.push(host, viewer);
  await host.join(roomId);
  await viewer.join(roomId);

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
  const late = await LiveClient.connect(node.url, await tokenFor(node.url, 'late'));
  clients.push(late);
  expect((await late.join(roomId)).chatSettings).toEqual({ roomId, slowModeS: 30, maxLength: 200 });

  ok(await call(host.socket, 'mod:slowMode', { roomId, seconds: 0 }));
  expect(await call(viewer.socket, 'chat:send', { roomId, text: 'free again' })).toMatchObject({ ok: true });
});
