import http from 'node:http';
import https from 'node:https';
import type { z } from 'zod';
import { GatewayCharge, GatewayChargeList, GatewayRefund } from './contract.ts';

/** What a charge needs. Hawker always uses the order id as idempotency key and reference. */
export interface ChargeRequest {
  idempotencyKey: string;
  amount: number;
  currency: string;
  reference: string;
  description?: string;
}

/** A time range of charges to list, [from, to) in ms epoch, one page at a time. */
export interface ListChargesRange {
  from: number;
  to: number;
  /** The last charge id of the previous page; unset: the first page. */
  startingAfter?: string;
  /** Page size, 1-1000; unset: the gateway's default (100). */
  limit?: number;
}

/** One page of charges, ordered by (createdAt, id); `hasMore`: ask again with startingAfter = the last id. */
export interface ChargePage {
  charges: GatewayCharge[];
  hasMore: boolean;
}

/** A refund of (part of) a succeeded charge. Same key + same request = one refund, however often it is sent. */
export interface RefundRequest {
  idempotencyKey: string;
  /** The charge's id (GatewayCharge.id), not its idempotency key. */
  chargeId: string;
  /** Minor units; unset: all that is not refunded yet. */
  amount?: number;
  reason?: string;
}

/**
 * A payment service provider, as the payment worker (and reconciliation) sees it. charge and cancel are idempotent per
 * key and resolve only with a *final* record; anything else (timeout, network error, 4xx, 5xx, "in progress") throws
 * GatewayError, meaning "outcome unknown: ask again later with the same key". listCharges and refund throw
 * GatewayError for the same reasons, except that a definite refusal (a 4xx other than 408, 429 and "in progress")
 * throws GatewayRefusal: nothing happened, and asking again will not change the answer.
 */
export interface PaymentGateway {
  /** Charges at most once per key: a repeat returns the first attempt's record (succeeded, declined or cancelled). */
  charge(req: ChargeRequest): Promise<GatewayCharge>;
  /**
   * Closes the key for new charges. Resolves with the record that stands: `succeeded` (it was charged; honour it),
   * `declined`, or `cancelled` (no charge exists and none can be made with this key any more).
   */
  cancel(idempotencyKey: string): Promise<GatewayCharge>;
  /** Charges of every status created in [from, to), one page, ordered by (createdAt, id) ascending. */
  listCharges(range: ListChargesRange): Promise<ChargePage>;
  /**
   * Refunds (part of) a succeeded charge, at most once per key: a repeat returns the first refund's record. Refusals
   * (GatewayRefusal.code): amount_too_large, charge_already_refunded, charge_not_refundable, no_such_charge,
   * idempotency_key_reused, invalid_request...
   */
  refund(req: RefundRequest): Promise<GatewayRefund>;
  /**
   * The gateway's record of one refund, or null when it has none: what a refund webhook says is checked against it
   * before the ledger records a refund it did not ask for.
   */
  getRefund(id: string): Promise<GatewayRefund | null>;
}

/** The gateway's outcome is unknown; retry with the same idempotency key. */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The gateway refused the request for good (a 4xx answer other than 408, 429 and "in progress"): nothing happened,
 * and the same request will get the same answer. `code` is the gateway's error code (e.g. amount_too_large).
 */
export class GatewayRefusal extends Error {
  override readonly name = 'GatewayRefusal';
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

/** Largest gateway answer read; a charge record is a few hundred bytes. */
const MAX_RESPONSE_BYTES = 64 * 1024;
/** ... and a page of up to 1000 charges at most ~600 KB. */
const MAX_LIST_BYTES = 4 * 1024 * 1024;

interface CallOptions<T> {
  schema: z.ZodType<T>;
  body?: unknown;
  idempotencyKey?: string;
  /** Throw GatewayRefusal for definite refusals (otherwise every non-2xx is a GatewayError). */
  refusals?: boolean;
  maxBytes?: number;
}

/** A 4xx that will not change on retry: not a timeout (408), a rate limit (429) or "still processing". */
function isRefusal(status: number, code: string | undefined): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429 && code !== 'in_progress';
}

/**
 * PaymentGateway over HTTP (the sandbox gateway's API, modelled on common PSPs: Bearer key, Idempotency-Key header).
 * Uses node:http with a keep-alive agent rather than fetch: on the payment path fetch's stream machinery cost about as
 * much CPU as the rest of a payment job (docs/benchmarks.md, P3). Call close() to drop its idle connections.
 */
