import { Device, type types } from 'mediasoup-client';
import type { ConsumerParams, ProducerInfo } from '@hawker/protocol';
import type { Child, LifecycleEvents, RequestName, RequestPayload, RequestResult, ServerPushes } from './connection.ts';
import { Emitter } from './connection.ts';
import { HawkerError } from './errors.ts';

/**
 * What a media session needs from the connection it signals over: a {@link LiveRoom} (creator, viewer), or the
 * media link an {@link AgencyConsole} opens per thumbnail. You rarely need it: `room.publish` and `room.watch` pass it.
 *
 * @example
 * const player = await Player.start(room, video); // what room.watch(video) does
 */
export interface MediaHost {
  readonly roomId: string;
  request<E extends RequestName>(event: E, payload: RequestPayload<E>): Promise<RequestResult<E>>;
  on<K extends keyof (ServerPushes & LifecycleEvents & { resync: unknown })>(
    event: K,
    handler: (payload: (ServerPushes & LifecycleEvents & { resync: unknown })[K]) => void,
  ): () => void;
  adopt(child: Child): () => void;
  /**
   * What a viewer needs to start, asked for along with the join (`JoinOptions.watch`): handed out once, to the first
   * player. Undefined when nothing was asked for or it was taken already.
   */
  takeWatchStart?(): Promise<WatchStart> | undefined;
  /**
   * A device loaded ahead with the routers' capabilities (`JoinOptions.watch` in a browser), handed out once, to the
   * first player: used only if `media:watch` answers the same capabilities.
   */
  takeDeviceAhead?(): Promise<DeviceAhead> | undefined;
}

/** A Device loaded before `media:watch` answered, and the capabilities it was loaded with (canonical JSON). */
export interface DeviceAhead {
  capabilities: string;
  device: types.Device;
}

/** @internal Loads a Device with the routers' capabilities fetched ahead (LiveRoom.join, `watch`). */
export async function loadDeviceAhead(routerRtpCapabilities: unknown): Promise<DeviceAhead> {
  // Taken before the load: mediasoup-client fills in defaults in the object it is given.
  const capabilities = canonicalJson(routerRtpCapabilities);
  return { capabilities, device: await loadDevice(routerRtpCapabilities, {}) };
}

/** JSON with every object's keys sorted: the same capabilities compare equal whatever path serialized them. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * What a player starts from (`media:watch`): the router's capabilities, its receive transport on the server and, for
 * the tracks published now, consumers made ahead (paused).
 */
export type WatchStart = RequestResult<'media:watch'>;

/**
 * A viewer's start in one request (`media:watch`): capabilities, a receive transport and paused consumers, instead of
 * capabilities, then a transport, then a consume per track. `rtpCapabilities`: the device's, when a device was loaded
 * already (a restart); without them the server makes the consumers for the router's own capabilities.
 */
export function requestWatchStart(
  host: Pick<MediaHost, 'roomId' | 'request'>,
  rtpCapabilities?: types.RtpCapabilities,
): Promise<WatchStart> {
  const { roomId } = host;
  return host.request('media:watch', {
    roomId,
    ...(rtpCapabilities ? { rtpCapabilities: rtpCapabilities as RequestPayload<'media:watch'>['rtpCapabilities'] } : {}),
  });
}

/**
 * Options shared by publish and watch.
 *
 * @example
 * await room.watch(video, { handlerFactory }); // Node, with a WebRTC implementation
 */
export interface MediaOptions {
  /**
   * mediasoup-client handler factory, for environments without a browser WebRTC stack (e.g. Node with a WebRTC
   * implementation). Browsers need nothing here.
   */
  handlerFactory?: types.HandlerFactory;
}

/**
 * Options for {@link LiveRoom.publish}.
 *
 * @example
 * await room.publish(stream, { simulcast: false });
 */
export interface PublishOptions extends MediaOptions {
  /**
   * Send the camera in two qualities (full and half resolution) so viewers on slow networks and small players get the
   * lighter one (default true). Costs the creator's machine a second encode.
   */
  simulcast?: boolean;
  /**
   * Send the camera as H.264 when the browser offers it (falling back to the default, VP8, when it does not). By
   * default on when the room records its lives (`room.record`, absent means on): the server then copies the stream
   * into the recording instead of re-encoding it (docs/replay.md, "The codec route"). `false` keeps the browser's
   * default codec.
   */
  preferH264?: boolean;
}

