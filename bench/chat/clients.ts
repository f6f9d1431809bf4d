/** What the chat benchmark's load processes share: counting chat without parsing it, and stamping send times. */
import { WebSocket } from 'ws';
import { Decoder, Encoder, protocol } from 'socket.io-parser';
import type { ClientSocket } from '../../harness/clients.ts';
import { open as openSocket } from '../lib/sockets.ts';

/** Deliveries counted by the counting parser in this process, and when the last one arrived. */
export const counted = { messages: 0, lastAt: 0 };

const BATCH_PREFIX = '2["chat:batch"';
const MESSAGE_MARK = '"text":"';

/**
 * For socket.io-client connections that must be in the room but do not measure (the senders): counts the messages
 * of each `chat:batch` packet (one `"text":"` per message; JSON escapes every quote inside a text, so the mark cannot
 * occur in one) instead of JSON-parsing it, and hands every other packet to the standard decoder, so the load
 * generator leaves more of the shared cores to the server.
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

/** A socket.io-client connection; with `counting`, chat batches are only counted (see CountingDecoder). */
export function open(url: string, token: string, userId: string, counting: boolean, roomId?: string): Promise<ClientSocket> {
  // `?room=` as the SDK sends it: a proxy routing by room (scripts/docker/nginx.conf) sends the connection to the room's node.
  const query = roomId ? { query: { room: roomId } } : {};
  return openSocket(url, token, userId, counting ? { parser: countingParser, ...query } : query);
}

const WIRE_BATCH_PREFIX = Buffer.from(`4${BATCH_PREFIX}`);
const WIRE_MESSAGE_MARK = Buffer.from(MESSAGE_MARK);

/**
 * The bulk of a big room's viewers, at the wire level: one WebSocket speaking the Engine.IO 4 / Socket.IO 5 protocol
 * that socket.io-client speaks (open, CONNECT with `auth`, `room:join` with an ack, ping/pong), counting the messages
 * of each `chat:batch` frame straight from the received bytes. At 5,000 viewers x 500 messages/s the load generator
 * receives some 500 MB/s on the same two cores as the server; socket.io-client's per-packet decoding alone would
 * take most of them. Probe viewers are real socket.io-client connections and check what arrives.
 */
export function openWire(url: string, token: string, roomId: string): Promise<{ close(): void }> {
  const room = encodeURIComponent(roomId);
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket&room=${room}`, { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      ws.terminate();
      reject(new Error(why));
    };
    const timer = setTimeout(() => fail('wire viewer: no join ack within 60 s'), 60_000);
    let joined = false;
    ws.on('error', (err) => fail(`wire viewer: ${err.message}`));
    ws.on('message', (data: Buffer) => {
      if (data.length === 1 && data[0] === 0x32) return ws.send('3'); // Engine.IO ping -> pong
      if (joined) {
        if (data.subarray(0, WIRE_BATCH_PREFIX.length).equals(WIRE_BATCH_PREFIX)) {
          let n = 0;
          for (let i = data.indexOf(WIRE_MESSAGE_MARK); i !== -1; i = data.indexOf(WIRE_MESSAGE_MARK, i + WIRE_MESSAGE_MARK.length)) n += 1;
          counted.messages += n;
          counted.lastAt = Date.now();
        }
        return;
      }
      const text = data.toString();
      if (text.startsWith('0'))
        ws.send(`40${JSON.stringify({ token })}`); // Engine.IO open -> Socket.IO CONNECT
      else if (text.startsWith('44')) fail(`wire viewer: connect refused ${text}`);
      else if (text.startsWith('40'))
        ws.send(`420${JSON.stringify(['room:join', { roomId }])}`); // connected -> join, ack id 0
      else if (text.startsWith('430')) {
        const [ack] = JSON.parse(text.slice(3)) as [{ ok: boolean }];
        if (!ack.ok) return fail(`wire viewer: join refused ${text.slice(0, 200)}`);
        joined = true;
        clearTimeout(timer);
        resolve({ close: () => ws.close() });
      }
    });
  });
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
