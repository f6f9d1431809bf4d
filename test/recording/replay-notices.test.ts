import { expect, it } from 'vitest';
import { devIdentity, useBrowser } from '../../harness/browser.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { creatorWithShop, room } from '../channels/fixtures.ts';
import { recordingNode } from './helpers.ts';

const t = useTeardown();
const openPage = useBrowser(t);

it("the replay page's notices are in the viewer's language: a room without a recording (zh-CN and en), and a recording that cannot be opened", async () => {
  const { node } = await recordingNode(t);
  const { creator } = await creatorWithShop(node);
  const r = await room(node, creator);
  const viewer = await devIdentity(node.url, { userId: 'buyer1', name: 'Ann', role: 'viewer' });

  const zh = await openPage(`${node.url}/replay?room=${r.id}`, { identity: viewer, locale: 'zh-CN' });
  const none = zh.page.getByTestId('no-replay');
  await none.waitFor();
  expect(await none.locator('h1').textContent()).toBe('暂无回放');
  expect(await none.locator('p').textContent()).toBe('这场直播还没有录像。');
  expect(await none.getByRole('link').textContent()).toBe('首页');
  expect(await zh.page.title()).toBe('回放 — Hawker');

  const en = await openPage(`${node.url}/replay?room=${r.id}`, { identity: viewer, locale: 'en' });
  await en.page.getByTestId('no-replay').waitFor();
  expect(await en.page.getByTestId('no-replay').locator('h1').textContent()).toBe('No replay');

  // An unknown recording: the server's error, under a translated title.
  const missing = await openPage(`${node.url}/replay?id=nosuchrecording`, { identity: viewer, locale: 'zh-CN' });
  const failed = missing.page.getByTestId('replay-error');
  await failed.waitFor();
  expect(await failed.locator('h1').textContent()).toBe('无法打开这个回放');
  expect(await failed.getByRole('link').textContent()).toBe('首页');
});
