import { randomBytes } from 'node:crypto';
import type {
  CreateWebhookEndpointBody,
  ListWebhookDeliveriesQuery,
  ListWebhookEndpointsQuery,
  Principal,
  UpdateWebhookEndpointBody,
  WebhookDelivery,
  WebhookDeliveryList,
  WebhookEndpoint,
  WebhookEndpointList,
  WebhookEndpointWithSecret,
} from '@hawker/protocol';
import type { MerchantScope, MerchantScopes } from '../exports/scopes.ts';
import { AppError } from '../kernel/errors.ts';
import { newId } from '../kernel/ids.ts';
import { CursorError } from '../ledger/orders.ts';
import type { WebhookDispatcher } from './dispatcher.ts';
import { deliveryView, type EndpointRow, endpointView, type WebhookStore } from './store.ts';
import { webhookUrlProblem } from './url.ts';

/** The settings this service enforces (server/config.ts, "Merchant operations"). */
export interface WebhookLimits {
  WEBHOOK_ENDPOINTS_PER_OWNER: number;
  WEBHOOK_ALLOW_HTTP_LOCALHOST: boolean;
}

/** Redeliveries by hand of one delivery (bounds the rows a merchant can create by clicking). */
export const REDELIVERIES_PER_DELIVERY = 20;

/** A new signing secret: 32 random bytes, base64url, with a recognisable prefix. */
const newSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;

/**
 * Merchants' webhook endpoints (per shop or agency) and their delivery log: who may (MerchantScopes, via the policy),
 * what is valid (the URL rule, the per-owner limit), each change in one transaction with its audit entry. A refused
 * request changes nothing.
 */
export class WebhookService {
  constructor(
    private readonly store: WebhookStore,
    private readonly scopes: MerchantScopes,
    private readonly dispatcher: WebhookDispatcher,
    private readonly limits: WebhookLimits,
  ) {}

  private checkUrl(url: string): void {
    const problem = webhookUrlProblem(url, this.limits.WEBHOOK_ALLOW_HTTP_LOCALHOST);
    if (problem) throw AppError.badRequest(`Invalid body.url: ${problem}`, [{ path: 'url', message: problem }]);
  }

  /** The endpoint, after checking `p` may manage its scope (NOT_FOUND for an unknown id, FORBIDDEN for another's). */
  private async owned(p: Principal, endpointId: string): Promise<EndpointRow> {
    const e = await this.store.endpoint(this.store.db, endpointId);
    if (!e) throw AppError.notFound(`Webhook endpoint ${endpointId}`);
    await this.scopes.require(p, { kind: e.scope, id: e.scopeId });
    return e;
  }

  async create(p: Principal, body: CreateWebhookEndpointBody): Promise<WebhookEndpointWithSecret> {
    const scope: MerchantScope = body.shopId ? { kind: 'shop', id: body.shopId } : { kind: 'agency', id: body.agencyId! };
    await this.scopes.require(p, scope);
    this.checkUrl(body.url);
    const max = this.limits.WEBHOOK_ENDPOINTS_PER_OWNER;
    const secret = newSecret();
    const endpoint = await this.store.tx(async (c) => {
      await this.store.lockScope(c, scope.kind, scope.id);
      if ((await this.store.countEndpoints(c, scope.kind, scope.id)) >= max) {
        throw AppError.quotaExceeded(
          'WEBHOOK_ENDPOINTS_PER_OWNER',
          max,
          `A ${scope.kind} has at most ${max} webhook endpoints; delete one you no longer use (DELETE /api/webhooks/endpoints/:endpointId)`,
        );
      }
      const e = await this.store.insertEndpoint(c, {
        id: newId(),
        scope: scope.kind,
        scopeId: scope.id,
        url: body.url,
        events: body.events,
        description: body.description ?? null,
        secret,
        createdBy: p.userId,
      });
      await this.scopes.audit(c, {
        scope,
        actor: p.userId,
        action: 'webhook.endpoint.created',
        target: e.id,
        details: { url: e.url, events: e.events },
      });
      return e;
    });
    return { endpoint: endpointView(endpoint), secret };
  }

  async list(p: Principal, q: ListWebhookEndpointsQuery): Promise<WebhookEndpointList> {
    const scope: MerchantScope = q.shopId ? { kind: 'shop', id: q.shopId } : { kind: 'agency', id: q.agencyId! };
    await this.scopes.require(p, scope);
    return { endpoints: (await this.store.endpointsOf(this.store.db, scope.kind, scope.id)).map(endpointView) };
  }

  async get(p: Principal, endpointId: string): Promise<WebhookEndpoint> {
    return endpointView(await this.owned(p, endpointId));
  }

