import { expect, it } from 'vitest';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

/** The chunks a served module imports statically (esbuild's minified `from"./chunks/…"` and bare `import"./chunks/…"`). */
function staticChunks(script: string, from: string): string[] {
  const dir = from.slice(0, from.lastIndexOf('/') + 1);
  return [...script.matchAll(/(?:from|import)\s*"(\.\.?\/[^"]+\.js)"/g)].map((m) => new URL(m[1]!, `http://x${dir}`).pathname);
}

it("the room page's HTML preloads every chunk its scripts import, so none waits for the script that imports it", async () => {
  const node = t.add(await startNode());
  const html = await (await fetch(`${node.url}/room`)).text();
  const preloaded = new Set([...html.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((m) => m[1]!));
  const scripts = [...html.matchAll(/(?:src|href)="(\/build\/[^"]+\.js)"/g)].map((m) => m[1]!);
  expect(scripts).toContain('/build/room.js');

  // Every module the page lists, and what they import in turn: each chunk among them is named in the HTML.
  const seen = new Set<string>();
  const queue = [...scripts];
  while (queue.length > 0) {
    const url = queue.shift()!;
    if (seen.has(url)) continue;
    seen.add(url);
    const res = await fetch(`${node.url}${url}`);
    expect(res.status, url).toBe(200);
    queue.push(...staticChunks(await res.text(), url));
  }
  const chunks = [...seen].filter((u) => u.startsWith('/build/chunks/'));
  expect(chunks.length).toBeGreaterThan(0);
  for (const chunk of chunks) expect(preloaded, chunk).toContain(chunk);
  // The shell is the page's own otherwise: its title and the capabilities preload are there.
  expect(html).toContain('<title>Live room — Hawker</title>');
  expect(html).toContain('<link rel="preload" href="/api/media/capabilities" as="fetch" crossorigin>');
});
