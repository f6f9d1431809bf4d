import fs from 'node:fs';
import type { Express } from 'express';
import { AppError } from '../kernel/errors.ts';
// The one place server/docs imports the wire protocol from: if it moves, only this line changes.
import { clientEventSpecs, ErrorCode, serverEventSpecs } from '@hawker/protocol';
import { renderEventsMarkdown } from './eventsMarkdown.ts';
import { buildOpenApi } from './openapi.ts';
import { collectRoutes } from './routes.ts';

/**
 * The generated API reference (docs/api/): OpenAPI 3.1 for REST, built from the routes mounted on a node and the zod
 * schemas they validate with, and a markdown reference of the Socket.IO events, built from the protocol's event
 * registries. `npm run docs:api` (scripts/gen-api-docs.ts) writes both; test/docs/api-reference.test.ts fails when the
 * checked-in files differ from what the code generates.
 */

/** Where every node serves its OpenAPI document (unauthenticated). */
export const OPENAPI_ROUTE = '/api/docs/openapi.json';
/** The checked-in files, relative to the repository root. */
export const OPENAPI_FILE = 'docs/api/openapi.json';
export const EVENTS_FILE = 'docs/api/events.md';

/**
 * Configuration of the node the checked-in reference is generated from, on top of the test defaults: every optional
 * route mounted (dev tokens; the payment webhook, which exists when a gateway is configured). The gateway address is
 * never called: no payment worker runs and no order is placed.
 */
export const REFERENCE_NODE_ENV: Readonly<Record<string, string>> = {
  DEV_TOKENS: 'true',
  PAYMENT_GATEWAY_URL: 'http://127.0.0.1:9',
  PAYMENT_WORKER: 'false',
};

const VERSION = (JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const errorCodes = Object.values(ErrorCode).map((code) => ({ code, httpStatus: new AppError(code, '').httpStatus }));

/** Both references for a node whose domains are registered (`registerDomains`). Deterministic. */
export function generateApiDocs(app: Express): { openapi: object; eventsMarkdown: string } {
  return { openapi: generateOpenApi(app), eventsMarkdown: generateEventsMarkdown() };
}

/** OpenAPI 3.1 for every route mounted on `app`. */
export function generateOpenApi(app: Express): object {
  return buildOpenApi({ routes: collectRoutes(app), errorCodes, version: VERSION });
}

/** The Socket.IO events reference (markdown); it depends on the protocol only, not on a node. */
export function generateEventsMarkdown(): string {
  return renderEventsMarkdown({ client: clientEventSpecs, server: serverEventSpecs, errorCodes });
}

/** The checked-in form of a JSON document: 2-space indentation and a trailing newline. */
export function jsonFileText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
