// Builds the web pages' script bundles ahead of time (server/web/build.ts), for deployments that install without dev
// dependencies: run it where esbuild is installed, then ship web/dist/ with the server.
//   node --import tsx scripts/build-web.ts [--sourcemaps]
import { buildWeb } from '../server/web/build.ts';

const started = performance.now();
// What ships runs in production: no source maps unless asked for (--sourcemaps).
const build = await buildWeb({ sourcemaps: process.argv.includes('--sourcemaps') });
console.log(`web: ${build.built ? 'built' : 'up to date'} ${build.dir} in ${Math.round(performance.now() - started)} ms`);
for (const [page, bytes] of Object.entries(build.pages ?? {}))
  console.log(`  ${page}: ${(bytes / 1024).toFixed(1)} KiB of script (with its shared chunks)`);
