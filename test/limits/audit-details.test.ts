import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import type { AuditEntry, AuditPage } from '@hawker/protocol';
import { api, call, connect, ok } from '../../harness/clients.ts';
import { tokenFor } from '../../harness/live.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
/** 40-character keywords, the longest a list takes. */
const word = (i: number) => `keyword${String(i).padStart(3, '0')}${'x'.repeat(30)}`;

it('a keyword edit is audited as the change it made (never the list), and a long change as counts, a preview and its SHA-256', async () => {
  const node = t.add(await startNode());
  const admin = await tokenFor(node.url, 'root', 'admin');
  const owner = await tokenFor(node.url, 'owner1', 'agency', 'ag1');
  await api(node.url, 'POST', '/api/agencies', admin, { id: 'ag1', name: 'One', ownerId: 'owner1' });
  const mod = t.add(await connect(node.url, owner));
  const newest = async (): Promise<AuditEntry> =>
    (await api<AuditPage>(node.url, 'GET', '/api/agencies/ag1/audit?limit=1', owner)).body.entries[0]!;
  const stored = async () => {
    // What Redis holds for the newest entry of the agency's stream, as written.
    const rows = await node.node.ctx.redis.xrevrange(`${node.prefix}audit:agency:ag1`, '+', '-', 'COUNT', 1);
    const fields = rows[0]![1];
    return fields[1]!;
  };

  // 1. Fifty new 40-character words: the change is ~2.4 KB, stored as a summary.
  const fifty = Array.from({ length: 50 }, (_, i) => word(i));
  ok(await call(mod, 'mod:agencyKeywords', { agencyId: 'ag1', add: fifty.map((w) => ({ word: w, mode: 'block' as const })) }));
  const addedText = fifty.map((w) => `${w}:block`).join(', ');
  const first = await newest();
  expect(first.details).toEqual({
    added: `${addedText.slice(0, 64)}…`,
    addedSha256: sha256(addedText),
    addedBytes: Buffer.byteLength(addedText),
    changed: '',
    removed: '',
    addedCount: 50,
    changedCount: 0,
    removedCount: 0,
  });
  expect(Buffer.byteLength(await stored())).toBeLessThan(1_024);

  // 2. Re-adding all fifty (five with another mode) and removing three (plus one never listed): only the real change.
  const edit = {
    agencyId: 'ag1',
    add: fifty.map((w, i) => ({ word: w, mode: i < 5 ? ('shadow' as const) : ('block' as const) })).slice(0, 45),
    remove: [word(47), word(48), word(49), 'never listed'],
  };
  const after = ok(await call(mod, 'mod:agencyKeywords', edit));
  expect(after.keywords).toHaveLength(47);
  const second = await newest();
  expect(second.details).toEqual({
    added: '',
    changed: fifty
      .slice(0, 5)
      .map((w) => `${w}:shadow`)
      .join(', '),
    removed: [word(47), word(48), word(49)].join(', '),
    addedCount: 0,
    changedCount: 5,
    removedCount: 3,
  });
  // The 39 words the edit re-sent unchanged and the words it did not name appear nowhere in the entry.
  const raw = await stored();
  expect(raw).not.toContain(word(20));
  expect(raw).not.toContain(word(46));

  // 3. An edit that changes nothing is still recorded (who tried what), as an empty change.
  ok(await call(mod, 'mod:agencyKeywords', { agencyId: 'ag1', add: [{ word: word(0), mode: 'shadow' }] }));
  expect((await newest()).details).toMatchObject({ addedCount: 0, changedCount: 0, removedCount: 0 });
});

it('a long free-text value of any action is stored summarised, so one entry stays small', async () => {
  const node = t.add(await startNode());
  const admin = await tokenFor(node.url, 'root', 'admin');
  await api(node.url, 'POST', '/api/agencies', admin, { id: 'ag1', name: 'One', ownerId: 'owner1' });
  const socket = t.add(await connect(node.url, admin));
  const short = 'é'.repeat(200); // the longest reason (200 characters), 400 bytes: under the 512-byte bound, kept
  const long = '😀'.repeat(200); // 200 characters, 800 bytes: over it
  ok(await call(socket, 'mod:agencyBan', { agencyId: 'ag1', userId: 'troll1', reason: short }));
  ok(await call(socket, 'mod:agencyBan', { agencyId: 'ag1', userId: 'troll2', reason: long }));
  const page = await api<AuditPage>(node.url, 'GET', '/api/agencies/ag1/audit?limit=2', admin);
  expect(page.body.entries.map((e) => e.details)).toEqual([
    { reason: `${'😀'.repeat(64)}…`, reasonSha256: sha256(long), reasonBytes: 800 },
    { reason: short },
  ]);
});
