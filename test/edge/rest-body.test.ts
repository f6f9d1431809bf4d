import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { api } from '../../harness/clients.ts';
import { startCommerceNode, startSandbox } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { BOARD_PATH } from '../../server/payments/board.ts';

const t = useTeardown();
const MAX = 2048;

interface Answer {
  status: number;
  connection: string | undefined;
  body: { error?: { code: string; message: string; details?: unknown } };
}

/** A raw request, so the body, its type and its encoding are exactly what the test says. */
function send(url: string, method: string, path: string, body: Buffer, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method, headers: { 'content-length': String(body.length), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: text ? JSON.parse(text) : {} }));
    });
    // The server may answer and close before reading all of a refused body: that is the point, not an error.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    req.end(body);
  });
}

it('every route that takes a body refuses one over REST_BODY_MAX_BYTES (413 naming it) and one that is not JSON (415), before anything runs', async () => {
  // A node with a gateway, so the payment webhook (which signs its raw body) is mounted too.
  const sandbox = t.add(await startSandbox());
  const node = t.add(await startCommerceNode(sandbox, { REST_BODY_MAX_BYTES: String(MAX) }));
  const doc = (await api<{ paths: Record<string, Record<string, unknown>> }>(node.url, 'GET', '/api/docs/openapi.json')).body;
  const routes: [string, string][] = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops)
      .filter((m) => ['post', 'put', 'patch', 'delete'].includes(m))
      .map((m): [string, string] => [m.toUpperCase(), path.replace(/\{[^}]+\}/g, 'x1')]),
  );
  routes.push(['POST', `${BOARD_PATH}/api/queues/payments/retry/failed`]);
  // Image uploads take raw image bytes, not JSON, under their own limit (UPLOAD_MAX_BYTES, 413 PAYLOAD_TOO_LARGE) and
  // check the role before reading any of it: test/uploads covers them.
  const rawBody = new Set(['POST /api/uploads/images']);
  routes.splice(0, routes.length, ...routes.filter(([m, p]) => !rawBody.has(`${m} ${p}`)));
  expect(routes.length).toBeGreaterThan(15);
  expect(routes).toContainEqual(['POST', '/api/payments/webhook']);

  const big = Buffer.from(JSON.stringify({ title: 'x'.repeat(MAX) }));
  for (const [method, path] of routes) {
    const what = `${method} ${path}`;
    const tooBig = await send(node.url, method, path, big, { 'content-type': 'application/json' });
    expect([what, tooBig.status, tooBig.body.error]).toEqual([
      what,
      413,
      {
        code: 'BAD_REQUEST',
        message: `Body too large: REST bodies are at most ${MAX} bytes (REST_BODY_MAX_BYTES); send less`,
        details: { limit: 'REST_BODY_MAX_BYTES', max: MAX },
      },
    ]);
    expect([what, tooBig.connection]).toEqual([what, 'close']);

    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const notJson = await send(node.url, method, path, Buffer.from('{"title":"hi"}'), { 'content-type': type });
      expect([what, type, notJson.status, notJson.body.error?.code]).toEqual([what, type, 415, 'BAD_REQUEST']);
      expect(notJson.body.error?.message).toMatch(/Request bodies must be JSON: send Content-Type: application\/json/);
    }
  }

  // The limit counts the bytes the parser gets, not the bytes on the wire: a small gzip that inflates past it is refused.
  const bomb = gzipSync(Buffer.from(JSON.stringify({ title: ' '.repeat(MAX * 50) })));
  expect(bomb.length).toBeLessThan(MAX);
  const inflated = await send(node.url, 'POST', '/api/rooms', bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
  expect(inflated.status).toBe(413);

  // Under the limit and JSON: the route runs as before (here: sign in first).
  const fine = await send(node.url, 'POST', '/api/rooms', Buffer.from('{"title":"Small"}'), { 'content-type': 'application/json' });
  expect([fine.status, fine.body.error?.code]).toEqual([401, 'UNAUTHENTICATED']);
  // A request with no body needs no content type.
  const bare = await send(node.url, 'POST', '/api/rooms/x1/live', Buffer.alloc(0), {});
  expect([bare.status, bare.body.error?.code]).toEqual([401, 'UNAUTHENTICATED']);
});
