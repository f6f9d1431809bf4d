import { expect, it } from 'vitest';
import { io as ioClient } from 'socket.io-client';
import { type ClientSocket, call, connect } from '../../harness/clients.ts';
import { tokenFor } from '../../harness/live.ts';
import { randomPrefix, startNode, twoNodes, waitFor } from '../../harness/node.ts';
import { spawnNode } from '../../harness/nodeProcess.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { inject } from 'vitest';

const t = useTeardown();

type Outcome = { socket: ClientSocket } | { error: { code?: string; details?: { limit?: string; max?: number } } };

/** Opens a connection and resolves with it, or with the connect_error's data if the handshake is refused. */
function tryConnect(url: string, token: string): Promise<Outcome> {
  const socket: ClientSocket = ioClient(url, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: 60_000,
  });
  t.add(socket);
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket }));
    socket.once('connect_error', (err: Error & { data?: never }) => resolve({ error: err.data ?? { code: err.message } }));
  });
}

it('SOCKETS_PER_USER counts connections across two nodes: parallel handshakes stop at the limit; closing one frees it', async () => {
  const [a, b] = await twoNodes(t, { SOCKETS_PER_USER: '3' });
  const token = await tokenFor(a.url, 'tabs');
  const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => tryConnect(i % 2 ? b.url : a.url, token)));
  const open = outcomes.filter((o): o is { socket: ClientSocket } => 'socket' in o);
  const refused = outcomes.filter((o) => 'error' in o);
  expect(open).toHaveLength(3);
  for (const r of refused)
    expect(r).toEqual({ error: expect.objectContaining({ code: 'QUOTA_EXCEEDED', details: { limit: 'SOCKETS_PER_USER', max: 3 } }) });

  // The connections let in work; another user is not affected.
  expect(await call(open[0]!.socket, 'room:join', { roomId: 'nosuchroom' })).toMatchObject({ error: { code: 'NOT_FOUND' } });
  t.add(await connect(b.url, await tokenFor(b.url, 'someone-else')));

  // Closing one (on whichever node) frees its slot, on the other node too.
  open[0]!.socket.disconnect();
  const back = await waitFor('a slot to free up', async () => {
    const o = await tryConnect(b.url, token);
    return 'socket' in o ? o : null;
  });
  expect('socket' in back).toBe(true);
  expect('error' in (await tryConnect(a.url, token))).toBe(true);
});

it("a crashed node's connections stop counting once its liveness lapses", async () => {
  const env = { SOCKETS_PER_USER: '2', PRESENCE_TTL_MS: '1000', REDIS_KEY_PREFIX: randomPrefix() };
  const doomed = t.add(await spawnNode(env, inject('redisUrl')));
  const survivor = t.add(await startNode(env));
  const token = await tokenFor(survivor.url, 'crashy');
  t.add(await connect(doomed.url, token));
  t.add(await connect(doomed.url, token));
  expect(await tryConnect(survivor.url, token)).toMatchObject({ error: { code: 'QUOTA_EXCEEDED' } });
  await doomed.kill(); // SIGKILL: no disconnect handler runs
  const socket = await waitFor(
    "the dead node's connections to stop counting",
    async () => {
      const o = await tryConnect(survivor.url, token);
      return 'socket' in o ? o.socket : null;
    },
    15_000,
    200,
  );
  expect(socket.connected).toBe(true);
  t.add(await connect(survivor.url, token));
  expect(await tryConnect(survivor.url, token)).toMatchObject({ error: { code: 'QUOTA_EXCEEDED' } });
});
