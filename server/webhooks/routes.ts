import { Router } from 'express';
import {
  CreateWebhookEndpointBody,
  ListWebhookDeliveriesQuery,
  ListWebhookEndpointsQuery,
  UpdateWebhookEndpointBody,
  WebhookDeliveryParams,
  WebhookEndpointParams,
} from '@hawker/protocol';
import type { Auth } from '../auth/index.ts';
import type { WebhookService } from './service.ts';

/** REST for merchants' webhook endpoints and their deliveries (docs/commerce.md, "Exports and webhooks"). */
export function webhookRoutes(webhooks: WebhookService, { rest }: Auth): Router {
  const r = Router();
  r.post(
    '/api/webhooks/endpoints',
    rest({ body: CreateWebhookEndpointBody, status: 201 }, ({ body, principal }) => webhooks.create(principal, body)),
  );
  r.get(
    '/api/webhooks/endpoints',
    rest({ query: ListWebhookEndpointsQuery }, ({ query, principal }) => webhooks.list(principal, query)),
  );
  r.get(
    '/api/webhooks/endpoints/:endpointId',
    rest({ params: WebhookEndpointParams }, ({ params, principal }) => webhooks.get(principal, params.endpointId)),
  );
  r.patch(
    '/api/webhooks/endpoints/:endpointId',
    rest({ params: WebhookEndpointParams, body: UpdateWebhookEndpointBody }, ({ params, body, principal }) =>
      webhooks.update(principal, params.endpointId, body),
    ),
  );
  r.delete(
    '/api/webhooks/endpoints/:endpointId',
    rest({ params: WebhookEndpointParams }, ({ params, principal }) => webhooks.remove(principal, params.endpointId)),
  );
  r.post(
    '/api/webhooks/endpoints/:endpointId/rotate-secret',
    rest({ params: WebhookEndpointParams }, ({ params, principal }) => webhooks.rotateSecret(principal, params.endpointId)),
  );
  r.get(
    '/api/webhooks/endpoints/:endpointId/deliveries',
    rest({ params: WebhookEndpointParams, query: ListWebhookDeliveriesQuery }, ({ params, query, principal }) =>
      webhooks.deliveries(principal, params.endpointId, query),
    ),
  );
  r.post(
    '/api/webhooks/deliveries/:deliveryId/redeliver',
    rest({ params: WebhookDeliveryParams, status: 202 }, ({ params, principal }) => webhooks.redeliver(principal, params.deliveryId)),
  );
  return r;
}
