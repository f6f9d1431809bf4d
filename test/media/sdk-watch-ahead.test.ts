import { expect, it } from 'vitest';
import { HawkerApi, LiveRoom } from '../../client-sdk/src/index.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('LiveRoom.join({ watch: true }) sends room:join ahead of media:watch, so the media start it asked for is answered, not refused', async () => {
  const node = t.add(await startNode());
  const creator = await HawkerApi.devToken(node.url, { userId: 'c1', name: 'Creator', role: 'creator', agencyId: 'ag1' });
  const viewer = await HawkerApi.devToken(node.url, { userId: 'v1', name: 'Viewer', role: 'viewer' });
  const created = await new HawkerApi(node.url, creator.token).createRoom({ title: 'Watch ahead' });

  const room = t.add(await LiveRoom.join(node.url, viewer.token, created.id, { watch: true }));
  // Sent the other way round, the server refuses media:watch (no join received yet) and the player asks again later.
  const start = await room.takeWatchStart();
  expect(start?.transport.id).toEqual(expect.any(String));
  expect(start?.routerRtpCapabilities).toMatchObject({ codecs: expect.arrayContaining([expect.objectContaining({ kind: 'video' })]) });
});
