import { expect, it } from 'vitest';
import { CloseError, closeAll } from '../../server/kernel/closeAll.ts';
import type { Logger } from '../../server/kernel/log.ts';

const failure = async (run: () => Promise<void>): Promise<CloseError> => {
  try {
    await run();
  } catch (err) {
    if (err instanceof CloseError) return err;
    throw err;
  }
  throw new Error('expected a CloseError');
};

it('runs every step in order, each after the previous settled, and resolves when none failed', async () => {
  const order: string[] = [];
  const slow = (name: string, ms: number) => () => new Promise<void>((r) => setTimeout(() => r(void order.push(name)), ms));
  await closeAll('x', [
    ['a', slow('a', 20)],
    ['b', () => void order.push('b')],
    ['c', slow('c', 1)],
  ]);
  expect(order).toEqual(['a', 'b', 'c']);
});

it('a step that throws or rejects does not stop the ones after it; one CloseError reports every failure', async () => {
  const ran: string[] = [];
  const sync = new Error('sync failure');
  const async = new Error('async failure');
  const err = await failure(() =>
    closeAll('node', [
      ['first', () => void ran.push('first')],
      [
        'throws',
        () => {
          ran.push('throws');
          throw sync;
        },
      ],
      [
        'rejects',
        () => {
          ran.push('rejects');
          return Promise.reject(async);
        },
      ],
      ['last', () => void ran.push('last')],
    ]),
  );
  expect(ran).toEqual(['first', 'throws', 'rejects', 'last']);
  expect(err).toBeInstanceOf(AggregateError);
  expect(err.steps).toEqual(['throws', 'rejects']);
  expect(err.errors).toEqual([sync, async]);
  expect(err.message).toBe('node: 2 of 4 close steps failed: throws (sync failure); rejects (async failure)');
});

it('skips falsy entries (optional parts) and does not count them', async () => {
  const ran: string[] = [];
  const worker = null as { close(): void } | null;
  const err = await failure(() =>
    closeAll('runtime', [
      worker && ['worker', () => worker.close()],
      false,
      undefined,
      ['queue', () => Promise.reject('not an Error')],
      ['connection', () => void ran.push('connection')],
    ]),
  );
  expect(ran).toEqual(['connection']);
  expect(err.message).toBe('runtime: 1 of 2 close steps failed: queue (not an Error)');
});

it('with a logger, logs each failure with its step as it happens', async () => {
  const logged: { obj: unknown; msg: string }[] = [];
  const log = { error: (obj: unknown, msg: string) => logged.push({ obj, msg }) } as unknown as Logger;
  const boom = new Error('boom');
  await failure(() =>
    closeAll(
      'node',
      [
        [
          'domain chat',
          () => {
            throw boom;
          },
        ],
        ['redis', () => undefined],
      ],
      log,
    ),
  );
  expect(logged).toEqual([{ obj: { err: boom, step: 'domain chat' }, msg: 'node: closing domain chat failed; closing the rest' }]);
});

it('nested: a step that is itself a closeAll reports its inner failures inside the outer CloseError', async () => {
  const inner = new Error('worker did not stop');
  const err = await failure(() =>
    closeAll('node', [
      [
        'domain payments',
        () =>
          closeAll('payment runtime', [
            ['worker', () => Promise.reject(inner)],
            ['queue', () => undefined],
          ]),
      ],
    ]),
  );
  expect(err.steps).toEqual(['domain payments']);
  const nested = err.errors[0] as CloseError;
  expect(nested).toBeInstanceOf(CloseError);
  expect(nested.errors).toEqual([inner]);
  expect(err.message).toContain('domain payments (payment runtime: 1 of 2 close steps failed: worker (worker did not stop))');
});
