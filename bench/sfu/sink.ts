/**
 * P4 load process: the receiving side of the SFU benchmark. One UDP socket receives the RTP of every consumer (each
 * consumer sends from its own source port, so packets are counted per source). Started a second time, the same file
 * is the naive baseline SFU: it re-sends each packet it gets from ffmpeg to N destinations from Node.
 */
import dgram from 'node:dgram';
import { serveLoad } from '../lib/procs.ts';

interface Counts {
  packets: number;
  bytes: number;
  firstAt: number;
}

serveLoad<Record<string, never>>(() => {
  const counts = new Map<number, Counts>();
  const sink = dgram.createSocket({ type: 'udp4', recvBufferSize: 64 * 1024 * 1024 });
  sink.on('message', (msg, rinfo) => {
    const pt = msg[1] ?? 0;
    if (pt >= 200 && pt <= 206) return; // RTCP (sender reports): count media packets only
    let c = counts.get(rinfo.port);
    if (!c) counts.set(rinfo.port, (c = { packets: 0, bytes: 0, firstAt: Date.now() }));
    c.packets++;
    c.bytes += msg.length;
  });
  let relay: dgram.Socket | undefined;
  let relayOut: dgram.Socket[] = [];
  let relayTargets = 0;
  let relayIn = 0;
  return {
    async bindSink() {
      await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
      return { port: sink.address().port };
    },
    /** Per-source totals so far (source port -> packets, bytes, first packet time). */
    counts() {
      return Object.fromEntries([...counts].map(([port, c]) => [port, c]));
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
}, 900);
