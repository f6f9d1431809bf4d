/**
 * P4 load process: the receiving side of the SFU benchmark. One UDP socket receives the RTP of every consumer (each
 * consumer sends from its own source port, so packets are counted per source). Started a second time, the same file
 * is the naive baseline SFU: it re-sends each packet it gets from ffmpeg to N destinations from Node.
 *
 * Nothing is decrypted: SRTP (RFC 3711) encrypts only the RTP payload and appends an authentication tag, and SRTCP
 * leaves the first 8 bytes (header and sender SSRC) in clear, so the payload type byte tells media from RTCP whether
 * the consumer sends RTP or SRTP.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import { serveLoad } from '../lib/procs.ts';

/**
 * Datagrams the kernel dropped at the UDP socket bound to `port` because its receive buffer was full
 * (/proc/net/udp, last column): loss that is this receiver's, not the sender's.
 */
function socketDrops(port: number): number {
  const local = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of fs.readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1]?.endsWith(local)) return Number(fields[12] ?? 0);
  }
  return 0;
}

interface Counts {
  packets: number;
  bytes: number;
  firstAt: number;
  /**
   * Extended (wrap-counted) RTP sequence numbers of the first and the highest media packet so far: what a source sent
   * in a window is the highest's progress, whatever was still in flight at its edges (a bursty stream on a loaded box
   * would otherwise pass for loss).
   */
  firstSeq: number;
  highestSeq: number;
}

serveLoad<Record<string, never>>(() => {
  const counts = new Map<number, Counts>();
  const sink = dgram.createSocket({ type: 'udp4', recvBufferSize: 64 * 1024 * 1024 });
  let mediaPt = -1;
  sink.on('message', (msg, rinfo) => {
    // Media packets only: not RTCP (200-206 in the whole second byte), nor mediasoup's bandwidth probes (their own
    // SSRC and payload type 127, sent before the first keyframe, so they would fake an instant first packet).
    if (((msg[1] ?? 0) & 0x7f) !== mediaPt) return;
    const seq = msg.readUInt16BE(2);
    let c = counts.get(rinfo.port);
    if (!c) counts.set(rinfo.port, (c = { packets: 0, bytes: 0, firstAt: Date.now(), firstSeq: seq, highestSeq: seq }));
    // Signed 16-bit distance from the highest so far (RFC 3550 A.1): wraps move it on, late packets do not.
    const ahead = ((seq - (c.highestSeq & 0xffff)) << 16) >> 16;
    if (ahead > 0) c.highestSeq += ahead;
    c.packets++;
    c.bytes += msg.length;
  });
  let relay: dgram.Socket | undefined;
  let relayOut: dgram.Socket[] = [];
  let relayTargets = 0;
  let relayIn = 0;
  return {
    /** Binds the receiving socket; only RTP of payload type `pt` (the consumers' VP8) is counted. */
    async bindSink({ pt }: { pt: number }) {
      mediaPt = pt;
      await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
      return { port: sink.address().port };
    },
    /** Forgets every source: the next ramp's transports may get ports an earlier one used. */
    reset() {
      counts.clear();
    },
    /**
     * Per-source totals so far (source port -> media packets, bytes, first media packet time, sequence numbers), and
     * what the kernel dropped at this socket for want of buffer (any source, RTCP included).
     */
    counts() {
      return { sources: Object.fromEntries(counts), receiverDrops: socketDrops(sink.address().port) };
    },
    /** Starts the naive relay: one input port; each packet goes out once per target, each target from its own socket. */
    async startRelay({ sinkPort }: { sinkPort: number }) {
      relay = dgram.createSocket({ type: 'udp4', recvBufferSize: 16 * 1024 * 1024 });
      relay.on('message', (msg) => {
        relayIn++;
        for (let i = 0; i < relayTargets; i++) relayOut[i]!.send(msg, sinkPort, '127.0.0.1');
      });
      await new Promise<void>((r) => relay!.bind(0, '127.0.0.1', r));
      return { port: relay.address().port };
    },
    /** Grows the relay's fan-out to `n` targets (new sockets, so the sink sees distinct sources). */
    async relayTo({ n }: { n: number }) {
      while (relayOut.length < n) {
        const s = dgram.createSocket('udp4');
        await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
        relayOut.push(s);
      }
      relayTargets = n;
      return { ports: relayOut.slice(0, n).map((s) => s.address().port) };
    },
    relayStats() {
      return { packetsIn: relayIn };
    },
    exit() {
      relay?.close();
      for (const s of relayOut) s.close();
      relayOut = [];
      sink.close();
    },
  };
}, 1_800);
