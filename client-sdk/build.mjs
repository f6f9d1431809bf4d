// Builds the SDK on its own: one ESM bundle (socket.io-client, mediasoup-client and zod stay peer/runtime deps) and
// .d.ts files (including the shared protocol types they reference).
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
rmSync(`${here}dist`, { recursive: true, force: true });
await build({
  entryPoints: [`${here}src/index.ts`],
  outfile: `${here}dist/index.js`,
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  sourcemap: true,
  external: ['socket.io-client', 'mediasoup-client', 'mediasoup-client/*', 'zod', '@hawker/protocol'],
  logLevel: 'warning',
});
execFileSync(process.execPath, [fileURLToPath(import.meta.resolve('typescript/bin/tsc')), '-p', `${here}tsconfig.json`], {
  stdio: 'inherit',
});
// The published package.json: entry points in dist/ (in this repository the package resolves to its sources).
const pkg = JSON.parse(readFileSync(`${here}package.json`, 'utf8'));
delete pkg.scripts;
delete pkg.files;
pkg.main = pkg.module = './index.js';
pkg.types = './types/client-sdk/src/index.d.ts';
pkg.exports = { '.': { types: pkg.types, import: './index.js' } };
writeFileSync(`${here}dist/package.json`, `${JSON.stringify(pkg, null, 2)}\n`);
console.log('client-sdk: built dist/ (index.js, types/, package.json; npm pack client-sdk/dist)');
