import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { devIdentity, PHONE, useBrowser } from '../../harness/browser.ts';
import { startLiveRoom } from '../../harness/live.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { WebRtcPeer } from '../../harness/webrtc.ts';

const t = useTeardown();
const openPage = useBrowser(t);
const PROBE = path.resolve(import.meta.dirname, 'device-ahead-probe.js');
/** A bound that only catches a hang on a busy 2-core box; each wait returns as soon as its condition holds. */
const STEP_MS = 90_000;

/** The page's video has a picture; then what the probe and Resource Timing saw. */
async function watched(page: Page): Promise<{ peerConnections: number; capabilityFetches: number }> {
  // Polled: the page's CSP forbids the eval that page.waitForFunction needs.
  await waitFor('a picture in the viewer', () => page.evaluate("document.querySelector('video')?.videoWidth > 0"), STEP_MS, 100);
  return (await page.evaluate(`({
    peerConnections: window.__deviceAheadProbe.peerConnections,
    capabilityFetches: performance.getEntriesByType('resource').filter((r) => r.name.endsWith('/api/media/capabilities')).length,
  })`)) as { peerConnections: number; capabilityFetches: number };
}

it('the room page loads its media device from the capabilities fetched with the HTML, and loads it again when the join answers others', async () => {
  const { node, room } = await startLiveRoom(t);
  const creator = t.add(await WebRtcPeer.open(await room.joinCreator(), room.roomId));
  await creator.publishVp8(await creator.transport('send'));

  // The same capabilities as the router's: the device loaded while the join was in flight is the player's. One fetch
  // (room.html's preload, taken by the SDK's fetch of the same URL).
  const viewer = await openPage(`${node.url}/room?id=${room.roomId}`, {
    identity: await devIdentity(node.url, { userId: 'v-ahead', name: 'Ann', role: 'viewer' }),
    viewport: PHONE,
    initScript: PROBE,
  });
  const same = await watched(viewer.page);
  expect(same.capabilityFetches).toBe(1);
  expect(viewer.errors).toEqual([]);

  // Capabilities ahead that differ from what media:watch answers: that device is dropped and one loaded from the
  // answer, and the video plays all the same. device.load makes RTCPeerConnections (to read the browser's codecs), so
  // the second load shows as more of them than the first page made; loading twice there too, or never again here,
  // would make the counts equal.
  const other = await openPage(`${node.url}/room?id=${room.roomId}#other-caps`, {
    identity: await devIdentity(node.url, { userId: 'v-other', name: 'Bo', role: 'viewer' }),
    viewport: PHONE,
    initScript: PROBE,
  });
  const differing = await watched(other.page);
  expect(differing.capabilityFetches).toBe(1);
  expect(differing.peerConnections).toBeGreaterThan(same.peerConnections);
  expect(other.errors).toEqual([]);
}, 300_000);
