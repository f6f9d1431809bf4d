import type { z } from 'zod';
import { AppError, answerFor } from '../kernel/errors.ts';
import { clientEventSpecs, ErrorCode, type ClientEventName } from '@hawker/protocol';
import type { HawkerSocket } from '../kernel/context.ts';
import type { Logger } from '../kernel/log.ts';
import { TokenBucket } from '../kernel/tokenBucket.ts';

type Input<K extends ClientEventName> = z.output<(typeof clientEventSpecs)[K]['input']>;
type Output<K extends ClientEventName> = z.input<(typeof clientEventSpecs)[K]['output']>;

/**
 * Registers the handler for a client event. The payload is parsed with the event's schema from the protocol module
 * before the handler runs (the handler's type comes from that schema); bad payloads, and events sent with no payload or
 * with several, are acknowledged with BAD_REQUEST and change nothing. The handler's return value is acknowledged as `{ ok: true, data }`; a thrown AppError as
 * `{ ok: false, error }`; anything else is logged and acknowledged as INTERNAL. The process never crashes on input.
 */
export function on<K extends ClientEventName>(
  socket: HawkerSocket,
  event: K,
  log: Logger,
  handler: (payload: Input<K>) => Promise<Output<K>> | Output<K>,
): void {
  const schema = clientEventSpecs[event].input;
  const listener = (...args: unknown[]): void => {
    const { payloads, reply } = splitArgs(args);
    // guardSocket refuses these first; checked here too so a handler never sees a payload it was not sent alone.
    if (payloads.length !== 1) {
      reply?.({ ok: false, error: arityError(event, payloads.length).toWire() });
      return;
    }
    const parsed = schema.safeParse(payloads[0]);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      reply?.({
        ok: false,
        error: AppError.badRequest(
          `Invalid ${event} payload${first?.path.length ? ` at ${first.path.join('.')}` : ''}: ${first?.message ?? 'malformed'}`,
          parsed.error.issues.slice(0, 5).map((i) => ({ path: i.path.join('.'), message: i.message })),
        ).toWire(),
      });
      return;
    }
    Promise.resolve()
      .then(() => handler(parsed.data as Input<K>))
      .then(
        (data) => reply?.({ ok: true, data }),
        (err: unknown) =>
          reply?.({ ok: false, error: answerFor(err, log, { event, userId: socket.data.principal?.userId }, 'socket handler').toWire() }),
      );
  };
  (socket as unknown as { on(e: string, l: (...a: unknown[]) => void): void }).on(event, listener);
}

/**
 * A client event's arguments: the payloads, then the ack callback if the client asked for one (Socket.IO always passes
 * it last). Every Hawker event takes exactly one payload.
 */
function splitArgs(args: readonly unknown[]): { payloads: readonly unknown[]; reply: ((r: unknown) => void) | undefined } {
  const last = args.at(-1);
  return typeof last === 'function'
    ? { payloads: args.slice(0, -1), reply: last as (r: unknown) => void }
    : { payloads: args, reply: undefined };
}

/** The answer to an event sent with no payload or with several: without it the client would wait for an ack forever. */
function arityError(event: string, count: number): AppError {
  return AppError.badRequest(
    `${event} takes exactly one payload and an ack callback: emit(${JSON.stringify(event)}, payload, ack); got ${count} argument${count === 1 ? '' : 's'} before the ack`,
    { arguments: count },
  );
}

/**
 * Connection-level guard, installed once per socket before domain handlers: unknown event names are acknowledged
 * with UNKNOWN_EVENT, events sent with no payload or with more than one (before the ack) with BAD_REQUEST (the
 * handler does not run), and a per-socket token bucket bounds how many events one client can make the server process.
 */
export function guardSocket(socket: HawkerSocket, opts: { ratePerSec: number; burst: number }): void {
  const budget = new TokenBucket(opts);
  socket.use((packet, next) => {
    const [event] = packet;
    const ack = packet.at(-1);
    const reply = typeof ack === 'function' ? (ack as (r: unknown) => void) : undefined;
    if (budget.take() < 1) {
      reply?.({
        ok: false,
        error: AppError.rateLimited(Math.ceil(1000 / opts.ratePerSec), 'Too many events from this connection').toWire(),
      });
      return;
    }
    if (typeof event !== 'string' || !Object.hasOwn(clientEventSpecs, event)) {
      reply?.({
        ok: false,
        error: {
          code: ErrorCode.UNKNOWN_EVENT,
          message: `Unknown event ${JSON.stringify(String(event)).slice(0, 80)}; see the protocol module`,
        },
      });
      return;
    }
    const { payloads } = splitArgs(packet.slice(1));
    if (payloads.length !== 1) {
      reply?.({ ok: false, error: arityError(event, payloads.length).toWire() });
      return;
    }
    next();
  });
}
