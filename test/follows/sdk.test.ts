import { expect, it } from 'vitest';
import { HawkerApi, HawkerError } from '../../client-sdk/src/index.ts';
import { connect } from '../../harness/clients.ts';
import { startNode, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { addProduct, openShop, simpleProduct } from '../shops/fixtures.ts';
import { collect, creatorToken, viewerToken } from './fixtures.ts';

const t = useTeardown();

it('the SDK searches, reads storefronts, follows and reads and clears notices; its errors are typed', async () => {
  const node = t.add(await startNode());
  const creatorTok = await creatorToken(node);
  const creator = new HawkerApi(node.url, creatorTok);
  const shop = await openShop(node, creatorTok, { name: 'C1 Picks' });
  const p = await addProduct(node, creatorTok, shop.id, simpleProduct({ title: '口红 Lipstick' }));
  await creator.createRoom({ title: 'Warm-up' });

  const viewerTok = await viewerToken(node, 'v-sdk');
  const viewer = new HawkerApi(node.url, viewerTok);
  const anon = new HawkerApi(node.url, '');
  const res = await anon.search({ q: 'lipstik', type: 'products' });
  expect(res.products.map((x) => x.id)).toEqual([p.id]);
  expect(await anon.searchClick({ searchId: res.searchId, kind: 'product', id: p.id, position: 0 })).toEqual({ recorded: true });
  expect((await anon.shopStorefront(shop.id)).products.map((x) => x.id)).toEqual([p.id]);
  expect((await anon.productDetail(p.id)).stock).toEqual([{ skuId: p.skus[0]!.id, left: 10 }]);
  expect((await anon.creatorStorefront('c1')).creator.name).toBe('Creator');

  expect(await viewer.follow('c1')).toEqual({ creatorId: 'c1', following: true, followers: 1 });
  expect((await viewer.myFollows()).follows.map((f) => f.creatorId)).toEqual(['c1']);
  const got = collect(t.add(await connect(node.url, viewerTok), (s) => s.close()));
  const room = await creator.createRoom({ title: 'Big night' });
  await creator.goLive(room.id);
  await waitFor('the notice pushed', () => got.length === 1);
  expect((await viewer.notices()).unread).toBe(1);
  expect(await viewer.markNoticesRead({ all: true })).toEqual({ updated: 1, unread: 0 });

  const err = await viewer.follow('v-sdk').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HawkerError);
  expect((err as HawkerError).code).toBe('BAD_REQUEST');
  expect(((await anon.search({ q: 'x'.repeat(65) }).catch((e: unknown) => e)) as HawkerError).code).toBe('BAD_REQUEST');
});
