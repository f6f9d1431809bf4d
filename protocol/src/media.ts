/**
 * Live video signaling (issue 5): the events a mediasoup-client Device needs, over the room's Socket.IO connection.
 *
 * A publisher: `media:capabilities` → `Device.load({ routerRtpCapabilities })` → `media:createTransport` (send) →
 * `device.createSendTransport(params)`; its 'connect' callback sends `media:connectTransport`, its 'produce' callback
 * `media:produce`. A viewer: capabilities → createTransport (recv) → `media:consume` (the consumer starts paused) →
 * `transport.consume(params)` → `media:resume`; or, in one request sent with `room:join`, `media:watch` (capabilities,
 * recv transport and paused consumers together), then `media:connectTransport` and `media:resume` (issue 20). A publisher whose connection dropped and came back within the grace
 * period keeps its transport and tracks: `media:reattach` with its send transport's id (and `media:restartIce` if the
 * network path changed meanwhile) instead of publishing again. Every mediasoup structure is bounded here (sizes, counts, ranges);
 * mediasoup then checks its semantics, and what it rejects comes back as BAD_REQUEST.
 */
import { z } from 'zod';
import { Id } from './common.ts';

/** mediasoup ids (UUIDs) of transports, producers and consumers. */
export const MediaId = z.string().regex(/^[0-9a-fA-F-]{8,64}$/, 'must be a media id (UUID)');

export const MediaKind = z.enum(['audio', 'video']);
export type MediaKind = z.infer<typeof MediaKind>;

const Token = (max: number) => z.string().min(1).max(max);
const MimeType = z.string().regex(/^(audio|video)\/[A-Za-z0-9.+_-]{1,32}$/, 'must be audio/NAME or video/NAME');
const PayloadType = z.number().int().min(0).max(127);
const ClockRate = z.number().int().min(1000).max(200_000);
const Channels = z.number().int().min(1).max(8);
const Ssrc = z.number().int().min(0).max(0xffff_ffff);

/** Codec fmtp parameters (`profile-level-id`, `apt`, `x-google-start-bitrate`...): few, short, scalar. */
const CodecParameters = z
  .record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/), z.union([z.string().max(256), z.number().finite()]))
  .refine((r) => Object.keys(r).length <= 32, 'at most 32 codec parameters');

const RtcpFeedback = z.object({ type: Token(32), parameter: z.string().max(32).optional() });

const RtpCodecCapability = z.object({
  kind: MediaKind,
  mimeType: MimeType,
  preferredPayloadType: PayloadType,
  clockRate: ClockRate,
  channels: Channels.optional(),
  parameters: CodecParameters.optional(),
  rtcpFeedback: z.array(RtcpFeedback).max(16).optional(),
});

const RtpHeaderExtension = z.object({
  kind: MediaKind,
  uri: Token(256),
  preferredId: z.number().int().min(1).max(255),
  preferredEncrypt: z.boolean().optional(),
  direction: z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive']).optional(),
});

/** What a device can receive (`device.rtpCapabilities`). */
export const RtpCapabilities = z.object({
  codecs: z.array(RtpCodecCapability).max(64).optional(),
  headerExtensions: z.array(RtpHeaderExtension).max(32).optional(),
});

const RtpCodecParameters = z.object({
  mimeType: MimeType,
  payloadType: PayloadType,
  clockRate: ClockRate,
  channels: Channels.optional(),
  parameters: CodecParameters.optional(),
  rtcpFeedback: z.array(RtcpFeedback).max(16).optional(),
});

const RtpEncodingParameters = z.object({
  ssrc: Ssrc.optional(),
  rid: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,16}$/)
    .optional(),
  codecPayloadType: PayloadType.optional(),
  rtx: z.object({ ssrc: Ssrc }).optional(),
  dtx: z.boolean().optional(),
  scalabilityMode: z
    .string()
    .regex(/^[A-Za-z0-9_]{1,16}$/)
    .optional(),
  scaleResolutionDownBy: z.number().min(1).max(64).optional(),
  maxBitrate: z.number().int().min(1).max(100_000_000).optional(),
  maxFramerate: z.number().min(0).max(240).optional(),
  adaptivePtime: z.boolean().optional(),
  priority: z.enum(['very-low', 'low', 'medium', 'high']).optional(),
  networkPriority: z.enum(['very-low', 'low', 'medium', 'high']).optional(),
});

