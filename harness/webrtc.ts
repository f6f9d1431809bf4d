/**
 * A Node WebRTC client for media tests: msc-node (mediasoup-client's API over werift: real ICE, DTLS and SRTP) driven
 * through Hawker's media:* signaling exactly as a browser SDK would drive mediasoup-client. Publishing feeds real VP8
 * RTP from ffmpeg (testsrc, libvpx) into a werift track; receiving counts packets, bytes and VP8 keyframes.
 * Everything binds to 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { Device, isRtcp, MediaStreamTrack, RTCRtpCodecParameters, RtcpPacketConverter, RtpPacket, type types as msc } from 'msc-node';
import type { ConsumerParams, TransportParams } from '@hawker/protocol';
import { call, ok, type ClientSocket } from './clients.ts';
import { waitFor } from './node.ts';
import type { Teardown } from './teardown.ts';

/** The VP8 payload type ffmpeg stamps on its packets; werift rewrites it to the negotiated one when sending. */
const FFMPEG_VP8_PT = 101;
/** The same for H.264 (publishH264). */
const FFMPEG_H264_PT = 102;

/** What {@link spawnVp8} encodes and how it sends it. */
export interface Vp8Source {
  /** testsrc picture size (default 320x240; 30 frames/s). */
  size?: string;
  /** libvpx target bitrate, ffmpeg syntax (default 300k). */
  bitrate?: string;
  /** Frames between keyframes (default 30: one a second). */
  gop?: number;
  /** ffmpeg stops by itself after this long (default 300 s). */
  seconds?: number;
  ssrc?: number;
  payloadType?: number;
  /** RTCP sender reports go here (default: RTP port + 1). */
  rtcpPort?: number;
  /** Largest RTP packet (default 1100 bytes, leaving room for SRTP and header extensions). */
  pktSize?: number;
}

/**
 * ffmpeg encoding testsrc with libvpx (realtime) as RTP to 127.0.0.1:`port`. The caller kills it; it also stops by
 * itself after `seconds`, so a crashed run cannot leave it running for long.
 */
export function spawnVp8(port: number, source: Vp8Source = {}): ChildProcess {
  const { size = '320x240', bitrate = '300k', gop = 30, seconds = 300, payloadType = FFMPEG_VP8_PT, pktSize = 1100 } = source;
  const query = [...(source.rtcpPort ? [`rtcpport=${source.rtcpPort}`] : []), `pkt_size=${pktSize}`].join('&');
  return spawn(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-re',
      '-f',
      'lavfi',
      '-i',
      `testsrc=size=${size}:rate=30`,
      '-t',
      String(seconds),
      '-c:v',
      'libvpx',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-b:v',
      bitrate,
      '-g',
      String(gop),
      ...(source.ssrc !== undefined ? ['-ssrc', String(source.ssrc)] : []),
      '-payload_type',
      String(payloadType),
      '-f',
      'rtp',
      `rtp://127.0.0.1:${port}?${query}`,
    ],
    { stdio: 'ignore' },
  );
}

/** A track this client receives, with live counters. */
export interface Reception {
  consumerId: string;
  producerId: string;
  consumer: msc.Consumer;
  /** mediasoup's consumer type: 'simple', or 'simulcast' for a layered producer. */
  type: ConsumerParams['type'];
  readonly counters: { packets: number; bytes: number; keyframes: number };
  /** Resolution of the last VP8 keyframe received (simulcast: tells which layer this viewer gets). */
  lastKeyframe?: { width: number; height: number };
}

/** A VP8 track this client publishes from ffmpeg. */
export interface Publication {
  producerId: string;
  producer: msc.Producer;
  /**
   * RTP packets handed to werift so far; for VP8 also when the first one went (wall ms) and how much media time they
   * span (from their RTP timestamps, 90 kHz): what the creator really sent, which lags the wall clock when ffmpeg is
   * starved of CPU (it starts late, and `-re` cannot catch up).
   */
  readonly sent: { packets: number; firstAt?: number; mediaMs?: number };
  stop(): void;
}

