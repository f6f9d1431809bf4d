import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect, it } from 'vitest';
import { GatewayError, GatewayRefusal, HttpPaymentGateway, type RefundRequest } from '../../server/payments/gateway.ts';
import type { SandboxGateway } from '../../server/payments/sandbox/server.ts';
import { SIGNATURE_HEADER, verifyWebhook } from '../../server/payments/signature.ts';
import { AnyGatewayWebhookEvent, type GatewayCharge, type GatewayRefund } from '../../server/payments/contract.ts';
import { GATEWAY_KEY, startSandbox, WEBHOOK_SECRET } from '../../harness/commerce.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

// POST /v1/refunds and GET /v1/refunds/:id: at most the charge's amount, once per idempotency key, kept in the ledger.

const t = useTeardown();

async function setUp(settings: Parameters<typeof startSandbox>[0] = {}) {
  const sandbox = t.add(await startSandbox({ latencyMs: 0, declineRate: 0, timeoutRate: 0, ...settings }));
  const client = t.add(new HttpPaymentGateway({ baseUrl: sandbox.url, apiKey: GATEWAY_KEY, timeoutMs: 5_000 }));
  const charge = (key: string, amount = 1_000) => client.charge({ idempotencyKey: key, amount, currency: 'USD', reference: key });
  return { sandbox, client, charge };
}

/** The refund, or the error it threw. */
const attempt = (client: HttpPaymentGateway, req: RefundRequest) => client.refund(req).catch((err: unknown) => err as Error);

