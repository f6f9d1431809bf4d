import { Writable } from 'node:stream';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import type { Room } from '@hawker/protocol';
import type { HawkerSocket } from '../../../server/kernel/context.ts';
import { AppError } from '../../../server/kernel/errors.ts';
import { RoomHooks, type RoomHook } from '../../../server/rooms/hooks.ts';

const room: Room = {
  id: 'r1',
  title: 'r1',
  coverUrl: null,
  creatorId: 'c',
  creatorName: 'C',
  agencyId: null,
  status: 'live',
  scheduledAt: null,
  startedAt: 1,
  endedAt: null,
  endReason: null,
  createdAt: 1,
};
const socket = { id: 's1' } as HawkerSocket;

/** A runner whose error log lines are kept. */
function runner() {
  const logged: { hook: string; kind: string; roomId: string; err: { message: string } }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logged.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { hooks: new RoomHooks(pino({ level: 'error' }, sink)), logged };
}

/** A hook that records every call (`name:kind`) in `calls`, and throws in the kinds listed in `fails`. */
function recording(name: string, priority: number, calls: string[], fails: (keyof RoomHook)[] = []): RoomHook {
  const run = (kind: keyof RoomHook) => async () => {
    calls.push(`${name}:${kind}`);
    if (fails.includes(kind)) throw kind === 'beforeJoin' ? AppError.forbidden(`${name} refuses`) : new Error(`${name} broke`);
  };
  return {
    name,
    priority,
    beforeJoin: run('beforeJoin'),
    afterJoin: run('afterJoin'),
    afterLeave: run('afterLeave'),
    onLive: run('onLive'),
    onEnded: run('onEnded'),
  };
}

it('runs hooks by priority, highest first, whatever order they were registered in', async () => {
  const { hooks } = runner();
  const calls: string[] = [];
  hooks.register(recording('low', 10, calls), recording('high', 1000, calls));
  hooks.register(recording('middle', 500, calls));
  expect(hooks.list().map((h) => h.name)).toEqual(['high', 'middle', 'low']);
  await hooks.beforeJoin(room, socket);
  await hooks.onEnded(room.id, 'done');
  expect(calls).toEqual(['high:beforeJoin', 'middle:beforeJoin', 'low:beforeJoin', 'high:onEnded', 'middle:onEnded', 'low:onEnded']);
});

it('refuses a name or a priority already taken: the order is never left to registration', () => {
  const { hooks } = runner();
  hooks.register({ name: 'a', priority: 100 });
  expect(() => hooks.register({ name: 'b', priority: 100 })).toThrow(/clashes with a/);
  expect(() => hooks.register({ name: 'a', priority: 200 })).toThrow(/clashes with a/);
  expect(() => hooks.register({ name: 'c', priority: Number.NaN })).toThrow(/finite/);
  expect(hooks.list().map((h) => h.name)).toEqual(['a']);
});

it('beforeJoin may refuse: the first hook that throws stops the join with its error, and later hooks do not run', async () => {
  const { hooks, logged } = runner();
  const calls: string[] = [];
  hooks.register(recording('first', 300, calls), recording('refuser', 200, calls, ['beforeJoin']), recording('last', 100, calls));
  await expect(hooks.beforeJoin(room, socket)).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'refuser refuses' });
  expect(calls).toEqual(['first:beforeJoin', 'refuser:beforeJoin']);
  expect(logged).toEqual([]); // the caller answers the refusal; the runner does not log it
});

it.each(['afterJoin', 'afterLeave', 'onLive', 'onEnded'] as const)(
  '%s is a notification: a hook that throws is logged with its name, the others still run, and the runner resolves',
  async (kind) => {
    const { hooks, logged } = runner();
    const calls: string[] = [];
    hooks.register(recording('first', 300, calls), recording('broken', 200, calls, [kind]), recording('last', 100, calls));
    const run = {
      afterJoin: () => hooks.afterJoin(room, socket),
      afterLeave: () => hooks.afterLeave(room.id, socket, 'left'),
      onLive: () => hooks.onLive(room),
      onEnded: () => hooks.onEnded(room.id, 'done'),
    }[kind];
    await expect(run()).resolves.toBeUndefined();
    expect(calls).toEqual([`first:${kind}`, `broken:${kind}`, `last:${kind}`]);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ hook: 'broken', kind, roomId: 'r1', err: { message: 'broken broke' } });
  },
);

it('hooks without a kind are skipped for it', async () => {
  const { hooks } = runner();
  const calls: string[] = [];
  hooks.register({ name: 'bare', priority: 1 }, { name: 'live', priority: 2, onLive: async () => void calls.push('live') });
  await hooks.beforeJoin(room, socket);
  await hooks.afterJoin(room, socket);
  await hooks.onLive(room);
  expect(calls).toEqual(['live']);
});