/**
 * The frame size if an RTP payload starts a VP8 keyframe, else undefined. RFC 7741 payload descriptor (S bit,
 * partition 0, optional extensions), then RFC 6386's frame tag with P = 0 (keyframe), start code 9d 01 2a and the
 * 14-bit width and height.
 */
export function vp8KeyframeSize(payload: Uint8Array): { width: number; height: number } | undefined {
  const b0 = payload[0] ?? 0;
  if ((b0 & 0x10) === 0 || (b0 & 0x0f) !== 0) return undefined;
  let i = 1;
  if (b0 & 0x80) {
    const ext = payload[i++] ?? 0;
    if (ext & 0x80) i += (payload[i] ?? 0) & 0x80 ? 2 : 1; // PictureID, 7 or 15 bits
    if (ext & 0x40) i += 1; // TL0PICIDX
    if (ext & 0x30) i += 1; // TID / KEYIDX
  }
  if (payload.length < i + 10 || (payload[i]! & 0x01) !== 0) return undefined;
  if (payload[i + 3] !== 0x9d || payload[i + 4] !== 0x01 || payload[i + 5] !== 0x2a) return undefined;
  return { width: (payload[i + 6]! | (payload[i + 7]! << 8)) & 0x3fff, height: (payload[i + 8]! | (payload[i + 9]! << 8)) & 0x3fff };
}

/** One client connection's media in one room. `close()` closes its transports and stops its ffmpeg processes. */
export class WebRtcPeer {
  private readonly transports: msc.Transport[] = [];
  private readonly stoppers: (() => void)[] = [];
  /** Encodings the next media:produce signals instead of mediasoup-client's (SSRC-signaled simulcast). */
  private signaledEncodings: { ssrc: number }[] | undefined;

  private constructor(
    readonly socket: ClientSocket,
    readonly roomId: string,
    readonly device: Device,
  ) {}

  /**
   * media:capabilities, then Device.load with the router's capabilities. `video: 'H264'`: the client offers H.264
   * (constrained baseline, packetization mode 1) instead of VP8, as Safari or a hardware encoder does (publishH264).
   */
  static async open(socket: ClientSocket, roomId: string, o: { video?: 'VP8' | 'H264' } = {}): Promise<WebRtcPeer> {
    const caps = ok(await call(socket, 'media:capabilities', { roomId }));
    return WebRtcPeer.load(socket, roomId, caps.routerRtpCapabilities, o);
  }