/** The H.264 the browser and the room both take, constrained baseline first (what every decoder plays), if any. */
export function h264Of(codecs: readonly types.RtpCodecCapability[]): types.RtpCodecCapability | undefined {
  const h264 = codecs.filter((c) => c.kind === 'video' && c.mimeType.toLowerCase() === 'video/h264');
  const profile = (c: types.RtpCodecCapability) => String(c.parameters?.['profile-level-id'] ?? '').toLowerCase();
  return h264.find((c) => profile(c).startsWith('42e0')) ?? h264.find((c) => profile(c).startsWith('42')) ?? h264[0];
}

/**
 * Whether this browser's WebRTC can send H.264 (a browser that only decodes it cannot). Outside browsers (a custom
 * `handlerFactory`) it cannot be known: false, so such a publisher keeps its default codec.
 */
function canEncodeH264(): boolean {
  if (typeof RTCRtpSender === 'undefined' || typeof RTCRtpSender.getCapabilities !== 'function') return false;
  return (RTCRtpSender.getCapabilities('video')?.codecs ?? []).some((c) => c.mimeType.toLowerCase() === 'video/h264');
}

/**
 * Options for {@link LiveRoom.watch}.
 *
 * @example
 * await room.watch(thumbnail, { maxSpatialLayer: 0 });
 */
export interface WatchOptions extends MediaOptions {
  /**
   * Highest simulcast layer to receive: 0 is the lightest. Thumbnails use 0; the default is the best the network
   * allows.
   */
  maxSpatialLayer?: number;
  /** Start muted (default true: browsers only autoplay muted video). Unmute with `player.muted = false`. */
  muted?: boolean;
}

/**
 * What a {@link Player} shows: nothing published yet, the creator's video, or the creator's camera paused.
 *
 * @example
 * player.on('state', (s: PlayerState) => (overlay.hidden = s === 'playing'));
 */
export type PlayerState = 'waiting' | 'playing' | 'paused' | 'closed';

/**
 * Events of a {@link Player} or {@link Publisher}.
 *
 * @example
 * player.on('error', (e) => showError(e.message));
 */
export interface MediaEvents {
  /** The player's state changed. */
  state: PlayerState;
  /** Media failed and is being restarted (a worker died, the connection dropped); `error` says why. */
  restarting: { reason: string };
  /** A start or restart failed for good; the session is closed. */
  error: HawkerError;
}

/** A mediasoup-client Device loaded with the room router's capabilities. */
async function loadDevice(routerRtpCapabilities: unknown, opts: MediaOptions): Promise<types.Device> {
  let device: types.Device;
  try {
    device = new Device(opts.handlerFactory ? { handlerFactory: opts.handlerFactory } : {});
  } catch (err) {
    throw new HawkerError(
      'MEDIA_UNSUPPORTED',
      `This browser cannot play or send live video (${(err as Error).message}); use a recent Chrome, Edge, Firefox or Safari`,
    );
  }
  await device.load({ routerRtpCapabilities: routerRtpCapabilities as types.RtpCapabilities });
  return device;
}

/** Creates a transport on the server and its mediasoup-client twin, wired to the signaling events. */
async function openTransport(
  host: MediaHost,
  device: types.Device,
  direction: 'send' | 'recv',
  created?: RequestResult<'media:createTransport'>,
): Promise<types.Transport> {
  const { roomId } = host;
  const params = created ?? (await host.request('media:createTransport', { roomId, direction }));
  const options = params as unknown as types.TransportOptions;
  const transport = direction === 'send' ? device.createSendTransport(options) : device.createRecvTransport(options);
  transport.on('connect', ({ dtlsParameters }, done, fail) => {
    host
      .request('media:connectTransport', {
        roomId,
        transportId: transport.id,
        dtlsParameters: dtlsParameters as RequestPayload<'media:connectTransport'>['dtlsParameters'],
      })
      .then(() => done(), fail);
  });
  if (direction === 'send') {
    transport.on('produce', ({ kind, rtpParameters }, done, fail) => {
      host
        .request('media:produce', {
          roomId,
          transportId: transport.id,
          kind,
          rtpParameters: rtpParameters as RequestPayload<'media:produce'>['rtpParameters'],
        })
        .then(({ id }) => done({ id }), fail);
    });
  }
  return transport;
}

