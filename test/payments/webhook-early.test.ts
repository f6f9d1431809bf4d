import { expect, it } from 'vitest';
import { startCommerceNode, startSandbox } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

interface LayerLike {
  route?: { path?: string; methods?: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
}

/** Whether `layer` holds a route whose path `test` accepts, at any depth of nested routers. */
function holds(layer: LayerLike, test: (path: string) => boolean): boolean {
  if (layer.route?.path !== undefined && test(layer.route.path)) return true;
  return (layer.handle?.stack ?? []).some((l) => holds(l, test));
}

it("the gateway's webhook is routed right after the REST edge, before the health routes and every domain's routes", async () => {
  const sandbox = t.add(await startSandbox());
  const node = t.add(await startCommerceNode(sandbox));
  const stack = (node.node.ctx.app as unknown as { router: { stack: LayerLike[] } }).router.stack;
  const at = (test: (path: string) => boolean) => stack.findIndex((l) => holds(l, test));
  const webhook = at((p) => p === '/api/payments/webhook');
  expect(webhook).toBeGreaterThanOrEqual(0);
  // Every other route comes after it (health, metrics, rooms, catalog, orders...): a webhook call is matched against none.
  const others = stack.map((l, i) => (i !== webhook && holds(l, () => true) ? i : -1)).filter((i) => i >= 0);
  expect(others.length).toBeGreaterThan(10);
  expect(Math.min(...others)).toBeGreaterThan(webhook);
  expect(at((p) => p === '/readyz')).toBeGreaterThan(webhook);
  expect(at((p) => p.startsWith('/api/rooms'))).toBeGreaterThan(webhook);

  // The edge still runs before it: security headers on its answers, JSON only, the body limit.
  const unsigned = await fetch(`${node.url}/api/payments/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'evt_x', type: 'charge.cancelled', createdAt: Date.now(), data: {} }),
  });
  expect(unsigned.status).toBeGreaterThanOrEqual(400);
  expect(unsigned.headers.get('x-content-type-options')).toBe('nosniff');
  const text = await fetch(`${node.url}/api/payments/webhook`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
  expect(text.status).toBe(415);
  expect(text.headers.get('x-content-type-options')).toBe('nosniff');
});