  /** Device.load with router capabilities the caller has already (`media:watch` answers them). */
  static async load(
    socket: ClientSocket,
    roomId: string,
    routerRtpCapabilities: Record<string, unknown>,
    o: { video?: 'VP8' | 'H264' } = {},
  ): Promise<WebRtcPeer> {
    const rtcpFeedback = [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }];
    const device = new Device(
      {
        codecs: {
          video: [
            o.video === 'H264'
              ? new RTCRtpCodecParameters({
                  mimeType: 'video/H264',
                  clockRate: 90000,
                  parameters: 'packetization-mode=1;profile-level-id=42e01f;level-asymmetry-allowed=1',
                  rtcpFeedback,
                })
              : new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, rtcpFeedback }),
          ],
          audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
        },
        // werift's PeerConfig, passed through by msc-node: gather and bind on loopback only.
        iceInterfaceAddresses: { udp4: '127.0.0.1' },
        iceAdditionalHostAddresses: ['127.0.0.1'],
        iceUseIpv6: false,
      } as ConstructorParameters<typeof Device>[0],
      { handlerName: 'werift' },
    );
    await device.load({ routerRtpCapabilities: routerRtpCapabilities as unknown as msc.RtpCapabilities });
    return new WebRtcPeer(socket, roomId, device);
  }

  /** media:createTransport and the matching mediasoup-client transport, its callbacks wired to media:* events. */
  async transport(direction: 'send' | 'recv'): Promise<msc.Transport> {
    const { roomId, socket } = this;
    return this.adopt(ok(await call(socket, 'media:createTransport', { roomId, direction })) as TransportParams, direction);
  }

  /** The mediasoup-client twin of a transport the server made already (`media:watch`), wired to media:* events. */
  adopt(params: TransportParams, direction: 'send' | 'recv'): msc.Transport {
    const { roomId, socket } = this;
    // werift sends RFC 7675 consent checks only to a full ICE agent, and mediasoup (ICE-lite) moves a transport that
    // has had none for 30 s to ICE 'disconnected' (iceConsentTimeout): no more media. Described as a full agent, the
    // SFU gets its checks and answers them.
    const options = { ...params, iceParameters: { ...params.iceParameters, iceLite: false } } as unknown as msc.TransportOptions;
    const transport = direction === 'send' ? this.device.createSendTransport(options) : this.device.createRecvTransport(options);
    this.transports.push(transport);
    transport.on('connect', ({ dtlsParameters }: { dtlsParameters: unknown }, done: () => void, fail: (e: Error) => void) => {
      call(socket, 'media:connectTransport', { roomId, transportId: transport.id, dtlsParameters: dtlsParameters as never })
        .then((ack) => (ack.ok ? done() : fail(new Error(`${ack.error.code}: ${ack.error.message}`))))
        .catch(fail);
    });
    if (direction === 'send') {
      transport.on(
        'produce',
        (
          { kind, rtpParameters }: { kind: 'audio' | 'video'; rtpParameters: object },
          done: (r: { id: string }) => void,
          fail: (e: Error) => void,
        ) => {
          const encodings = this.signaledEncodings;
          this.signaledEncodings = undefined;
          const signaled = encodings ? { ...rtpParameters, encodings } : rtpParameters;
          call(socket, 'media:produce', { roomId, transportId: transport.id, kind, rtpParameters: signaled as never })
            .then((ack) => (ack.ok ? done({ id: ack.data.id }) : fail(new Error(`${ack.error.code}: ${ack.error.message}`))))
            .catch(fail);
        },
      );
    }
    return transport;
  }

  /**
   * Publishes real VP8: ffmpeg encodes testsrc with libvpx to RTP on a local UDP port; each packet is written into a
   * werift track sent over `transport` (ICE/DTLS/SRTP to the SFU). By default 320x240 at 300 kbit/s with a keyframe
   * every second (30 frames), for at most 5 minutes; ffmpeg stops at `stop()` / `close()`. ffmpeg does not answer
   * keyframe requests (PLI/FIR): viewers get a picture at the next keyframe of its fixed interval.
   */
  async publishVp8(transport: msc.Transport, source: Omit<Vp8Source, 'payloadType' | 'rtcpPort' | 'ssrc'> = {}): Promise<Publication> {
    const track = new MediaStreamTrack({ kind: 'video' });
    const producer = await transport.produce({ track });
    const sent: { packets: number; firstAt?: number; mediaMs?: number } = { packets: 0 };
    let firstTs = 0;
    const sock = dgram.createSocket('udp4');
    sock.on('message', (buf) => {
      // ffmpeg sends RTCP sender reports to the same port: only RTP payload types are forwarded.
      if ((buf[1]! & 0x7f) !== FFMPEG_VP8_PT) return;
      const ts = buf.readUInt32BE(4);
      if (sent.packets === 0) {
        sent.firstAt = Date.now();
        firstTs = ts;
      }
      // Unsigned 32-bit difference (the timestamp wraps): media time since the first packet.
      sent.mediaMs = Math.max(sent.mediaMs ?? 0, ((ts - firstTs) >>> 0) / 90);
      track.writeRtp(RtpPacket.deSerialize(buf));
      sent.packets += 1;
    });
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
    const ffmpeg = spawnVp8(sock.address().port, source);
    let stopped = false;
    // Idempotent: a test may stop the encoder early, and close() stops it again.
    const stop = () => {
      if (stopped) return;
      stopped = true;
      ffmpeg.kill('SIGKILL');
      sock.close();
    };
    this.stoppers.push(stop);
    return { producerId: producer.id, producer, sent, stop };
  }

  /**
   * Publishes real H.264 (a peer opened with `video: 'H264'`): ffmpeg encodes testsrc with libx264 (constrained
   * baseline, zerolatency, a keyframe every `gop` frames, SPS/PPS before each) to RTP, written into the werift track.
   * 320x240 at 30 frames/s by default; like publishVp8, it ignores keyframe requests.
   */
  async publishH264(transport: msc.Transport, source: { size?: string; gop?: number; seconds?: number } = {}): Promise<Publication> {
    const track = new MediaStreamTrack({ kind: 'video' });
    const producer = await transport.produce({ track });
    const sent = { packets: 0 };
    const sock = dgram.createSocket('udp4');
    sock.on('message', (buf) => {
      if ((buf[1]! & 0x7f) !== FFMPEG_H264_PT) return;
      track.writeRtp(RtpPacket.deSerialize(buf));
      sent.packets += 1;
    });
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
    const { size = '320x240', gop = 60, seconds = 300 } = source;
    const ffmpeg = spawn(
      'ffmpeg',
      [
        ...['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', `testsrc=size=${size}:rate=30`, '-t', String(seconds)],
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p'],
        ...['-b:v', '300k', '-g', String(gop), '-bsf:v', 'dump_extra=freq=keyframe'],
        ...['-payload_type', String(FFMPEG_H264_PT), '-f', 'rtp', `rtp://127.0.0.1:${sock.address().port}?pkt_size=1100`],
      ],
      { stdio: 'ignore' },
    );
    const stop = () => {
      ffmpeg.kill('SIGKILL');
      sock.close();
    };
    this.stoppers.push(stop);
    return { producerId: producer.id, producer, sent, stop };
  }

  /**
   * Publishes VP8 simulcast as a browser does: one producer, one RTP stream per layer. Each layer is its own ffmpeg
   * (its size, bitrate and SSRC), sent as-is through the transport's SRTP session (werift's own sender can send only
   * one stream, so packets go straight to its DTLS transport), RTCP sender reports included (mediasoup needs them to
   * switch a viewer between layers). Layers are signaled by SSRC in the encodings (as Chrome's SDP-munged simulcast
   * does; browsers today signal RIDs, which needs header extensions werift does not send): mediasoup-client keeps
   * only RIDs in encodings, so this client replaces them in the 'produce' callback.
   */
  async publishVp8Simulcast(transport: msc.Transport, layers: { width: number; height: number; bitrate: string }[]): Promise<Publication> {
    const track = new MediaStreamTrack({ kind: 'video' });
    const ssrcs = layers.map((_, i) => 0x1000_0000 + i);
    this.signaledEncodings = ssrcs.map((ssrc) => ({ ssrc }));
    const producer = await transport.produce({ track, encodings: ssrcs.map(() => ({})) });
    const sender = producer.rtpSender!;
    const sent = { packets: 0 };
    const stops: (() => void)[] = [];
    for (const [i, layer] of layers.entries()) {
      const sock = dgram.createSocket('udp4');
      sock.on('message', (buf) => {
        if (isRtcp(buf)) {
          sender.dtlsTransport.sendRtcp(RtcpPacketConverter.deSerialize(buf)).catch(() => undefined); // best effort, as UDP
          return;
        }
        const { header, payload } = RtpPacket.deSerialize(buf);
        header.payloadType = sender.codec!.payloadType;
        sender.dtlsTransport.sendRtp(payload, header).catch(() => undefined); // best effort, as UDP
        sent.packets += 1;
      });
      await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
      const port = sock.address().port;
      const ffmpeg = spawnVp8(port, { size: `${layer.width}x${layer.height}`, bitrate: layer.bitrate, ssrc: ssrcs[i]!, rtcpPort: port });
      stops.push(() => {
        ffmpeg.kill('SIGKILL');
        sock.close();
      });
    }
    const stop = () => stops.forEach((s) => s());
    this.stoppers.push(stop);
    return { producerId: producer.id, producer, sent, stop };
  }

  /** media:consume (paused on the server), the local consumer, then media:resume; counts what arrives. */
  async consume(transport: msc.Transport, producerId: string): Promise<Reception> {
    const { roomId, socket } = this;
    const params = ok(
      await call(socket, 'media:consume', {
        roomId,
        transportId: transport.id,
        producerId,
        rtpCapabilities: this.device.rtpCapabilities as never,
      }),
    ) as ConsumerParams;
    return this.receive(transport, params);
  }

  /** The local consumer for a consumer the server made (paused), then media:resume; counts what arrives. */
  async receive(transport: msc.Transport, params: ConsumerParams): Promise<Reception> {
    const { roomId, socket } = this;
    const { producerId } = params;
    const consumer = await transport.consume({
      id: params.id,
      producerId: params.producerId,
      kind: params.kind,
      rtpParameters: params.rtpParameters as unknown as msc.RtpParameters,
    });
    const reception: Reception = {
      consumerId: params.id,
      producerId,
      consumer,
      type: params.type,
      counters: { packets: 0, bytes: 0, keyframes: 0 },
    };
    const track = consumer.track as unknown as MediaStreamTrack;
    track.onReceiveRtp.subscribe((rtp) => {
      reception.counters.packets += 1;
      reception.counters.bytes += rtp.payload.length;
      const keyframe = params.kind === 'video' ? vp8KeyframeSize(rtp.payload) : undefined;
      if (keyframe) {
        reception.counters.keyframes += 1;
        reception.lastKeyframe = keyframe;
      }
    });
    ok(await call(socket, 'media:resume', { roomId, consumerId: params.id }));
    return reception;
  }

  /** Closes every transport (werift peer connections) and stops every ffmpeg this peer started. */
  close(): void {
    for (const stop of this.stoppers.splice(0)) stop();
    for (const t of this.transports.splice(0)) t.close();
  }
}