/**
 * Shared life of a publisher and a player: start, restart from scratch when the server says the media is gone
 * (`media:reconnect`) or the connection came back (`resync`; a publisher first tries to take its media back), and
 * close everything it made. Each (re)start is a new generation; work of an older generation that finishes late is
 * thrown away.
 */
abstract class MediaSession {
  protected readonly emitter = new Emitter<MediaEvents>();
  protected generation = 0;
  private transports: types.Transport[] = [];
  /** Unsubscribes from the host's events, run on close. */
  protected readonly offs: (() => void)[] = [];
  private readonly release: () => void;
  protected closed = false;

  protected constructor(
    protected readonly host: MediaHost,
    protected readonly opts: MediaOptions,
  ) {
    this.release = host.adopt(this);
    this.offs.push(
      host.on('resync', () => this.reconnected()),
      host.on('media:reconnect', ({ roomId, reason }) => {
        if (roomId === host.roomId) this.restart(reason);
      }),
    );
  }

  /**
   * Subscribes to the session's events; returns the unsubscribe function.
   *
   * @example
   * player.on('state', (s) => (spinner.hidden = s !== 'waiting'));
   */
  on<K extends keyof MediaEvents>(event: K, handler: (payload: MediaEvents[K]) => void): () => void {
    return this.emitter.on(event, handler);
  }

  /**
   * Stops sending or receiving and releases every transport. Idempotent; also called when the room closes.
   *
   * @example
   * player.close();
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.generation += 1;
    for (const off of this.offs.splice(0)) off();
    this.teardown();
    this.release();
    this.onClosed();
    this.emitter.clear();
  }

  /** (Re)builds the media for the current generation; must check `stale(gen)` after every await. */
  protected abstract setup(gen: number): Promise<void>;
  /** Local cleanup after the transports closed (tracks, element, state). */
  protected abstract onClosed(): void;

  protected stale(gen: number): boolean {
    return this.closed || gen !== this.generation;
  }

  protected async start(): Promise<void> {
    const gen = ++this.generation;
    await this.setup(gen);
  }

  /** `created`: the server's transport when it was asked for already (its twin is made here). */
  protected async transport(
    gen: number,
    device: types.Device,
    direction: 'send' | 'recv',
    created?: RequestResult<'media:createTransport'>,
  ): Promise<types.Transport> {
    const t = await openTransport(this.host, device, direction, created);
    if (this.stale(gen)) {
      t.close();
      throw new HawkerError('CLOSED', 'superseded');
    }
    this.transports.push(t);
    return t;
  }

  protected device(gen: number, routerRtpCapabilities: unknown): Promise<types.Device> {
    return loadDevice(routerRtpCapabilities, this.opts).then((d) => {
      if (this.stale(gen)) throw new HawkerError('CLOSED', 'superseded');
      return d;
    });
  }

  /** Closes the local transports (their producers and consumers close with them). The server side is the server's. */
  protected teardown(): void {
    for (const t of this.transports.splice(0)) t.close();
  }

  /** The connection came back (`resync`): by default, start again from scratch. */
  protected reconnected(): void {
    this.restart('reconnected');
  }

  protected restart(reason: string): void {
    if (this.closed) return;
    this.emitter.emit('restarting', { reason });
    this.teardown();
    this.start().catch((err: unknown) => this.fail(err));
  }

  protected fail(err: unknown): void {
    if (this.closed || (err instanceof HawkerError && err.message === 'superseded')) return;
    // A dropped connection brings a `resync`, which restarts us; anything else is final.
    if (err instanceof HawkerError && (err.code === 'NOT_CONNECTED' || err.code === 'TIMEOUT')) return;
    this.emitter.emit('error', err instanceof HawkerError ? err : new HawkerError('INTERNAL', (err as Error).message));
    this.close();
  }
}