/** A POST /v1/refunds without the client, to see status codes and bodies. */
async function postRefund(g: SandboxGateway, key: string | null, body: unknown) {
  const r = await fetch(`${g.url}/v1/refunds`, {
    method: 'POST',
    headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as GatewayRefund & { error?: { code: string } } };
}

async function getJson<T>(g: SandboxGateway, p: string): Promise<{ status: number; body: T }> {
  const r = await fetch(`${g.url}${p}`, { headers: { authorization: `Bearer ${GATEWAY_KEY}` } });
  return { status: r.status, body: (await r.json()) as T };
}

/** The charge as the gateway lists it now. */
async function current(client: HttpPaymentGateway, c: GatewayCharge): Promise<GatewayCharge> {
  const page = await client.listCharges({ from: c.createdAt, to: c.createdAt + 1, limit: 1000 });
  return page.charges.find((x) => x.id === c.id)!;
}

it('refunds a charge in full: the default amount is the rest, and nothing is left after', async () => {
  const { sandbox, client, charge } = await setUp();
  const c = await charge('full-1', 1_250);
  expect(c.refundedAmount).toBe(0);
  const r = await client.refund({ idempotencyKey: 'refund-full-1', chargeId: c.id, reason: 'requested_by_customer' });
  expect(r).toEqual({
    id: expect.stringMatching(/^re_/),
    idempotencyKey: 'refund-full-1',
    chargeId: c.id,
    amount: 1_250,
    currency: 'USD',
    status: 'succeeded',
    failureReason: null,
    createdAt: expect.any(Number),
  });
  expect(await getJson(sandbox, `/v1/refunds/${r.id}`)).toEqual({ status: 200, body: r });
  expect((await getJson(sandbox, '/v1/refunds/re_nope')).status).toBe(404);
  expect((await current(client, c)).refundedAmount).toBe(1_250);
  expect((await getJson<GatewayCharge>(sandbox, `/v1/charges/full-1`)).body.refundedAmount).toBe(1_250);

  expect(await attempt(client, { idempotencyKey: 'refund-full-2', chargeId: c.id })).toMatchObject({
    name: 'GatewayRefusal',
    status: 400,
    code: 'charge_already_refunded',
  });
  expect(await attempt(client, { idempotencyKey: 'refund-full-3', chargeId: c.id, amount: 1 })).toMatchObject({
    name: 'GatewayRefusal',
    status: 400,
    code: 'amount_too_large',
  });
  expect(sandbox.refunds()).toEqual([r]);
  expect((await getJson<{ refunds: GatewayRefund[] }>(sandbox, '/v1/ledger')).body.refunds).toEqual([r]);
});

it('adds partial refunds up to the charge amount', async () => {
  const { sandbox, client, charge } = await setUp();
  const c = await charge('partial-1', 1_000);
  const a = await client.refund({ idempotencyKey: 'partial-a', chargeId: c.id, amount: 300 });
  const b = await client.refund({ idempotencyKey: 'partial-b', chargeId: c.id, amount: 200 });
  expect((await current(client, c)).refundedAmount).toBe(500);
  const rest = await client.refund({ idempotencyKey: 'partial-rest', chargeId: c.id });
  expect([a.amount, b.amount, rest.amount]).toEqual([300, 200, 500]);
  expect(new Set([a.id, b.id, rest.id]).size).toBe(3);
  expect((await current(client, c)).refundedAmount).toBe(1_000);
  expect(sandbox.refunds().map((r) => [r.chargeId, r.amount])).toEqual([
    [c.id, 300],
    [c.id, 200],
    [c.id, 500],
  ]);
});

it('refuses a refund beyond what is left (400 amount_too_large) and changes nothing', async () => {
  const { sandbox, client, charge } = await setUp();
  const c = await charge('over-1', 1_000);
  await client.refund({ idempotencyKey: 'over-a', chargeId: c.id, amount: 600 });
  const refused = await postRefund(sandbox, 'over-b', { charge: c.id, amount: 401 });
  expect(refused).toMatchObject({ status: 400, body: { error: { code: 'amount_too_large' } } });
  const viaClient = await attempt(client, { idempotencyKey: 'over-c', chargeId: c.id, amount: 1_001 });
  expect(viaClient).toBeInstanceOf(GatewayRefusal);
  expect(viaClient).not.toBeInstanceOf(GatewayError);
  expect(viaClient).toMatchObject({ status: 400, code: 'amount_too_large' });
  expect((await current(client, c)).refundedAmount).toBe(600);
  expect(sandbox.refunds()).toHaveLength(1);
  // A refused key was not used up: the same key with an amount that fits goes through.
  expect(await client.refund({ idempotencyKey: 'over-b', chargeId: c.id, amount: 400 })).toMatchObject({
    amount: 400,
    status: 'succeeded',
  });
  expect((await current(client, c)).refundedAmount).toBe(1_000);
  // Bad requests: no key, no charge, a zero amount, unknown fields, an unknown charge.
  expect((await postRefund(sandbox, null, { charge: c.id })).body.error?.code).toBe('invalid_key');
  for (const body of [{}, { charge: c.id, amount: 0 }, { charge: c.id, amount: 1.5 }, { charge: c.id, extra: 1 }]) {
    expect((await postRefund(sandbox, 'bad-body', body)).body.error?.code, JSON.stringify(body)).toBe('invalid_request');
  }
  expect(await attempt(client, { idempotencyKey: 'unknown-charge', chargeId: 'ch_nope' })).toMatchObject({
    name: 'GatewayRefusal',
    status: 404,
    code: 'no_such_charge',
  });
  expect(sandbox.refunds()).toHaveLength(2);
});

it('refunds once per idempotency key: a repeat returns the first record; another body with the key is a 409', async () => {
  const { sandbox, client, charge } = await setUp();
  const c = await charge('idem-1', 1_000);
  const first = await postRefund(sandbox, 'idem-refund', { charge: c.id, amount: 100 });
  const again = await postRefund(sandbox, 'idem-refund', { charge: c.id, amount: 100 });
  expect([first.status, again.status]).toEqual([201, 200]);
  expect(again.body).toEqual(first.body);
  const concurrent = await Promise.all(
    Array.from({ length: 5 }, () => client.refund({ idempotencyKey: 'idem-refund', chargeId: c.id, amount: 100 })),
  );
  expect(concurrent).toEqual(Array.from({ length: 5 }, () => first.body));
  expect((await current(client, c)).refundedAmount).toBe(100);

  const reused = await postRefund(sandbox, 'idem-refund', { charge: c.id, amount: 200 });
  expect(reused).toMatchObject({ status: 409, body: { error: { code: 'idempotency_key_reused' } } });
  for (const req of [{ amount: 200 }, {}, { amount: 100, reason: 'duplicate' }]) {
    expect(await attempt(client, { idempotencyKey: 'idem-refund', chargeId: c.id, ...req }), JSON.stringify(req)).toMatchObject({
      name: 'GatewayRefusal',
      status: 409,
      code: 'idempotency_key_reused',
    });
  }
  const other = await charge('idem-2', 500);
  expect(await attempt(client, { idempotencyKey: 'idem-refund', chargeId: other.id, amount: 100 })).toMatchObject({
    code: 'idempotency_key_reused',
  });
  expect(sandbox.refunds()).toHaveLength(1);
  expect((await current(client, c)).refundedAmount).toBe(100);
  expect((await current(client, other)).refundedAmount).toBe(0);
});

it('refuses to refund a declined or cancelled charge', async () => {
  const { sandbox, client, charge } = await setUp({ declineRate: 1 });
  const declined = await charge('declined-1', 1_000);
  const cancelled = await client.cancel('cancelled-1');
  expect([declined.status, cancelled.status]).toEqual(['declined', 'cancelled']);
  expect(await postRefund(sandbox, 'refund-declined', { charge: declined.id })).toMatchObject({
    status: 400,
    body: { error: { code: 'charge_not_refundable' } },
  });
  expect(await attempt(client, { idempotencyKey: 'refund-declined', chargeId: declined.id, amount: 1 })).toMatchObject({
    name: 'GatewayRefusal',
    status: 400,
    code: 'charge_not_refundable',
  });
  expect(await attempt(client, { idempotencyKey: 'refund-cancelled', chargeId: cancelled.id })).toMatchObject({
    name: 'GatewayRefusal',
    status: 400,
    code: 'charge_not_refundable',
  });
  expect(sandbox.refunds()).toEqual([]);
  expect((await current(client, declined)).refundedAmount).toBe(0);
});

it('keeps refunds, refunded amounts and refund keys across a restart on the same ledger file', async () => {
  const ledgerFile = path.join(await t.tempDir('hawker-sandbox-refunds-'), 'ledger.jsonl');
  const first = await setUp({ ledgerFile });
  const c = await first.charge('restart-1', 1_000);
  const r = await first.client.refund({ idempotencyKey: 'restart-refund', chargeId: c.id, amount: 300 });
  await first.sandbox.close();
  expect(fs.readFileSync(ledgerFile, 'utf8').trim().split('\n')).toHaveLength(2);

  const second = await setUp({ ledgerFile });
  expect(second.sandbox.refunds()).toEqual([r]);
  expect(await getJson(second.sandbox, `/v1/refunds/${r.id}`)).toEqual({ status: 200, body: r });
  expect((await current(second.client, c)).refundedAmount).toBe(300);
  // The key still stands for the first refund, and the total is still capped.
  expect(await second.client.refund({ idempotencyKey: 'restart-refund', chargeId: c.id, amount: 300 })).toEqual(r);
  expect(await attempt(second.client, { idempotencyKey: 'restart-refund', chargeId: c.id, amount: 400 })).toMatchObject({
    code: 'idempotency_key_reused',
  });
  expect(await attempt(second.client, { idempotencyKey: 'restart-more', chargeId: c.id, amount: 701 })).toMatchObject({
    code: 'amount_too_large',
  });
  expect(await second.client.refund({ idempotencyKey: 'restart-rest', chargeId: c.id })).toMatchObject({ amount: 700 });
  await second.sandbox.close();

  const third = await setUp({ ledgerFile });
  expect((await current(third.client, c)).refundedAmount).toBe(1_000);
  expect(third.sandbox.refunds().map((x) => x.amount)).toEqual([300, 700]);
  expect(await attempt(third.client, { idempotencyKey: 'restart-again', chargeId: c.id })).toMatchObject({
    code: 'charge_already_refunded',
  });
});

it('sends a signed refund.succeeded webhook, and an outage is an unknown outcome (GatewayError), not a refusal', async () => {
  const received: { sig: string | undefined; body: Buffer }[] = [];
  const receiver = t.add(
    http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ sig: req.headers[SIGNATURE_HEADER] as string | undefined, body: Buffer.concat(chunks) });
        res.end('ok');
      });
    }),
    (server) => new Promise((resolve) => server.close(resolve)),
  );
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const { sandbox, client, charge } = await setUp({ webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` });
  const c = await charge('hook-1', 800);
  const r = await client.refund({ idempotencyKey: 'hook-refund', chargeId: c.id, amount: 800 });
  await waitFor('the charge and refund webhooks', () => received.length === 2);
  const events = received.map((x) => {
    expect(verifyWebhook(WEBHOOK_SECRET, x.sig, x.body)).toBe(true);
    return AnyGatewayWebhookEvent.parse(JSON.parse(x.body.toString()));
  });
  const refundEvent = events.find((e) => e.type === 'refund.succeeded');
  expect(refundEvent?.data).toEqual(r);
  expect(events.find((e) => e.type === 'charge.succeeded')?.data.id).toBe(c.id);

  sandbox.update({ outage: true });
  const err = await attempt(client, { idempotencyKey: 'hook-refund-2', chargeId: c.id, amount: 1 });
  expect(err).toBeInstanceOf(GatewayError);
  expect(err).not.toBeInstanceOf(GatewayRefusal);
  expect(err).toMatchObject({ status: 503 });
});
