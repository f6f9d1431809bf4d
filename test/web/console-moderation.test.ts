import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Room } from '@hawker/protocol';
import { seriousA11yViolations } from '../../harness/axe.ts';
import { api } from '../../harness/clients.ts';
import { devIdentity, PHONE, poll, screenshot, useBrowser } from '../../harness/browser.ts';
import { expectNoOverflow, expectTappable, ISSUE_VIEWPORTS } from '../../harness/layout.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();
const openPage = useBrowser(t);

/** The console's controls a moderator taps. */
const CONTROLS = 'main button, main select, main input, main a.btn, main summary, [data-testid="nav-menu"]';

async function say(page: Page, text: string): Promise<void> {
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-send').click();
  await page.getByTestId('chat-msg').filter({ hasText: text }).waitFor();
}

const texts = (page: Page) => page.getByTestId('chat-msg').locator('.text').allTextContents();

it("console moderation on a phone: mute for a chosen time and unmute, ban removes the user's messages on other viewers' screens and unban, shadow-blocked messages shown to staff only, marked; no sideways scroll and thumb-sized controls 360-1440 px; axe-clean in en and zh-CN", async () => {
  const node = t.add(await startNode({ CHAT_RATE_BURST: '20' }));
  const creator = await devIdentity(node.url, { userId: 'c-mod', name: 'Mia Chen', role: 'creator', agencyId: 'ag-mod' });
  const room = (await api<Room>(node.url, 'POST', '/api/rooms', creator.token, { title: 'Tea tasting' })).body;
  await api(node.url, 'POST', `/api/rooms/${room.id}/live`, creator.token);
  const viewerPage = async (userId: string, name: string) =>
    openPage(`${node.url}/room?id=${room.id}`, {
      identity: await devIdentity(node.url, { userId, name, role: 'viewer' }),
      viewport: PHONE,
      allowErrors: [/banned|403|FORBIDDEN/i],
    });
  const troll = await viewerPage('troll', 'Troll');
  const witness = await viewerPage('witness', 'Wit');
  await say(troll.page, 'buy followers');
  await say(witness.page, 'lovely tea');

  const moderator = await devIdentity(node.url, { userId: 'm-mod', name: 'Lee Wong', role: 'moderator', agencyId: 'ag-mod' });
  const console = await openPage(`${node.url}/console`, { identity: moderator, viewport: PHONE, locale: 'en-US' });
  const tile = console.page.getByTestId('room-tile').filter({ hasText: 'Tea tasting' });
  await tile.getByTestId('chat-msg').filter({ hasText: 'lovely tea' }).waitFor();

  // Mute for an hour from the message's menu (which opens below it), then lift it from the muted list.
  const first = tile.getByTestId('chat-msg').filter({ hasText: 'buy followers' });
  await first.getByTestId('mod-menu').click();
  await first.getByTestId('mod-mute-duration').selectOption('3600');
  await first.getByTestId('mod-mute').click();
  await poll(() => troll.page.getByTestId('chat-input').isDisabled()).toBe(true);
  await tile.getByTestId('people-summary').click();
  const muted = tile.getByTestId('muted').getByTestId('person');
  await poll(() => muted.getAttribute('data-user-id')).toBe('troll');
  await muted.getByTestId('unmute').click();
  await poll(() => troll.page.getByTestId('chat-input').isDisabled()).toBe(false);
  await poll(() => muted.count()).toBe(0);

  // Ban (a second tap confirms): the troll's messages leave every screen; unban lets them back.
  await say(troll.page, 'spam again');
  const second = tile.getByTestId('chat-msg').filter({ hasText: 'spam again' });
  await second.getByTestId('mod-menu').click();
  await second.getByTestId('mod-ban').click();
  await second.getByTestId('mod-ban').click();
  await poll(() => texts(witness.page)).toEqual(['lovely tea']);
  await poll(() => tile.getByTestId('chat-msg').locator('.text').allTextContents()).toEqual(['lovely tea']);
  const banned = tile.getByTestId('banned').getByTestId('person');
  await poll(() => banned.getAttribute('data-user-id')).toBe('troll');
  await banned.getByTestId('unban').click();
  await poll(() => banned.count()).toBe(0);

  // A shadow keyword for every room: the witness's caught message reaches staff, marked, and no other viewer.
  await console.page.getByTestId('keyword-input').fill('giveaway');
  await console.page.getByTestId('keyword-mode').selectOption('shadow');
  await console.page.getByTestId('keyword-add').click();
  await poll(() => console.page.getByTestId('agency-keywords').textContent()).toContain('giveaway');
  await say(witness.page, 'free giveaway');
  await tile.getByTestId('chat-msg').filter({ hasText: 'free giveaway' }).getByTestId('shadowed').waitFor();
  await troll.page.reload();
  await say(troll.page, 'sorry');
  await witness.page.getByTestId('chat-msg').filter({ hasText: 'sorry' }).waitFor();
  expect(await texts(troll.page)).toEqual(['lovely tea', 'sorry']);

  await tile.getByTestId('chat-msg').filter({ hasText: 'sorry' }).getByTestId('mod-menu').click();
  for (const viewport of ISSUE_VIEWPORTS) {
    await console.page.setViewportSize(viewport);
    await expectNoOverflow(console.page, `console ${viewport.width}`);
    await expectTappable(console.page, `console ${viewport.width}`, CONTROLS);
    if (viewport.width === 390 || viewport.width === 1440) await screenshot(console.page, `console-moderation-${viewport.width}`);
  }
  expect(await seriousA11yViolations(console.page)).toEqual([]);
  const zh = await openPage(`${node.url}/console`, { identity: moderator, viewport: PHONE, locale: 'zh-CN' });
  await zh.page.getByTestId('room-tile').waitFor();
  expect(await zh.page.locator('h1').textContent()).toBe('机构控制台');
  expect(await seriousA11yViolations(zh.page)).toEqual([]);

  expect(console.errors).toEqual([]);
  expect(witness.errors).toEqual([]);
}, 360_000);
