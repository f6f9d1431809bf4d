import { io as ioClient } from 'socket.io-client';
import { expect, it } from 'vitest';
import type { ChatMessage } from '@hawker/protocol';
import { call, ok } from '../../harness/clients.ts';
import { inspector } from '../../harness/commerce.ts';
import { comparable, LiveClient, liveRoom, tokenFor } from '../../harness/live.ts';
import { startNode, twoNodes, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

/**
 * Cuts `viewer`'s connection, lets the room move on while it is away (chat, a delete, a mute, slow mode, likes, another
 * viewer), waits for it to reconnect, and checks that its state equals a fresh join's (same user, so the same view).
 */
async function cutAndCompare(opts: { breakRecovery: boolean }) {
  const node = t.add(await startNode({ STATS_TICK_MS: '100', CHAT_RATE_BURST: '50' }));
  const { roomId, creator } = await liveRoom(node.url);
  const viewerToken = await tokenFor(node.url, 'viewer1');
  const viewer = t.add(await LiveClient.connect(node.url, viewerToken, { reconnection: true }));
  const host = t.add(await LiveClient.connect(node.url, creator));
  await viewer.join(roomId);
  await host.join(roomId);
  const before = ok(await call(host.socket, 'chat:send', { roomId, text: 'before the cut' })) as ChatMessage;
  ok(await call(viewer.socket, 'chat:send', { roomId, text: 'my own message' }));
  await viewer.until('viewer has the first messages', (s) => s.chat.length === 2);

  const reconnected = new Promise<void>((resolve) => viewer.socket.io.once('reconnect', () => resolve()));
  const serverSawCut = waitFor('the server to drop the viewer', () => node.node.ctx.io.sockets.sockets.size === 1);
  viewer.socket.io.engine.close(); // a network cut, as far as both ends can tell: the client will reconnect
  await serverSawCut;
  if (opts.breakRecovery) {
    // Recovery impossible (e.g. the session expired): the client must fall back to a fresh join.
    const redis = t.add(inspector());
    const sessions = await redis.keys(`${node.prefix}sio:session:*`);
    expect(sessions.length).toBe(1);
    await redis.del(...sessions);
  }

  // The room moves on while the viewer is away.
  const during = ok(await call(host.socket, 'chat:send', { roomId, text: 'while you were away' })) as ChatMessage;
  ok(await call(host.socket, 'chat:send', { roomId, text: 'and one more' }));
  ok(await call(host.socket, 'mod:delete', { roomId, messageId: before.id }));
  ok(await call(host.socket, 'mod:mute', { roomId, userId: 'viewer1', durationS: 300 }));
  ok(await call(host.socket, 'mod:slowMode', { roomId, seconds: 5 }));
  ok(await call(host.socket, 'like:tap', { roomId, count: 9 }));
  const other = t.add(await LiveClient.connect(node.url, await tokenFor(node.url, 'viewer2')));
  await other.join(roomId);
  await host.until(
    'the host sees the room settle',
    (s) => s.chat.some((m) => m.id === during.id) && s.stats.likes === 9 && s.stats.viewers === 1,
  );

  await reconnected;
  await waitFor('the viewer to be connected', () => viewer.socket.connected);
  expect(viewer.socket.recovered).toBe(!opts.breakRecovery);
  expect(viewer.rejoins).toBe(opts.breakRecovery ? 1 : 0);
  // The server has the reconnected connection back in the room: it counts, and it may act there.
  // The creator (host) is not a viewer: viewer1 and viewer2.
  await host.until('the reconnected viewer counts again', (s) => s.stats.viewers === 2);
  await waitFor('the viewer back in the room server-side', async () => (await call(viewer.socket, 'like:tap', { roomId, count: 1 })).ok);

  const fresh = t.add(await LiveClient.connect(node.url, viewerToken));
  await fresh.join(roomId);
  await viewer.until('the viewer settles', (s) => s.stats.likes === 10 && s.chat.some((m) => m.text === 'and one more'));
  await fresh.until('the fresh join settles', (s) => s.stats.likes === 10);
  expect(comparable(viewer.state)).toEqual(comparable(fresh.state));
  expect(viewer.texts()).toEqual(['my own message', 'while you were away', 'and one more']);
  expect(viewer.state).toMatchObject({ slowModeS: 5, stats: { viewers: 2, likes: 10 } });
  expect(viewer.state!.mutedUntil).toBeGreaterThan(Date.now());
  // Leaving (both connections) drops the count for everyone.
  ok(await call(fresh.socket, 'room:leave', { roomId }));
  viewer.close();
  await host.until("both of viewer1's connections gone", (s) => s.stats.viewers === 1);
}

it("a connection cut mid-room is recovered (missed pushes replayed) and its state equals a fresh join's", async () => {
  await cutAndCompare({ breakRecovery: false });
});

it("when recovery is impossible the client re-joins and its state equals a fresh join's", async () => {
  await cutAndCompare({ breakRecovery: true });
});

it('a connection cut on one node recovers on another: the session and the missed pushes come from Redis', async () => {
  const [node, other] = await twoNodes(t, { STATS_TICK_MS: '100' });
  const { roomId, creator } = await liveRoom(node.url);
  const token = await tokenFor(node.url, 'viewer1');
  const viewer = t.add(await LiveClient.connect(node.url, token));
  const host = t.add(await LiveClient.connect(node.url, creator));
  await viewer.join(roomId);
  await host.join(roomId);
  const before = ok(await call(host.socket, 'chat:send', { roomId, text: 'before the cut' })) as ChatMessage;
  await viewer.until('viewer has it', (s) => s.chat.length === 1);

  viewer.socket.io.engine.close();
  await waitFor('node A to drop the viewer', () => node.node.ctx.io.sockets.sockets.size === 1);
  ok(await call(host.socket, 'chat:send', { roomId, text: 'while you were away' }));
  ok(await call(host.socket, 'mod:delete', { roomId, messageId: before.id }));

  // What a reconnect through a load balancer to another node does: the same session id and last offset, node B.
  const internals = viewer.socket as unknown as { _pid: string; _lastOffset: string };
  const moved = t.add(
    new LiveClient(
      ioClient(other.url, {
        auth: { token, pid: internals._pid, offset: internals._lastOffset },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        autoConnect: false,
      }),
    ),
  );
  moved.state = viewer.state; // the client keeps its state across the cut
  const connected = new Promise<void>((resolve) => moved.socket.once('connect', () => resolve()));
  moved.socket.connect();
  await connected;
  await moved.until('the missed pushes are replayed', (s) => s.chat.map((m) => m.text).join() === 'while you were away');
  // Node B put the connection back in the room: it counts, and it may act there without joining again.
  await host.until('counted again, through node B', (s) => s.stats.viewers === 1);
  expect(other.node.ctx.io.sockets.sockets.size).toBe(1);
  expect(ok(await call(moved.socket, 'like:tap', { roomId, count: 2 }))).toEqual({ accepted: 2 });
  await host.until('its like counts', (s) => s.stats.likes === 2);
});
