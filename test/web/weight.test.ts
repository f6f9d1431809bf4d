import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync } from 'node:zlib';
import { build } from 'esbuild';
import express from 'express';
import { expect, it } from 'vitest';
import { useTeardown } from '../../harness/teardown.ts';
import type { HawkerContext } from '../../server/kernel/context.ts';
import { createLogger } from '../../server/kernel/log.ts';
import { PAGE_ENTRIES, pageBuildOptions } from '../../server/web/build.ts';
import { createWeb } from '../../server/web/index.ts';
import { FAMILIES } from '../../web/pages/lib/messages/all.ts';

const t = useTeardown();

/** The room page's script budget, compressed (issue 17): what a phone downloads before the live can start. */
const ROOM_JS_BUDGET_BYTES = 100 * 1024;

type Outputs = import('esbuild').Metafile['outputs'];

/** The output files a page loads from its entry: the chunks it imports statically, and with `dynamic` its import()s too. */
function loadedFiles(outputs: Outputs, entry: string, dynamic: boolean): Set<string> {
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const i of outputs[file]!.imports) if (!i.external && (dynamic || i.kind === 'import-statement')) walk(i.path);
  };
  walk(entry);
  return seen;
}

it('the room page loads only its own code, and its script stays within the compressed budget', async () => {
  const result = await build({ ...pageBuildOptions('test-artifacts/page-weight', true, false), write: false });
  const meta = result.metafile!;
  const outputs = meta.outputs;
  const files = new Map(result.outputFiles.map((f) => [path.relative(process.cwd(), f.path), f.contents]));
  // Every file the room page loads before the live can start: its entry and the chunks it imports statically. The
  // ended room's replay player (hls.js) is imported dynamically, only when an ended room has a recording.
  const entry = Object.keys(outputs).find((f) => outputs[f]!.entryPoint === 'web/pages/room.ts')!;
  const closure = (dynamic: boolean) => loadedFiles(outputs, entry, dynamic);
  const loaded = closure(false);
  const inputs = [...loaded].flatMap((f) => Object.keys(outputs[f]!.inputs));
  // No other page's code (studio, console, landing) is in anything the room page loads, statically or not.
  const everything = [...closure(true)].flatMap((f) => Object.keys(outputs[f]!.inputs));
  for (const page of PAGE_ENTRIES.filter((p) => p !== 'room')) expect(everything).not.toContain(`web/pages/${page}.ts`);
  expect(everything.filter((f) => f.includes('node_modules/zod/'))).toEqual([]);
  // The replay player is there for ended rooms, but not in what a live room loads.
  expect(everything).toContain('web/pages/lib/replayPlayer.ts');
  expect(inputs.filter((f) => f.includes('hls.js') || f.endsWith('replayPlayer.ts'))).toEqual([]);
  // The page's first scripts only start the join (issue 20): WebRTC (mediasoup-client, the SDK's player) and the room's
  // view are chunks loaded by import() while the connection opens, not something the join waits for.
  for (const later of ['node_modules/mediasoup-client/', 'client-sdk/src/media.ts', 'web/pages/lib/roomView.ts']) {
    expect(
      everything.some((f) => f.includes(later)),
      later,
    ).toBe(true);
    expect(
      inputs.filter((f) => f.includes(later)),
      later,
    ).toEqual([]);
  }
  let compressed = 0;
  for (const file of loaded) {
    const bytes = files.get(file);
    expect(bytes, file).toBeDefined();
    compressed += brotliCompressSync(bytes!, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  }
  console.log(`room page script: ${loaded.size} files, ${compressed} bytes brotli (budget ${ROOM_JS_BUDGET_BYTES})`);
  expect(compressed).toBeGreaterThan(10_000); // the measurement measured something
  expect(compressed).toBeLessThanOrEqual(ROOM_JS_BUDGET_BYTES);
});

it("the room page's script carries no other page family's messages (studio, console, centre, clips, crowd...)", async () => {
  const result = await build({ ...pageBuildOptions('test-artifacts/page-messages', true, false), write: false });
  const outputs = result.metafile!.outputs;
  const files = new Map(result.outputFiles.map((f) => [path.relative(process.cwd(), f.path), f.text]));
  // What the room page loads, statically (the first frame waits on it) and by import() (the room's view, the ended room).
  const entry = Object.keys(outputs).find((f) => outputs[f]!.entryPoint === 'web/pages/room.ts')!;
  const closure = (dynamic: boolean) => loadedFiles(outputs, entry, dynamic);
  const text = (files_: Set<string>) => [...files_].map((f) => files.get(f)!).join('\n');
  const others = ['studio', 'console', 'centre', 'clips', 'crowd', 'landing', 'orders'];
  const foreign = (code: string) =>
    others.flatMap((family) => Object.keys(FAMILIES[family]!.en).filter((key) => code.includes(`"${key}"`) || code.includes(`'${key}'`)));
  // Its own families are there (the check can see keys in the bundle at all) and no other family's key is.
  const loaded = text(closure(false));
  expect(loaded).toContain('"room.joining"');
  expect(foreign(loaded)).toEqual([]);
  const everything = text(closure(true));
  expect(everything).toContain('"shop.buy"');
  expect(foreign(everything)).toEqual([]);
  // Prefixes of the families the room never shows (a key moved into a family under its old name would still show).
  expect(everything.match(/"(studio|console|centre|clips|crowd|agency|dashboard|report)\.\w[\w.]*"/g) ?? []).toEqual([]);
});

it("the agency admin and the console each ship their own messages and the ones they share (staff), not each other's", async () => {
  const result = await build({ ...pageBuildOptions('test-artifacts/page-messages-staff', true, false), write: false });
  const outputs = result.metafile!.outputs;
  const files = new Map(result.outputFiles.map((f) => [path.relative(process.cwd(), f.path), f.text]));
  // Everything the page can load, statically or by import().
  const shipped = (page: string) => {
    const entry = Object.keys(outputs).find((f) => outputs[f]!.entryPoint === `web/pages/${page}.ts`)!;
    return [...loadedFiles(outputs, entry, true)].map((f) => files.get(f)!).join('\n');
  };
  const keysOf = (code: string, family: string) =>
    Object.keys(FAMILIES[family]!.en).filter((key) => code.includes(`"${key}"`) || code.includes(`'${key}'`));
  const all = (family: string) => Object.keys(FAMILIES[family]!.en);
  const agency = shipped('agency');
  const console = shipped('console');
  // Each has its own family and the shared one whole (which agency, the keyword editor)...
  expect(keysOf(agency, 'agency')).toEqual(all('agency'));
  expect(keysOf(console, 'console')).toEqual(all('console'));
  for (const code of [agency, console]) expect(keysOf(code, 'staff')).toEqual(all('staff'));
  // ...and none of the other's: not by key, nor by prefix (a key moved to another family under its old name).
  expect(keysOf(agency, 'console')).toEqual([]);
  expect(keysOf(console, 'agency')).toEqual([]);
  expect(agency.match(/"console\.\w[\w.]*"/g) ?? []).toEqual([]);
  expect(console.match(/"agency\.\w[\w.]*"/g) ?? []).toEqual([]);
});

it('every text asset is served compressed (brotli, else gzip) with Vary: Accept-Encoding; images and unknown files are not', async () => {
  const app = express();
  const ctx = { config: { NODE_ENV: 'development' }, log: createLogger('silent'), app } as unknown as HawkerContext;
  t.add(await createWeb(ctx));
  const server = t.add(http.createServer(app).listen(0, '127.0.0.1'));
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // node:http rather than fetch, which would decompress the body before the test sees it.
  const get = (p: string, acceptEncoding: string, headers: Record<string, string> = {}) =>
    new Promise<{ res: { status: number; headers: { get(name: string): string | null } }; body: Buffer }>((resolve, reject) => {
      http
        .get(`${url}${p}`, { headers: { 'accept-encoding': acceptEncoding, ...headers } }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('error', reject);
          res.on('end', () => {
            const h = res.headers;
            const value = (name: string) => {
              const v = h[name.toLowerCase()];
              return v === undefined ? null : Array.isArray(v) ? v.join(', ') : String(v);
            };
            resolve({ res: { status: res.statusCode!, headers: { get: value } }, body: Buffer.concat(parts) });
          });
        })
        .on('error', reject);
    });
  for (const p of ['/build/room.js', '/room', '/', '/style.css', '/favicon.svg']) {
    const plain = await get(p, 'identity');
    expect([p, plain.res.status, plain.res.headers.get('content-encoding')]).toEqual([p, 200, null]);
    expect(plain.res.headers.get('vary')).toContain('Accept-Encoding');
    const br = await get(p, 'gzip, deflate, br');
    expect([p, br.res.headers.get('content-encoding')]).toEqual([p, 'br']);
    expect(br.res.headers.get('vary')).toContain('Accept-Encoding');
    expect(br.res.headers.get('content-type')).toBe(plain.res.headers.get('content-type'));
    expect(br.res.headers.get('cache-control')).toBe('no-cache');
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    expect(br.body.length).toBeLessThan(plain.body.length);
    const gz = await get(p, 'gzip');
    expect([p, gz.res.headers.get('content-encoding')]).toEqual([p, 'gzip']);
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    // A client refusing brotli (q=0) gets gzip.
    expect((await get(p, 'br;q=0, gzip')).res.headers.get('content-encoding')).toBe('gzip');
    // Revalidation: the compressed copy's ETag answers 304.
    const again = await get(p, 'br', { 'if-none-match': br.res.headers.get('etag')! });
    expect([p, again.res.status]).toEqual([p, 304]);
  }
  // The big shared chunk (socket.io-client, mediasoup-client) is the one that matters most.
  const room = await get('/build/room.js', 'identity');
  const chunks = [...room.body.toString().matchAll(/"\.\/(chunks\/[^"]+\.js)"/g)].map((m) => m[1]!);
  expect(chunks.length).toBeGreaterThan(0);
  for (const chunk of chunks) expect((await get(`/build/${chunk}`, 'br')).res.headers.get('content-encoding')).toBe('br');
  // Outside the folder, missing files: not found, as before.
  expect((await get('/build/nope.js', 'br')).res.status).toBe(404);
  expect((await get('/%2e%2e/package.json', 'br')).res.status).toBe(404);
});
