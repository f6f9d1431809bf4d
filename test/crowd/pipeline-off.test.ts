import { expect, it } from 'vitest';
import { api, call, devToken, ok } from '../../harness/clients.ts';
import { joinedViewer } from '../../harness/commerce.ts';
import { startNode, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { liveRoom } from './fixtures.ts';

const t = useTeardown();

/** One Prometheus sample of the node's /metrics, 0 when absent. */
async function metric(url: string, line: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found ? Number(found.slice(line.length + 1)) : 0;
}

/** A viewer joins, taps likes, clicks the product and touches the room: everything the pipeline records. */
async function audience(node: { url: string }, userId: string): Promise<unknown> {
  const creator = await devToken(node.url, { userId: 'c1', name: 'Creator', role: 'creator', agencyId: 'ag1' });
  const { room, product } = await liveRoom(node, creator, 'Live', 1000);
  const v = await joinedViewer(t, node, room.id, { userId });
  ok(await call(v.socket, 'like:tap', { roomId: room.id, count: 3 }));
  ok(await call(v.socket, 'product:click', { roomId: room.id, productId: product.id }));
  return (await api(node.url, 'POST', '/api/crowd/touch', v.token, { kind: 'watch', source: 'replay', roomId: room.id, seconds: 40 })).body;
}

it('CROWD_PIPELINE=false records no viewer events (likes, clicks, touches, joins), while the same audience on a node with it on is recorded', async () => {
  // With the pipeline on (the default), the scripted audience is recorded: the control.
  const on = t.add(await startNode({ CROWD_FLUSH_MS: '100' }));
  expect(await audience(on, 'alice')).toEqual({ recorded: true });
  await waitFor(
    'the likes and the click recorded',
    async () => (await metric(on.url, 'hawker_crowd_events{outcome="accepted"}')) >= 3,
    15_000,
  );
  await waitFor('rows written', async () => (await metric(on.url, 'hawker_crowd_rows{state="written"}')) > 0, 15_000);

  const off = t.add(await startNode({ CROWD_FLUSH_MS: '100', CROWD_PIPELINE: 'false' }));
  expect(await audience(off, 'bob')).toEqual({ recorded: false });
  expect(await metric(off.url, 'hawker_crowd_events{outcome="accepted"}')).toBe(0);
  expect(await metric(off.url, 'hawker_crowd_rows{state="pending"}')).toBe(0);
  const { rows } = await off.node.ctx.db.query(
    `SELECT user_id FROM crowd_daily WHERE user_id = 'bob' UNION ALL SELECT user_id FROM room_viewers WHERE user_id = 'bob'`,
  );
  expect(rows).toEqual([]);
  // Readings still answer (what was recorded before: nothing here).
  const creator = await devToken(off.url, { userId: 'c1', name: 'Creator', role: 'creator', agencyId: 'ag1' });
  expect((await api(off.url, 'GET', '/api/crowd/creator/c1', creator)).status).toBe(200);
});
