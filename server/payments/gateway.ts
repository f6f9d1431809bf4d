import http from 'node:http';
import https from 'node:https';
import { GatewayCharge } from '../protocol/commerce.ts';

/** What a charge needs. Hawker always uses the order id as idempotency key and reference. */
export interface ChargeRequest {
  idempotencyKey: string;
  amount: number;
  currency: string;
  reference: string;
  description?: string;
}

/**
 * A payment service provider, as the payment worker sees it. Both calls are idempotent per key and resolve only with a
 * *final* record; anything else (timeout, network error, 5xx, "in progress") throws GatewayError, meaning "outcome
 * unknown: ask again later with the same key".
 */
export interface PaymentGateway {
  /** Charges at most once per key: a repeat returns the first attempt's record (succeeded, declined or cancelled). */
  charge(req: ChargeRequest): Promise<GatewayCharge>;
  /**
   * Closes the key for new charges. Resolves with the record that stands: `succeeded` (it was charged; honour it),
   * `declined`, or `cancelled` (no charge exists and none can be made with this key any more).
   */
  cancel(idempotencyKey: string): Promise<GatewayCharge>;
}

/** The gateway's outcome is unknown; retry with the same idempotency key. */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(message: string, readonly status?: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Largest gateway answer read; a charge record is a few hundred bytes. */
const MAX_RESPONSE_BYTES = 64 * 1024;

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
    return this.call('POST', '/v1/charges', body, idempotencyKey);
  }

  cancel(idempotencyKey: string): Promise<GatewayCharge> {
    return this.call('POST', `/v1/charges/${encodeURIComponent(idempotencyKey)}/cancel`);
  }

  /** Closes idle keep-alive connections; requests still running finish. */
  close(): void {
    this.agent.destroy();
  }

  private async call(method: string, path: string, body?: unknown, idempotencyKey?: string): Promise<GatewayCharge> {
    const what = `gateway ${method} ${path}`;
    let status: number;
    let text: string;
    try {
      [status, text] = await this.request(method, path, body === undefined ? undefined : JSON.stringify(body), idempotencyKey);
    } catch (cause) {
      throw new GatewayError(`${what}: ${(cause as Error).message}`, undefined, { cause });
    }
    if (status !== 200 && status !== 201) throw new GatewayError(`${what}: HTTP ${status} ${text.slice(0, 200)}`, status);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined; // reported just below as a malformed record
    }
    const parsed = GatewayCharge.safeParse(json);
    if (!parsed.success) throw new GatewayError(`${what}: malformed charge record`, status);
    return parsed.data;
  }

  /** One HTTP exchange, bounded by timeoutMs from start to the last byte of the answer. */
  private request(method: string, path: string, payload: string | undefined, idempotencyKey: string | undefined): Promise<[number, string]> {
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
          if (size > MAX_RESPONSE_BYTES) req.destroy(new Error(`answer larger than ${MAX_RESPONSE_BYTES} bytes`));
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
