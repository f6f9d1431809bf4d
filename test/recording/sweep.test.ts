import { expect, it } from 'vitest';
import type { Recording } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { liveRoom, tokenFor } from '../../harness/live.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { recordingNode, recordingOf } from './helpers.ts';

const t = useTeardown();

it("a recording whose node died (no heartbeat) is ended by any node's sweep: ready up to the kill, marked interrupted; a live one is left alone", async () => {
  const { node } = await recordingNode(t);
  const service = recordingOf(node);
  const a = t.add(await liveRoom(node.url, { agencyId: 'ag1' }));
  const b = t.add(await liveRoom(node.url, { agencyId: 'ag1', creatorId: 'creator2' }));
  await service.store.start({
    id: 'orphanRec1',
    roomId: a.roomId,
    creatorId: 'creator1',
    agencyId: 'ag1',
    startedAt: Date.now() - 300_000,
  });
  await service.store.start({ id: 'aliveRec1', roomId: b.roomId, creatorId: 'creator2', agencyId: 'ag1', startedAt: Date.now() - 300_000 });
  // The orphan's node last touched it 2 minutes ago; the live one's node just did.
  await service.store.db.query(`UPDATE recordings SET updated_at = clock_timestamp() - interval '120 seconds' WHERE id = 'orphanRec1'`);
  await service.store.touch('aliveRec1');

  expect(await service.sweep(60_000)).toEqual(['orphanRec1']);
  const viewer = await tokenFor(node.url, 'v1');
  const orphan = (await api<Recording>(node.url, 'GET', '/api/recordings/orphanRec1', viewer)).body;
  expect(orphan).toMatchObject({ status: 'ready', failureReason: expect.stringContaining('interrupted') });
  expect(orphan.endedAt).toEqual(expect.any(Number));
  expect((await service.store.get('aliveRec1'))?.status).toBe('recording');
  expect(await service.sweep(60_000)).toEqual([]); // once
}, 30_000);
