/** Seeded random client packets for fuzz tests and the malformed-input fault drill (replay a failure with its seed). */
import { clientEventSpecs } from '@hawker/protocol';

/** Small seeded PRNG (mulberry32), so a failing run can be replayed with its seed. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}

const KNOWN = Object.keys(clientEventSpecs);
const WEIRD_NAMES = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'room:join ',
  'ROOM:JOIN',
  'chat:send\u0000',
  'x'.repeat(5000),
  '',
  'mod:*',
  '💥',
];
const FIELD_NAMES = [
  'saleId',
  'productId',
  'skuId',
  'quantity',
  'idempotencyKey',
  'orderId',
  'roomId',
  'text',
  'count',
  'messageId',
  'userId',
  'durationS',
  'seconds',
  'agencyId',
  'add',
  'remove',
  'reason',
  'word',
  'mode',
  '__proto__',
  'constructor',
  'extra',
];

/**
 * Random and almost-valid client packets for one room (every event of the protocol registry, weird event names, deep
 * nesting, oversized strings). `known` gives valid values for more fields (a sale id, an order id...) so that
 * almost-valid payloads of those events get past their first check too.
 */
export function generator(seed: number, roomId: string, known: Record<string, unknown> = {}) {
  const r = rng(seed);
  const str = (): string => {
    switch (r.int(8)) {
      case 0:
        return '';
      case 1:
        return roomId;
      case 2:
        return String.fromCharCode(...Array.from({ length: r.int(40) }, () => r.int(0x10000))).replace(/[\ud800-\udfff]/g, '?');
      case 3:
        return 'x'.repeat(r.pick([199, 200, 201, 1000, 3000])); // frames stay under the 64 KB cap (tested apart)
      case 4:
        return '\u0000\u0007\u001b[31m\u202e' + 'abc';
      case 5:
        return `${r.int(1e15)}-${r.int(1e6)}`;
      case 6:
        return r.pick(['block', 'shadow', 'ag1', 'viewer', 'admin', '../etc', '*', '{}', 'null']);
      default:
        return Math.random().toString(36);
    }
  };
  const value = (depth: number): unknown => {
    switch (r.int(depth > 4 ? 6 : 9)) {
      case 0:
        return null;
      case 1:
        return r.pick([0, -1, 1, 1.5, 49, 50, 51, 1e21, -0, Number.MAX_SAFE_INTEGER, 600, 601, 9]);
      case 2:
        return str();
      case 3:
        return r.next() < 0.5;
      case 4:
        return undefined;
      case 5:
        return str();
      case 6:
        return Array.from({ length: r.int(6) }, () => value(depth + 1));
      case 7:
        return r.int(10) === 0 ? nested(30) : object(depth + 1);
      default:
        return object(depth + 1);
    }
  };
  const object = (depth: number): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    for (let i = r.int(5); i > 0; i--) o[r.pick(FIELD_NAMES)] = value(depth);
    return o;
  };
  const nested = (n: number): unknown => (n === 0 ? { roomId } : { roomId: nested(n - 1) });
  /** A valid payload for a known event with one field broken, or left valid now and then. */
  const almostValid = (event: string): Record<string, unknown> => {
    const base: Record<string, unknown> = {
      roomId,
      text: 'hi',
      count: 1,
      messageId: '1-0',
      userId: 'someone',
      durationS: 60,
      seconds: 5,
      agencyId: 'ag1',
      add: [{ word: 'w', mode: 'block' }],
      remove: [],
      quantity: 1,
      idempotencyKey: `fuzz-${r.int(1e9)}`,
      ...known,
    };
    const spec = clientEventSpecs[event as keyof typeof clientEventSpecs];
    const shape = (spec.input as unknown as { shape?: Record<string, unknown> }).shape ?? {};
    const p: Record<string, unknown> = {};
    for (const k of Object.keys(shape)) if (k in base) p[k] = base[k];
    if (r.next() < 0.8) p[r.pick([...Object.keys(p), 'extra'])] = value(1);
    else if (r.next() < 0.3) p[r.pick(Object.keys(p).concat('text'))] = 'x'.repeat(r.pick([201, 20_000, 60_000])); // oversized, one frame
    return p;
  };
  return {
    packet(): { event: string; payload: unknown; withAck: boolean } {
      const roll = r.next();
      const event = roll < 0.75 ? r.pick(KNOWN) : roll < 0.9 ? r.pick(WEIRD_NAMES) : str();
      const payload = KNOWN.includes(event) && r.next() < 0.5 ? almostValid(event) : value(0);
      // Without an ack the test cannot know whether a chat or like was accepted, so those two always ask for one.
      return { event, payload, withAck: r.next() < 0.9 || event === 'chat:send' || event === 'like:tap' };
    },
  };
}
