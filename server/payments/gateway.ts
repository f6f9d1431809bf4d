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

/** PaymentGateway over HTTP (the sandbox gateway's API, modelled on common PSPs: Bearer key, Idempotency-Key header). */
export class HttpPaymentGateway implements PaymentGateway {
  constructor(private readonly opts: { baseUrl: string; apiKey: string; timeoutMs: number }) {}

  charge(req: ChargeRequest): Promise<GatewayCharge> {
    const { idempotencyKey, ...body } = req;
    return this.call('POST', '/v1/charges', body, idempotencyKey);
  }

  cancel(idempotencyKey: string): Promise<GatewayCharge> {
    return this.call('POST', `/v1/charges/${encodeURIComponent(idempotencyKey)}/cancel`);
  }

  private async call(method: string, path: string, body?: unknown, idempotencyKey?: string): Promise<GatewayCharge> {
    let res: Response;
    let text: string;
    try {
      res = await fetch(new URL(path, this.opts.baseUrl), {
        method,
        headers: {
          authorization: `Bearer ${this.opts.apiKey}`,
          ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      text = await res.text();
    } catch (cause) {
      throw new GatewayError(`gateway ${method} ${path}: ${(cause as Error).name === 'TimeoutError' ? `no answer within ${this.opts.timeoutMs} ms` : (cause as Error).message}`, undefined, { cause });
    }
    if (res.status !== 200 && res.status !== 201) throw new GatewayError(`gateway ${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`, res.status);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined; // reported just below as a malformed record
    }
    const parsed = GatewayCharge.safeParse(json);
    if (!parsed.success) throw new GatewayError(`gateway ${method} ${path}: malformed charge record`, res.status);
    return parsed.data;
  }
}
