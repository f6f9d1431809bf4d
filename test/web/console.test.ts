import { expect, it } from 'vitest';
import type { Room } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startNode, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { devIdentity, PHONE, poll, screenshot, useBrowser } from '../../harness/browser.ts';

const t = useTeardown();
const openPage = useBrowser(t);

it("the agency console shows its live rooms with video, deletes a viewer's message everywhere, and follows rooms going live and ending", async () => {
  const node = t.add(await startNode());
  const creator = await devIdentity(node.url, { userId: 'c-con', name: 'Mia Chen', role: 'creator', agencyId: 'ag-con' });
  const room = (await api<Room>(node.url, 'POST', '/api/rooms', creator.token, { title: 'Night market' })).body;
  const studio = await openPage(`${node.url}/studio?room=${room.id}`, { identity: creator });
  await waitFor('camera preview', () => studio.page.getByTestId('preview').evaluate((v: HTMLVideoElement) => v.videoWidth > 0));
  await studio.page.getByTestId('go-live').click();
  await poll(() => studio.page.getByTestId('room-status').textContent()).toBe('Live');

  const viewer = await openPage(`${node.url}/room?id=${room.id}`, {
    identity: await devIdentity(node.url, { userId: 'v-con', name: 'Spammer', role: 'viewer' }),
    viewport: PHONE,
  });
  await viewer.page.getByTestId('chat-input').fill('Love this!');
  await viewer.page.getByTestId('chat-send').click();
  await viewer.page.getByTestId('chat-input').fill('cheap followers at spam.example');
  await viewer.page.getByTestId('chat-send').click();
  const spamOnViewer = viewer.page.getByTestId('chat-msg').filter({ hasText: 'cheap followers' });
  await spamOnViewer.waitFor();

  const console = await openPage(`${node.url}/console`, {
    identity: await devIdentity(node.url, { userId: 'm-con', name: 'Lee Wong', role: 'moderator', agencyId: 'ag-con' }),
  });
  const tile = console.page.getByTestId('room-tile').filter({ hasText: 'Night market' });
  await tile.waitFor();
  expect(await tile.getByTestId('chat-msg').allTextContents()).toEqual([
    expect.stringContaining('Love this!'),
    expect.stringContaining('cheap followers'),
  ]);
  // The thumbnail plays the creator's video, on the console's own media connection.
  await waitFor('thumbnail video', () => tile.getByTestId('thumbnail').evaluate((v: HTMLVideoElement) => v.videoWidth > 0), 30_000);

  const spamOnConsole = tile.getByTestId('chat-msg').filter({ hasText: 'cheap followers' });
  await spamOnConsole.getByTestId('mod-menu').click();
  await spamOnConsole.getByTestId('mod-delete').click();
  await spamOnViewer.waitFor({ state: 'detached' });
  await spamOnConsole.waitFor({ state: 'detached' });
  expect(await viewer.page.getByTestId('chat-msg').allTextContents()).toEqual([expect.stringContaining('Love this!')]);

  // A word blocked in this room from the console: the viewer's next message with it is refused, and they are told.
  await tile.getByTestId('room-keyword-input').fill('followers');
  await tile.getByTestId('room-keyword-add').click();
  await poll(() => tile.getByTestId('room-keywords').textContent()).toContain('followers · block');
  await viewer.page.getByTestId('chat-input').fill('free followers here');
  await viewer.page.getByTestId('chat-send').click();
  await viewer.page.getByTestId('toast').first().waitFor();
  expect(await viewer.page.getByTestId('chat-input').inputValue()).toBe('free followers here'); // kept, to edit
  expect(await viewer.page.getByTestId('chat-msg').allTextContents()).toEqual([expect.stringContaining('Love this!')]);

  // A second creator of the agency goes live: a tile appears; ending it removes the tile.
  const other = await devIdentity(node.url, { userId: 'c-con2', name: 'Jo Park', role: 'creator', agencyId: 'ag-con' });
  const second = (await api<Room>(node.url, 'POST', '/api/rooms', other.token, { title: 'Sneaker corner' })).body;
  await api(node.url, 'POST', `/api/rooms/${second.id}/live`, other.token);
  await console.page.getByTestId('room-tile').filter({ hasText: 'Sneaker corner' }).waitFor();
  await poll(() => console.page.getByTestId('total-rooms').textContent()).toBe('2');
  await screenshot(console.page, 'console');
  await api(node.url, 'POST', `/api/rooms/${second.id}/end`, other.token, { reason: 'Sold out' });
  await console.page.getByTestId('room-tile').filter({ hasText: 'Sneaker corner' }).waitFor({ state: 'detached' });
  await poll(() => console.page.getByTestId('activity').textContent()).toContain("Jo Park's live ended (Sold out)");

  expect(console.errors).toEqual([]);
  expect(viewer.errors).toEqual([]);
  expect(studio.errors).toEqual([]);
}, 180_000);
