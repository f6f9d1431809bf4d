import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import type { AgencyModerationState, AuditPage, LimitDetails } from '@hawker/protocol';
import { MAX_KEYWORDS } from '@hawker/protocol';
import { api, call, connect, ok, type ClientSocket } from '../../harness/clients.ts';
import { tokenFor } from '../../harness/live.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { startLocalRedis } from '../../server/kernel/localRedis.ts';

const t = useTeardown();
const MiB = 1024 * 1024;
/** The scenario's length: the 30-second keyword-edit loop. */
const LOOP_MS = 30_000;
/**
 * Connections the moderator edits through at once, each swapping its own 50 of the list's 200 words (the most one
 * edit takes): together ~80 edits a second, the per-connection event budget (20/s each) being the only other bound.
 */
const SOCKETS = MAX_KEYWORDS / 50;

/** 40-character keywords (the longest a list takes): socket `s`'s set `set` (0 or 1), word `i` of 50. */
const word = (s: number, set: number, i: number) => `s${s}set${set}w${String(i).padStart(2, '0')}-${'k'.repeat(30)}`;
const words = (s: number, set: number) => Array.from({ length: 50 }, (_, i) => word(s, set, i));

/** Bytes Redis reports for every key of this node (MEMORY USAGE, every element sampled). */
async function keyBytes(redis: Redis, prefix: string): Promise<{ bytes: number; keys: number }> {
  let cursor = '0';
  let bytes = 0;
  let keys = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
    cursor = next;
    for (const key of batch) {
      bytes += (await redis.memory('USAGE', key, 'SAMPLES', 0)) ?? 0;
      keys += 1;
    }
  } while (cursor !== '0');
  return { bytes, keys };
}
const usedMemory = async (redis: Redis) => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);

it(
  'an agency moderator editing a full keyword list in a tight loop for 30 s grows Redis by less than 5 MiB',
  async () => {
    // A Redis of its own, so its used_memory is this node's alone (the run's Redis is shared with parallel files);
    // MEMORY USAGE of the node's keys is the second, finer measure.
    const redisServer = t.add(await startLocalRedis({ dir: await t.tempDir('hawker-audit-memory-') }));
    // The loop resends at once when refused, the way SOCKET_CUT_REFUSALS cuts: lifted here, this test is about the audit log.
    const node = t.add(await startNode({ SOCKET_CUT_REFUSALS: '1000000' }, redisServer.url));
    const redis = t.add(new Redis(redisServer.url));

    const admin = await tokenFor(node.url, 'root', 'admin');
    const owner = await tokenFor(node.url, 'owner1', 'agency', 'ag1');
    expect((await api(node.url, 'POST', '/api/agencies', admin, { id: 'ag1', name: 'One', ownerId: 'owner1' })).status).toBe(201);
    expect((await api(node.url, 'PUT', '/api/agencies/ag1/moderators/mod1', owner)).status).toBe(200);
    const modToken = await tokenFor(node.url, 'mod1', 'moderator', 'ag1');
    const sockets: ClientSocket[] = [];
    for (let s = 0; s < SOCKETS; s++) sockets.push(t.add(await connect(node.url, modToken)));
    // The list full: every socket's first set.
    for (let s = 0; s < SOCKETS; s++) {
      ok(
        await call(sockets[s]!, 'mod:agencyKeywords', {
          agencyId: 'ag1',
          add: words(s, 0).map((w) => ({ word: w, mode: 'block' as const })),
        }),
      );
    }

    const before = { used: await usedMemory(redis), keys: await keyBytes(redis, node.prefix) };
    const tally = { accepted: 0, auditLimited: 0, otherLimited: 0, otherErrors: [] as string[] };
    const deadline = Date.now() + LOOP_MS;
    // Each socket swaps its 50 words out and 50 others in, back and forth, as fast as its acks come back: the largest
    // edit the protocol takes, each changing the list for real, and resent at once when the audit rate refuses it.
    await Promise.all(
      sockets.map(async (socket, s) => {
        let set = 0;
        while (Date.now() < deadline) {
          const add = words(s, 1 - set).map((w) => ({ word: w, mode: 'block' as const }));
          const ack = await call(socket, 'mod:agencyKeywords', { agencyId: 'ag1', add, remove: words(s, set) });
          if (ack.ok) {
            tally.accepted += 1;
            set = 1 - set;
          } else if (ack.error.code === 'RATE_LIMITED') {
            const details = ack.error.details as LimitDetails;
            if (details.limit === 'AUDIT_RATE_PER_AGENCY_PER_MIN') {
              tally.auditLimited += 1;
            } else {
              // The connection's event budget (no Redis work): pacing, so the loop spends the machine on the audit path.
              tally.otherLimited += 1;
              await new Promise((r) => setTimeout(r, details.retryAfterMs));
            }
          } else {
            tally.otherErrors.push(`${ack.error.code}: ${ack.error.message}`);
          }
        }
      }),
    );
    const after = { used: await usedMemory(redis), keys: await keyBytes(redis, node.prefix) };
    const growth = { usedMemory: after.used - before.used, nodeKeys: after.keys.bytes - before.keys.bytes };
    console.log(
      `keyword-edit loop, ${LOOP_MS / 1000} s x ${SOCKETS} sockets: ${JSON.stringify(tally)}; Redis used_memory ${(before.used / MiB).toFixed(2)} -> ${(after.used / MiB).toFixed(2)} MiB; ` +
        `node keys ${before.keys.keys} -> ${after.keys.keys}, ${(before.keys.bytes / MiB).toFixed(2)} -> ${(after.keys.bytes / MiB).toFixed(2)} MiB`,
    );

    expect(tally.otherErrors).toEqual([]);
    // The loop ran hard (thousands of attempts) and the agency's rate is what stopped it.
    expect(tally.accepted + tally.auditLimited + tally.otherLimited).toBeGreaterThan(1_000);
    expect(tally.auditLimited).toBeGreaterThan(500);
    expect(tally.accepted).toBeGreaterThan(50);
    expect(growth.nodeKeys).toBeLessThan(5 * MiB);
    expect(growth.usedMemory).toBeLessThan(5 * MiB);

    // The list stayed within its cap, and the log holds one small entry per accepted edit.
    const state = await api<AgencyModerationState>(node.url, 'GET', '/api/agencies/ag1/moderation', owner);
    expect(state.body.keywords).toHaveLength(MAX_KEYWORDS);
    const log = await api<AuditPage>(node.url, 'GET', '/api/agencies/ag1/audit?limit=200', owner);
    expect(log.body.entries.every((e) => JSON.stringify(e).length < 1_500)).toBe(true);
  },
  LOOP_MS + 90_000,
);
