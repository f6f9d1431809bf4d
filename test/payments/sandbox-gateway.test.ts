import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect, it } from 'vitest';
import { SIGNATURE_HEADER, verifyWebhook } from '../../server/payments/signature.ts';
import type { SandboxGateway } from '../../server/payments/sandbox/server.ts';
import type { GatewayCharge, GatewayWebhookEvent } from '../../server/payments/contract.ts';
import { GATEWAY_KEY, startSandbox, WEBHOOK_SECRET } from '../../harness/commerce.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

async function sandboxWith(settings: Parameters<typeof startSandbox>[0] = {}) {
  return t.add(await startSandbox(settings));
}

function charge(g: SandboxGateway, key: string | null, body: unknown, opts: { apiKey?: string; signal?: AbortSignal } = {}) {
  return fetch(`${g.url}/v1/charges`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${opts.apiKey ?? GATEWAY_KEY}`,
      'content-type': 'application/json',
      ...(key ? { 'idempotency-key': key } : {}),
    },
    body: JSON.stringify(body),
    ...(opts.signal ? { signal: opts.signal } : {}),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as GatewayCharge & { error?: { code: string } } }));
}

const post = (g: SandboxGateway, p: string) =>
  fetch(`${g.url}${p}`, { method: 'POST', headers: { authorization: `Bearer ${GATEWAY_KEY}` } }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as GatewayCharge,
  }));
const usd = (amount: number, reference = 'ord_1') => ({ amount, currency: 'USD', reference });

it('charges once per idempotency key, refuses a reused key with another body, and answers "in progress" meanwhile', async () => {
  const g = await sandboxWith({ latencyMs: 200 });
  expect((await charge(g, 'k1', usd(500), { apiKey: 'sk_wrong_key_123' })).status).toBe(401);
  expect((await charge(g, null, usd(500))).status).toBe(400);
  expect((await charge(g, 'k1', { amount: -5, currency: 'USD', reference: 'x' })).status).toBe(400);

  // The second request goes once the gateway is processing the first (its 200 ms latency), not after a guessed delay.
  const first = charge(g, 'k1', usd(500));
  await waitFor('the gateway processing the first charge', () => g.inFlight === 1, 5_000, 2);
  const b = await charge(g, 'k1', usd(500));
  const a = await first;
  expect(a).toMatchObject({ status: 201, body: { status: 'succeeded', amount: 500, idempotencyKey: 'k1' } });
  expect(b).toMatchObject({ status: 409, body: { error: { code: 'in_progress' } } });
  const again = await charge(g, 'k1', usd(500));
  expect(again).toMatchObject({ status: 200, body: { id: a.body.id } });
  expect((await charge(g, 'k1', usd(501))).status).toBe(422);
  expect(g.ledger()).toHaveLength(1);
});

it('a declined key stays declined; cancel closes unused keys and reports a charge that already happened', async () => {
  const g = await sandboxWith({ declineRate: 1 });
  const d = await charge(g, 'kd', usd(100));
  expect(d.body).toMatchObject({ status: 'declined', declineCode: 'card_declined' });
  g.update({ declineRate: 0 });
  expect((await charge(g, 'kd', usd(100))).body).toMatchObject({ id: d.body.id, status: 'declined' });

  expect((await post(g, '/v1/charges/kc/cancel')).body.status).toBe('cancelled');
  expect((await charge(g, 'kc', usd(100))).body.status).toBe('cancelled');
  const ok = await charge(g, 'ks', usd(100));
  expect((await post(g, '/v1/charges/ks/cancel')).body).toMatchObject({ id: ok.body.id, status: 'succeeded' });
  expect(g.ledger().map((c) => [c.idempotencyKey, c.status])).toEqual([
    ['kd', 'declined'],
    ['kc', 'cancelled'],
    ['ks', 'succeeded'],
  ]);
});

it('timeouts hold the connection; a processed-but-unanswered charge is found by key; outages answer 503', async () => {
  const g = await sandboxWith({ timeoutRate: 1, timeoutProcessedRate: 1, hangMs: 400 });
  await expect(charge(g, 'kt', usd(100), { signal: AbortSignal.timeout(100) })).rejects.toThrow();
  await waitFor('the charge to be recorded', () => g.ledger().length === 1);
  const found = await fetch(`${g.url}/v1/charges/kt`, { headers: { authorization: `Bearer ${GATEWAY_KEY}` } });
  expect(((await found.json()) as GatewayCharge).status).toBe('succeeded');
  g.update({ timeoutRate: 0, outage: true });
  expect((await charge(g, 'kx', usd(100))).status).toBe(503);
});

it('sends HMAC-signed webhooks and retries them until the merchant accepts', async () => {
  const received: { sig: string | undefined; body: Buffer }[] = [];
  const receiver = t.add(
    http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ sig: req.headers[SIGNATURE_HEADER] as string | undefined, body: Buffer.concat(chunks) });
        res.writeHead(received.length === 1 ? 500 : 204).end(); // the first delivery fails
      });
    }),
    // close() alone returns before the server has closed: wait for its callback.
    (server) => new Promise((resolve) => server.close(resolve)),
  );
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const g = await sandboxWith({ webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` });
  const c = await charge(g, 'kw', usd(700));
  await waitFor('two deliveries', () => received.length === 2);
  for (const r of received) {
    expect(verifyWebhook(WEBHOOK_SECRET, r.sig, r.body)).toBe(true);
    expect(verifyWebhook('whsec_other_secret_value', r.sig, r.body)).toBe(false);
    const event = JSON.parse(r.body.toString()) as GatewayWebhookEvent;
    expect(event).toMatchObject({ type: 'charge.succeeded', data: { id: c.body.id, amount: 700 } });
  }
});

it('keeps its ledger and idempotency records across a restart when given a ledger file', async () => {
  const ledgerFile = path.join(await t.tempDir('hawker-sandbox-'), 'ledger.jsonl');
  const first = await sandboxWith({ ledgerFile });
  const c = await charge(first, 'kp', usd(900));
  await first.close();
  const second = await sandboxWith({ ledgerFile });
  expect((await charge(second, 'kp', usd(900))).body).toMatchObject({ id: c.body.id, status: 'succeeded' });
  expect(second.ledger()).toHaveLength(1);
});
