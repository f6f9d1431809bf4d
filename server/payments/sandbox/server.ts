/**
 * The sandbox payment gateway: a separate HTTP service that behaves like a real card processor, for the demo and the
 * tests. API (all under Bearer <api key>):
 *
 *   POST /v1/charges              body {amount, currency, reference, description?}, header Idempotency-Key (required)
 *                                 200/201 final record {id, status: succeeded|declined|cancelled, ...};
 *                                 409 another request with this key is still processing; 422 key reused with a
 *                                 different body; timeouts are simulated by holding the connection open.
 *   GET  /v1/charges/:key         the key's final record, or 404.
 *   POST /v1/charges/:key/cancel  closes the key: returns the standing record (succeeded or declined) or records
 *                                 `cancelled`, after which charges with this key answer `cancelled`.
 *   GET  /v1/charges              ?created_gte=<ms>&created_lt=<ms>&limit=<1..1000>&starting_after=<charge id>:
 *                                 {data: charges of any status created in [gte, lt), by (createdAt, id) ascending,
 *                                 has_more}; the cursor is stable, even across charges of the same millisecond.
 *   POST /v1/refunds              body {charge: <charge id>, amount?, reason?}, header Idempotency-Key (required)
 *                                 201 refund record {id, chargeId, amount, status, ...}; the same key and body again:
 *                                 200 the same record; key reused with another body: 409 idempotency_key_reused; 400
 *                                 charge_not_refundable (not succeeded), amount_too_large (more than is left),
 *                                 charge_already_refunded; 404 no_such_charge. A refused refund changes nothing.
 *   GET  /v1/refunds/:id          one refund record, or 404.
 *   GET  /v1/ledger               every final record, in order (money moved = status succeeded), and every refund.
 *   PUT  /v1/settings             change latency, decline and timeout rates, outage, webhook URL at runtime.
 *
 * Each final record is also sent as a webhook (charge.succeeded | charge.declined | charge.cancelled, and
 * refund.succeeded), signed with HMAC-SHA256 (signature.ts) and retried with backoff until the merchant answers 2xx.
 * Refunds are processed at once: latency, declines and timeouts apply to charges only.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../../kernel/log.ts';
import {
  GatewayChargeListQuery,
  GatewayChargeRequest,
  GatewayRefundRequest,
  type AnyGatewayWebhookEvent,
  type GatewayCharge,
  type GatewayChargeList,
  type GatewayRefund,
} from '../contract.ts';
import { SIGNATURE_HEADER, signWebhook } from '../signature.ts';
import { SandboxSettingsPatch, type SandboxSettings } from './config.ts';

export interface SandboxOptions extends SandboxSettings {
  apiKey: string;
  webhookSecret: string;
  /** JSON-lines ledger file to reload at start and append to; unset: memory only. */
  ledgerFile?: string | undefined;
  log: Logger;
}

const WEBHOOK_ATTEMPTS = 8;
const KEY_RE = /^[A-Za-z0-9_-]{1,128}$/;

interface Stored {
  charge: GatewayCharge;
  fingerprint: string;
}

interface StoredRefund {
  refund: GatewayRefund;
  fingerprint: string;
}

