import type { z } from 'zod';
import { AppError, answerFor } from '../kernel/errors.ts';
import { clientEventSpecs, ErrorCode, type ClientEventName, type LimitDetails, type WireError } from '@hawker/protocol';
import type { HawkerSocket } from '../kernel/context.ts';
import { DenyCache } from '../kernel/denyCache.ts';
import type { Logger } from '../kernel/log.ts';
import { TokenBucket } from '../kernel/tokenBucket.ts';

/** Told of every RATE_LIMITED answer a connection gets (server/limits/cuts.ts counts them and cuts a connection far past its budget). */
export interface RefusalWatch {
  /** `socket` was answered `error` (RATE_LIMITED); returns true when the connection is cut for it. */
  refused(socket: HawkerSocket, error: WireError): boolean;
}

/**
 * Events whose RATE_LIMITED answer holds for a while whatever the next packet says (the user's like budget for this
 * second is spent; chat's per-user rate; not slow mode, which a moderator may lift at any moment): until its
 * `retryAfterMs` (at most DENY_MAX_MS), the connection's next packets of that event for the same room are refused by
 * guardSocket before parsing or running the handler (no zod, no Redis), with the same answer and the time left.
 */
const DENY_FIRST: ReadonlySet<string> = new Set(['like:tap', 'chat:send']);
/** Longest a refusal is remembered, whatever its retryAfterMs (the remembered answer is never stale for long). */
const DENY_MAX_MS = 2_000;
/** Refusals remembered per connection (events x rooms; ROOMS_PER_SOCKET bounds the rooms a connection is in). */
const DENY_PER_SOCKET = 32;

interface EdgeState {
  deny: DenyCache<WireError>;
  watch: RefusalWatch | undefined;
}
/** guardSocket's per-connection state, for `on()` to record refusals in (dies with the socket). */
const edgeStates = new WeakMap<object, EdgeState>();

function denyKey(event: string, payload: unknown): string {
  const roomId = typeof payload === 'object' && payload !== null ? (payload as { roomId?: unknown }).roomId : undefined;
  return typeof roomId === 'string' ? `${event}\0${roomId.slice(0, 64)}` : event;
}

/** After an answer to `event`: a RATE_LIMITED one is remembered (DENY_FIRST events) and reported to the watch. */
function answered(socket: HawkerSocket, event: string, payload: unknown, error: WireError): void {
  if (error.code !== ErrorCode.RATE_LIMITED) return;
  const state = edgeStates.get(socket);
  if (!state) return;
  const details = error.details as (LimitDetails & { slowMode?: boolean }) | undefined;
  const retryAfterMs = details?.retryAfterMs;
  // Slow mode is not remembered: a moderator may turn it off at any moment, and the next message must then go through.
  if (DENY_FIRST.has(event) && retryAfterMs !== undefined && retryAfterMs > 0 && !details?.slowMode)
    state.deny.deny(denyKey(event, payload), Date.now() + Math.min(retryAfterMs, DENY_MAX_MS), error);
  state.watch?.refused(socket, error);
}

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
    const payload = payloads[0];
    const parsed = schema.safeParse(payload);
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
        (err: unknown) => {
          const error = answerFor(err, log, { event, userId: socket.data.principal?.userId }, 'socket handler').toWire();
          reply?.({ ok: false, error });
          answered(socket, event, payload, error);
        },
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
 * A packet of a DENY_FIRST event the connection was just refused for (same room, within the refusal's retryAfterMs) is
 * refused again here, before parsing. Every RATE_LIMITED answer, here or from a handler, is reported to `watch`.
 */
export function guardSocket(socket: HawkerSocket, opts: { ratePerSec: number; burst: number; watch?: RefusalWatch }): void {
  const budget = new TokenBucket(opts);
  const state: EdgeState = { deny: new DenyCache<WireError>(DENY_PER_SOCKET), watch: opts.watch };
  edgeStates.set(socket, state);
  // Built once per connection: a flooding client gets the same answer every time.
  const overBudget = AppError.rateLimited(Math.ceil(1000 / opts.ratePerSec), 'Too many events from this connection', {
    name: 'SOCKET_EVENTS_PER_SEC',
    max: opts.ratePerSec,
  }).toWire();
  const refuse = (reply: ((r: unknown) => void) | undefined, error: WireError) => {
    reply?.({ ok: false, error });
    state.watch?.refused(socket, error);
  };
  socket.use((packet, next) => {
    const [event] = packet;
    const ack = packet.at(-1);
    const reply = typeof ack === 'function' ? (ack as (r: unknown) => void) : undefined;
    if (budget.take() < 1) return refuse(reply, overBudget);
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
    if (DENY_FIRST.has(event) && state.deny.size > 0) {
      const denied = state.deny.get(denyKey(event, payloads[0]));
      if (denied)
        return refuse(reply, { ...denied.value, details: { ...(denied.value.details as LimitDetails), retryAfterMs: denied.msLeft } });
    }
    next();
  });
}
