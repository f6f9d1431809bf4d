import { expect, it } from 'vitest';
import type { AgencyModerationState, AgencyRoster, Room } from '@hawker/protocol';
import { seriousA11yViolations } from '../../harness/axe.ts';
import { api } from '../../harness/clients.ts';
import { devIdentity, PHONE, poll, screenshot, useBrowser } from '../../harness/browser.ts';
import { expectNoOverflow, expectTappable, ISSUE_VIEWPORTS } from '../../harness/layout.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();
const openPage = useBrowser(t);

const CONTROLS = 'main button, main select, main input, main a.btn, [data-testid="nav-menu"]';

it("agency admin: the owner invites a creator and a moderator and removes one, sees the agency's live, scheduled and ended rooms and edits its keywords; a moderator reads without the roster's forms; 360-1440 px, axe-clean in en and zh-CN", async () => {
  const node = t.add(await startNode());
  const admin = await devIdentity(node.url, { userId: 'root', name: 'Root', role: 'admin' });
  expect(
    (await api(node.url, 'POST', '/api/agencies', admin.token, { id: 'ag-adm', name: 'Lantern MCN', ownerId: 'own-adm' })).status,
  ).toBe(201);
  const owner = await devIdentity(node.url, { userId: 'own-adm', name: 'Olga', role: 'agency', agencyId: 'ag-adm' });

  const { page, errors } = await openPage(`${node.url}/agency`, { identity: owner, viewport: PHONE, locale: 'en-US' });
  await poll(() => page.getByTestId('agency-name').textContent()).toContain('Lantern MCN');
  const invite = async (userId: string, as: 'creators' | 'moderators') => {
    await page.getByTestId('invite-account').fill(userId);
    await page.getByTestId('invite-role').selectOption(as);
    await page.getByTestId('invite').click();
    await page.getByTestId(as).locator(`[data-user-id="${userId}"]`).waitFor();
  };
  await invite('mia', 'creators');
  await invite('lee', 'moderators');
  await invite('kim', 'moderators');
  const kim = page.getByTestId('moderators').locator('[data-user-id="kim"]');
  await kim.getByTestId('remove').click();
  await kim.getByTestId('remove').click();
  await kim.waitFor({ state: 'detached' });
  expect((await api<AgencyRoster>(node.url, 'GET', '/api/agencies/ag-adm', owner.token)).body).toMatchObject({
    creators: ['mia'],
    moderators: ['lee'],
  });

  // Mia's rooms: one live, one scheduled, one ended.
  const mia = await devIdentity(node.url, { userId: 'mia', name: 'Mia Chen', role: 'creator', agencyId: 'ag-adm' });
  const create = async (title: string, scheduledAt?: number) =>
    (await api<Room>(node.url, 'POST', '/api/rooms', mia.token, { title, ...(scheduledAt ? { scheduledAt } : {}) })).body;
  const live = await create('Tea tasting');
  await api(node.url, 'POST', `/api/rooms/${live.id}/live`, mia.token);
  await create('Next week', Date.now() + 7 * 24 * 3600_000);
  const ended = await create('Yesterday');
  await api(node.url, 'POST', `/api/rooms/${ended.id}/live`, mia.token);
  await api(node.url, 'POST', `/api/rooms/${ended.id}/end`, mia.token, { reason: 'Done' });
  await page.reload();
  const titles = () => page.getByTestId('room').locator('.title').allTextContents();
  await poll(titles).toEqual(['Tea tasting']);
  await page.getByTestId('rooms-scheduled').click();
  await poll(titles).toEqual(['Next week']);
  await page.getByTestId('rooms-ended').click();
  await poll(titles).toEqual(['Yesterday']);

  await page.getByTestId('keyword-input').fill('fake giveaway');
  await page.getByTestId('keyword-mode').selectOption('shadow');
  await page.getByTestId('keyword-add').click();
  await poll(() => page.getByTestId('agency-keywords').textContent()).toContain('fake giveaway');
  expect((await api<AgencyModerationState>(node.url, 'GET', '/api/agencies/ag-adm/moderation', owner.token)).body.keywords).toEqual([
    { word: 'fake giveaway', mode: 'shadow' },
  ]);

  for (const viewport of ISSUE_VIEWPORTS) {
    await page.setViewportSize(viewport);
    await expectNoOverflow(page, `agency ${viewport.width}`);
    await expectTappable(page, `agency ${viewport.width}`, CONTROLS);
    if (viewport.width === 390 || viewport.width === 1440) await screenshot(page, `agency-${viewport.width}`);
  }
  expect(await seriousA11yViolations(page)).toEqual([]);
  expect(errors).toEqual([]);

  // A moderator reads the roster (as GET allows) without the forms that change it (PUT and DELETE refuse them).
  const lee = await devIdentity(node.url, { userId: 'lee', name: 'Lee', role: 'moderator', agencyId: 'ag-adm' });
  const zh = await openPage(`${node.url}/agency`, { identity: lee, viewport: PHONE, locale: 'zh-CN' });
  await zh.page.getByTestId('creators').locator('[data-user-id="mia"]').waitFor();
  expect(await zh.page.getByTestId('invite').count()).toBe(0);
  expect(await zh.page.getByTestId('remove').count()).toBe(0);
  expect(await zh.page.locator('h1').textContent()).toBe('机构管理');
  expect(await seriousA11yViolations(zh.page)).toEqual([]);
  expect(zh.errors).toEqual([]);
}, 240_000);
