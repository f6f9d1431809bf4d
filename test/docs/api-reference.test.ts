import fs from 'node:fs/promises';
import path from 'node:path';
import express, { Router } from 'express';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  EVENTS_FILE,
  generateApiDocs,
  generateEventsMarkdown,
  generateOpenApi,
  OPENAPI_FILE,
  OPENAPI_ROUTE,
  REFERENCE_NODE_ENV,
} from '../../server/docs/index.ts';
import { createLogger } from '../../server/kernel/log.ts';
import { restFactory } from '../../server/edge/rest.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const STALE = 'is out of date with the code: run `npm run docs:api` and commit the result';

async function checkedIn(file: string): Promise<string> {
  try {
    return await fs.readFile(path.join(ROOT, file), 'utf8');
  } catch (cause) {
    throw new Error(`${file} is missing: run \`npm run docs:api\``, { cause });
  }
}

type Operation = {
  security?: unknown[];
  parameters?: { name: string; in: string; schema: Record<string, unknown> }[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
};
type OpenApi = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: { ErrorCode: { enum: string[] } } };
};

describe('generated API reference (docs/api)', () => {
  const t = useTeardown();

  it('GET /api/docs/openapi.json needs no token, and docs/api/openapi.json is what the code generates', async () => {
    const node = t.add(await startNode({ ...REFERENCE_NODE_ENV }));
    const res = await fetch(`${node.url}${OPENAPI_ROUTE}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const served = (await res.json()) as OpenApi;
    expect(served).toEqual(JSON.parse(JSON.stringify(generateApiDocs(node.node.ctx.app).openapi)));

    const file = JSON.parse(await checkedIn(OPENAPI_FILE)) as unknown;
    expect(served, `${OPENAPI_FILE} ${STALE}`).toEqual(file);

    // What the document says about the node, spot-checked against the routes' declarations.
    expect(served.openapi).toBe('3.1.0');
    const getRoom = served.paths['/api/rooms/{roomId}']?.get;
    expect(getRoom?.security).toEqual([{ bearerAuth: [] }]);
    expect(getRoom?.parameters).toEqual([
      expect.objectContaining({ name: 'roomId', in: 'path', required: true, schema: expect.objectContaining({ type: 'string' }) }),
    ]);
    expect(served.paths['/api/rooms']?.post?.responses).toHaveProperty('201');
    expect(served.paths['/api/rooms']?.post?.requestBody).toMatchObject({
      required: true,
      content: { 'application/json': { schema: { type: 'object' } } },
    });
    expect(served.paths['/api/rooms']?.get?.parameters?.map((p) => `${p.in}:${p.name}`)).toContain('query:limit');
    expect(served.paths['/api/dev/tokens']?.post?.security).toEqual([]);
    expect(served.paths['/api/payments/webhook']?.post?.security).toEqual([]);
    expect(served.paths[OPENAPI_ROUTE]?.get?.security).toEqual([]);
    expect(served.components.schemas.ErrorCode.enum).toEqual(
      expect.arrayContaining(['BAD_REQUEST', 'UNAUTHENTICATED', 'NOT_FOUND', 'INTERNAL']),
    );
    // Every /api route validates through rest(), so every one of them is documented with its inputs and auth.
    const undeclared = Object.entries(served.paths).flatMap(([p, ops]) =>
      p.startsWith('/api/')
        ? Object.entries(ops)
            .filter(([, op]) => !op.security)
            .map(([m]) => `${m} ${p}`)
        : [],
    );
    expect(undeclared, 'these /api routes are not built with rest() and carry no schemas').toEqual([]);
    // Stable: paths sorted.
    expect(Object.keys(served.paths)).toEqual(Object.keys(served.paths).sort());
  });

  it('docs/api/events.md is what the event registries generate', async () => {
    const text = generateEventsMarkdown();
    expect(text).toBe(generateEventsMarkdown());
    expect(text).toContain('### room:join');
    expect(text).toContain('### order:updated');
    expect(text, `${EVENTS_FILE} ${STALE}`).toBe(await checkedIn(EVENTS_FILE));
  });

  it('walks nested routers and turns rest() declarations into operations', () => {
    const rest = restFactory(async () => ({ userId: 'u1', name: 'U', role: 'viewer' }), createLogger('silent'));
    const app = express();
    const inner = Router();
    inner.get(
      '/items/:itemId',
      rest(
        { params: z.object({ itemId: z.string().min(2) }), query: z.object({ full: z.enum(['yes', 'no']).optional() }) },
        async () => ({}),
      ),
    );
    inner.get(
      '/items/:itemId',
      rest({ auth: false }, async () => ({})),
    ); // shadowed: express answers with the first
    app.use('/api/v2', inner);
    app.post(
      '/api/open',
      rest({ auth: false, status: 202, body: z.object({ n: z.number().int().min(1) }) }, async () => ({})),
    );
    app.get('/plain', (_req, res) => void res.json({}));

    const doc = generateOpenApi(app) as OpenApi;
    expect(Object.keys(doc.paths)).toEqual(['/api/open', '/api/v2/items/{itemId}', '/plain']);
    const item = doc.paths['/api/v2/items/{itemId}']?.get;
    expect(item?.security).toEqual([{ bearerAuth: [] }]);
    expect(item?.parameters).toEqual([
      { name: 'itemId', in: 'path', required: true, schema: { type: 'string', minLength: 2 } },
      { name: 'full', in: 'query', required: false, schema: { type: 'string', enum: ['yes', 'no'] } },
    ]);
    expect(item?.responses).toHaveProperty('401');
    const open = doc.paths['/api/open']?.post;
    expect(open?.security).toEqual([]);
    expect(open?.responses).toHaveProperty('202');
    expect(open?.responses).not.toHaveProperty('401');
    expect(open?.requestBody).toEqual({
      required: true,
      content: { 'application/json': { schema: expect.objectContaining({ required: ['n'] }) } },
    });
    expect(doc.paths['/plain']?.get?.security).toBeUndefined();
  });
});
