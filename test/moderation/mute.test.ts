import { expect, it } from 'vitest';
import { api, call, ok } from '../../harness/clients.ts';
import { hostAndViewer, LiveClient, liveRoom, tokenFor } from '../../harness/live.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('a timed mute stops a user chatting in that room only, tells them, shows in their snapshot, and can be lifted', async () => {
  const node = t.add(await startNode());
  const { roomId, creator, host, viewer: loud } = await hostAndViewer(t, node.url, 'loud');
  const other = await liveRoom(node.url, { creatorId: 'creator2' });

  const before = Date.now();
  const { until } = ok(await call(host.socket, 'mod:mute', { roomId, userId: 'loud', durationS: 600, reason: 'calm down' })) as {
    until: number;
  };
  expect(until).toBeGreaterThanOrEqual(before + 600_000);
  await loud.until('told about the mute', (s) => s.mutedUntil === until);
  const refused = await call(loud.socket, 'chat:send', { roomId, text: 'hey' });
  expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', details: { mutedUntil: until } } });

  // Another room is unaffected.
  const loud2 = t.add(await LiveClient.connect(node.url, await tokenFor(node.url, 'loud')));
  await loud2.join(other.roomId);
  expect(await call(loud2.socket, 'chat:send', { roomId: other.roomId, text: 'hi elsewhere' })).toMatchObject({ ok: true });
  // A new connection of the muted user learns it from the snapshot.
  expect((await loud2.join(roomId)).mutedUntil).toBe(until);

  const state = await api<{ mutes: { userId: string; until: number }[] }>(node.url, 'GET', `/api/rooms/${roomId}/moderation`, creator);
  expect(state.body.mutes).toEqual([{ userId: 'loud', until }]);

  ok(await call(host.socket, 'mod:unmute', { roomId, userId: 'loud' }));
  await loud.until('told about the unmute', (s) => s.mutedUntil === null);
  expect(await call(loud.socket, 'chat:send', { roomId, text: 'thanks' })).toMatchObject({ ok: true });
});

it("mute and slow-mode durations past the server's settings are refused with a typed error naming the limit", async () => {
  const node = t.add(await startNode({ MODERATION_MUTE_MAX_S: '3600', MODERATION_SLOW_MODE_MAX_S: '30' }));
  const { roomId, creator, host } = await hostAndViewer(t, node.url, 'loud');
  expect(await call(host.socket, 'mod:mute', { roomId, userId: 'loud', durationS: 3601 })).toMatchObject({
    ok: false,
    error: { code: 'BAD_REQUEST', details: { limit: 'MODERATION_MUTE_MAX_S', max: 3600 } },
  });
  expect(await call(host.socket, 'mod:slowMode', { roomId, seconds: 31 })).toMatchObject({
    ok: false,
    error: { code: 'BAD_REQUEST', details: { limit: 'MODERATION_SLOW_MODE_MAX_S', max: 30 } },
  });
  const state = await api<{ mutes: unknown[]; slowModeS: number; limits: unknown }>(
    node.url,
    'GET',
    `/api/rooms/${roomId}/moderation`,
    creator,
  );
  expect(state.body).toMatchObject({ mutes: [], slowModeS: 0, limits: { muteMaxS: 3600, slowModeMaxS: 30 } });
  ok(await call(host.socket, 'mod:mute', { roomId, userId: 'loud', durationS: 3600 }));
  ok(await call(host.socket, 'mod:slowMode', { roomId, seconds: 30 }));
});
