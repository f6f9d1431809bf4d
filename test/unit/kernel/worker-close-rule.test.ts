import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const SERVER = fileURLToPath(new URL('../../../server/', import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

// BullMQ's own Worker.close() can wait forever for a reconnecting connection (server/kernel/closeWorker.ts): a node
// that closed its notices worker that way hung its shutdown after a Redis restart, one merge after the other workers
// were fixed. Every server file that creates a worker must close it through closeWorker, and none may call close() on
// a worker itself.
it('every BullMQ worker in the server is closed through kernel/closeWorker, never with its own close()', () => {
  const offenders: string[] = [];
  let creators = 0;
  for (const file of tsFiles(SERVER)) {
    if (file.endsWith(path.join('kernel', 'closeWorker.ts'))) continue;
    const text = readFileSync(file, 'utf8');
    const rel = path.relative(SERVER, file);
    for (const m of text.matchAll(/\b\w*[wW]orker\w*[!?]?\.close\(/g)) offenders.push(`${rel}: ${m[0]}`);
    if (/new Worker\b/.test(text)) creators++;
  }
  expect(offenders).toEqual([]);
  expect(creators).toBeGreaterThan(0); // the scan sees the workers it guards
});