/** (createdAt, id) order: the list endpoint's order and cursor. */
function compareCharges(a: GatewayCharge, b: GatewayCharge): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** First index of `sorted` where `after` holds (it is false, then true, along the array); sorted.length if none. */
function firstIndex(sorted: readonly GatewayCharge[], after: (c: GatewayCharge) => boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (after(sorted[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** A running sandbox gateway (in-process for tests, or as its own process via sandbox/main.ts). */
export class SandboxGateway {
  readonly settings: SandboxSettings;
  private readonly records = new Map<string, Stored>();
  private readonly processing = new Set<string>();
  private readonly entries: GatewayCharge[] = [];
  /** Charges by id, and sorted by (createdAt, id) for listing. */
  private readonly byId = new Map<string, GatewayCharge>();
  private readonly byTime: GatewayCharge[] = [];
  private readonly refundsByKey = new Map<string, StoredRefund>();
  private readonly refundsById = new Map<string, GatewayRefund>();
  private readonly refundEntries: GatewayRefund[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private server: http.Server | undefined;
  private closing: Promise<void> | undefined;

  private constructor(private readonly opts: SandboxOptions) {
    this.settings = {
      latencyMs: opts.latencyMs,
      declineRate: opts.declineRate,
      timeoutRate: opts.timeoutRate,
      timeoutProcessedRate: opts.timeoutProcessedRate,
      hangMs: opts.hangMs,
      outage: opts.outage,
      webhookUrl: opts.webhookUrl,
      refundTimeouts: opts.refundTimeouts ?? false,
    };
    if (opts.ledgerFile) this.reload(opts.ledgerFile);
  }

  /** Starts listening (port 0: any free port). */
  static async start(opts: SandboxOptions, port = 0, host = '127.0.0.1'): Promise<SandboxGateway> {
    const gw = new SandboxGateway(opts);
    const server = http.createServer(gw.app());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    gw.server = server;
    return gw;
  }

  get url(): string {
    const a = this.server?.address() as AddressInfo;
    return `http://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;
  }

  /** Charge requests being processed right now. */
  get inFlight(): number {
    return this.processing.size;
  }

  /** Every final record so far, in order. */
  ledger(): GatewayCharge[] {
    return [...this.entries];
  }

  /** Every refund so far, in order. */
  refunds(): GatewayRefund[] {
    return [...this.refundEntries];
  }

  update(patch: Partial<SandboxSettings>): SandboxSettings {
    Object.assign(this.settings, patch);
    return this.settings;
  }

  /** Stops listening, drops open connections (hung requests included) and pending webhook retries. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
      const server = this.server;
      if (!server) return;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    })();
    return this.closing;
  }

  private app(): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.use(express.json({ limit: '16kb' }));
    app.get('/healthz', (_req, res) => void res.json({ ok: true }));
    app.use('/v1', (req, res, next) => {
      if (req.headers.authorization !== `Bearer ${this.opts.apiKey}`)
        return void fail(res, 401, 'unauthorized', 'Send Authorization: Bearer <api key>');
      if (this.settings.outage && req.path !== '/settings' && req.path !== '/ledger')
        return void fail(res, 503, 'outage', 'Simulated outage');
      next();
    });
    app.post('/v1/charges', (req, res) => void this.charge(req, res));
    app.get('/v1/charges', (req, res) => this.list(req, res));
    app.get('/v1/charges/:key', (req, res) => {
      const stored = this.records.get(String(req.params.key));
      if (!stored) return void fail(res, 404, 'not_found', 'No charge with this idempotency key');
      res.json(stored.charge);
    });
    app.post('/v1/charges/:key/cancel', (req, res) => {
      const key = String(req.params.key);
      if (!KEY_RE.test(key)) return void fail(res, 400, 'invalid_key', 'Bad idempotency key');
      if (this.processing.has(key)) return void fail(res, 409, 'in_progress', 'A charge with this key is processing; retry');
      const stored = this.records.get(key) ?? this.record(key, 'cancelled', { amount: 0, currency: 'XXX', reference: key }, '*');
      res.json(stored.charge);
    });
    app.post('/v1/refunds', (req, res) => this.refund(req, res));
    app.get('/v1/refunds/:id', (req, res) => {
      const refund = this.refundsById.get(String(req.params.id));
      if (!refund) return void fail(res, 404, 'not_found', 'No refund with this id');
      res.json(refund);
    });
    app.get('/v1/ledger', (_req, res) => void res.json({ charges: this.entries, refunds: this.refundEntries }));
    app.put('/v1/settings', (req, res) => {
      const patch = SandboxSettingsPatch.safeParse(req.body);
      if (!patch.success) return void fail(res, 400, 'invalid_request', patch.error.issues[0]?.message ?? 'bad settings');
      res.json(this.update(patch.data));
    });
    app.use((_req: Request, res: Response) => fail(res, 404, 'not_found', 'No such endpoint'));
    app.use((err: { status?: number; message?: string }, _req: Request, res: Response, _next: NextFunction) => {
      fail(res, err.status && err.status < 500 ? err.status : 500, 'invalid_request', err.message ?? 'error');
    });
    return app;
  }

  private async charge(req: Request, res: Response): Promise<void> {
    const key = req.header('idempotency-key');
    if (!key || !KEY_RE.test(key)) return fail(res, 400, 'invalid_key', 'Send an Idempotency-Key header (1-128 chars of A-Z a-z 0-9 _ -)');
    const body = GatewayChargeRequest.safeParse(req.body);
    if (!body.success) return fail(res, 400, 'invalid_request', body.error.issues[0]?.message ?? 'bad charge');
    const fingerprint = `${body.data.amount}|${body.data.currency}|${body.data.reference}`;
    if (this.processing.has(key)) return fail(res, 409, 'in_progress', 'A charge with this key is processing; retry');
    const stored = this.records.get(key);
    if (stored) {
      // A repeat: the first outcome stands (never a second charge). A cancelled key stays cancelled.
      if (stored.fingerprint !== fingerprint && stored.fingerprint !== '*')
        return fail(res, 422, 'idempotency_mismatch', 'Key reused with a different request');
      res.status(200).json(stored.charge);
      return;
    }
    const { settings } = this;
    const timeout = Math.random() < settings.timeoutRate;
    if (timeout && Math.random() >= settings.timeoutProcessedRate) {
      // Lost before processing: nothing is charged, the client waits in vain.
      await this.sleep(settings.hangMs);
      res.destroy();
      return;
    }
    this.processing.add(key);
    try {
      await this.sleep(settings.latencyMs * (0.5 + Math.random()));
      const declined = Math.random() < settings.declineRate;
      this.record(key, declined ? 'declined' : 'succeeded', body.data, fingerprint);
    } finally {
      this.processing.delete(key);
    }
    if (timeout) {
      // Processed, but the answer never arrives: the client must find out by retrying with the same key.
      await this.sleep(settings.hangMs);
      res.destroy();
      return;
    }
    res.status(201).json(this.records.get(key)!.charge);
  }

  private list(req: Request, res: Response): void {
    const query = GatewayChargeListQuery.safeParse(req.query);
    if (!query.success)
      return fail(res, 400, 'invalid_request', query.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const { created_gte: gte, created_lt: lt = Number.POSITIVE_INFINITY, limit, starting_after: cursorId } = query.data;
    let start = firstIndex(this.byTime, (c) => c.createdAt >= gte);
    if (cursorId !== undefined) {
      const cursor = this.byId.get(cursorId);
      if (!cursor) return fail(res, 400, 'invalid_cursor', 'starting_after is not the id of a charge');
      start = Math.max(
        start,
        firstIndex(this.byTime, (c) => compareCharges(c, cursor) > 0),
      );
    }
    const data: GatewayCharge[] = [];
    let i = start;
    for (; i < this.byTime.length && data.length < limit; i++) {
      const c = this.byTime[i]!;
      if (c.createdAt >= lt) break;
      data.push(c);
    }
    const next = this.byTime[i];
    const page: GatewayChargeList = { data, has_more: data.length === limit && next !== undefined && next.createdAt < lt };
    res.json(page);
  }

  private refund(req: Request, res: Response): void {
    const key = req.header('idempotency-key');
    if (!key || !KEY_RE.test(key)) return fail(res, 400, 'invalid_key', 'Send an Idempotency-Key header (1-128 chars of A-Z a-z 0-9 _ -)');
    const body = GatewayRefundRequest.safeParse(req.body);
    if (!body.success) return fail(res, 400, 'invalid_request', body.error.issues[0]?.message ?? 'bad refund');
    const { charge: chargeId, amount: asked, reason } = body.data;
    const fingerprint = JSON.stringify([chargeId, asked ?? null, reason ?? null]);
    const seen = this.refundsByKey.get(key);
    if (seen) {
      // A repeat: the first refund stands (never a second one), even if the charge has changed since.
      if (seen.fingerprint !== fingerprint) return fail(res, 409, 'idempotency_key_reused', 'Key reused with a different refund request');
      if (this.settings.refundTimeouts) void this.sleep(this.settings.hangMs).then(() => res.destroy());
      else res.status(200).json(seen.refund);
      return;
    }
    const charge = this.byId.get(chargeId);
    if (!charge) return fail(res, 404, 'no_such_charge', 'No charge with this id');
    if (charge.status !== 'succeeded') return fail(res, 400, 'charge_not_refundable', `A ${charge.status} charge cannot be refunded`);
    const left = charge.amount - charge.refundedAmount;
    if (asked !== undefined && asked > left)
      return fail(res, 400, 'amount_too_large', `At most ${left} of ${charge.amount} is left to refund`);
    if (left === 0) return fail(res, 400, 'charge_already_refunded', 'The charge is refunded in full');
    const refund: GatewayRefund = {
      id: `re_${randomBytes(9).toString('base64url')}`,
      idempotencyKey: key,
      chargeId,
      amount: asked ?? left,
      currency: charge.currency,
      status: 'succeeded',
      failureReason: null,
      createdAt: Date.now(),
    };
    const stored: StoredRefund = { refund, fingerprint };
    // On disk first: if the write fails, nothing was refunded and the request can be retried with the same key.
    if (this.opts.ledgerFile) fs.appendFileSync(this.opts.ledgerFile, `${JSON.stringify(stored)}\n`);
    this.applyRefund(stored);
    if (this.settings.refundTimeouts) {
      // Processed, but the answer never arrives: the client must find out by asking again with the same key.
      void this.sleep(this.settings.hangMs).then(() => res.destroy());
    } else res.status(201).json(refund);
    this.deliver({ id: `evt_${randomBytes(9).toString('base64url')}`, type: 'refund.succeeded', createdAt: Date.now(), data: refund }, 0);
  }

  private applyRefund(stored: StoredRefund): void {
    const { refund } = stored;
    this.refundsByKey.set(refund.idempotencyKey, stored);
    this.refundsById.set(refund.id, refund);
    this.refundEntries.push(refund);
    const charge = this.byId.get(refund.chargeId);
    if (charge && refund.status === 'succeeded') charge.refundedAmount += refund.amount;
  }

  /** Indexes a new charge; records come almost always in time order, so the sorted insert is almost always a push. */
  private index(charge: GatewayCharge): void {
    this.byId.set(charge.id, charge);
    let i = this.byTime.length;
    while (i > 0 && compareCharges(this.byTime[i - 1]!, charge) > 0) i--;
    this.byTime.splice(i, 0, charge);
  }

  private record(
    key: string,
    status: GatewayCharge['status'],
    req: { amount: number; currency: string; reference: string },
    fingerprint: string,
  ): Stored {
    const charge: GatewayCharge = {
      id: `ch_${randomBytes(9).toString('base64url')}`,
      idempotencyKey: key,
      reference: req.reference,
      amount: req.amount,
      currency: req.currency,
      status,
      declineCode: status === 'declined' ? 'card_declined' : null,
      createdAt: Date.now(),
      refundedAmount: 0,
    };
    const stored = { charge, fingerprint };
    this.records.set(key, stored);
    this.entries.push(charge);
    this.index(charge);
    if (this.opts.ledgerFile) fs.appendFileSync(this.opts.ledgerFile, `${JSON.stringify(stored)}\n`);
    this.deliver({ id: `evt_${randomBytes(9).toString('base64url')}`, type: `charge.${status}`, createdAt: Date.now(), data: charge }, 0);
    return stored;
  }

  /** Sends a signed webhook; retries with exponential backoff until a 2xx or WEBHOOK_ATTEMPTS. */
  private deliver(event: AnyGatewayWebhookEvent, attempt: number): void {
    const url = this.settings.webhookUrl;
    if (!url || this.closing) return;
    const body = JSON.stringify(event);
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhook(this.opts.webhookSecret, body) },
      body,
      signal: AbortSignal.timeout(5_000),
    })
      .then(async (res) => {
        await res.body?.cancel();
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
      })
      .catch((err: Error) => {
        if (attempt + 1 >= WEBHOOK_ATTEMPTS || this.closing) {
          this.opts.log.warn({ eventId: event.id, err: err.message }, 'webhook delivery abandoned');
          return;
        }
        const t = setTimeout(
          () => {
            this.timers.delete(t);
            this.deliver(event, attempt + 1);
          },
          200 * 2 ** attempt,
        );
        this.timers.add(t);
      });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private reload(file: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (!fs.existsSync(file)) return;
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const stored = JSON.parse(line) as Stored | StoredRefund;
      if ('refund' in stored) {
        this.applyRefund(stored);
        continue;
      }
      // Charge lines carry refundedAmount 0 (older ones none): the refund lines after them add it up.
      const charge = { ...stored.charge, refundedAmount: 0 };
      this.records.set(charge.idempotencyKey, { charge, fingerprint: stored.fingerprint });
      this.entries.push(charge);
      this.byId.set(charge.id, charge);
      this.byTime.push(charge);
    }
    this.byTime.sort(compareCharges);
  }
}

function fail(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}
