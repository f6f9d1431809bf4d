// Builds the SDK on its own: one ESM bundle (socket.io-client, mediasoup-client and zod stay peer/runtime deps) and
// .d.ts files (including the shared protocol types they reference).
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
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
  external: ['socket.io-client', 'mediasoup-client', 'mediasoup-client/*', 'zod'],
  logLevel: 'warning',
});
execFileSync(process.execPath, [fileURLToPath(import.meta.resolve('typescript/bin/tsc')), '-p', `${here}tsconfig.json`], { stdio: 'inherit' });
console.log('client-sdk: built dist/index.js and dist/types');
