import { expect, it } from 'vitest';
import { api, devToken } from '../../harness/clients.ts';
import { startNode, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { merchantShop, product, search } from './fixtures.ts';

const t = useTeardown();

it('every search and click is recorded for the funnel, credited to the signed-in user when there is one', async () => {
  const node = t.add(await startNode());
  const { merchant, shop } = await merchantShop(node);
  const p = await product(node, merchant, shop.id, '口红 Ruby');
  const anon = await search(node, { q: '口红' });
  const viewer = await devToken(node.url, { userId: 'v-search', name: 'Viewer', role: 'viewer' });
  const signedIn = await api<{ searchId: string }>(node.url, 'GET', '/api/search?q=ruby&type=products', viewer);
  expect(signedIn.status).toBe(200);
  expect(
    (
      await api(node.url, 'POST', '/api/search/clicks', viewer, {
        searchId: signedIn.body.searchId,
        kind: 'product',
        id: p.id,
        position: 0,
      })
    ).status,
  ).toBe(200);

  const db = node.node.ctx.db;
  // Written in batches off the request path (the click flushed its own search's first).
  const rows = await waitFor('both searches written', async () => {
    const res = await db.query(`SELECT id, q, type, user_id, results FROM search_events ORDER BY user_id NULLS FIRST`);
    return res.rows.length === 2 ? res.rows : undefined;
  });
  expect(rows).toEqual([
    { id: anon.searchId, q: '口红', type: 'all', user_id: null, results: 1 },
    { id: signedIn.body.searchId, q: 'ruby', type: 'products', user_id: 'v-search', results: 1 },
  ]);
  const clicks = await db.query(`SELECT search_id, kind, result_id, position, user_id FROM search_clicks`);
  expect(clicks.rows).toEqual([{ search_id: signedIn.body.searchId, kind: 'product', result_id: p.id, position: 0, user_id: 'v-search' }]);
});
