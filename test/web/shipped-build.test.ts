import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();
const ROOT = path.resolve('.');

/**
 * The production image installs with dev dependencies pruned (scripts/docker/Dockerfile). esbuild stays (tsx needs it)
 * but the browser packages the pages bundle go, so the inputs hash differs from the build's and nothing can be built:
 * the node must serve the build shipped in web/dist/ rather than fail. Checked on a copy of the build's inputs whose
 * node_modules lacks socket.io-client and mediasoup-client.
 */
it('a production install (esbuild kept, socket.io-client and mediasoup-client pruned) serves the shipped build', async () => {
  const dir = await t.tempDir('hawker-prod-install-');
  for (const part of ['server/web', 'web/pages', 'client-sdk/src', 'client-sdk/package.json', 'protocol/src', 'protocol/package.json']) {
    await fs.cp(path.join(ROOT, part), path.join(dir, part), { recursive: true });
  }
  await fs.mkdir(path.join(dir, 'node_modules/@hawker'), { recursive: true });
  await fs.symlink('../../client-sdk', path.join(dir, 'node_modules/@hawker/client-sdk'));
  await fs.symlink('../../protocol', path.join(dir, 'node_modules/@hawker/protocol'));
  for (const name of await fs.readdir(path.join(ROOT, 'node_modules'))) {
    if (['socket.io-client', 'mediasoup-client', '@hawker'].includes(name)) continue;
    await fs.symlink(path.join(ROOT, 'node_modules', name), path.join(dir, 'node_modules', name));
  }
  const shipped = path.join(dir, 'web/dist/0123456789abcdef');
  await fs.mkdir(shipped, { recursive: true });
  await fs.writeFile(path.join(shipped, 'landing.js'), '');
  await fs.writeFile(path.join(shipped, 'ok'), 'shipped\n');

  const { buildWeb } = (await import(
    pathToFileURL(path.join(dir, 'server/web/build.ts')).href
  )) as typeof import('../../server/web/build.ts');
  expect(await buildWeb()).toEqual({ dir: shipped, key: '0123456789abcdef', built: false });
  // Without a shipped build, the error says what is missing and what to do.
  await fs.rm(path.join(dir, 'web/dist'), { recursive: true });
  await expect(buildWeb()).rejects.toThrow(
    /cannot be built here \(not installed: socket\.io-client, mediasoup-client\).*scripts\/build-web\.ts/,
  );
});
