/** What the webhook tests share: a local receiver that verifies signatures, nodes that may use it, and order events. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookEndpointWithSecret } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startNode, type TestNode } from '../../harness/node.ts';
import { seedOrders } from '../exports/fixtures.ts';

/** A node allowed to call http://127.0.0.1 (the development setting), dispatching and retrying fast. */
export function webhookNode(env: Record<string, string> = {}): Promise<TestNode> {
  return startNode({
    WEBHOOK_ALLOW_HTTP_LOCALHOST: 'true',
    WEBHOOK_DISPATCH_MS: '50',
    WEBHOOK_BACKOFF_MS: '20',
    WEBHOOK_TIMEOUT_MS: '3000',
    ...env,
  });
}

/** One request the receiver got. */
export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Whether the Hawker-Signature verified against the receiver's current secret (docs/commerce.md's check). */
  verified: boolean;
  json: { id: string; type: string; createdAt: number; data: { order: Record<string, unknown> } };
}

/**
 * Verifies a Hawker-Signature header as docs/commerce.md tells merchants to: HMAC-SHA256 of "<t>.<raw body>" with the
 * endpoint's secret, compared in constant time, and t within five minutes.
 */
export function verify(secret: string, header: string | undefined, body: string): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((kv) => kv.split('=', 2)));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > 300 || !/^[0-9a-f]{64}$/.test(parts.v1 ?? '')) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(parts.v1, 'hex'));
}

/**
 * An http receiver on 127.0.0.1, port 0. `answer` decides each response's status (default 200); `secret` is what
 * signatures are checked against (set it after creating the endpoint).
 */
export async function startReceiver(): Promise<{
  url: string;
  received: Received[];
  secret: string;
  answer: (n: number) => number;
  close(): Promise<void>;
}> {
  const state = {
    url: '',
    received: [] as Received[],
    secret: '',
    answer: (_n: number) => 200,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const n = state.received.length;
      state.received.push({
        headers: req.headers,
        body,
        verified: verify(state.secret, req.headers['hawker-signature'] as string | undefined, body),
        json: JSON.parse(body),
      });
      res.statusCode = state.answer(n);
      res.end('ok');
    });
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  server.closeAllConnections?.();
  const close = state.close;
  state.close = async () => {
    server.closeAllConnections();
    await close();
  };
  return state;
}

/** Registers an endpoint (201 expected). */
export async function createEndpoint(node: TestNode, token: string, body: Record<string, unknown>): Promise<WebhookEndpointWithSecret> {
  const res = await api<WebhookEndpointWithSecret>(node.url, 'POST', '/api/webhooks/endpoints', token, body);
  if (res.status !== 201) throw new Error(`creating an endpoint: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A paid order of `shopId` (seeded), and its 'paid' status event, as the ledger writes them: the outbox trigger fires. */
export async function paidOrder(node: TestNode, id: string, scope: { shopId?: string; agencyId?: string }): Promise<void> {
  await seedOrders(node, 1, scope, { idPrefix: id });
  await orderEvent(node, `${id}1`, 'paid');
}

/** Appends a status event to an order (the trigger turns paid/cancelled/shipped/delivered into outbox events). */
export async function orderEvent(node: TestNode, orderId: string, status: string): Promise<void> {
  await node.node.ctx.db.query(`INSERT INTO order_events (order_id, status, actor) VALUES ($1, $2, 'test')`, [orderId, status]);
}
