// Builds @hawker/protocol for publishing: JS + .d.ts in dist/ (relative imports rewritten from .ts to .js), and a
// dist/package.json whose exports point at them. In this repository the package resolves to its TypeScript sources
// (package.json "exports"); `npm pack protocol/dist` makes the tarball an app installs.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
rmSync(`${here}dist`, { recursive: true, force: true });
execFileSync(process.execPath, [fileURLToPath(import.meta.resolve('typescript/bin/tsc')), '-p', `${here}tsconfig.build.json`], {
  stdio: 'inherit',
});
const pkg = JSON.parse(readFileSync(`${here}package.json`, 'utf8'));
delete pkg.scripts;
pkg.exports = { '.': { types: './index.d.ts', default: './index.js' } };
pkg.types = './index.d.ts';
writeFileSync(`${here}dist/package.json`, `${JSON.stringify(pkg, null, 2)}\n`);
console.log('protocol: built dist/ (npm pack protocol/dist)');
