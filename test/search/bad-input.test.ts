import { expect, it } from 'vitest';
import { api } from '../../harness/clients.ts';
import { startNode, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { type ErrorBody, merchantShop, product, qs, search } from './fixtures.ts';

const t = useTeardown();

async function events(node: Awaited<ReturnType<typeof startNode>>) {
  const { rows } = await node.node.ctx.db.query(
    `SELECT (SELECT count(*)::int FROM search_events) AS searches, (SELECT count(*)::int FROM search_clicks) AS clicks`,
  );
  return rows[0];
}

it('bad queries, cursors and clicks are typed 400/404s that record nothing', async () => {
  const node = t.add(await startNode());
  const { merchant, shop } = await merchantShop(node);
  for (let i = 0; i < 3; i++) await product(node, merchant, shop.id, `Lipstick ${i}`);
  const page = await search(node, { q: 'lipstick', type: 'products', limit: 1 });
  expect(page.nextCursor).not.toBeNull();
  // Search events are written in batches off the request path: wait for that one.
  const counted = await waitFor('the search event written', async () => {
    const e = await events(node);
    return e.searches === 1 ? e : undefined;
  });

  const bad: [Record<string, string | number>, string | null][] = [
    [{ q: 'x'.repeat(65) }, 'SEARCH_QUERY_MAX_CHARS'],
    [{ q: '' }, null],
    [{ q: '   ' }, null],
    [{ q: '!!!' }, null], // no letter, digit or CJK character
    [{ q: 'lipstick', limit: 51 }, 'SEARCH_PAGE_MAX'],
    [{ q: 'lipstick', limit: 0 }, null],
    [{ q: 'lipstick', type: 'videos' }, null],
    [{ q: 'lipstick', minPrice: 5, maxPrice: 1 }, null],
    [{ q: 'lipstick', minPrice: -1 }, null],
    [{ q: 'lipstick', category: '../etc' }, null],
    [{ q: 'lipstick', type: 'products', cursor: 'bm90LWEtY3Vyc29y' }, null],
    [{ q: 'lipstick', type: 'products', cursor: 'x'.repeat(513) }, null],
    // A real cursor, but of another query or type=all.
    [{ q: 'lipsticks', type: 'products', cursor: page.nextCursor! }, 'another query'],
    [{ q: 'lipstick', cursor: page.nextCursor! }, null],
    [{ q: 'lipstick', wat: 1 }, null],
  ];
  for (const [params, mentions] of bad) {
    const res = await api<ErrorBody>(node.url, 'GET', `/api/search?${qs(params)}`);
    expect([res.status, res.body.error.code], JSON.stringify(params)).toEqual([400, 'BAD_REQUEST']);
    if (mentions) expect(res.body.error.message).toContain(mentions);
  }
  expect(await events(node)).toEqual(counted);

  // Clicks: an unknown search is 404; malformed bodies 400; a repeated click records once.
  const click = { searchId: page.searchId, kind: 'product', id: page.products[0]!.id, position: 0 };
  const unknown = await api<ErrorBody>(node.url, 'POST', '/api/search/clicks', undefined, { ...click, searchId: 'nope' });
  expect([unknown.status, unknown.body.error.code]).toEqual([404, 'NOT_FOUND']);
  for (const body of [{ ...click, kind: 'shop' }, { ...click, position: -1 }, { ...click, id: 'a b' }, { ...click, extra: 1 }, {}]) {
    const res = await api<ErrorBody>(node.url, 'POST', '/api/search/clicks', undefined, body);
    expect([res.status, res.body.error.code], JSON.stringify(body)).toEqual([400, 'BAD_REQUEST']);
  }
  expect(await events(node)).toEqual(counted);
  expect((await api(node.url, 'POST', '/api/search/clicks', undefined, click)).body).toEqual({ recorded: true });
  expect((await api(node.url, 'POST', '/api/search/clicks', undefined, click)).body).toEqual({ recorded: false });
  expect(await events(node)).toEqual({ ...counted, clicks: counted.clicks + 1 });
  // An invalid token on a public endpoint is still refused.
  expect((await api(node.url, 'GET', '/api/search?q=lipstick', 'not-a-token')).status).toBe(401);
});