export class HttpPaymentGateway implements PaymentGateway {
  private readonly agent: http.Agent;
  private readonly client: typeof http | typeof https;

  constructor(private readonly opts: { baseUrl: string; apiKey: string; timeoutMs: number }) {
    const tls = new URL(opts.baseUrl).protocol === 'https:';
    this.client = tls ? https : http;
    this.agent = new (tls ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: 256 });
  }

  charge(req: ChargeRequest): Promise<GatewayCharge> {
    const { idempotencyKey, ...body } = req;
    return this.call('POST', '/v1/charges', { schema: GatewayCharge, body, idempotencyKey });
  }

  cancel(idempotencyKey: string): Promise<GatewayCharge> {
    return this.call('POST', `/v1/charges/${encodeURIComponent(idempotencyKey)}/cancel`, { schema: GatewayCharge });
  }

  async listCharges(range: ListChargesRange): Promise<ChargePage> {
    const query = new URLSearchParams({ created_gte: String(range.from), created_lt: String(range.to) });
    if (range.limit !== undefined) query.set('limit', String(range.limit));
    if (range.startingAfter !== undefined) query.set('starting_after', range.startingAfter);
    const page = await this.call('GET', `/v1/charges?${query}`, { schema: GatewayChargeList, refusals: true, maxBytes: MAX_LIST_BYTES });
    return { charges: page.data, hasMore: page.has_more };
  }

  refund(req: RefundRequest): Promise<GatewayRefund> {
    const body = {
      charge: req.chargeId,
      ...(req.amount === undefined ? {} : { amount: req.amount }),
      ...(req.reason === undefined ? {} : { reason: req.reason }),
    };
    return this.call('POST', '/v1/refunds', { schema: GatewayRefund, body, idempotencyKey: req.idempotencyKey, refusals: true });
  }

  async getRefund(id: string): Promise<GatewayRefund | null> {
    try {
      return await this.call('GET', `/v1/refunds/${encodeURIComponent(id)}`, { schema: GatewayRefund, refusals: true });
    } catch (err) {
      if (err instanceof GatewayRefusal && err.status === 404) return null;
      throw err;
    }
  }

  /** Closes idle keep-alive connections; requests still running finish. */
  close(): void {
    this.agent.destroy();
  }

  private async call<T>(method: string, path: string, o: CallOptions<T>): Promise<T> {
    const what = `gateway ${method} ${path}`;
    let status: number;
    let text: string;
    try {
      [status, text] = await this.request(
        method,
        path,
        o.body === undefined ? undefined : JSON.stringify(o.body),
        o.idempotencyKey,
        o.maxBytes ?? MAX_RESPONSE_BYTES,
      );
    } catch (cause) {
      throw new GatewayError(`${what}: ${(cause as Error).message}`, undefined, { cause });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined; // reported below as a malformed answer
    }
    if (status !== 200 && status !== 201) {
      const error = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      const code = typeof error?.code === 'string' ? error.code : undefined;
      if (o.refusals && isRefusal(status, code)) {
        const message = typeof error?.message === 'string' ? error.message : text.slice(0, 200);
        throw new GatewayRefusal(`${what}: HTTP ${status} ${code ?? ''} ${message}`.replace(/ +/g, ' '), status, code ?? `http_${status}`);
      }
      throw new GatewayError(`${what}: HTTP ${status} ${text.slice(0, 200)}`, status);
    }
    const parsed = o.schema.safeParse(json);
    if (!parsed.success) throw new GatewayError(`${what}: malformed answer`, status);
    return parsed.data;
  }

  /** One HTTP exchange, bounded by timeoutMs from start to the last byte of the answer. */
  private request(
    method: string,
    path: string,
    payload: string | undefined,
    idempotencyKey: string | undefined,
    maxBytes: number,
  ): Promise<[number, string]> {
    return new Promise((resolve, reject) => {
      const req = this.client.request(new URL(path, this.opts.baseUrl), {
        method,
        agent: this.agent,
        headers: {
          authorization: `Bearer ${this.opts.apiKey}`,
          ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      });
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(err);
      };
      req.on('error', fail);
      req.once('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) req.destroy(new Error(`answer larger than ${maxBytes} bytes`));
          else chunks.push(chunk);
        });
        res.on('error', fail);
        res.once('end', () => {
          clearTimeout(timer);
          resolve([res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')]);
        });
      });
      req.end(payload);
    });
  }
}
