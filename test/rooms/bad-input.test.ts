import { expect, it } from 'vitest';
import type { Ack } from '@hawker/protocol';
import { api, call } from '../../harness/clients.ts';
import { inspector } from '../../harness/commerce.ts';
import { LiveClient, liveRoom, tokenFor } from '../../harness/live.ts';
import { startNode } from '../../harness/node.ts';
import { redisFingerprint } from '../../harness/redisState.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('malformed, oversized, unknown and unauthorized events and bodies each get their typed error and change nothing', async () => {
  const node = t.add(await startNode());
  const redis = t.add(inspector());
  const { roomId, creator } = await liveRoom(node.url);
  const viewer = t.add(await LiveClient.connect(node.url, await tokenFor(node.url, 'v1')));
  await viewer.join(roomId);
  const raw = (event: string, payload: unknown) =>
    (viewer.socket.timeout(5_000) as unknown as { emitWithAck(e: string, p: unknown): Promise<Ack<unknown>> }).emitWithAck(event, payload);
  const before = await redisFingerprint(redis, node.prefix);

  const cases: [string, Promise<Ack<unknown>>, string][] = [
    ['malformed: wrong type', raw('chat:send', { roomId, text: 42 }), 'BAD_REQUEST'],
    ['malformed: not an object', raw('like:tap', 'tap tap'), 'BAD_REQUEST'],
    ['malformed: unknown field', raw('chat:send', { roomId, text: 'hi', color: 'red' }), 'BAD_REQUEST'],
    ['malformed: bad id', raw('mod:delete', { roomId, messageId: '../../etc' }), 'BAD_REQUEST'],
    ['oversized: chat text', raw('chat:send', { roomId, text: 'x'.repeat(201) }), 'BAD_REQUEST'],
    ['oversized: 60 KB text', raw('chat:send', { roomId, text: 'x'.repeat(60_000) }), 'BAD_REQUEST'],
    [
      'oversized: too many keywords in one edit',
      raw('mod:roomKeywords', { roomId, add: Array.from({ length: 51 }, (_, i) => ({ word: `w${i}`, mode: 'block' })) }),
      'BAD_REQUEST',
    ],
    ['out of range: likes', raw('like:tap', { roomId, count: 51 }), 'BAD_REQUEST'],
    ['unknown event', raw('chat:shout', { roomId, text: 'hi' }), 'UNKNOWN_EVENT'],
    ['unknown event: prototype name', raw('__proto__', {}), 'UNKNOWN_EVENT'],
    ['unauthorized: viewer bans', call(viewer.socket, 'mod:ban', { roomId, userId: 'v2' }), 'FORBIDDEN'],
    [
      'unauthorized: viewer edits agency keywords',
      call(viewer.socket, 'mod:agencyKeywords', { agencyId: 'ag1', add: [{ word: 'x', mode: 'block' }] }),
      'FORBIDDEN',
    ],
    ['unknown room', call(viewer.socket, 'room:join', { roomId: 'nope' }), 'NOT_FOUND'],
  ];
  for (const [what, ack, code] of cases)
    expect([what, await ack]).toMatchObject([what, { ok: false, error: { code, message: expect.any(String) } }]);

  const restCases: [string, Promise<{ status: number; body: { error: { code: string } } }>, number, string][] = [
    [
      'malformed JSON body',
      api(node.url, 'POST', '/api/agencies', await tokenFor(node.url, 'root', 'admin'), '{"id": '),
      400,
      'BAD_REQUEST',
    ],
    [
      'body over 64 KB',
      api(node.url, 'POST', '/api/agencies', await tokenFor(node.url, 'root', 'admin'), {
        id: 'a',
        name: 'x'.repeat(70_000),
        ownerId: 'o',
      }),
      413,
      'BAD_REQUEST',
    ],
    [
      'bad field',
      api(node.url, 'POST', '/api/agencies', await tokenFor(node.url, 'root', 'admin'), { id: 'a b', name: 'x', ownerId: 'o' }),
      400,
      'BAD_REQUEST',
    ],
    ['bad query', api(node.url, 'GET', `/api/rooms/${roomId}/audit?limit=0`, creator), 400, 'BAD_REQUEST'],
    ['unknown route', api(node.url, 'GET', '/api/nothing-here', creator), 404, 'NOT_FOUND'],
    ['unauthorized', api(node.url, 'PUT', '/api/agencies/ag1/creators/x', creator), 403, 'FORBIDDEN'],
  ];
  for (const [what, res, status, code] of restCases) {
    const r = await res;
    expect([what, r.status, r.body.error.code]).toEqual([what, status, code]);
  }
  expect(await redisFingerprint(redis, node.prefix)).toEqual(before);
});