/** What a producer sends (`'produce'` callback's `rtpParameters`). Up to 4 encodings: simulcast uses 2-3. */
export const RtpParameters = z.object({
  mid: z.string().max(32).optional(),
  codecs: z.array(RtpCodecParameters).min(1).max(8),
  headerExtensions: z
    .array(
      z.object({
        uri: Token(256),
        id: z.number().int().min(1).max(255),
        encrypt: z.boolean().optional(),
        parameters: CodecParameters.optional(),
      }),
    )
    .max(16)
    .optional(),
  encodings: z.array(RtpEncodingParameters).min(1).max(4).optional(),
  rtcp: z.object({ cname: z.string().max(256).optional(), reducedSize: z.boolean().optional(), mux: z.boolean().optional() }).optional(),
});

/** The client's DTLS role and certificate fingerprints (`'connect'` callback's `dtlsParameters`). */
export const DtlsParameters = z.object({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z
    .array(
      z.object({
        algorithm: z.enum(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']),
        value: z.string().regex(/^[0-9A-Fa-f:]{8,200}$/),
      }),
    )
    .min(1)
    .max(8),
});

const Layers = z.object({ spatialLayer: z.number().int().min(0).max(3), temporalLayer: z.number().int().min(0).max(3).optional() });

// ---- client → server payloads ------------------------------------------------------------------------------------

export const MediaRoomInput = z.strictObject({ roomId: Id });
export const CreateTransportInput = z.strictObject({ roomId: Id, direction: z.enum(['send', 'recv']) });
export const ConnectTransportInput = z.strictObject({ roomId: Id, transportId: MediaId, dtlsParameters: DtlsParameters });
/** media:closeTransport, media:restartIce, media:reattach: one of the connection's transports. */
export const TransportInput = z.strictObject({ roomId: Id, transportId: MediaId });
export const ProduceInput = z.strictObject({
  roomId: Id,
  transportId: MediaId,
  kind: MediaKind,
  rtpParameters: RtpParameters,
  /** Start paused (camera off); resume with media:resumeProducer. */
  paused: z.boolean().optional(),
  /** mediasoup-client passes its `appData` through; accepted and ignored so `transport.produce()` works unchanged. */
  appData: z.record(z.string(), z.unknown()).optional(),
});
export const ProducerInput = z.strictObject({ roomId: Id, producerId: MediaId });
export const ConsumeInput = z.strictObject({ roomId: Id, transportId: MediaId, producerId: MediaId, rtpCapabilities: RtpCapabilities });
export const ConsumerInput = z.strictObject({ roomId: Id, consumerId: MediaId });
export const SetPreferredLayersInput = z.strictObject({ roomId: Id, consumerId: MediaId, ...Layers.shape });
/**
 * media:watch: a viewer's whole start in one request, sent in the same flight as `room:join` (the server waits for
 * that join). `rtpCapabilities`: the device's receive capabilities when the client has them already (a restart, a
 * second room); without them the consumers are made for the router's own capabilities, which every browser that can
 * load the device receives for the codecs a publisher sends (the client checks each consumer as it makes it locally).
 */
export const WatchInput = z.strictObject({ roomId: Id, rtpCapabilities: RtpCapabilities.optional() });

// ---- acknowledgement data ---------------------------------------------------------------------------------------

export const ProducerInfo = z.object({ id: MediaId, kind: MediaKind, paused: z.boolean() });
export type ProducerInfo = z.infer<typeof ProducerInfo>;

/** `media:capabilities`: what `Device.load()` needs, and what is being published now. */
export const MediaCapabilities = z.object({
  routerRtpCapabilities: z.record(z.string(), z.unknown()),
  producers: z.array(ProducerInfo),
});
export type MediaCapabilities = z.infer<typeof MediaCapabilities>;

/** `media:createTransport`: the arguments of `device.createSendTransport()` / `createRecvTransport()`. */
export const TransportParams = z.object({
  id: MediaId,
  iceParameters: z.record(z.string(), z.unknown()),
  iceCandidates: z.array(z.record(z.string(), z.unknown())),
  dtlsParameters: z.record(z.string(), z.unknown()),
});
export type TransportParams = z.infer<typeof TransportParams>;

/** `media:consume`: the arguments of `transport.consume()`, plus what the player shows. The consumer starts paused. */
export const ConsumerParams = z.object({
  id: MediaId,
  producerId: MediaId,
  kind: MediaKind,
  rtpParameters: z.record(z.string(), z.unknown()),
  type: z.enum(['simple', 'simulcast', 'svc', 'pipe']),
  producerPaused: z.boolean(),
});
export type ConsumerParams = z.infer<typeof ConsumerParams>;

/**
 * `media:watch`: what `media:capabilities`, a recv `media:createTransport` and a `media:consume` per published track
 * answer, in one acknowledgement. `consumers` start paused (resume each with `media:resume` once its local consumer
 * exists; a video consumer then asks the publisher for a keyframe at once). A track missing from `consumers` but listed
 * in `producers` could not be consumed ahead (a full worker, a codec the capabilities lack): `media:consume` it to get
 * the reason.
 */
export const WatchStart = z.object({
  routerRtpCapabilities: z.record(z.string(), z.unknown()),
  producers: z.array(ProducerInfo),
  transport: TransportParams,
  consumers: z.array(ConsumerParams),
});
export type WatchStart = z.infer<typeof WatchStart>;

export const MediaOk = z.object({});

/** `media:restartIce`: new ICE credentials for `transport.restartIce({ iceParameters })` (the network path changed). */
export const RestartIceResult = z.object({ iceParameters: z.record(z.string(), z.unknown()) });
export type RestartIceResult = z.infer<typeof RestartIceResult>;

/**
 * `media:reattach`: the publisher's tracks this connection now controls, taken back from the connection that created
 * the transport (its signaling dropped, the server held its media for STREAM_RECONNECT_GRACE_MS). Producer ids are
 * unchanged and viewers saw no gap; `paused` is the server's state of each track.
 */
export const ReattachResult = z.object({ producers: z.array(ProducerInfo) });
export type ReattachResult = z.infer<typeof ReattachResult>;
export const PreferredLayers = z.object({ preferredLayers: Layers.nullable() });

// ---- server → client pushes -------------------------------------------------------------------------------------

/** The creator started publishing a track: viewers `media:consume` it. */
export const ProducerAdded = z.object({ roomId: Id, producer: ProducerInfo });
/** The creator paused or resumed a track (camera or microphone off/on). */
export const ProducerState = z.object({ roomId: Id, producerId: MediaId, paused: z.boolean() });
/** A published track ended (its consumers are closed too, each told by media:consumerClosed). */
export const ProducerClosed = z.object({ roomId: Id, producerId: MediaId });

/** Why a consumer closed. */
export const ConsumerCloseReason = z.enum(['producerClosed', 'transportClosed', 'roomClosed', 'workerDied']);
export type ConsumerCloseReason = z.infer<typeof ConsumerCloseReason>;
/** This viewer's consumer is gone: close the local consumer (`consumer.close()`) and its player. */
export const ConsumerClosed = z.object({ roomId: Id, consumerId: MediaId, producerId: MediaId, reason: ConsumerCloseReason });

/**
 * The server lost this connection's media (a mediasoup worker died): close the local transports and start over from
 * media:capabilities. Signaling and room membership are unaffected.
 */
export const MediaReconnect = z.object({ roomId: Id, reason: z.string() });

/** GET /api/rooms/:roomId/media/stats */
export const RoomMediaStats = z.object({
  roomId: Id,
  routers: z.array(
    z.object({
      routerId: z.string(),
      workerIndex: z.number(),
      workerPid: z.number(),
      origin: z.boolean(),
      transports: z.number(),
      consumers: z.number(),
    }),
  ),
  producers: z.array(
    z.object({
      id: z.string(),
      kind: MediaKind,
      type: z.string(),
      paused: z.boolean(),
      score: z.number(),
      bitrate: z.number(),
      byteCount: z.number(),
      packetCount: z.number(),
      packetsLost: z.number(),
      fractionLost: z.number(),
      keyFrameRequests: z.number(),
    }),
  ),
  consumers: z.number(),
  /** Bits per second arriving from the creator / leaving to viewers (transport level, RTP + RTX + probation). */
  bitrateIn: z.number(),
  bitrateOut: z.number(),
  /** Worst packet loss fraction (0-1) reported on the way in and out. */
  lossIn: z.number(),
  lossOut: z.number(),
  consumersPerWorker: z.record(z.string(), z.number()),
});
export type RoomMediaStats = z.infer<typeof RoomMediaStats>;
