import { describe, expect, it } from 'vitest';
import { Teardown, useTeardown } from '../../../harness/teardown.ts';

it('Teardown closes the last thing registered first, awaiting each, by the method each one has', async () => {
  const t = new Teardown();
  const log: string[] = [];
  t.add({ close: () => log.push('node'), disconnect: () => log.push('node wrongly disconnected') });
  t.add({
    stop: async () => {
      // A step that takes a while (the delay is the thing under test, not a wait for anything): the steps after it
      // in the log prove Teardown awaited it before going on.
      await new Promise((r) => setTimeout(r, 20));
      log.push('redis-server stopped');
    },
  });
  t.add({ quit: () => log.push('redis client') });
  t.defer(() => log.push('deferred step'));
  t.add({ disconnect: () => log.push('socket') });
  t.add({ pid: 42 }, (p) => log.push(`killed ${p.pid}`));
  t.add({ kill: () => log.push('process') });
  await t.run();
  expect(log).toEqual(['process', 'killed 42', 'socket', 'deferred step', 'redis client', 'redis-server stopped', 'node']);
});

it('Teardown runs every step when some throw, then rejects with all their errors, and forgets the steps either way', async () => {
  const t = new Teardown();
  const ran: string[] = [];
  t.defer(() => ran.push('first'));
  t.defer(() => {
    throw new Error('sync failure');
  });
  t.defer(() => Promise.reject(new Error('async failure')));
  t.defer(() => ran.push('last'));
  const err: unknown = await t.run().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AggregateError);
  expect((err as AggregateError).errors.map((e: Error) => e.message)).toEqual(['async failure', 'sync failure']);
  expect((err as AggregateError).message).toContain('async failure; sync failure');
  expect(ran).toEqual(['last', 'first']);
  // Nothing is left to run twice.
  await t.run();
  expect(ran).toEqual(['last', 'first']);
});

describe('useTeardown', () => {
  const t = useTeardown();
  const ran: string[] = [];
  let reported: string[] = [];

  // `fails`: vitest flips this test's result after its afterEach hooks ran, so it passes only if the teardown failed it.
  it.fails('fails the test whose teardown throws', ({ onTestFailed }) => {
    onTestFailed(({ task }) => {
      reported = (task.result?.errors ?? []).map((e) => e.message);
    });
    t.defer(() => ran.push('first'));
    t.defer(() => {
      throw new Error('cannot close');
    });
    t.defer(() => ran.push('last'));
  });

  // Had the failed test's steps stayed registered, this test's own afterEach would throw 'cannot close' again.
  it('ran every step of that test, last first, and starts the next test with none', () => {
    expect(ran).toEqual(['last', 'first']);
    // vitest reports each error of the AggregateError on its own.
    expect(reported).toEqual(['cannot close']);
  });
});
