/**
 * kernel/flatCommands.ts: a command serialised by flatToWritable is byte for byte what ioredis's own toWritable makes,
 * for every kind of argument ioredis accepts (strings, numbers, empty, non-ASCII, nested lists, scripts), and a command
 * with a Buffer argument still goes through ioredis's own serialiser. No Redis: commands are only serialised.
 */
import { Command } from 'ioredis';
import { expect, it } from 'vitest';
import { flatToWritable, ioredisToWritable } from '../../../server/kernel/flatCommands.ts';

const bytes = (w: string | Buffer) => (typeof w === 'string' ? Buffer.from(w, 'utf8') : w);

const cases: [string, unknown[]][] = [
  ['get', ['hawker:key']],
  ['ping', []],
  ['hset', ['hawker:order:ord_1', 'roomId', '', 'quantity', 3, 'amount', 1999.5, 'title', 'Thé vert 绿茶 🍵']],
  ['evalsha', ['0123456789abcdef0123456789abcdef01234567', 2, ['k1', 'k2', 'a1', 42, '']]],
  ['set', ['k', 'v', 'PX', 60_000]],
  ['sadd', ['s', ...Array.from({ length: 200 }, (_, i) => `member-${i}`)]],
];

it('serialises every command to exactly the bytes ioredis would write', () => {
  for (const [name, args] of cases) {
    const cmd = new Command(name, args as never);
    const ours = flatToWritable.call(cmd as never);
    expect(typeof ours).toBe('string');
    expect(bytes(ours).equals(bytes(ioredisToWritable.call(cmd, undefined as never)))).toBe(true);
  }
});

it('leaves commands with Buffer arguments to ioredis', () => {
  const cmd = new Command('set', ['k', Buffer.from([0, 255, 10, 13])]);
  const ours = flatToWritable.call(cmd as never);
  expect(Buffer.isBuffer(ours)).toBe(true);
  expect(bytes(ours).equals(bytes(ioredisToWritable.call(cmd, undefined as never)))).toBe(true);
});
