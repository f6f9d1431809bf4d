import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { UploadedImage } from '@hawker/protocol';
import { devToken } from '../../harness/clients.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { decodes, encode, jpegWithMetadata, pngWithMetadata, PLANTED, webpWithMetadata } from './fixtures.ts';

const t = useTeardown();

interface Answer {
  status: number;
  body: UploadedImage & { error: { code: string; details?: Record<string, unknown> } };
}

it('stores PNG, JPEG and WebP without their metadata, serves them with nosniff, and refuses the rest storing nothing', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'hawker-uploads-'));
  const node = t.add(await startNode({ UPLOADS_DIR: dir, UPLOAD_MAX_BYTES: '20000', UPLOAD_QUOTA_BYTES_PER_USER: '6000' }));
  const creator = await devToken(node.url, { userId: 'c1', role: 'creator', name: 'Cleo' });
  const merchant = await devToken(node.url, { userId: 'm1', role: 'merchant', name: 'Mo' });
  const viewer = await devToken(node.url, { userId: 'v1', role: 'viewer', name: 'Vi' });
  const upload = async (token: string | null, body: Buffer, type = 'application/octet-stream'): Promise<Answer> => {
    const res = await fetch(`${node.url}/api/uploads/images`, {
      method: 'POST',
      headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: new Uint8Array(body),
    });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  };
  const stored = async () => ({
    files: (await readdir(dir)).sort(),
    rows: (await node.node.ctx.db.query('SELECT owner_id, sha256, bytes FROM uploads ORDER BY owner_id, sha256')).rows,
  });

  // Accepted: each type, sent with metadata, comes back smaller, without it, and still decodes at its size.
  const png = pngWithMetadata(await encode('png'));
  const jpg = jpegWithMetadata(await encode('jpg'));
  const webp = webpWithMetadata(await encode('webp'), 64, 48);
  for (const [data, ext, type] of [
    [png, 'png', 'image/png'],
    [jpg, 'jpg', 'image/jpeg'],
    [webp, 'webp', 'image/webp'],
  ] as const) {
    expect(data.includes(PLANTED), 'the fixture carries metadata').toBe(true);
    // Sent as text/html on purpose: the bytes decide, not the header.
    const res = await upload(creator, data, 'text/html');
    expect([res.status, res.body.contentType, res.body.width, res.body.height], ext).toEqual([201, type, 64, 48]);
    expect(res.body.url).toMatch(new RegExp(`^/uploads/[0-9a-f]{64}\\.${ext}$`));
    expect(res.body.strippedBytes).toBeGreaterThan(PLANTED.length);
    const got = await fetch(`${node.url}${res.body.url}`);
    expect([got.status, got.headers.get('content-type'), got.headers.get('x-content-type-options')]).toEqual([200, type, 'nosniff']);
    expect(got.headers.get('content-security-policy')).toContain("default-src 'none'");
    const bytes = Buffer.from(await got.arrayBuffer());
    expect(bytes.length).toBe(res.body.bytes);
    expect(bytes.includes(PLANTED), `${ext}: no metadata left`).toBe(false);
    expect(bytes.includes(Buffer.from('<html'))).toBe(false);
    expect(await decodes(bytes, ext)).toEqual({ width: 64, height: 48 });
    if (ext === 'jpg') {
      // The orientation (6: rotate 90°) alone survives, so a phone photo stays upright.
      expect(bytes.includes(Buffer.from([0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06]))).toBe(true);
    }
  }
  // The same picture again: the same file, 200, counted once.
  const again = await upload(creator, png);
  expect(again.status).toBe(200);
  const before = await stored();
  expect(before.files).toHaveLength(3);
  expect(before.rows).toHaveLength(3);
  const used = before.rows.reduce((n, r) => n + Number(r.bytes), 0);

  // Refused, each with a typed error, storing nothing.
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`);
  const html = Buffer.from(`<!doctype html><html><body><script>alert(1)</script></body></html>`);
  const big = Buffer.concat([png.subarray(0, 8), Buffer.alloc(25_000)]);
  const bigJpeg = await encode('jpg', '320x240');
  expect(used + bigJpeg.length, 'the quota case really is over the quota').toBeGreaterThan(6000);
  expect(bigJpeg.length).toBeLessThan(20_000);
  // A few hundred bytes declaring a 20,000 x 20,000 picture (400 MP): every phone showing it would have to decode it.
  const bomb = Buffer.from(png);
  bomb.writeUInt32BE(20_000, 16); // IHDR width
  bomb.writeUInt32BE(20_000, 20); // IHDR height
  const refusals: [string, Promise<Answer>, number, string, Record<string, unknown>?][] = [
    [
      'svg named png',
      upload(creator, svg, 'image/png'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      { allowed: ['image/png', 'image/jpeg', 'image/webp'] },
    ],
    ['html named png', upload(merchant, html, 'image/png'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['gif', upload(creator, Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1')), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['truncated png', upload(creator, png.subarray(0, 60)), 400, 'BAD_REQUEST'],
    ['empty', upload(creator, Buffer.alloc(0)), 400, 'BAD_REQUEST'],
    ['oversize', upload(creator, big), 413, 'PAYLOAD_TOO_LARGE', { limit: 'UPLOAD_MAX_BYTES', max: 20000 }],
    ['pixel bomb', upload(creator, bomb), 413, 'PAYLOAD_TOO_LARGE', { limit: 'UPLOAD_MAX_PIXELS', max: 50_000_000 }],
    ['viewer', upload(viewer, await encode('png', '32x32')), 403, 'FORBIDDEN'],
    ['signed out', upload(null, await encode('png', '32x32')), 401, 'UNAUTHENTICATED'],
    ['over quota', upload(creator, bigJpeg), 429, 'QUOTA_EXCEEDED', { limit: 'UPLOAD_QUOTA_BYTES_PER_USER', max: 6000 }],
  ];
  for (const [what, pending, status, code, details] of refusals) {
    const res = await pending;
    expect([res.status, res.body.error.code], what).toEqual([status, code]);
    if (details) expect(res.body.error.details, what).toMatchObject(details);
  }
  expect(await stored()).toEqual(before);
  // Anyone else's quota is theirs: the merchant stores a picture the creator has too.
  expect((await upload(merchant, jpg)).status).toBe(201);

  // Names other than <sha256>.<ext> are not files here.
  for (const name of ['..%2F..%2Fetc%2Fpasswd', 'x.svg', `${'a'.repeat(64)}.png`]) {
    expect((await fetch(`${node.url}/uploads/${name}`)).status, name).toBeGreaterThanOrEqual(400);
  }
});
