import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { expect, it } from 'vitest';
import { useTeardown } from '../../harness/teardown.ts';
import type { HawkerContext } from '../../server/kernel/context.ts';
import { createLogger } from '../../server/kernel/log.ts';
import { buildWeb, createWeb } from '../../server/web/index.ts';

const t = useTeardown();

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

it('production builds and serves the pages without source maps; development keeps them', async () => {
  // The build production makes (and scripts/build-web.ts ships): no .map file, no sourceMappingURL comment.
  const prod = await buildWeb({ sourcemaps: false });
  const prodFiles = await filesUnder(prod.dir);
  expect(prodFiles.filter((f) => f.endsWith('.js')).length).toBeGreaterThan(4);
  expect(prodFiles.filter((f) => f.endsWith('.map'))).toEqual([]);
  for (const file of prodFiles.filter((f) => f.endsWith('.js'))) {
    expect([path.basename(file), (await fs.readFile(file, 'utf8')).includes('sourceMappingURL')]).toEqual([path.basename(file), false]);
  }
  // Development builds keep them (a different build: the flag is part of the inputs hash).
  const dev = await buildWeb({ sourcemaps: true });
  expect(dev.key).not.toBe(prod.key);
  expect((await filesUnder(dev.dir)).some((f) => f.endsWith('landing.js.map'))).toBe(true);

  // What a NODE_ENV=production node's web domain serves: the scripts without maps, and no .map even if one is asked for.
  const app = express();
  const ctx = { config: { NODE_ENV: 'production' }, log: createLogger('silent'), app } as unknown as HawkerContext;
  t.add(await createWeb(ctx));
  const server = t.add(http.createServer(app).listen(0, '127.0.0.1'));
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const script = await fetch(`${url}/build/landing.js`);
  expect(script.status).toBe(200);
  expect(await script.text()).not.toContain('sourceMappingURL');
  expect((await fetch(`${url}/build/landing.js.map`)).status).toBe(404);
  // Even a map present in the build directory (a shipped build made with --sourcemaps) is not served.
  await fs.writeFile(path.join(prod.dir, 'planted.js.map'), '{}');
  t.defer(() => fs.rm(path.join(prod.dir, 'planted.js.map'), { force: true }));
  expect((await fetch(`${url}/build/planted.js.map`)).status).toBe(404);
  // Nor its precompressed copies, asked for by name.
  for (const suffix of ['.br', '.gz']) {
    await fs.writeFile(path.join(prod.dir, `planted.js.map${suffix}`), 'x');
    t.defer(() => fs.rm(path.join(prod.dir, `planted.js.map${suffix}`), { force: true }));
    expect((await fetch(`${url}/build/planted.js.map${suffix}`)).status).toBe(404);
  }
  expect((await fetch(`${url}/build/landing.js`)).status).toBe(200);
});