/**
 * The creator's camera and microphone, sent to the room's viewers. Made by {@link LiveRoom.publish}; owned by the room
 * (closed with it). After a dropped connection it takes back the tracks the server held for it (viewers see no gap);
 * if the server no longer has them (a long outage) or lost its media, it publishes again by itself.
 *
 * @example
 * const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
 * const publisher = await room.publish(stream);
 * cameraOffButton.onclick = () => publisher.pause('video');
 */
export class Publisher extends MediaSession {
  private producers = new Map<types.MediaKind, types.Producer>();
  private readonly paused = new Set<types.MediaKind>();
  /** The send transport once every track of the current generation is published: what a reconnect takes back. */
  private sending: types.Transport | null = null;

  private constructor(
    host: MediaHost,
    /** The stream being published (the caller keeps ownership of its tracks). */
    readonly stream: MediaStream,
    private readonly publishOpts: PublishOptions,
  ) {
    super(host, publishOpts);
  }

  /** @internal Use {@link LiveRoom.publish}. */
  static async start(host: MediaHost, stream: MediaStream, opts: PublishOptions = {}): Promise<Publisher> {
    if (stream.getTracks().length === 0) throw new HawkerError('BAD_REQUEST', 'The stream has no audio or video track to publish');
    const p = new Publisher(host, stream, opts);
    try {
      await p.start();
    } catch (err) {
      p.close();
      throw err;
    }
    return p;
  }

  /**
   * The server's ids of what is being sent, by kind.
   *
   * @example
   * console.log(publisher.producerIds.video);
   */
  get producerIds(): Partial<Record<types.MediaKind, string>> {
    return Object.fromEntries([...this.producers].map(([kind, p]) => [kind, p.id]));
  }

  /**
   * Stops sending one kind (camera or microphone off) without tearing anything down; viewers see it paused.
   *
   * @example
   * await publisher.pause('video');
   */
  async pause(kind: types.MediaKind): Promise<void> {
    this.paused.add(kind);
    const p = this.producers.get(kind);
    if (!p || p.paused) return;
    p.pause();
    await this.host.request('media:pauseProducer', { roomId: this.host.roomId, producerId: p.id });
  }

  /**
   * Sends one kind again after {@link Publisher.pause}.
   *
   * @example
   * await publisher.resume('video');
   */
  async resume(kind: types.MediaKind): Promise<void> {
    this.paused.delete(kind);
    const p = this.producers.get(kind);
    if (!p?.paused) return;
    p.resume();
    await this.host.request('media:resumeProducer', { roomId: this.host.roomId, producerId: p.id });
  }