/** A creator publishing real VP8 and viewers watching it, as `broadcast` leaves them: video reaches every viewer. */
export interface Broadcast {
  creator: WebRtcPeer;
  /** The creator's send transport (its id is what `media:reattach` names). */
  send: msc.Transport;
  publication: Publication;
  viewers: { peer: WebRtcPeer; reception: Reception }[];
}

/**
 * The creator on `creatorSocket` publishes VP8 in `roomId`, each of `viewerSockets` consumes it in turn, and this
 * resolves once video reaches every viewer. `t` closes every peer made here after the test.
 */
export async function broadcast(
  t: Teardown,
  roomId: string,
  creatorSocket: ClientSocket,
  viewerSockets: ClientSocket[],
): Promise<Broadcast> {
  const creator = t.add(await WebRtcPeer.open(creatorSocket, roomId));
  const send = await creator.transport('send');
  const publication = await creator.publishVp8(send);
  const viewers: Broadcast['viewers'] = [];
  for (const socket of viewerSockets) {
    const peer = t.add(await WebRtcPeer.open(socket, roomId));
    viewers.push({ peer, reception: await peer.consume(await peer.transport('recv'), publication.producerId) });
  }
  for (const { reception } of viewers) await waitFor('video flowing', () => reception.counters.bytes > 5_000, 20_000);
  return { creator, send, publication, viewers };
}

/**
 * What the node's mediasoup workers still hold, asked of the worker processes themselves (not our bookkeeping):
 * routers, WebRTC transports on the WebRtcServers, and every other channel handler (transports, producers, consumers,
 * pipes; the WebRtcServer's own is left out). All zero after every room's media is gone.
 */
export async function workerObjects(pool: {
  workers: { worker: { dump(): Promise<unknown> }; webRtcServer: { dump(): Promise<unknown> } }[];
}) {
  let routers = 0;
  let webRtcTransports = 0;
  let handlers = 0;
  for (const w of pool.workers) {
    const dump = (await w.worker.dump()) as {
      routerIds: string[];
      webRtcServerIds: string[];
      channelMessageHandlers: { channelRequestHandlers: string[] };
    };
    const server = (await w.webRtcServer.dump()) as { webRtcTransportIds: string[] };
    routers += dump.routerIds.length;
    webRtcTransports += server.webRtcTransportIds.length;
    handlers += dump.channelMessageHandlers.channelRequestHandlers.filter((id) => !dump.webRtcServerIds.includes(id)).length;
  }
  return { routers, webRtcTransports, handlers };
}
