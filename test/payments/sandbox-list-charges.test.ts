import fs from 'node:fs';
import path from 'node:path';
import { expect, it, vi } from 'vitest';
import { GatewayError, GatewayRefusal, HttpPaymentGateway, type ListChargesRange } from '../../server/payments/gateway.ts';
import type { GatewayCharge } from '../../server/payments/contract.ts';
import { GATEWAY_KEY, startSandbox } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';

// GET /v1/charges: charges of every status in [created_gte, created_lt), by (createdAt, id), with a stable cursor.

const t = useTeardown();

async function setUp(settings: Parameters<typeof startSandbox>[0] = {}) {
  const sandbox = t.add(await startSandbox({ latencyMs: 0, declineRate: 0, timeoutRate: 0, ...settings }));
  const client = t.add(new HttpPaymentGateway({ baseUrl: sandbox.url, apiKey: GATEWAY_KEY, timeoutMs: 5_000 }));
  return { sandbox, client };
}

/** Makes the sandbox's clock read `at` while `fn` runs (charges get createdAt = at). */
async function at<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  const spy = vi.spyOn(Date, 'now').mockReturnValue(ms);
  try {
    return await fn();
  } finally {
    spy.mockRestore();
  }
}

function chargeAll(client: HttpPaymentGateway, keys: string[]): Promise<GatewayCharge[]> {
  return Promise.all(keys.map((k) => client.charge({ idempotencyKey: k, amount: 100, currency: 'USD', reference: k })));
}

/** Follows the cursor until hasMore is false. */
async function collect(client: HttpPaymentGateway, range: ListChargesRange): Promise<{ charges: GatewayCharge[]; pages: number }> {
  const charges: GatewayCharge[] = [];
  let pages = 0;
  for (let startingAfter: string | undefined; ; ) {
    const page = await client.listCharges({ ...range, ...(startingAfter ? { startingAfter } : {}) });
    pages++;
    expect(page.charges.length).toBeLessThanOrEqual(range.limit ?? 100);
    charges.push(...page.charges);
    if (!page.hasMore) return { charges, pages };
    expect(page.charges).toHaveLength(range.limit ?? 100);
    startingAfter = page.charges.at(-1)!.id;
  }
}

const byTimeAndId = (a: GatewayCharge, b: GatewayCharge) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

it('pages through 250 charges made in 5 milliseconds, 7 at a time, without skipping or repeating one', async () => {
  const { client } = await setUp();
  const T0 = 1_700_000_000_000;
  const made: GatewayCharge[] = [];
  for (let ms = 0; ms < 5; ms++) {
    made.push(
      ...(await at(T0 + ms, () =>
        chargeAll(
          client,
          Array.from({ length: 50 }, (_, i) => `same-ms-${ms}-${i}`),
        ),
      )),
    );
  }
  expect(new Set(made.map((c) => c.createdAt)).size).toBe(5);

  const { charges, pages } = await collect(client, { from: T0, to: T0 + 5, limit: 7 });
  expect(pages).toBe(Math.ceil(250 / 7));
  expect(charges).toHaveLength(250);
  expect(new Set(charges.map((c) => c.id)).size).toBe(250);
  expect(new Set(charges.map((c) => c.id))).toEqual(new Set(made.map((c) => c.id)));
  expect(charges).toEqual([...charges].sort(byTimeAndId));
  expect(charges.every((c) => c.refundedAmount === 0 && c.status === 'succeeded')).toBe(true);

  // A page size that divides the total: the last full page says there is no more.
  const even = await collect(client, { from: T0, to: T0 + 5, limit: 50 });
  expect([even.pages, even.charges.map((c) => c.id)]).toEqual([5, charges.map((c) => c.id)]);
  // A cursor taken from the middle of a millisecond goes on right after it.
  const rest = await client.listCharges({ from: T0, to: T0 + 5, startingAfter: charges[24]!.id, limit: 1000 });
  expect([rest.hasMore, rest.charges.map((c) => c.id)]).toEqual([false, charges.slice(25).map((c) => c.id)]);
});