  protected override async setup(gen: number): Promise<void> {
    const { roomId } = this.host;
    const caps = await this.host.request('media:capabilities', { roomId });
    const device = await this.device(gen, caps.routerRtpCapabilities);
    const transport = await this.transport(gen, device, 'send');
    const producers = new Map<types.MediaKind, types.Producer>();
    for (const track of this.stream.getTracks()) {
      if (track.readyState === 'ended') continue;
      const kind = track.kind as types.MediaKind;
      if (!device.canProduce(kind))
        throw new HawkerError('MEDIA_UNSUPPORTED', `This browser cannot send ${kind} in a format the server accepts`);
      const simulcast = kind === 'video' && this.publishOpts.simulcast !== false;
      const codec =
        kind === 'video' && this.publishOpts.preferH264 && canEncodeH264() ? h264Of(device.rtpCapabilities.codecs ?? []) : undefined;
      const producer = await transport.produce({
        ...(codec ? { codec } : {}),
        track,
        // Stop the browser from ending the shared track when this producer closes: the page owns the camera.
        stopTracks: false,
        ...(simulcast
          ? {
              encodings: [
                { rid: 'r0', scaleResolutionDownBy: 2, maxBitrate: 350_000 },
                { rid: 'r1', scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
              ],
            }
          : {}),
        ...(kind === 'audio' ? { codecOptions: { opusStereo: false, opusDtx: true } } : {}),
      });
      if (this.stale(gen)) return;
      producers.set(kind, producer);
      if (this.paused.has(kind)) {
        producer.pause();
        await this.host.request('media:pauseProducer', { roomId, producerId: producer.id });
      }
    }
    this.producers = producers;
    this.sending = transport;
  }

  protected override teardown(): void {
    super.teardown();
    this.sending = null;
  }

  protected override onClosed(): void {
    this.producers.clear();
  }

  /**
   * Back on a connection after a drop: the server held this publisher's transport and tracks for a grace period
   * (STREAM_RECONNECT_GRACE_MS), so take them back; publish again only if they are gone.
   */
  protected override reconnected(): void {
    const transport = this.sending;
    if (!transport || transport.closed) {
      super.reconnected();
      return;
    }
    const gen = this.generation;
    this.reattach(gen, transport).then(
      (kept) => {
        if (!kept && !this.stale(gen)) this.restart('reconnected');
      },
      (err: unknown) => this.fail(err),
    );
  }

  /** `media:reattach`, then the server brought in line with what changed here meanwhile; false: publish again. */
  private async reattach(gen: number, transport: types.Transport): Promise<boolean> {
    const { roomId } = this.host;
    let held: ProducerInfo[];
    try {
      held = (await this.host.request('media:reattach', { roomId, transportId: transport.id })).producers;
    } catch (err) {
      // The grace ran out, the media path failed, or the room's media closed: the server has nothing to give back.
      if (err instanceof HawkerError && err.code === 'NOT_FOUND') return false;
      throw err;
    }
    if (this.stale(gen)) return true;
    const mine = [...this.producers];
    if (held.length !== mine.length || !mine.every(([, p]) => held.some((h) => h.id === p.id))) {
      // Not the tracks this publisher sends (say, one ended meanwhile): drop the server's copy and publish afresh.
      await this.host.request('media:closeTransport', { roomId, transportId: transport.id });
      return false;
    }
    // Camera or microphone toggled while disconnected: the server still has the state from before.
    for (const [kind, p] of mine) {
      const want = this.paused.has(kind);
      if (held.find((h) => h.id === p.id)?.paused === want) continue;
      await this.host.request(want ? 'media:pauseProducer' : 'media:resumeProducer', { roomId, producerId: p.id });
      if (this.stale(gen)) return true;
    }
    // The network changed under the connection (Wi-Fi to mobile data): new ICE credentials let it find the new path.
    if (transport.connectionState === 'disconnected' || transport.connectionState === 'failed') {
      const { iceParameters } = await this.host.request('media:restartIce', { roomId, transportId: transport.id });
      if (this.stale(gen)) return true;
      await transport.restartIce({ iceParameters: iceParameters as unknown as types.IceParameters });
    }
    return true;
  }
}

/**
 * The room's live video (and audio) in a `<video>` element. Made by {@link LiveRoom.watch}; owned by the room (closed
 * with it). Follows the creator: starts when they publish, shows `paused` when their camera is off, `waiting` when
 * they stop, and recovers by itself after a reconnect or a server-side media loss.
 *
 * @example
 * const player = await room.watch(document.querySelector('video')!);
 * player.on('state', (s) => (overlay.textContent = s === 'waiting' ? 'Starting soon' : ''));
 * unmuteButton.onclick = () => (player.muted = false);
 */
export class Player extends MediaSession {
  private recv: { device: types.Device; transport: types.Transport } | null = null;
  private readonly consumers = new Map<string, types.Consumer>();
  private readonly producers = new Map<string, ProducerInfo>();
  /** Tracks announced while the receive transport was being made. */
  private readonly pending = new Map<string, ProducerInfo>();
  private current: PlayerState = 'waiting';
  /** Serializes consumes: pushes and starts can race, and one consumer per producer must result. */
  private queue: Promise<void> = Promise.resolve();
  /** Producers being consumed right now (the start consumes its tracks side by side, outside the queue). */
  private readonly consuming = new Set<string>();
  /** The device's receive capabilities once loaded: a restart's `media:watch` sends them, so its consumers fit. */
  private recvCaps: types.RtpCapabilities | undefined;