  async update(p: Principal, endpointId: string, body: UpdateWebhookEndpointBody): Promise<WebhookEndpoint> {
    await this.owned(p, endpointId);
    if (body.url !== undefined) this.checkUrl(body.url);
    const after = await this.store.tx(async (c) => {
      const e = await this.store.endpoint(c, endpointId, true);
      if (!e) throw AppError.notFound(`Webhook endpoint ${endpointId}`);
      const updated = await this.store.updateEndpoint(c, endpointId, {
        url: body.url ?? e.url,
        events: body.events ?? e.events,
        description: body.description === undefined ? e.description : body.description,
        enable: body.enabled === true,
      });
      await this.scopes.audit(c, {
        scope: { kind: e.scope, id: e.scopeId },
        actor: p.userId,
        action: 'webhook.endpoint.updated',
        target: e.id,
        details: {
          changed: Object.keys(body),
          url: updated.url,
          events: updated.events,
          reenabled: body.enabled === true && e.status === 'disabled',
        },
      });
      return updated;
    });
    return endpointView(after);
  }

  async remove(p: Principal, endpointId: string): Promise<{ ok: true }> {
    const e = await this.owned(p, endpointId);
    await this.store.tx(async (c) => {
      await this.store.deleteEndpoint(c, endpointId);
      await this.scopes.audit(c, {
        scope: { kind: e.scope, id: e.scopeId },
        actor: p.userId,
        action: 'webhook.endpoint.deleted',
        target: e.id,
        details: { url: e.url },
      });
    });
    return { ok: true };
  }

  /** A new secret, shown this once; deliveries signed from now on use it (the old one stops verifying at once). */
  async rotateSecret(p: Principal, endpointId: string): Promise<WebhookEndpointWithSecret> {
    const e = await this.owned(p, endpointId);
    const secret = newSecret();
    const updated = await this.store.tx(async (c) => {
      const row = await this.store.setSecret(c, endpointId, secret);
      await this.scopes.audit(c, {
        scope: { kind: e.scope, id: e.scopeId },
        actor: p.userId,
        action: 'webhook.endpoint.secret_rotated',
        target: e.id,
      });
      return row;
    });
    return { endpoint: endpointView(updated), secret };
  }

  async deliveries(p: Principal, endpointId: string, q: ListWebhookDeliveriesQuery): Promise<WebhookDeliveryList> {
    await this.owned(p, endpointId);
    try {
      const page = await this.store.deliveriesOf(endpointId, q.limit, q.cursor);
      return { deliveries: page.rows.map(deliveryView), nextCursor: page.nextCursor };
    } catch (err) {
      if (err instanceof CursorError) throw AppError.badRequest('Invalid query.cursor: pass the nextCursor of a previous page');
      throw err;
    }
  }

  /**
   * Sends a delivery's event again, by hand: a new delivery with the same body (same event id, so receivers can
   * dedupe), queued at once. The endpoint must be active (re-enable it first).
   */
  async redeliver(p: Principal, deliveryId: string): Promise<WebhookDelivery> {
    const original = await this.store.delivery(this.store.db, deliveryId);
    if (!original) throw AppError.notFound(`Webhook delivery ${deliveryId}`);
    const e = await this.owned(p, original.endpointId);
    if (e.status !== 'active')
      throw AppError.conflict('The endpoint is disabled: re-enable it (PATCH with enabled: true) before redelivering');
    const id = newId();
    // A redelivery of a redelivery counts against the first delivery, so the bound holds however they are chained.
    const root = original.redeliveryOf ?? original.id;
    await this.store.tx(async (c) => {
      await this.store.lockDelivery(c, root);
      if ((await this.store.countRedeliveries(c, root)) >= REDELIVERIES_PER_DELIVERY) {
        throw AppError.quotaExceeded(
          'REDELIVERIES_PER_DELIVERY',
          REDELIVERIES_PER_DELIVERY,
          `A delivery is redelivered by hand at most ${REDELIVERIES_PER_DELIVERY} times; fix the endpoint, then redeliver a newer event`,
        );
      }
      await this.store.insertDelivery(c, {
        id,
        endpointId: e.id,
        eventId: original.eventId,
        type: original.type,
        body: original.body,
        redeliveryOf: root,
      });
      await this.scopes.audit(c, {
        scope: { kind: e.scope, id: e.scopeId },
        actor: p.userId,
        action: 'webhook.delivery.redelivered',
        target: original.id,
        details: { delivery: id },
      });
    });
    // If this node dies before queueing, the dispatcher's sweep queues it.
    await this.dispatcher.queueAll([id]);
    return deliveryView((await this.store.delivery(this.store.db, id))!);
  }
}
