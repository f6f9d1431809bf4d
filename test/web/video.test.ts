import type { Page } from 'playwright-core';
import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import type { Room, RoomMediaStats } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startNode, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { devIdentity, PHONE, screenshot, useBrowser } from '../../harness/browser.ts';

const t = useTeardown();
const openPage = useBrowser(t);

/**
 * How long one step may take on a busy 2-core box (other suites running, Chromium and mediasoup sharing the cores): a
 * bound that only catches a hang, never a slow machine. Each wait below returns as soon as its event comes.
 */
const STEP_MS = 90_000;

/**
 * Resolves once the page's video has decoded `n` more frames than when called, woken by the video's own frame
 * callbacks and `timeupdate` events (no polling from the test). Rejects past STEP_MS naming what it waited for.
 */
function moreFrames(page: Page, testId: string, what: string, n = 10): Promise<void> {
  return page
    .getByTestId(testId)
    .evaluate(
      (v: HTMLVideoElement, o: { n: number; ms: number }) =>
        new Promise<boolean>((resolve) => {
          const from = v.getVideoPlaybackQuality().totalVideoFrames;
          const timer = setTimeout(() => resolve(false), o.ms);
          const done = () => v.getVideoPlaybackQuality().totalVideoFrames > from + o.n;
          const onTime = () => {
            if (!done()) return;
            clearTimeout(timer);
            v.removeEventListener('timeupdate', onTime);
            resolve(true);
          };
          // A frame presented, or (off screen, where frame callbacks may not run) the playback position moved.
          const onFrame = () => {
            onTime();
            if (!done()) v.requestVideoFrameCallback(onFrame);
          };
          v.addEventListener('timeupdate', onTime);
          v.requestVideoFrameCallback(onFrame);
        }),
      { n, ms: STEP_MS },
    )
    .then((ok) => {
      if (!ok) throw new Error(`no ${n} new frames within ${STEP_MS} ms: ${what}`);
    });
}

/** Resolves once the page's video knows its picture size (its `resize` event), or rejects past STEP_MS. */
function hasPicture(page: Page, testId: string, what: string): Promise<void> {
  return page
    .getByTestId(testId)
    .evaluate(
      (v: HTMLVideoElement, ms: number) =>
        v.videoWidth > 0 ||
        new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), ms);
          const check = () => {
            if (v.videoWidth === 0) return;
            clearTimeout(timer);
            resolve(true);
          };
          v.addEventListener('resize', check);
          v.addEventListener('loadedmetadata', check);
        }),
      STEP_MS,
    )
    .then((ok) => {
      if (!ok) throw new Error(`no picture within ${STEP_MS} ms: ${what}`);
    });
}

it('the creator goes live from the studio and a phone viewer sees moving video', async () => {
  const node = t.add(await startNode());
  const creator = await devIdentity(node.url, { userId: 'c-video', name: 'Mia Chen', role: 'creator', agencyId: 'ag-video' });
  const created = await api<Room>(node.url, 'POST', '/api/rooms', creator.token, { title: 'Sneaker drop' });
  const studio = await openPage(`${node.url}/studio?room=${created.body.id}`, { identity: creator });
  await hasPicture(studio.page, 'preview', 'the camera preview');
  await studio.page.getByTestId('go-live').click();
  // Playwright's waitFor watches the page (no polling from the test).
  await studio.page
    .getByTestId('room-status')
    .filter({ hasText: /^Live$/ })
    .waitFor({ timeout: STEP_MS });

  const viewer = await openPage(`${node.url}/room?id=${created.body.id}`, {
    identity: await devIdentity(node.url, { userId: 'v-video', name: 'Ann', role: 'viewer' }),
    viewport: PHONE,
  });
  await hasPicture(viewer.page, 'video', "the viewer's video");
  await moreFrames(viewer.page, 'video', 'the viewer decoding the live');
  expect(await viewer.page.getByTestId('stage-note').isHidden()).toBe(true);

  // Camera off in the studio: the viewer is told, not left with a frozen picture; camera on: playing again.
  await studio.page.getByTestId('toggle-camera').click();
  await viewer.page.getByTestId('stage-note').filter({ hasText: 'paused the camera' }).waitFor({ timeout: STEP_MS });
  await studio.page.getByTestId('toggle-camera').click();
  await viewer.page.getByTestId('stage-note').waitFor({ state: 'hidden', timeout: STEP_MS });

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
    STEP_MS,
  );
  expect(after.connected).toBe(true);
  await moreFrames(viewer.page, 'video', 'frames after the reconnect');
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
    // Polled fast on purpose: the session must go as soon as it is stored, before the studio reconnects with it.
    await waitFor('the recovery session to delete', async () => (await redis.del(session)) === 1, STEP_MS, 5);
  } finally {
    redis.disconnect();
  }
  const back = await waitFor(
    'the creator back on a new connection',
    () => {
      const s = [...io.sockets.sockets.values()].find((x) => x.data.principal?.userId === 'c-video');
      return s && s.id !== creatorSocket.id && s.data.rooms.has(created.body.id) ? s : undefined;
    },
    STEP_MS,
  );
  expect(back.recovered).toBe(false);
  await moreFrames(viewer.page, 'video', 'frames after the creator is back');
  expect(await producerIds()).toEqual(published);
  await studio.page.getByTestId('connection-banner').waitFor({ state: 'hidden', timeout: STEP_MS });

  await screenshot(studio.page, 'studio');
  await screenshot(viewer.page, 'room-phone');
  expect(studio.errors).toEqual([]);
  expect(viewer.errors).toEqual([]);
  // The whole test's bound: a busy 2-core box takes minutes for what a quiet one does in 30 s; each step is bounded above.
}, 600_000);