  private constructor(
    host: MediaHost,
    /** The element the video plays in. */
    readonly video: HTMLVideoElement,
    private readonly watchOpts: WatchOptions,
  ) {
    super(host, watchOpts);
    video.muted = watchOpts.muted ?? true;
    video.playsInline = true;
    video.autoplay = true;
    const roomId = host.roomId;
    const mine =
      <T extends { roomId: string }>(fn: (p: T) => void) =>
      (p: T) => {
        if (p.roomId === roomId) fn(p);
      };
    this.offs.push(
      host.on(
        'media:producerAdded',
        mine(({ producer }) => this.added(producer)),
      ),
      host.on(
        'media:producerClosed',
        mine(({ producerId }) => this.dropProducer(producerId)),
      ),
      host.on(
        'media:consumerClosed',
        mine(({ producerId }) => this.dropProducer(producerId)),
      ),
      host.on(
        'media:producerState',
        mine(({ producerId, paused }) => this.producerState(producerId, paused)),
      ),
    );
  }

  /** @internal Use {@link LiveRoom.watch}. */
  static async start(host: MediaHost, video: HTMLVideoElement, opts: WatchOptions = {}): Promise<Player> {
    const p = new Player(host, video, opts);
    try {
      await p.start();
    } catch (err) {
      p.close();
      throw err;
    }
    return p;
  }

  /**
   * `waiting` (nothing published), `playing`, `paused` (the creator's camera is off) or `closed`.
   *
   * @example
   * if (player.state === 'waiting') showCountdown();
   */
  get state(): PlayerState {
    return this.current;
  }

  /**
   * Whether the audio is muted (browsers only autoplay muted video: unmute from a user gesture).
   *
   * @example
   * unmute.onclick = () => (player.muted = false);
   */
  get muted(): boolean {
    return this.video.muted;
  }

  set muted(value: boolean) {
    this.video.muted = value;
    if (!value) void this.video.play().catch(() => {});
  }

  protected override async setup(gen: number): Promise<void> {
    this.consumers.clear();
    this.producers.clear();
    this.recv = null;
    // Asked for with the join (first start only), else now: capabilities, transport and consumers in one answer.
    const prefetched = gen === 1 ? this.host.takeWatchStart?.()?.catch(() => undefined) : undefined;
    // Loaded while the join was in flight; without a handler factory of our own (the ahead one is the browser's).
    const aheadDevice = gen === 1 && !this.opts.handlerFactory ? this.host.takeDeviceAhead?.()?.catch(() => undefined) : undefined;
    const start = (await prefetched) ?? (await requestWatchStart(this.host, this.recvCaps));
    if (this.stale(gen)) throw new HawkerError('CLOSED', 'superseded');
    const loaded = await aheadDevice;
    // Correctness first: a device loaded with other capabilities than the router's (a redeploy between the fetch and
    // the join, another node's configuration) is dropped and the device loaded again from the answer.
    const device =
      loaded && loaded.capabilities === canonicalJson(start.routerRtpCapabilities)
        ? loaded.device
        : await this.device(gen, start.routerRtpCapabilities);
    if (this.stale(gen)) throw new HawkerError('CLOSED', 'superseded');
    this.recvCaps = device.recvRtpCapabilities;
    const transport = await this.transport(gen, device, 'recv', start.transport);
    this.recv = { device, transport };
    // The tracks published now (video and audio) are consumed side by side: their consumes do not depend on each other.
    // Those the server consumed ahead need no `media:consume`: made locally, then resumed.
    const ahead = new Map(start.consumers.map((c) => [c.producerId, c]));
    const first = [...start.producers, ...this.pending.values()];
    this.pending.clear();
    await Promise.all(first.map((producer) => this.consume(gen, producer, ahead.get(producer.id))));
    await this.queue;
    this.updateState();
  }

  protected override onClosed(): void {
    this.consumers.clear();
    this.producers.clear();
    this.video.srcObject = null;
    this.setState('closed');
  }

  protected override teardown(): void {
    super.teardown();
    this.consumers.clear();
    this.recv = null;
  }

  /** A track was published: consume it now, or once the receive transport exists. */
  private added(producer: ProducerInfo): void {
    if (this.recv) this.enqueue((gen) => this.consume(gen, producer));
    else this.pending.set(producer.id, producer);
  }

