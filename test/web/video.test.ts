import type { Page } from 'playwright-core';
import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import type { Room, RoomMediaStats } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startNode, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { devIdentity, PHONE, poll, screenshot, useBrowser } from '../../harness/browser.ts';

const t = useTeardown();
const openPage = useBrowser(t);

/** Decoded frames of the page's video so far (the browser's own count). */
function decodedFrames(page: Page, testId: string): Promise<number> {
  return page.getByTestId(testId).evaluate((v: HTMLVideoElement) => v.getVideoPlaybackQuality().totalVideoFrames);
}

it('the creator goes live from the studio and a phone viewer sees moving video', async () => {
  const node = t.add(await startNode());
  const creator = await devIdentity(node.url, { userId: 'c-video', name: 'Mia Chen', role: 'creator', agencyId: 'ag-video' });
  const created = await api<Room>(node.url, 'POST', '/api/rooms', creator.token, { title: 'Sneaker drop' });
  const studio = await openPage(`${node.url}/studio?room=${created.body.id}`, { identity: creator });
  await waitFor('camera preview', () => studio.page.getByTestId('preview').evaluate((v: HTMLVideoElement) => v.videoWidth > 0));
  await studio.page.getByTestId('go-live').click();
  await poll(() => studio.page.getByTestId('room-status').textContent()).toBe('Live');

  const viewer = await openPage(`${node.url}/room?id=${created.body.id}`, {
    identity: await devIdentity(node.url, { userId: 'v-video', name: 'Ann', role: 'viewer' }),
    viewport: PHONE,
  });
  await waitFor('video dimensions', () => viewer.page.getByTestId('video').evaluate((v: HTMLVideoElement) => v.videoWidth > 0), 30_000);
  const first = await decodedFrames(viewer.page, 'video');
  await waitFor('more decoded frames', async () => (await decodedFrames(viewer.page, 'video')) > first + 10, 30_000);
  expect(await viewer.page.getByTestId('stage-note').isHidden()).toBe(true);

  // Camera off in the studio: the viewer is told, not left with a frozen picture; camera on: playing again.
  await studio.page.getByTestId('toggle-camera').click();
  await poll(() => viewer.page.getByTestId('stage-note').textContent()).toContain('paused the camera');
  await studio.page.getByTestId('toggle-camera').click();
  await poll(() => viewer.page.getByTestId('stage-note').isHidden()).toBe(true);

  // The viewer's connection drops (the server side cuts the transport): the page reconnects, re-joins, and the player
  // consumes again on the new connection (the old one's media was closed by the server), so frames keep coming.
  const { io } = node.node.ctx;
  const viewerSocket = () => [...io.sockets.sockets.values()].find((s) => s.data.principal?.userId === 'v-video');
  const before = viewerSocket()!;
  before.conn.close();
  const after = await waitFor(
    'the viewer back in the room on a new connection',
    () => {
      const s = viewerSocket();
      // Connection-state recovery may give the new connection the old id: compare the server-side socket objects.
      return s && s !== before && s.data.rooms.has(created.body.id) ? s : undefined;
    },
    30_000,
  );
  expect(after.connected).toBe(true);
  const resumed = await decodedFrames(viewer.page, 'video');
  await waitFor('frames after the reconnect', async () => (await decodedFrames(viewer.page, 'video')) > resumed + 10, 30_000);
  expect(await viewer.page.getByTestId('connection-banner').isHidden()).toBe(true);

  // The creator's connection drops: the server holds the studio's tracks for the reconnect grace, the studio re-joins
  // on a brand-new connection (Socket.IO recovery broken: its session is deleted as soon as it is stored) and takes
  // them back with media:reattach, so the viewer's player goes on with the same tracks.
  const producerIds = async () =>
    (await api<RoomMediaStats>(node.url, 'GET', `/api/rooms/${created.body.id}/media/stats`, creator.token)).body.producers
      .map((p) => p.id)
      .sort();
  const published = await producerIds();
  expect(published).toHaveLength(2); // camera and microphone
  const creatorSocket = [...io.sockets.sockets.values()].find((s) => s.data.principal?.userId === 'c-video')!;
  const session = `${node.prefix}sio:session:${(creatorSocket as unknown as { pid: string }).pid}`;
  const redis = new Redis(inject('redisUrl'));
  try {
    creatorSocket.conn.close();
    await waitFor('the recovery session to delete', async () => (await redis.del(session)) === 1, 5_000, 5);
  } finally {
    redis.disconnect();
  }
  const back = await waitFor(
    'the creator back on a new connection',
    () => {
      const s = [...io.sockets.sockets.values()].find((x) => x.data.principal?.userId === 'c-video');
      return s && s.id !== creatorSocket.id && s.data.rooms.has(created.body.id) ? s : undefined;
    },
    30_000,
  );
  expect(back.recovered).toBe(false);
  const resumedCamera = await decodedFrames(viewer.page, 'video');
  await waitFor('frames after the creator is back', async () => (await decodedFrames(viewer.page, 'video')) > resumedCamera + 10, 30_000);
  expect(await producerIds()).toEqual(published);
  await poll(() => studio.page.getByTestId('connection-banner').isHidden()).toBe(true);

  await screenshot(studio.page, 'studio');
  await screenshot(viewer.page, 'room-phone');
  expect(studio.errors).toEqual([]);
  expect(viewer.errors).toEqual([]);
});
