import { expect, it } from 'vitest';
import { api, devToken } from '../../harness/clients.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { type ErrorBody, openShop, tokenAs } from '../shops/fixtures.ts';
import { createEndpoint, webhookNode } from './fixtures.ts';

const t = useTeardown();

const endpointRows = async (node: Awaited<ReturnType<typeof startNode>>) => {
  const { rows } = await node.node.ctx.db.query('SELECT id, url, events, description, secret, status FROM webhook_endpoints ORDER BY id');
  return rows;
};

it('refuses bad endpoint input with a typed error and changes nothing', async () => {
  const node = t.add(await startNode({ WEBHOOK_ENDPOINTS_PER_OWNER: '2' })); // no localhost setting: production rules
  const owner = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, owner);
  const other = await tokenAs(node, 'm2', 'merchant');
  const otherShop = await openShop(node, other, { name: 'Other' });
  const agencyOwner = await devToken(node.url, { userId: 'a1', name: 'a1', role: 'agency', agencyId: 'ag1' });
  const good = { shopId: shop.id, url: 'https://hooks.example.com/hawker', events: ['order.paid'] };
  const first = await createEndpoint(node, owner, good);
  const agencyEndpoint = await createEndpoint(node, agencyOwner, {
    agencyId: 'ag1',
    url: 'https://hooks.example.com/a',
    events: ['order.refunded'],
  });
  const before = await endpointRows(node);

  const refusals: [string, string, string, unknown, number, string][] = [
    // Another shop's or agency's endpoints
    ['POST', '/api/webhooks/endpoints', owner, { ...good, shopId: otherShop.id }, 403, 'FORBIDDEN'],
    ['POST', '/api/webhooks/endpoints', owner, { ...good, shopId: undefined, agencyId: 'ag1' }, 403, 'FORBIDDEN'],
    ['POST', '/api/webhooks/endpoints', owner, { ...good, shopId: 'no-such-shop' }, 404, 'NOT_FOUND'],
    ['PATCH', `/api/webhooks/endpoints/${first.endpoint.id}`, other, { url: 'https://evil.example.com/x' }, 403, 'FORBIDDEN'],
    ['DELETE', `/api/webhooks/endpoints/${first.endpoint.id}`, other, undefined, 403, 'FORBIDDEN'],
    ['POST', `/api/webhooks/endpoints/${first.endpoint.id}/rotate-secret`, other, undefined, 403, 'FORBIDDEN'],
    ['GET', `/api/webhooks/endpoints/${first.endpoint.id}/deliveries`, other, undefined, 403, 'FORBIDDEN'],
    ['GET', `/api/webhooks/endpoints/${agencyEndpoint.endpoint.id}`, owner, undefined, 403, 'FORBIDDEN'],
    ['GET', `/api/webhooks/endpoints?shopId=${shop.id}`, other, undefined, 403, 'FORBIDDEN'],
    ['GET', '/api/webhooks/endpoints/nope', owner, undefined, 404, 'NOT_FOUND'],
    // Malformed URLs and private hosts
    ['POST', '/api/webhooks/endpoints', owner, { ...good, url: 'not a url' }, 400, 'BAD_REQUEST'],
    ['POST', '/api/webhooks/endpoints', owner, { ...good, url: 'http://hooks.example.com/x' }, 400, 'BAD_REQUEST'],
    ['POST', '/api/webhooks/endpoints', owner, { ...good, url: 'ftp://hooks.example.com/x' }, 400, 'BAD_REQUEST'],
    ['POST', '/api/webhooks/endpoints', owner, { ...good, url: 'http://127.0.0.1:8080/x' }, 400, 'BAD_REQUEST'],
    ['POST', '/api/webhooks/endpoints', owner, { ...good, url: 'https://localhost/x' }, 400, 'BAD_REQUEST'],
    ['POST', '/api/webhooks/endpoints', owner, { ...good, url: 'https://10.0.0.5/x' }, 400, 'BAD_REQUEST'],
    ['POST', '/api/webhooks/endpoints', owner, { ...good, url: 'https://169.254.169.254/latest' }, 400, 'BAD_REQUEST'],
    ['POST', '/api/webhooks/endpoints', owner, { ...good, url: 'https://[::ffff:192.168.1.1]/x' }, 400, 'BAD_REQUEST'],
    ['POST', '/api/webhooks/endpoints', owner, { ...good, url: 'https://printer.local/x' }, 400, 'BAD_REQUEST'],
    ['POST', '/api/webhooks/endpoints', owner, { ...good, url: 'https://user:pw@hooks.example.com/x' }, 400, 'BAD_REQUEST'],
    ['POST', '/api/webhooks/endpoints', owner, { ...good, url: `https://hooks.example.com/${'a'.repeat(2100)}` }, 400, 'BAD_REQUEST'],
    ['PATCH', `/api/webhooks/endpoints/${first.endpoint.id}`, owner, { url: 'https://192.168.0.10/x' }, 400, 'BAD_REQUEST'],
    // Unknown or repeated event types, missing or doubled scope, unknown fields, empty changes
    ['POST', '/api/webhooks/endpoints', owner, { ...good, events: ['order.exploded'] }, 400, 'BAD_REQUEST'],
    ['POST', '/api/webhooks/endpoints', owner, { ...good, events: [] }, 400, 'BAD_REQUEST'],
    ['POST', '/api/webhooks/endpoints', owner, { ...good, events: ['order.paid', 'order.paid'] }, 400, 'BAD_REQUEST'],
    ['POST', '/api/webhooks/endpoints', owner, { ...good, agencyId: 'ag1' }, 400, 'BAD_REQUEST'],
    ['POST', '/api/webhooks/endpoints', owner, { ...good, secret: 'mine' }, 400, 'BAD_REQUEST'],
    ['PATCH', `/api/webhooks/endpoints/${first.endpoint.id}`, owner, { events: ['order.nope'] }, 400, 'BAD_REQUEST'],
    ['PATCH', `/api/webhooks/endpoints/${first.endpoint.id}`, owner, {}, 400, 'BAD_REQUEST'],
    ['PATCH', `/api/webhooks/endpoints/${first.endpoint.id}`, owner, { enabled: false }, 400, 'BAD_REQUEST'],
    ['GET', `/api/webhooks/endpoints/${first.endpoint.id}/deliveries?cursor=garbage`, owner, undefined, 400, 'BAD_REQUEST'],
    // Oversize bodies (REST_BODY_MAX_BYTES) and descriptions
    ['POST', '/api/webhooks/endpoints', owner, { ...good, description: 'x'.repeat(100_000) }, 413, 'BAD_REQUEST'],
    ['POST', '/api/webhooks/endpoints', owner, { ...good, description: 'x'.repeat(201) }, 400, 'BAD_REQUEST'],
  ];
  for (const [method, path, token, body, status, code] of refusals) {
    const res = await api<ErrorBody>(node.url, method, path, token, body);
    expect(res.status, `${method} ${path} ${JSON.stringify(body)?.slice(0, 120)}`).toBe(status);
    expect(res.body.error.code, `${method} ${path}`).toBe(code);
  }
  expect(await endpointRows(node)).toEqual(before);

  // The per-shop limit names itself.
  await createEndpoint(node, owner, { ...good, url: 'https://hooks.example.com/2' });
  const over = await api<ErrorBody>(node.url, 'POST', '/api/webhooks/endpoints', owner, { ...good, url: 'https://hooks.example.com/3' });
  expect(over.status).toBe(429);
  expect(over.body.error).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { limit: 'WEBHOOK_ENDPOINTS_PER_OWNER', max: 2 } });
  expect(await endpointRows(node)).toHaveLength(before.length + 1);
});

it('allows http on localhost only with WEBHOOK_ALLOW_HTTP_LOCALHOST, never other private hosts', async () => {
  const node = t.add(await webhookNode());
  const owner = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, owner);
  const ok = await api(node.url, 'POST', '/api/webhooks/endpoints', owner, {
    shopId: shop.id,
    url: 'http://127.0.0.1:9/x',
    events: ['order.paid'],
  });
  expect(ok.status).toBe(201);
  const lan = await api<ErrorBody>(node.url, 'POST', '/api/webhooks/endpoints', owner, {
    shopId: shop.id,
    url: 'http://192.168.1.10/x',
    events: ['order.paid'],
  });
  expect(lan.status).toBe(400);
});