  private enqueue(task: (gen: number) => Promise<void>): void {
    const gen = this.generation;
    this.queue = this.queue.then(() => (this.stale(gen) ? undefined : task(gen))).catch((err: unknown) => this.fail(err));
  }

  /** `ahead`: the server's consumer when `media:watch` made it already. */
  private async consume(gen: number, producer: ProducerInfo, ahead?: ConsumerParams): Promise<void> {
    const recv = this.recv;
    if (!recv || this.consumers.has(producer.id) || this.consuming.has(producer.id)) return;
    // Marked until the consumer is in `consumers`: a push for the same track meanwhile must not consume it twice.
    this.consuming.add(producer.id);
    try {
      await this.consumeOn(gen, producer, recv, ahead);
    } finally {
      this.consuming.delete(producer.id);
    }
  }

  private async consumeOn(
    gen: number,
    producer: ProducerInfo,
    recv: { device: types.Device; transport: types.Transport },
    ahead?: ConsumerParams,
  ): Promise<void> {
    const { roomId } = this.host;
    const params =
      ahead ??
      (await this.host.request('media:consume', {
        roomId,
        transportId: recv.transport.id,
        producerId: producer.id,
        rtpCapabilities: recv.device.recvRtpCapabilities as RequestPayload<'media:consume'>['rtpCapabilities'],
      }));
    if (this.stale(gen)) return;
    // The server starts consumers paused so no packet is lost before the track is attached; resume once it is. Resuming
    // a video consumer makes the SFU ask the publisher for a keyframe at once (and again when DTLS connects), so the
    // first frame does not wait for the encoder's next periodic one. On a transport not connected yet (the start's
    // consumes) no packet can come before DTLS, and DTLS waits for this consume's local description: the resume then
    // goes side by side with the local consume and its `media:connectTransport` instead of after both (issue 17).
    const early = recv.transport.connectionState === 'new';
    const resumed = early ? this.host.request('media:resume', { roomId, consumerId: params.id }) : undefined;
    resumed?.catch(() => {}); // awaited below; a consume that fails first reports its own error
    const consumer = await recv.transport.consume({
      id: params.id,
      producerId: params.producerId,
      kind: params.kind,
      rtpParameters: params.rtpParameters as unknown as types.RtpParameters,
    });
    if (this.stale(gen)) {
      consumer.close();
      return;
    }
    this.consumers.set(producer.id, consumer);
    this.producers.set(producer.id, { ...producer, paused: params.producerPaused });
    this.attach();
    await (resumed ?? this.host.request('media:resume', { roomId, consumerId: consumer.id }));
    if (params.kind === 'video' && params.type === 'simulcast' && this.watchOpts.maxSpatialLayer !== undefined) {
      await this.host.request('media:setPreferredLayers', {
        roomId,
        consumerId: consumer.id,
        spatialLayer: this.watchOpts.maxSpatialLayer,
      });
    }
    this.updateState();
  }

  private dropProducer(producerId: string): void {
    this.pending.delete(producerId);
    this.consumers.get(producerId)?.close();
    this.consumers.delete(producerId);
    this.producers.delete(producerId);
    this.attach();
    this.updateState();
  }

  private producerState(producerId: string, paused: boolean): void {
    const p = this.producers.get(producerId);
    if (!p) return;
    this.producers.set(producerId, { ...p, paused });
    this.updateState();
  }

  /** Puts every live consumer track in one MediaStream on the element. */
  private attach(): void {
    const tracks = [...this.consumers.values()].map((c) => c.track);
    if (tracks.length === 0) {
      this.video.srcObject = null;
      return;
    }
    this.video.srcObject = new MediaStream(tracks);
    void this.video.play().catch(() => {
      // Autoplay refused (unmuted without a gesture): the page shows its unmute control; nothing else to do.
    });
  }

  private updateState(): void {
    const video = [...this.producers.values()].find((p) => p.kind === 'video');
    this.setState(!video ? 'waiting' : video.paused ? 'paused' : 'playing');
  }

  private setState(s: PlayerState): void {
    if (s === this.current) return;
    this.current = s;
    this.emitter.emit('state', s);
  }
}
