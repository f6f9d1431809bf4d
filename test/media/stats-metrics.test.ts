import { expect, it } from 'vitest';
import type { RoomMediaStats } from '@hawker/protocol';
import { api, devToken, scrapeMetrics } from '../../harness/clients.ts';
import { startLiveRoom } from '../../harness/live.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { WebRtcPeer } from '../../harness/webrtc.ts';

const t = useTeardown();

it("per-room media stats over REST (for the room's staff) and as Prometheus metrics: bitrate in and out, consumers per worker, loss", async () => {
  const { node, room } = await startLiveRoom(t, { MEDIASOUP_WORKERS: '2', MEDIASOUP_CONSUMERS_PER_ROUTER: '1' });
  const { roomId } = room;
  const statsUrl = `/api/rooms/${roomId}/media/stats`;
  expect((await api(node.url, 'GET', statsUrl, room.creator)).status).toBe(404); // no media yet on this node

  const creator = t.add(await WebRtcPeer.open(await room.joinCreator(), roomId));
  const { producerId } = await creator.publishVp8(await creator.transport('send'));
  for (const name of ['v1', 'v2']) {
    const v = t.add(await WebRtcPeer.open(await room.join(name), roomId));
    const r = await v.consume(await v.transport('recv'), producerId);
    await waitFor('video flowing', () => r.counters.bytes > 5_000, 20_000);
  }

  // mediasoup's bitrates are measured over a sliding window: wait until both directions show traffic.
  const stats = await waitFor('bitrates measured', async () => {
    const s = (await api<RoomMediaStats>(node.url, 'GET', statsUrl, room.creator)).body;
    return s.bitrateIn > 0 && s.bitrateOut > 0 ? s : undefined;
  });
  expect(stats).toMatchObject({ roomId, consumers: 2, lossIn: expect.any(Number), lossOut: expect.any(Number) });
  expect(stats.consumersPerWorker).toEqual({ 0: 1, 1: 1 });
  expect(stats.producers).toEqual([expect.objectContaining({ id: producerId, kind: 'video', type: 'simple', paused: false })]);
  expect(stats.producers[0]!.bitrate).toBeGreaterThan(0);

  // Who may look: the room's staff (its agency's moderator here), not a viewer.
  const moderator = await devToken(node.url, { userId: 'm1', name: 'Mod', role: 'moderator', agencyId: 'ag1' });
  const viewer = await devToken(node.url, { userId: 'v9', name: 'V', role: 'viewer' });
  expect((await api(node.url, 'GET', statsUrl, moderator)).status).toBe(200);
  expect((await api(node.url, 'GET', statsUrl, viewer)).status).toBe(403);
  expect((await api(node.url, 'GET', statsUrl)).status).toBe(401);
  expect((await api(node.url, 'GET', '/api/rooms/nope/media/stats', moderator)).status).toBe(404);

  const m = await scrapeMetrics(node.url);
  expect(m.get('hawker_media_workers_alive')).toBe(2);
  expect(m.get('hawker_media_rooms')).toBe(1);
  expect(m.get('hawker_media_routers')).toBe(2);
  expect(m.get('hawker_media_transports')).toBe(3);
  expect(m.get('hawker_media_producers')).toBe(1);
  expect(m.get('hawker_media_publishers_held')).toBe(0);
  expect(m.get('hawker_media_worker_consumers{worker="0"}')).toBe(1);
  expect(m.get('hawker_media_worker_consumers{worker="1"}')).toBe(1);
  expect(m.get(`hawker_media_room_consumers{room="${roomId}"}`)).toBe(2);
  expect(m.get(`hawker_media_room_bitrate_in_bps{room="${roomId}"}`)).toBeGreaterThan(0);
  expect(m.get(`hawker_media_room_bitrate_out_bps{room="${roomId}"}`)).toBeGreaterThan(0);
  expect(m.has(`hawker_media_room_loss_in_ratio{room="${roomId}"}`)).toBe(true);
  expect(m.has(`hawker_media_room_keyframe_requests{room="${roomId}"}`)).toBe(true);
  expect(m.get('hawker_media_worker_deaths_total')).toBe(0);

  // When the room ends its series go away.
  await api(node.url, 'POST', `/api/rooms/${roomId}/end`, room.creator, {});
  const after = await scrapeMetrics(node.url);
  expect(after.get('hawker_media_rooms')).toBe(0);
  expect(after.has(`hawker_media_room_consumers{room="${roomId}"}`)).toBe(false);
});
