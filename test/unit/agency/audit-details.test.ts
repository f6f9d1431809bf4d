import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AUDIT_DETAILS_MAX_BYTES, AUDIT_VALUE_MAX_BYTES, boundDetails } from '../../../server/agency/audit.ts';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');

describe("boundDetails: what the audit log stores of an action's details", () => {
  it('keeps small details as they are', () => {
    const details = { reason: 'spam', durationS: 60, shadow: true, note: null, exact: 'x'.repeat(AUDIT_VALUE_MAX_BYTES) };
    expect(boundDetails(details)).toEqual(details);
  });

  it('summarises a long value: a preview, the SHA-256 of the full value and its size', () => {
    const words = Array.from({ length: 50 }, (_, i) => `${'w'.repeat(36)}${String(i).padStart(2, '0')}:block`).join(', ');
    const out = boundDetails({ added: words, addedCount: 50 });
    expect(out.addedCount).toBe(50);
    expect(out.addedSha256).toBe(sha256(words));
    expect(out.addedBytes).toBe(Buffer.byteLength(words));
    expect(out.added).toMatch(/^w{36}00:block, w+…$/);
    expect((out.added as string).length).toBe(65);
    expect(bytes(out)).toBeLessThan(400);
  });

  it('counts UTF-8 bytes, not characters, and never cuts a character in two', () => {
    const emoji = '😀'.repeat(200); // 200 characters, 800 bytes
    const out = boundDetails({ v: emoji });
    expect(out.vBytes).toBe(800);
    expect(out.v).toBe(`${'😀'.repeat(64)}…`);
    expect(boundDetails({ v: '😀'.repeat(128) })).toEqual({ v: '😀'.repeat(128) }); // 512 bytes: at the bound, kept
  });

  it('replaces details with many keys by one summary under the entry bound', () => {
    const details = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`key${i}`, 'v'.repeat(100)]));
    const out = boundDetails(details);
    expect(out).toEqual({
      detailsSha256: sha256(JSON.stringify(details)),
      detailsBytes: bytes(details),
      detailsKeys: 100,
      detailsPreview: expect.stringMatching(/^\{"key0":"v+","key1":"v*…$/),
    });
    expect(bytes(out)).toBeLessThan(AUDIT_DETAILS_MAX_BYTES);
  });
});
