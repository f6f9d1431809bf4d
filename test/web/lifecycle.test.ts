import { expect, it } from 'vitest';
import type { Room } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startNode, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { devIdentity, PHONE, poll, screenshot, useBrowser } from '../../harness/browser.ts';

const t = useTeardown();
const openPage = useBrowser(t);

it('on a phone: signs in on the landing page, creates a room in the studio, goes live, a viewer sees it live, and ending tells both', async () => {
  const node = t.add(await startNode());
  const landing = await openPage(`${node.url}/`, { viewport: PHONE });
  const { page } = landing;
  await page.getByLabel('Display name').fill('Mia Chen');
  await page.getByLabel('Role').selectOption('creator');
  await page.getByLabel('Agency id').fill('ag-web');
  await page.getByRole('button', { name: 'Get a dev token' }).click();
  await poll(() => page.getByTestId('identity-pill').textContent()).toBe('Mia Chen · creator · ag-web');
  await screenshot(page, 'landing-phone');

  await page.getByTestId('tile-studio').click();
  await page.getByLabel('Title of your next live').fill('Friday night skincare drop');
  await page.getByTestId('create-room').click();
  await page.getByTestId('room-title').waitFor();
  expect(await page.getByTestId('room-title').textContent()).toBe('Friday night skincare drop');
  const roomId = new URL(page.url()).searchParams.get('room')!;
  expect(await page.getByTestId('room-status').textContent()).toBe('Not live yet');
  // The camera preview runs (fake device) before going live.
  await waitFor('camera preview', () => page.getByTestId('preview').evaluate((v: HTMLVideoElement) => v.videoWidth > 0));

  await page.getByTestId('go-live').click();
  await poll(() => page.getByTestId('room-status').textContent()).toBe('Live');
  const creatorToken = await page.evaluate(() => (JSON.parse(localStorage.getItem('hawker.identity')!) as { token: string }).token);
  expect((await api<Room>(node.url, 'GET', `/api/rooms/${roomId}`, creatorToken)).body.status).toBe('live');

  const viewer = await openPage(`${node.url}/room?id=${roomId}`, {
    identity: await devIdentity(node.url, { userId: 'v1', name: 'Ann', role: 'viewer' }),
    viewport: PHONE,
  });
  await poll(() => viewer.page.getByTestId('room-status').textContent()).toBe('Live');

  const end = page.getByTestId('end-live');
  await end.click();
  await end.click(); // the second tap confirms
  await page.getByTestId('live-ended').waitFor();
  await viewer.page.getByTestId('room-ended').waitFor();
  expect(await viewer.page.getByTestId('room-ended').textContent()).toContain('The creator ended the live');
  expect(landing.errors).toEqual([]);
  expect(viewer.errors).toEqual([]);
});

it('tells people who are not signed in, or have the wrong role, what to do', async () => {
  const node = t.add(await startNode());
  const anonymous = await openPage(`${node.url}/studio`);
  await anonymous.page.getByTestId('need-sign-in').waitFor();
  expect(await anonymous.page.getByRole('link', { name: 'Sign in' }).last().getAttribute('href')).toBe('/?next=%2Fstudio#sign-in');

  const viewer = await openPage(`${node.url}/studio`, {
    identity: await devIdentity(node.url, { userId: 'v2', name: 'Bo', role: 'viewer' }),
  });
  await viewer.page.getByTestId('wrong-role').waitFor();
  expect(await viewer.page.getByTestId('wrong-role').textContent()).toContain('signed in as Bo (viewer)');

  const missing = await openPage(`${node.url}/room?id=nope`, {
    identity: await devIdentity(node.url, { userId: 'v3', name: 'Cy', role: 'viewer' }),
    viewport: PHONE,
  });
  await missing.page.getByTestId('join-error').waitFor();
  expect(await missing.page.getByTestId('join-error').textContent()).toContain('Room nope not found');
});

it('the landing page explains that a server without development tokens needs another way to sign in', async () => {
  const node = t.add(await startNode({ DEV_TOKENS: 'false' }));
  const landing = await openPage(`${node.url}/`, { viewport: PHONE, allowErrors: [/404/] });
  await landing.page.getByLabel('Display name').fill('Mia Chen');
  await landing.page.getByRole('button', { name: 'Get a dev token' }).click();
  await poll(() => landing.page.locator('#sign-in-error').textContent()).toContain('does not hand out development tokens');
  expect(landing.errors).toEqual([]);
});