it('lists [from, to) only, every status included, and the default page size is 100', async () => {
  const { sandbox, client } = await setUp();
  const T0 = 1_700_000_100_000;
  const made = new Map<number, GatewayCharge[]>();
  for (const dt of [0, 1, 2, 3]) made.set(dt, await at(T0 + dt, () => chargeAll(client, [`range-${dt}-a`, `range-${dt}-b`])));
  sandbox.update({ declineRate: 1 });
  const declined = await at(T0 + 1, () =>
    client.charge({ idempotencyKey: 'range-declined', amount: 100, currency: 'USD', reference: 'range-declined' }),
  );
  const cancelled = await at(T0 + 2, () => client.cancel('range-cancelled'));
  expect([declined.status, cancelled.status]).toEqual(['declined', 'cancelled']);

  const ids = (cs: GatewayCharge[]) => cs.map((c) => c.id).sort();
  // created_gte is inclusive, created_lt exclusive.
  const middle = await client.listCharges({ from: T0 + 1, to: T0 + 3 });
  expect(middle.hasMore).toBe(false);
  expect(ids(middle.charges)).toEqual(ids([...made.get(1)!, ...made.get(2)!, declined, cancelled]));
  expect(middle.charges.map((c) => c.status).sort()).toEqual(['cancelled', 'declined', 'succeeded', 'succeeded', 'succeeded', 'succeeded']);
  expect(middle.charges).toEqual([...middle.charges].sort(byTimeAndId));
  expect((await client.listCharges({ from: T0 + 3, to: T0 + 4 })).charges.map((c) => c.id).sort()).toEqual(ids(made.get(3)!));
  expect(await client.listCharges({ from: T0 + 4, to: T0 + 1_000 })).toEqual({ charges: [], hasMore: false });
  expect(await client.listCharges({ from: T0 + 2, to: T0 + 2 })).toEqual({ charges: [], hasMore: false });
  expect(await client.listCharges({ from: 0, to: T0 })).toEqual({ charges: [], hasMore: false });
  // A cursor outside the range still pages within it.
  const afterFirst = await client.listCharges({ from: T0 + 2, to: T0 + 3, startingAfter: made.get(0)![0]!.id });
  expect(afterFirst.charges).toHaveLength(3);

  // Default page size 100, has_more when more are in range.
  await at(T0 + 10, () =>
    chargeAll(
      client,
      Array.from({ length: 101 }, (_, i) => `range-bulk-${i}`),
    ),
  );
  const first = await client.listCharges({ from: T0 + 10, to: T0 + 11 });
  expect([first.charges.length, first.hasMore]).toEqual([100, true]);
  const second = await client.listCharges({ from: T0 + 10, to: T0 + 11, startingAfter: first.charges.at(-1)!.id });
  expect([second.charges.length, second.hasMore]).toEqual([1, false]);
});

it('refuses bad queries for good (GatewayRefusal) and reports an outage as an unknown outcome (GatewayError)', async () => {
  const { sandbox, client } = await setUp();
  const refusal = (range: ListChargesRange) =>
    client.listCharges(range).then(
      () => null,
      (err: unknown) => err,
    );
  for (const limit of [0, 1001, 2.5]) {
    const err = await refusal({ from: 0, to: 10, limit });
    expect(err, String(limit)).toBeInstanceOf(GatewayRefusal);
    expect(err).toMatchObject({ status: 400, code: 'invalid_request' });
  }
  expect(await refusal({ from: 0, to: 10, startingAfter: 'ch_nope' })).toMatchObject({
    name: 'GatewayRefusal',
    status: 400,
    code: 'invalid_cursor',
  });
  const raw = await fetch(`${sandbox.url}/v1/charges?created_gte=0&bogus=1`, { headers: { authorization: `Bearer ${GATEWAY_KEY}` } });
  expect([raw.status, ((await raw.json()) as { error: { code: string } }).error.code]).toEqual([400, 'invalid_request']);
  const wrongKey = t.add(new HttpPaymentGateway({ baseUrl: sandbox.url, apiKey: 'sk_not_the_key', timeoutMs: 5_000 }));
  expect(await wrongKey.listCharges({ from: 0, to: 10 }).catch((err: unknown) => err)).toMatchObject({
    name: 'GatewayRefusal',
    status: 401,
    code: 'unauthorized',
  });

  sandbox.update({ outage: true });
  const outage = await refusal({ from: 0, to: 10 });
  expect(outage).toBeInstanceOf(GatewayError);
  expect(outage).not.toBeInstanceOf(GatewayRefusal);
  expect(outage).toMatchObject({ status: 503 });
});

it('lists charges reloaded from a ledger file, old records (no refundedAmount) included', async () => {
  const dir = await t.tempDir('hawker-sandbox-list-');
  const ledgerFile = path.join(dir, 'ledger.jsonl');
  const old = {
    id: 'ch_old',
    idempotencyKey: 'old-key',
    reference: 'old-key',
    amount: 250,
    currency: 'USD',
    status: 'succeeded',
    declineCode: null,
    createdAt: 1_600_000_000_000,
  };
  fs.writeFileSync(ledgerFile, `${JSON.stringify({ charge: old, fingerprint: '250|USD|old-key' })}\n`);
  const first = await setUp({ ledgerFile });
  const fresh = await at(1_600_000_000_001, () =>
    first.client.charge({ idempotencyKey: 'new-key', amount: 300, currency: 'USD', reference: 'new-key' }),
  );
  await first.sandbox.close();

  const second = await setUp({ ledgerFile });
  const page = await second.client.listCharges({ from: 1_600_000_000_000, to: 1_600_000_000_002 });
  expect(page).toEqual({ charges: [{ ...old, refundedAmount: 0 }, fresh], hasMore: false });
});
