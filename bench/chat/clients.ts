/**
 * What the chat benchmark's load processes share: signing tokens locally (thousands of connections would otherwise
 * queue on the dev-token route) and a socket.io-client parser for viewers that only count chat.
 */
import { io as ioClient } from 'socket.io-client';
import { Decoder, Encoder, protocol } from 'socket.io-parser';
import { TokenService } from '../../server/auth/tokens.ts';
import type { ClientSocket } from '../../test/helpers/clients.ts';

/** Deliveries counted by the counting parser in this process, and when the last one arrived. */
export const counted = { messages: 0, lastAt: 0 };

const BATCH_PREFIX = '2["chat:batch"';
const MESSAGE_MARK = '"text":"';

/**
 * Most viewers of a big room only need to know that their chat arrived: this decoder counts the messages of each
 * `chat:batch` packet (one `"text":"` per message; JSON escapes every quote inside a text, so the mark cannot occur
 * in one) instead of JSON-parsing the packet, and hands every other packet to the standard decoder. The server
 * sends these viewers exactly the bytes it sends everyone; the load generator just spends less CPU reading them,
 * which leaves more of the shared cores to the server. Probe viewers use the standard parser and check content.
 */
class CountingDecoder extends Decoder {
  override add(obj: unknown): void {
    if (typeof obj === 'string' && obj.startsWith(BATCH_PREFIX)) {
      let n = 0;
      for (let i = obj.indexOf(MESSAGE_MARK); i !== -1; i = obj.indexOf(MESSAGE_MARK, i + MESSAGE_MARK.length)) n += 1;
      counted.messages += n;
      counted.lastAt = Date.now();
      return;
    }
    super.add(obj);
  }
}

const countingParser = { protocol, Encoder, Decoder: CountingDecoder };

/** Connects (websocket only, no reconnection) with the standard parser, or the counting one. */
export function open(url: string, token: string, userId: string, counting: boolean): Promise<ClientSocket> {
  const socket: ClientSocket = ioClient(url, {
    auth: { token, userId }, // userId: only the baseline server reads it (it checks no tokens)
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: 60_000,
    ...(counting ? { parser: countingParser } : {}),
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.disconnect();
      reject(err);
    });
  });
}

/** Signs viewer tokens with the node's HS256 secret. */
export function signer(secret: string): (userId: string) => Promise<string> {
  const tokens = new TokenService({ kind: 'secret', secret });
  return async (userId) => (await tokens.sign({ userId, name: userId, role: 'viewer' })).token;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

/** A chat text that carries its send time: `m <epoch ms> <seq> ` padded to a typical 40 characters. */
export function stampedText(seq: number): string {
  return `m ${Date.now()} ${seq} `.padEnd(40, 'x');
}

/** The send time stamped in a text by `stampedText`, or undefined. */
export function sentAt(text: string): number | undefined {
  const m = /^m (\d+) /.exec(text);
  return m ? Number(m[1]) : undefined;
}
