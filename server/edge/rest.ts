import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import type { RawBodyRequest } from '../kernel/context.ts';
import { AppError, answerFor } from '../kernel/errors.ts';
import type { Principal } from '@hawker/protocol';
import type { Logger } from '../kernel/log.ts';

/** What a REST handler receives: parsed inputs, typed by the schemas given to `rest()`. */
export interface RestInput<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  /** Set when `auth` is not false (the request is then rejected without a valid token). */
  principal: Principal;
  req: Request;
  res: Response;
}

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** Resolves the caller of a request; provided by the auth module. */
export type Authenticate = (req: Request) => Promise<Principal>;

/**
 * Builds an express handler that parses body/query/params with zod before the handler runs (bad input: 400 with a
 * typed error, nothing changed), authenticates unless `auth: false`, and sends the handler's result as JSON
 * (`status`, default 200). Thrown AppErrors become their HTTP status; anything else is logged and becomes 500.
 */
export function restFactory(authenticate: Authenticate, log: Logger) {
  return function rest<
    B extends Schema | undefined = undefined,
    Q extends Schema | undefined = undefined,
    P extends Schema | undefined = undefined,
  >(
    spec: { body?: B; query?: Q; params?: P; auth?: boolean; status?: number },
    handler: (input: RestInput<Out<B>, Out<Q>, Out<P>>) => Promise<unknown>,
  ): RequestHandler {
    const handle: RequestHandler = (req, res, next) => {
      void (async () => {
        const principal = spec.auth === false ? (undefined as unknown as Principal) : await authenticate(req);
        const body = parse(spec.body, req.body ?? {}, 'body');
        const query = parse(spec.query, req.query, 'query');
        const params = parse(spec.params, req.params, 'path');
        const result = await handler({ body, query, params, principal, req, res } as RestInput<Out<B>, Out<Q>, Out<P>>);
        if (!res.headersSent) res.status(spec.status ?? 200).json(result ?? { ok: true });
      })().catch((err: unknown) => sendError(res, err, log, next));
    };
    const declared: RestSpec = {
      params: spec.params,
      query: spec.query,
      body: spec.body,
      auth: spec.auth !== false,
      status: spec.status ?? 200,
    };
    Object.defineProperty(handle, REST_SPEC, { value: Object.freeze(declared), enumerable: false });
    return handle;
  };
}

/** What a `rest()` handler declared, kept on it for the generated API reference (server/docs). */
export interface RestSpec {
  readonly params: Schema | undefined;
  readonly query: Schema | undefined;
  readonly body: Schema | undefined;
  /** False for `auth: false` routes; otherwise requests need `Authorization: Bearer <token>`. */
  readonly auth: boolean;
  /** Status of a successful response. */
  readonly status: number;
}

const REST_SPEC = Symbol.for('hawker.rest.spec');

/** The spec a handler built by `rest()` carries (a non-enumerable symbol property); undefined for any other handler. */
export function restSpecOf(handler: unknown): RestSpec | undefined {
  return typeof handler === 'function' ? (handler as { [REST_SPEC]?: RestSpec })[REST_SPEC] : undefined;
}

function parse<S extends Schema | undefined>(schema: S, value: unknown, where: string): Out<S> {
  if (!schema) return undefined as Out<S>;
  const r = schema.safeParse(value);
  if (!r.success) {
    const first = r.error.issues[0];
    const at = first?.path.length ? `${where}.${first.path.join('.')}` : where;
    throw AppError.badRequest(
      `Invalid ${at}: ${first?.message ?? 'malformed'}`,
      r.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  return r.data as Out<S>;
}

/** Sends an error response in the wire shape; unexpected errors are logged (see answerFor). */
export function sendError(res: Response, err: unknown, log: Logger, next?: NextFunction): void {
  if (res.headersSent) {
    next?.(err);
    return;
  }
  const appErr = answerFor(err, log, {}, 'REST handler');
  res.status(appErr.httpStatus).json({ error: appErr.toWire() });
}

/**
 * How every REST body is read, mounted once before any route: a body must be JSON (`Content-Type: application/json`)
 * of at most `maxBytes` (REST_BODY_MAX_BYTES). A body of another type is refused with 415 before it is read, rather
 * than ignored (a handler would otherwise see no body at all); an oversized one is refused by the JSON parser (413,
 * restErrorHandlers) after at most `maxBytes` are read. Both answers close the connection, so the rest of a large
 * upload is not drained. The raw bytes are kept on the request (`RawBodyRequest.rawBody`): webhook signatures are
 * computed over them. `rawPaths`: POST routes that read their own body (server/uploads), skipped here.
 */
export function restBody(maxBytes: number, rawPaths: readonly string[] = []): RequestHandler[] {
  const requireJson: RequestHandler = (req, res, next) => {
    if (isRaw(req)) return next();
    // type-is's rule: a request has a body when it says Transfer-Encoding or a non-zero Content-Length.
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
    if (!hasBody || req.is('application/json')) return next();
    res.set('Connection', 'close');
    res.status(415).json({
      error: AppError.badRequest(
        `Request bodies must be JSON: send Content-Type: application/json (this one is ${JSON.stringify(String(req.headers['content-type'] ?? 'untyped')).slice(0, 80)})`,
      ).toWire(),
    });
  };
  // Routes that read their own body (an image upload's raw bytes, bounded by its own limit) pass untouched.
  const isRaw = (req: Request) => req.method === 'POST' && rawPaths.includes(req.path);
  const json = express.json({ limit: maxBytes, verify: (req, _res, buf) => void ((req as RawBodyRequest).rawBody = buf) });
  return [requireJson, (req, res, next) => (isRaw(req) ? next() : json(req, res, next))];
}

/** Final express middleware: malformed JSON bodies, oversized bodies and unknown routes get typed errors too. */
export function restErrorHandlers(log: Logger): [RequestHandler, (err: unknown, req: Request, res: Response, next: NextFunction) => void] {
  return [
    (_req, res) => res.status(404).json({ error: { code: 'NOT_FOUND', message: 'No such endpoint; see docs/api.md' } }),
    (err, _req, res, next) => {
      const e = err as { type?: string; status?: number; message?: string; limit?: unknown };
      if (e.type === 'entity.parse.failed') return sendError(res, AppError.badRequest('Body is not valid JSON'), log, next);
      if (e.type === 'entity.too.large' && !res.headersSent) {
        // body-parser's error carries the limit restBody gave it (REST_BODY_MAX_BYTES).
        const max = typeof e.limit === 'number' ? e.limit : undefined;
        res.set('Connection', 'close');
        res.status(413).json({
          error: AppError.badRequest(`Body too large: REST bodies are at most ${max ?? '?'} bytes (REST_BODY_MAX_BYTES); send less`, {
            limit: 'REST_BODY_MAX_BYTES',
            ...(max !== undefined ? { max } : {}),
          }).toWire(),
        });
        return;
      }
      if (e.status && e.status >= 400 && e.status < 500) return sendError(res, AppError.badRequest(e.message ?? 'Bad request'), log, next);
      sendError(res, err, log, next);
    },
  ];
}
