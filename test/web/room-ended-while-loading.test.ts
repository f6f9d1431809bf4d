/**
 * The room page joins first and loads its view (chat, bag, player) while the join is answered (issue 20: first frame
 * sooner). A live that ends in between, after the join and before the view exists, must still leave the viewer on the
 * ended room's page, not on a live-looking room whose connection is gone.
 */
import { expect, it } from 'vitest';
import type { WebSocket } from 'playwright-core';
import type { Room } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { devIdentity, PHONE, useBrowser } from '../../harness/browser.ts';

const t = useTeardown();
const openPage = useBrowser(t);

it("a live that ends after the viewer's join and before the room view has loaded shows the ended room", async () => {
  const node = t.add(await startNode());
  const creator = await devIdentity(node.url, { userId: 'c-early-end', name: 'Cleo', role: 'creator', agencyId: 'ag-early-end' });
  const room = (await api<Room>(node.url, 'POST', '/api/rooms', creator.token, { title: 'Ends while you load' })).body;
  expect((await api<Room>(node.url, 'POST', `/api/rooms/${room.id}/live`, creator.token)).status).toBe(200);

  // The room view's code is held back until the live has ended and the viewer's SDK has closed its connection.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let websocket!: Promise<WebSocket>;
  const viewer = await openPage(`${node.url}/room?id=${room.id}`, {
    identity: await devIdentity(node.url, { userId: 'v-early-end', name: 'Ann', role: 'viewer' }),
    viewport: PHONE,
    beforeGoto: async (page) => {
      await page.route('**/build/room-view.js', async (route) => {
        await held;
        await route.continue();
      });
      websocket = page.waitForEvent('websocket');
    },
  });
  const { page } = viewer;
  const ws = await websocket;
  // room:join's answer is the room's snapshot (it carries the server's clock).
  await ws.waitForEvent('framereceived', { predicate: (f) => typeof f.payload === 'string' && f.payload.includes('"serverTime"') });
  const closed = ws.waitForEvent('close');
  expect((await api<Room>(node.url, 'POST', `/api/rooms/${room.id}/end`, creator.token)).status).toBe(200);
  await closed;
  release();

  await page.getByTestId('ended-room').waitFor();
  expect(await page.getByTestId('room-ended').textContent()).toContain('Ends while you load');
  expect(viewer.errors).toEqual([]);
});
