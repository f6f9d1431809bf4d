import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { expect, it } from 'vitest';
import { createLogger } from '../../server/kernel/log.ts';
import { WorkerPool } from '../../media/workerPool.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

const inboundBytes = async (p: { getStats(): Promise<{ type: string; byteCount?: number }[]> }) =>
  (await p.getStats()).find((s) => s.type === 'inbound-rtp')?.byteCount ?? 0;

it('real VP8 RTP from ffmpeg flows through a router: producer and consumer counters rise, a UDP sink receives it', async () => {
  const pool = t.add(
    await WorkerPool.start({
      numWorkers: 1,
      logLevel: 'warn',
      listenIp: '127.0.0.1',
      portBase: 0,
      respawn: false,
      log: createLogger('silent'),
    }),
  );
  const { router } = await pool.createRouter();
  // rtcpMux false: ffmpeg sends RTCP from a second port; comedia learns the sender's address from the first packet.
  const input = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: true });
  const ssrc = 11223344;
  const producer = await input.produce({
    kind: 'video',
    rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }], encodings: [{ ssrc }] },
  });

  const sink = t.add(dgram.createSocket('udp4'));
  let sinkBytes = 0;
  sink.on('message', (m) => (sinkBytes += m.length));
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
  const output = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: false });
  await output.connect({ ip: '127.0.0.1', port: sink.address().port });
  const consumer = await output.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities });

  t.add(
    spawn(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-re',
        '-f',
        'lavfi',
        '-i',
        'testsrc=size=320x240:rate=30',
        '-t',
        '20',
        '-c:v',
        'libvpx',
        '-deadline',
        'realtime',
        '-cpu-used',
        '8',
        '-b:v',
        '400k',
        '-g',
        '30',
        '-ssrc',
        String(ssrc),
        '-payload_type',
        '101',
        '-f',
        'rtp',
        `rtp://127.0.0.1:${input.tuple.localPort}?rtcpport=${input.rtcpTuple!.localPort}&pkt_size=1200`,
      ],
      { stdio: 'ignore' },
    ),
    (ffmpeg) => ffmpeg.kill('SIGKILL'),
  );

  const first = await waitFor('producer bytes', () => inboundBytes(producer), 15_000);
  const risen = await waitFor(
    'producer bytes to rise',
    async () => ((await inboundBytes(producer)) > first ? inboundBytes(producer) : 0),
    15_000,
  );
  expect(risen).toBeGreaterThan(first);
  const out = await waitFor(
    'consumer bytes',
    async () => (await consumer.getStats()).find((s) => s.type === 'outbound-rtp')?.byteCount,
    15_000,
  );
  expect(out).toBeGreaterThan(0);
  await waitFor('UDP sink to receive RTP', () => sinkBytes > 10_000, 15_000);
});
