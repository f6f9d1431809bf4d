import { expect, it } from 'vitest';
import type { Recording, RecordingStopped, Room } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { liveRoom, tokenFor } from '../../harness/live.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { broadcast } from '../../harness/webrtc.ts';
import { LocalDiskStorage, type RecordingStorage } from '../../server/recording/index.ts';
import { probeDuration, recordingNode, recordingOf, recordingsOf } from './helpers.ts';

const t = useTeardown();

/** The local disk until `okWrites` files are written, then every write fails as a full disk does. */
class FillingDisk implements RecordingStorage {
  writes = 0;
  constructor(
    private readonly disk: LocalDiskStorage,
    private readonly okWrites: number,
  ) {}
  async write(recordingId: string, name: string, data: Buffer): Promise<void> {
    if (this.writes >= this.okWrites) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    this.writes += 1;
    await this.disk.write(recordingId, name, data);
  }
  read(recordingId: string, name: string): Promise<Buffer | null> {
    return this.disk.read(recordingId, name);
  }
}

it('a storage write failure stops the recording (failed, with why; an alert to the creator) while the live and its video go on; what was stored stays playable', async () => {
  const { node, dir } = await recordingNode(t);
  const service = recordingOf(node);
  // Two segments and their playlists (4 writes), then the disk is full.
  const disk = new FillingDisk(new LocalDiskStorage(dir), 4);
  service.useStorage(disk);
  const room = t.add(await liveRoom(node.url, { agencyId: 'ag1' }));
  const creatorSocket = await room.joinCreator();
  const stopped = new Promise<RecordingStopped>((resolve) => creatorSocket.on('recording:stopped', resolve));
  const { viewers } = await broadcast(t, room.roomId, creatorSocket, [await room.join('v1')]);

  const alert = await stopped;
  expect(alert).toMatchObject({ roomId: room.roomId, reason: expect.stringContaining('ENOSPC') });
  const rec = await waitFor('the recording marked failed', async () => {
    const r = await api<Recording>(node.url, 'GET', `/api/recordings/${alert.recordingId}`, room.creator);
    return r.body.status === 'failed' ? r.body : undefined;
  });
  expect(rec.failureReason).toContain('storage write failed');
  expect(disk.writes).toBe(4);
  // The live goes on: the room is live and the viewer keeps receiving video.
  expect((await api<Room>(node.url, 'GET', `/api/rooms/${room.roomId}`, room.creator)).body.status).toBe('live');
  const reception = viewers[0]!.reception;
  const from = reception.counters.packets;
  await waitFor('more video at the viewer', () => reception.counters.packets > from + 30, 15_000);
  // The two stored segments play (the playlist stored last lists only stored files), and no new recording started.
  // ffprobe reads it as any player would, over REST (which completes a failed recording's playlist).
  expect(await probeDuration(`${node.url}${rec.playlistUrl}`, room.creator)).toBeGreaterThan(1);
  expect((await recordingsOf(node, room.creator, room.roomId)).map((r) => r.id)).toEqual([rec.id]);
  // A viewer does not see a failed recording (the room's staff do, to learn why).
  const viewer = await api<Recording>(node.url, 'GET', `/api/recordings/${rec.id}`, await tokenFor(node.url, 'v2'));
  expect(viewer.status).toBe(403);
}, 60_000);

it('past RECORDINGS_MAX_CONCURRENT, a live is not recorded: a failed recording names the limit and the creator is alerted', async () => {
  const { node } = await recordingNode(t, { RECORDINGS_MAX_CONCURRENT: '1' });
  const first = t.add(await liveRoom(node.url, { agencyId: 'ag1' }));
  await broadcast(t, first.roomId, await first.joinCreator(), []);
  await waitFor('the first room recording', async () => (await recordingsOf(node, first.creator, first.roomId))[0]?.status === 'recording');
  const second = t.add(await liveRoom(node.url, { agencyId: 'ag1', creatorId: 'creator2' }));
  const socket = await second.joinCreator();
  const stopped = new Promise<RecordingStopped>((resolve) => socket.on('recording:stopped', resolve));
  await broadcast(t, second.roomId, socket, []);
  expect((await stopped).reason).toContain('RECORDINGS_MAX_CONCURRENT');
  const [rec] = await recordingsOf(node, second.creator, second.roomId);
  expect(rec).toMatchObject({ status: 'failed', failureReason: expect.stringContaining('RECORDINGS_MAX_CONCURRENT'), bytes: 0 });
}, 60_000);
