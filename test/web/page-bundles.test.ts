import fs from 'node:fs/promises';
import { build } from 'esbuild';
import { expect, it } from 'vitest';
import { PAGE_ENTRIES, pageBuildOptions, pageSizes } from '../../server/web/build.ts';

/**
 * The page bundles, built with the server's own options (server/web/build.ts) and inspected through esbuild's metafile:
 * what ends up in the script a browser downloads.
 */
it('no page bundle carries zod: the pages and the SDK use the protocol for types and its schema-free helpers only', async () => {
  const result = await build({ ...pageBuildOptions('test-artifacts/page-bundles'), write: false });
  const meta = result.metafile!;
  const bundled = new Set(
    Object.values(meta.outputs).flatMap((o) =>
      Object.entries(o.inputs)
        .filter(([, i]) => i.bytesInOutput > 0)
        .map(([file]) => file),
    ),
  );
  expect([...bundled].filter((f) => f.includes('node_modules/zod/'))).toEqual([]);
  // Of the protocol, only code that is not a schema (the chat message id order).
  expect([...bundled].filter((f) => f.startsWith('protocol/')).sort()).toEqual(['protocol/src/messageIds.ts']);
  const sizes = pageSizes(meta);
  expect(Object.keys(sizes).sort()).toEqual([...PAGE_ENTRIES].sort());
  for (const bytes of Object.values(sizes)) expect(bytes).toBeGreaterThan(0);
});

it("every <link rel=modulepreload> of a page's HTML shell names a file the build makes (a stable name, not a hashed chunk)", async () => {
  const result = await build({ ...pageBuildOptions('test-artifacts/page-preloads'), write: false });
  const built = new Set(Object.keys(result.metafile!.outputs).map((f) => f.replace('test-artifacts/page-preloads/', '/build/')));
  const preloads: string[] = [];
  for (const file of await fs.readdir('web/public')) {
    if (!file.endsWith('.html')) continue;
    const html = await fs.readFile(`web/public/${file}`, 'utf8');
    for (const m of html.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)) preloads.push(m[1]!);
  }
  // The room page preloads its view and the SDK's media half (issue 20).
  expect(preloads).toEqual(expect.arrayContaining(['/build/room-view.js', '/build/sdk-media.js']));
  for (const href of preloads) expect(built, href).toContain(href);
});
