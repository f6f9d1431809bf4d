import { expect, it } from 'vitest';
import { DICTIONARIES } from '../../web/pages/lib/messages/all.ts';
import { api } from '../../harness/clients.ts';
import { liveRoom, tokenFor } from '../../harness/live.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { devIdentity, screenshot, useBrowser } from '../../harness/browser.ts';

const t = useTeardown();
const openPage = useBrowser(t);

it('the console page says in English and Chinese that its access was withdrawn, instead of silently going stale', async () => {
  const node = t.add(await startNode());
  const admin = await tokenFor(node.url, 'root', 'admin');
  expect((await api(node.url, 'POST', '/api/agencies', admin, { id: 'ag1', name: 'Agency One', ownerId: 'owner1' })).status).toBe(201);
  const owner = await tokenFor(node.url, 'owner1', 'agency', 'ag1');
  expect((await api(node.url, 'PUT', '/api/agencies/ag1/creators/c1', owner)).status).toBe(200);
  expect((await api(node.url, 'PUT', '/api/agencies/ag1/moderators/mod1', owner)).status).toBe(200);
  t.add(await liveRoom(node.url, { agencyId: 'ag1', creatorId: 'c1', title: 'Night market' }));

  const console = await openPage(`${node.url}/console`, {
    identity: await devIdentity(node.url, { userId: 'mod1', name: 'Lee Wong', role: 'moderator', agencyId: 'ag1' }),
    // The console's reads (analytics) in flight when access is withdrawn are refused, as they should be.
    allowErrors: [/status of 403/],
    // The page speaks the browser's language (lib/i18n.ts); the English words are the same message keys.
    locale: 'zh-CN',
  });
  await console.page.getByTestId('room-tile').filter({ hasText: 'Night market' }).waitFor();

  expect((await api(node.url, 'DELETE', '/api/agencies/ag1/moderators/mod1', owner)).status).toBe(200);
  const notice = console.page.getByTestId('console-revoked');
  await notice.waitFor();
  expect(await notice.textContent()).toContain('控制台权限已撤销');
  expect(await notice.textContent()).toContain('您已不在该机构的工作人员名单中');
  expect(DICTIONARIES.en['console.revokedStaff']).toBe('Console access withdrawn');
  expect(await console.page.getByTestId('room-tile').count()).toBe(0);
  await screenshot(console.page, 'console-revoked');
  expect(console.errors).toEqual([]);
});
