import { expect, it } from 'vitest';
import type { Recording, RecordingStopped, Room } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { liveRoom } from '../../harness/live.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { broadcast } from '../../harness/webrtc.ts';
import { AppError } from '../../server/kernel/errors.ts';
import { recordingNode, recordingOf } from './helpers.ts';

const t = useTeardown();

it("an agency at its media quota: its live's recording stops with an alert naming MEDIA_QUOTA_BYTES_PER_AGENCY (the live goes on); clips' check refuses with QUOTA_EXCEEDED", async () => {
  const { node } = await recordingNode(t, { MEDIA_QUOTA_BYTES_PER_AGENCY: '1000000' });
  const service = recordingOf(node);
  // An earlier recording of the agency already stores all but a byte of its quota (another of its creators).
  const earlier = t.add(await liveRoom(node.url, { agencyId: 'agQuota', creatorId: 'creatorQ1' }));
  await service.store.start({
    id: 'quotaOld1',
    roomId: earlier.roomId,
    creatorId: 'creatorQ1',
    agencyId: 'agQuota',
    startedAt: Date.now() - 60_000,
  });
  await service.store.finish('quotaOld1', 'ready', { durationMs: 60_000, bytes: 999_999 });
  // A clip's bytes come from their own source; this one reports none (the clips domain registers its sum).
  service.quota.addSource(async () => 0);
  expect(await service.quota.used('agQuota')).toBe(999_999);
  await expect(service.quota.check({ agencyId: 'agQuota', creatorId: 'creatorQ1' }, 1)).resolves.toBeUndefined();
  const refused = await service.quota.check({ agencyId: 'agQuota', creatorId: 'creatorQ1' }, 2).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(AppError);
  expect(refused).toMatchObject({
    code: 'QUOTA_EXCEEDED',
    options: { details: { limit: 'MEDIA_QUOTA_BYTES_PER_AGENCY', max: 1_000_000 } },
  });
  // Another agency is not affected.
  await expect(service.quota.check({ agencyId: 'agOther', creatorId: 'creatorQ1' }, 500_000)).resolves.toBeUndefined();

  const room = t.add(await liveRoom(node.url, { agencyId: 'agQuota', creatorId: 'creatorQ2' }));
  const creatorSocket = await room.joinCreator();
  const stopped = new Promise<RecordingStopped>((resolve) => creatorSocket.on('recording:stopped', resolve));
  const { viewers } = await broadcast(t, room.roomId, creatorSocket, [await room.join('vQ1')]);
  const alert = await stopped;
  expect(alert.reason).toContain('MEDIA_QUOTA_BYTES_PER_AGENCY');
  const rec = await waitFor('the recording marked failed', async () => {
    const r = await api<Recording>(node.url, 'GET', `/api/recordings/${alert.recordingId}`, room.creator);
    return r.body.status === 'failed' ? r.body : undefined;
  });
  expect(rec).toMatchObject({ bytes: 0, failureReason: expect.stringContaining('agency agQuota') });
  expect(await service.mediaStorage.list(rec.id)).toEqual([]);
  // The live goes on.
  expect((await api<Room>(node.url, 'GET', `/api/rooms/${room.roomId}`, room.creator)).body.status).toBe('live');
  const reception = viewers[0]!.reception;
  const from = reception.counters.packets;
  await waitFor('more video at the viewer', () => reception.counters.packets > from + 30, 15_000);
}, 90_000);
