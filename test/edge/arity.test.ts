import { expect, it } from 'vitest';
import type { Ack } from '@hawker/protocol';
import { call, type ClientSocket } from '../../harness/clients.ts';
import { liveRoom } from '../../harness/live.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

/** Emits `event` with exactly `args` and an ack callback, as a raw socket.io-client would; resolves with the ack. */
function emitRaw(socket: ClientSocket, event: string, ...args: unknown[]): Promise<Ack<unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for ${event} with ${args.length} argument(s)`)), 10_000);
    (socket as unknown as { emit(e: string, ...a: unknown[]): void }).emit(event, ...args, (ack: Ack<unknown>) => {
      clearTimeout(timer);
      resolve(ack);
    });
  });
}

it('an event sent with no payload or with several gets a typed BAD_REQUEST ack, and its handler does not run', async () => {
  const node = t.add(await startNode());
  const room = t.add(await liveRoom(node.url));
  const { roomId } = room;
  const viewer = await room.connectOnly('v-arity');

  const cases: [string, () => Promise<Ack<unknown>>, number][] = [
    ['ack alone', () => emitRaw(viewer, 'room:join'), 0],
    ['two payloads', () => emitRaw(viewer, 'room:join', { roomId }, { roomId }), 2],
    ['payload and a string', () => emitRaw(viewer, 'room:join', { roomId }, 'extra'), 2],
    ['three payloads', () => emitRaw(viewer, 'chat:send', { roomId, text: 'hi' }, 1, null), 3],
    ['ack alone, another event', () => emitRaw(viewer, 'like:tap'), 0],
  ];
  for (const [what, send, count] of cases) {
    const answer = await send();
    expect([what, answer]).toMatchObject([
      what,
      { ok: false, error: { code: 'BAD_REQUEST', message: expect.stringContaining('takes exactly one payload and an ack callback') } },
    ]);
    expect([what, (answer as { error: { message: string } }).error.message]).toEqual([
      what,
      expect.stringContaining(`got ${count} argument`),
    ]);
  }

  // The refused joins did nothing: the viewer is in no room, so chatting is refused as for anyone who never joined.
  const chat = await call(viewer, 'chat:send', { roomId, text: 'am I in?' });
  expect(chat).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', message: 'Join the room before chatting' } });

  // One payload and the ack: unchanged.
  expect(await emitRaw(viewer, 'room:join', { roomId })).toMatchObject({ ok: true, data: { room: { id: roomId } } });
  expect(await emitRaw(viewer, 'chat:send', { roomId, text: 'now I am' })).toMatchObject({ ok: true });
});
