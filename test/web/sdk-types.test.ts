import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, expectTypeOf, it } from 'vitest';
import {
  HawkerError,
  type AgencyConsole,
  type ChatMessage,
  type HawkerErrorCode,
  type LiveRoom,
  type LiveRoomEvents,
  type OrderStatus,
  type PlaceOrderResult,
  type PlayerState,
  type RequestResult,
  type Room,
  type RoomSnapshot,
} from '../../client-sdk/src/index.ts';

/**
 * Compile-time contract of the SDK. The assertions live in `typeContract`, which is never called: tsc checks them
 * (unused `@ts-expect-error` lines are errors too, so loosening a type to `any` fails), and the test below runs tsc on
 * this file alone so a plain `vitest run` catches a regression as well.
 */
// biome-ignore lint/suspicious/noExportsInTest: exported so tsc checks it as a module API without anything calling it
export function typeContract(room: LiveRoom, agency: AgencyConsole, video: HTMLVideoElement): void {
  room.on('room:ended', (p) => expectTypeOf(p).toEqualTypeOf<{ roomId: string; reason: string }>());
  room.on('room:updated', (p) => expectTypeOf(p.room).toEqualTypeOf<Room>());
  room.on('resync', (p) => expectTypeOf(p).toEqualTypeOf<RoomSnapshot>());
  room.on('closed', (p) =>
    expectTypeOf(p.code).toEqualTypeOf<'ROOM_ENDED' | 'KICKED' | 'CLOSED_BY_CLIENT' | 'REJOIN_FAILED' | 'REVOKED' | 'RATE_LIMITED'>(),
  );
  expectTypeOf<LiveRoomEvents['disconnected']>().toEqualTypeOf<{ reason: string }>();
  // @ts-expect-error not an event of the protocol
  room.on('room:explode', () => {});

  expectTypeOf(room.request('room:join', { roomId: 'r1' })).resolves.toEqualTypeOf<RoomSnapshot>();
  expectTypeOf<RequestResult<'room:leave'>>().toEqualTypeOf<{ roomId: string }>();
  // @ts-expect-error room:join needs a roomId
  void room.request('room:join', {});
  // @ts-expect-error not a client event
  void room.request('room:explode', {});

  expectTypeOf(room.goLive()).resolves.toEqualTypeOf<Room>();

  // Feature pushes and actions carry their schemas' types.
  room.on('chat:batch', (p) => expectTypeOf(p.messages).toEqualTypeOf<ChatMessage[]>());
  room.on('order:updated', (p) => expectTypeOf(p.status).toEqualTypeOf<OrderStatus>());
  room.on('sale:started', (p) => expectTypeOf(p.endsAt).toEqualTypeOf<number>());
  expectTypeOf(room.chat('hi')).resolves.toEqualTypeOf<ChatMessage>();
  expectTypeOf(room.buy({ saleId: 's1', quantity: 1 })).resolves.toEqualTypeOf<PlaceOrderResult>();
  // @ts-expect-error an order names a sale, or a product and its SKU
  void room.buy({ productId: 'p1' });
  // @ts-expect-error chat takes text
  void room.chat(42);
  void room.watch(video).then((player) => player.on('state', (s) => expectTypeOf(s).toEqualTypeOf<PlayerState>()));
  expectTypeOf(room.moderation.mute).parameter(1).toEqualTypeOf<number>();

  agency.on('console:roomLive', (p) => expectTypeOf(p.snapshot).toEqualTypeOf<RoomSnapshot>());
  agency.on('console:roomEnded', (p) => expectTypeOf(p.roomId).toEqualTypeOf<string>());
  // @ts-expect-error moderation needs the room
  void agency.moderation().deleteMessage('1-0');

  const err = new HawkerError('RATE_LIMITED', 'slow down', { retryAfterMs: 50 });
  expectTypeOf(err.code).toEqualTypeOf<HawkerErrorCode>();
  expectTypeOf(err.retryAfterMs).toEqualTypeOf<number | undefined>();
  // @ts-expect-error not an error code
  void new HawkerError('OOPS', 'no such code');
}

it('the SDK types its events, requests and errors (tsc on this file)', async () => {
  const here = fileURLToPath(import.meta.url);
  const tsc = path.resolve('node_modules/typescript/bin/tsc');
  const flags = [
    '--noEmit',
    '--strict',
    '--noUncheckedIndexedAccess',
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--target',
    'es2022',
  ];
  const libs = ['--lib', 'es2022,dom', '--types', 'node', '--allowImportingTsExtensions', '--skipLibCheck', '--verbatimModuleSyntax'];
  const result = await promisify(execFile)(process.execPath, [tsc, ...flags, ...libs, here]).then(
    () => 'ok',
    (e: { stdout: string }) => e.stdout,
  );
  expect(result).toBe('ok');
  // And at run time the error carries what the server sent.
  expect(new HawkerError('RATE_LIMITED', 'slow down', { retryAfterMs: 50 }).retryAfterMs).toBe(50);
});
