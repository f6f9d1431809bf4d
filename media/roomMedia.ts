import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { MediaError, withClientParams } from './errors.ts';
import type { PooledWorker, WorkerPool } from './workerPool.ts';

/** Why a consumer closed; the signaling layer tells its viewer. */
export type ConsumerCloseReason = 'producerClosed' | 'transportClosed' | 'roomClosed' | 'workerDied';

/**
 * How a publisher's held media (see `RoomMedia.detachPeer`) came to an end, or that it began: `started`; `resumed`
 * (its client came back and reattached); or it closed: `expired` (no reconnect in time), `mediaFailed` (ICE or DTLS
 * failed, or a transport closed), `superseded` (a new publication replaced it), `roomClosed`.
 */
export type GraceEvent = 'started' | 'resumed' | 'expired' | 'mediaFailed' | 'superseded' | 'roomClosed';

/** Tuning shared by every room on a node (from the MEDIASOUP_* configuration). */
export interface RoomMediaOptions {
  /**
   * Consumers a router serves before new viewers are placed on a router on another worker, fed by pipeToRouter.
   * mediasoup's guide puts a worker (one core) at roughly 500 consumers.
   */
  consumersPerRouter: number;
  /**
   * Hard cap per worker, across rooms, on consumers plus recv transports that have not consumed yet: a new viewer goes
   * to another worker, and with every worker at the cap `media:createTransport` / `media:consume` refuse with
   * QUOTA_EXCEEDED instead of piling onto a worker that would stall (docs/benchmarks.md, P4).
   */
  maxConsumersPerWorker: number;
  /** Minimum gap between keyframe requests sent to the creator's encoder, however many viewers ask (PLI/FIR). */
  keyFrameRequestDelayMs: number;
  /** Cap on what the creator may send (bits/s), so one publisher cannot saturate the node's uplink. */
  maxIncomingBitrate: number;
  /** Bandwidth estimate a viewer's transport starts from before congestion control has measured (bits/s). */
  initialAvailableOutgoingBitrate: number;
}

/** What clients see of a published track. */
export interface ProducerSummary {
  id: string;
  kind: types.MediaKind;
  paused: boolean;
}

/** What `device.createSendTransport()` / `createRecvTransport()` take. */
export interface TransportParameters {
  id: string;
  iceParameters: types.IceParameters;
  iceCandidates: types.IceCandidate[];
  dtlsParameters: types.DtlsParameters;
}

/** What `transport.consume()` takes, plus what a player shows. */
export interface ConsumerParameters {
  id: string;
  producerId: string;
  kind: types.MediaKind;
  rtpParameters: types.RtpParameters;
  type: types.ConsumerType;
  producerPaused: boolean;
}

export interface RoomMediaStatsData {
  roomId: string;
  routers: { routerId: string; workerIndex: number; workerPid: number; origin: boolean; transports: number; consumers: number }[];
  producers: {
    id: string;
    kind: types.MediaKind;
    type: string;
    paused: boolean;
    score: number;
    bitrate: number;
    byteCount: number;
    packetCount: number;
    packetsLost: number;
    fractionLost: number;
    keyFrameRequests: number;
  }[];
  consumers: number;
  bitrateIn: number;
  bitrateOut: number;
  lossIn: number;
  lossOut: number;
  consumersPerWorker: Record<string, number>;
}

export interface RoomMediaEvents {
  produceradded: [producer: ProducerSummary];
  producerstate: [producerId: string, paused: boolean];
  producerclosed: [producerId: string];
  /** A consumer closed, for whatever reason: tell its peer. */
  consumerclosed: [peerId: string, consumerId: string, producerId: string, reason: ConsumerCloseReason];
  /** These peers lost their media (a worker died) and must start again from the capabilities. */
  reconnect: [peerIds: string[], reason: string];
  /** A publisher's media started or stopped being held for its reconnect (metrics). */
  grace: [event: GraceEvent];
  /** The room's media is gone (room ended, idle, or its origin worker died). */
  closed: [reason: string];
}

/** One of the room's routers: the origin (where the creator publishes) or a viewer router fed by pipeToRouter. */
interface RoomRouter {
  readonly router: types.Router;
  readonly worker: PooledWorker;
  readonly origin: boolean;
  readonly transports: Set<TransportEntry>;
  /** Producers piped in from the origin router, by producer id (pending or done). */
  readonly piped: Map<string, Promise<void>>;
  /** Peers whose transports closed because this router died with its worker. */
  readonly lostPeers: Set<string>;
}

interface TransportEntry {
  readonly transport: types.WebRtcTransport;
  readonly direction: 'send' | 'recv';
  /** Its owner; changes when a publisher's new connection reattaches (`claimPeer`). */
  peer: Peer;
  readonly home: RoomRouter;
  readonly consumers: Set<types.Consumer>;
}

/** A connection's media in this room (the signaling layer uses the socket id). */
interface Peer {
  readonly id: string;
  readonly transports: Map<string, TransportEntry>;
  readonly producers: Map<string, types.Producer>;
  readonly consumers: Map<string, types.Consumer>;
  /** Producers this peer is being given a consumer of right now (so a double click cannot make two). */
  readonly consuming: Set<string>;
  /** Set while the peer's connection is gone and its media is held for its reconnect (`detachPeer`). */
  hold: { readonly timer: NodeJS.Timeout; readonly since: number } | undefined;
}

/** Bounds per connection: a creator sends camera + microphone (+ maybe a screen); nobody needs more. */
const MAX_TRANSPORTS_PER_PEER = 4;
const MAX_PRODUCERS_PER_PEER = 4;

/**
 * All media of one room on this node: its routers (the origin on one worker, viewer routers on others), the pipe
 * transports between them (created and owned by mediasoup's pipeToRouter), and every peer's WebRTC transports,
 * producers and consumers. Clients never see routers: every router of a room has the same RTP capabilities, and
 * piping keeps producer ids, so a viewer on any router consumes the same ids.
 *
 * Ownership: `close()` is idempotent and closes every router, which mediasoup cascades to transports, producers and
 * consumers; each of those removes itself from the sets here when it closes, whatever closed it. The grace timers of
 * held publishers (`detachPeer`) belong to their peer: closing the peer or the room clears them.
 */
export class RoomMedia extends EventEmitter<RoomMediaEvents> {
  private readonly routers: RoomRouter[] = [];
  private readonly peers = new Map<string, Peer>();
  /** Every producer in the room (all on the origin router), by id. */
  private readonly producers = new Map<string, types.Producer>();
  /** Routers that died with their worker, until the pool's `workerdied` reaches `routerLost`. */
  private readonly lost = new Map<types.Router, RoomRouter>();
  /** Placement of recv transports is serialized so concurrent viewers see each other's load. */
  private placing: Promise<unknown> = Promise.resolve();
  private closeReason: ConsumerCloseReason | undefined;
  private closedFlag = false;

  private constructor(
    readonly roomId: string,
    private readonly pool: WorkerPool,
    private readonly opts: RoomMediaOptions,
    /**
     * Load of a worker across every room of the node: consumers, plus recv transports that have not consumed yet (each
     * as one: its viewer is about to). How new routers pick their worker and what the per-worker cap counts.
     */
    private readonly workerLoad: (w: PooledWorker) => number,
    private readonly log: Logger,
  ) {
    super();
  }

  /** Creates a room's media with its origin router on the least-loaded worker. */
  static async create(
    roomId: string,
    pool: WorkerPool,
    opts: RoomMediaOptions,
    workerLoad: (w: PooledWorker) => number,
    log: Logger,
  ): Promise<RoomMedia> {
    const room = new RoomMedia(roomId, pool, opts, workerLoad, log.child({ roomId }));
    await room.addRouter(true, new Set());
    return room;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  private get origin(): RoomRouter {
    const origin = this.routers[0];
    if (!origin?.origin || this.closedFlag) throw MediaError.unavailable("This room's media closed; reconnect media");
    return origin;
  }

  /** Published tracks, for a viewer arriving after the creator started. */
  listProducers(): ProducerSummary[] {
    return [...this.producers.values()].map(summary);
  }

  /** Routers, transports, producers and consumers this room holds now, and peers held for a reconnect (metrics, leak checks). */
  counts(): { routers: number; transports: number; producers: number; consumers: number; held: number } {
    let transports = 0;
    let consumers = 0;
    for (const rr of this.routers) {
      transports += rr.transports.size;
      for (const t of rr.transports) consumers += t.consumers.size;
    }
    const held = [...this.peers.values()].filter((p) => p.hold).length;
    return { routers: this.routers.length, transports, producers: this.producers.size, consumers, held };
  }

  /**
   * For server-side consumers on this node (recording, server/recording): the origin router, where every producer
   * lives, and the producers published now. What is consumed there closes with the room's media. Undefined once closed.
   */
  serverSide(): { router: types.Router; producers: types.Producer[] } | undefined {
    const origin = this.routers[0];
    if (this.closedFlag || !origin?.origin) return undefined;
    return { router: origin.router, producers: [...this.producers.values()] };
  }

  /** Consumers this room has on `worker`'s routers. */
  consumersOn(worker: PooledWorker): number {
    return this.routers.filter((rr) => rr.worker === worker).reduce((n, rr) => n + routerConsumers(rr), 0);
  }

  /** This room's share of `worker`'s load: consumers, and recv transports yet to consume counted as one each. */
  loadOn(worker: PooledWorker): number {
    return this.routers.filter((rr) => rr.worker === worker).reduce((n, rr) => n + routerLoad(rr), 0);
  }

  /**
   * Creates a WebRTC transport on the worker's WebRtcServer (shared UDP/TCP port). Send transports live on the origin
   * router; recv transports go where `placeViewer` says.
   */
  async createTransport(peerId: string, direction: 'send' | 'recv'): Promise<TransportParameters> {
    const peer = this.peer(peerId);
    if (peer.transports.size >= MAX_TRANSPORTS_PER_PEER)
      throw MediaError.conflict(`At most ${MAX_TRANSPORTS_PER_PEER} media transports per connection; close one first`);
    if (direction === 'send') return this.openTransport(peer, this.origin, 'send');
    // Serialize placement: each new transport counts towards its router's load before the next viewer is placed.
    const run = this.placing.then(async () => this.openTransport(peer, await this.placeViewer(), 'recv'));
    this.placing = run.catch(() => undefined); // the caller gets the error; the queue goes on
    return run;
  }

  async connectTransport(peerId: string, transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    const { transport, home } = this.transport(peerId, transportId);
    await this.ask(home.worker, 'connect', transport, () => transport.connect({ dtlsParameters }));
  }

  closeTransport(peerId: string, transportId: string): void {
    this.transport(peerId, transportId).transport.close();
  }

  /** New ICE credentials for one of the peer's transports, for a client whose network path changed. */
  async restartIce(peerId: string, transportId: string): Promise<types.IceParameters> {
    const { transport, home } = this.transport(peerId, transportId);
    try {
      return await this.pool.request(home.worker, 'restartIce', transport.restartIce());
    } catch (err) {
      if (err instanceof MediaError) throw err;
      throw MediaError.unavailable('restartIce: the transport closed meanwhile; reconnect media', err);
    }
  }

  /** Publishes a track on one of the peer's send transports (the signaling layer allows only the room's creator). */
  async produce(
    peerId: string,
    transportId: string,
    kind: types.MediaKind,
    rtpParameters: types.RtpParameters,
    paused = false,
  ): Promise<{ id: string }> {
    const entry = this.transport(peerId, transportId);
    if (entry.direction !== 'send') throw MediaError.invalid('This is a recv transport; produce on a send transport');
    if (entry.peer.producers.size >= MAX_PRODUCERS_PER_PEER)
      throw MediaError.conflict(`At most ${MAX_PRODUCERS_PER_PEER} tracks per connection`);
    // mediasoup matches codecs without looking at `kind`: an "audio" producer of VP8 would be accepted and then
    // confuse every player.
    const wrongKind = rtpParameters.codecs.find((c) => !c.mimeType.toLowerCase().startsWith(`${kind}/`));
    if (wrongKind) throw MediaError.invalid(`produce: codec ${wrongKind.mimeType} is not ${kind}`);
    const producer = await this.ask(
      entry.home.worker,
      'produce',
      entry.transport,
      () =>
        entry.transport.produce({
          kind,
          rtpParameters,
          paused,
          // A crowd joining at once each asks for a keyframe; the worker coalesces them into one per delay.
          ...(kind === 'video' ? { keyFrameRequestDelay: this.opts.keyFrameRequestDelayMs } : {}),
          appData: { peerId },
        }),
      (late) => late.close(),
    );
    if (this.closedFlag) {
      producer.close();
      throw MediaError.unavailable("This room's media closed; reconnect media");
    }
    entry.peer.producers.set(producer.id, producer);
    this.producers.set(producer.id, producer);
    producer.observer.once('close', () => {
      entry.peer.producers.delete(producer.id);
      this.producers.delete(producer.id);
      if (!this.closedFlag) this.emit('producerclosed', producer.id);
    });
    producer.observer.on('pause', () => this.emit('producerstate', producer.id, true));
    producer.observer.on('resume', () => this.emit('producerstate', producer.id, false));
    this.emit('produceradded', summary(producer));
    return { id: producer.id };
  }

  async pauseProducer(peerId: string, producerId: string): Promise<void> {
    const producer = this.ownProducer(peerId, producerId);
    await this.ask(this.origin.worker, 'pause', producer, () => producer.pause());
  }

  async resumeProducer(peerId: string, producerId: string): Promise<void> {
    const producer = this.ownProducer(peerId, producerId);
    await this.ask(this.origin.worker, 'resume', producer, () => producer.resume());
  }

  /** Closes a published track; its consumers close too (mediasoup cascades, pipes included) and their viewers are told. */
  closeProducer(peerId: string, producerId: string): void {
    this.ownProducer(peerId, producerId).close();
  }

  /**
   * Consumes a room producer on one of the peer's recv transports, paused: the client creates its local consumer,
   * then resumes (so no RTP, and no keyframe, is wasted before it can decode). On a viewer router the producer is
   * piped in from the origin first (once per router).
   */
  async consume(
    peerId: string,
    transportId: string,
    producerId: string,
    rtpCapabilities: types.RtpCapabilities,
  ): Promise<ConsumerParameters> {
    const entry = this.transport(peerId, transportId);
    if (entry.direction !== 'recv') throw MediaError.invalid('This is a send transport; consume on a recv transport');
    const producer = this.producers.get(producerId);
    if (!producer) throw MediaError.notFound(`Producer ${producerId} in this room`);
    const { peer } = entry;
    if (peer.consuming.has(producerId) || [...peer.consumers.values()].some((c) => c.producerId === producerId)) {
      throw MediaError.conflict(`Already consuming producer ${producerId}`);
    }
    const worker = entry.home.worker;
    if (worker.stalled > 0)
      throw MediaError.unavailable('Your media server is not answering; reconnect media (a new transport goes elsewhere)');
    // The cap counts this transport as one already while it has no consumer (see routerLoad): that seat is this one.
    const load = this.workerLoad(worker) - (entry.consumers.size === 0 ? 1 : 0) + worker.consuming;
    if (load >= this.opts.maxConsumersPerWorker) {
      throw MediaError.full(
        'MEDIASOUP_MAX_CONSUMERS_PER_WORKER',
        this.opts.maxConsumersPerWorker,
        'Your media server is full; close a track, or reconnect media to be placed on another one',
      );
    }
    peer.consuming.add(producerId);
    worker.consuming += 1;
    let consumer: types.Consumer;
    try {
      await this.pipe(producer, entry.home);
      if (!entry.home.router.canConsume({ producerId, rtpCapabilities })) {
        throw MediaError.invalid('Your device cannot receive this track (no common codec in rtpCapabilities)');
      }
      consumer = await this.ask(
        worker,
        'consume',
        entry.transport,
        () => entry.transport.consume({ producerId, rtpCapabilities, paused: true, appData: { peerId } }),
        (late) => late.close(),
      );
    } finally {
      peer.consuming.delete(producerId);
      worker.consuming -= 1;
    }
    entry.consumers.add(consumer);
    entry.peer.consumers.set(consumer.id, consumer);
    let reason: ConsumerCloseReason | undefined;
    consumer.once('producerclose', () => (reason = 'producerClosed'));
    consumer.observer.once('close', () => {
      entry.consumers.delete(consumer);
      entry.peer.consumers.delete(consumer.id);
      const why = this.closeReason ?? reason ?? (entry.home.router.closed && !this.closedFlag ? 'workerDied' : 'transportClosed');
      this.emit('consumerclosed', entry.peer.id, consumer.id, producerId, why);
    });
    return {
      id: consumer.id,
      producerId,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters,
      type: consumer.type,
      producerPaused: consumer.producerPaused,
    };
  }

  async pauseConsumer(peerId: string, consumerId: string): Promise<void> {
    const { consumer, worker } = this.ownConsumer(peerId, consumerId);
    await this.ask(worker, 'pause', consumer, () => consumer.pause());
  }

  /** Starts RTP to the viewer; a video consumer asks the producer for a keyframe (rate-limited at the producer). */
  async resumeConsumer(peerId: string, consumerId: string): Promise<void> {
    const { consumer, worker } = this.ownConsumer(peerId, consumerId);
    await this.ask(worker, 'resume', consumer, () => consumer.resume());
  }

  /**
   * Caps the simulcast/SVC layers a viewer gets (a small player needs no 720p). Within the cap, mediasoup picks layers
   * from the viewer transport's bandwidth estimate. Ignored for single-layer producers.
   */
  async setPreferredLayers(peerId: string, consumerId: string, layers: types.ConsumerLayers): Promise<types.ConsumerLayers | undefined> {
    const { consumer, worker } = this.ownConsumer(peerId, consumerId);
    await this.ask(worker, 'setPreferredLayers', consumer, () => consumer.setPreferredLayers(layers));
    return consumer.preferredLayers;
  }

  /**
   * The connection left the room: close its transports (cascading to its producers and consumers). When the last
   * peer goes, the room's media closes too, so abandoned rooms hold no routers. Also ends a hold (`detachPeer`).
   */
  closePeer(peerId: string): void {
    const peer = this.peers.get(peerId);
    if (!peer) return;
    // First, so the transports closing below do not read as a held publisher's media failing.
    if (peer.hold) clearTimeout(peer.hold.timer);
    peer.hold = undefined;
    for (const t of [...peer.transports.values()]) t.transport.close();
    this.peers.delete(peerId);
    if (this.peers.size === 0) this.close('idle');
  }

  /**
   * The peer's signaling connection broke; its client is probably reconnecting. A publisher (a peer with producers)
   * keeps its send transports and producers for `graceMs`, so viewers keep watching while its client comes back and
   * takes them again (`reattachPeer`, `claimPeer`); its recv transports close now. Its media closes at once if the
   * media path is down already or goes down during the grace (ICE disconnected, DTLS failed or closed, a transport
   * closed), and when the grace runs out. Any other peer closes at once, as on `closePeer`: a viewer's consumers are
   * cheap to make again, and held ones would spend the node's uplink on a viewer who is not there.
   */
  detachPeer(peerId: string, graceMs: number): void {
    const peer = this.peers.get(peerId);
    if (!peer || peer.hold) return;
    if (peer.producers.size === 0 || graceMs <= 0) return this.closePeer(peerId);
    for (const t of [...peer.transports.values()]) if (t.direction === 'recv') t.transport.close();
    const down = [...peer.transports.values()].map((t) => pathDown(t.transport)).find((why) => why !== undefined);
    if (down) {
      this.log.info({ peerId, why: down }, 'publisher connection dropped with its media path down; closing its media now');
      return this.closePeer(peerId);
    }
    // unref: a pending grace never keeps the process alive (close() clears it on shutdown anyway).
    const timer = setTimeout(() => this.endHold(peer, 'expired'), graceMs).unref();
    peer.hold = { timer, since: Date.now() };
    this.log.info(
      { peerId, graceMs, producers: [...peer.producers.keys()] },
      'publisher connection dropped; holding its media for the grace period',
    );
    this.emit('grace', 'started');
  }

  /** The peer's connection is back under the same id (Socket.IO recovered it): its held media carries on. */
  reattachPeer(peerId: string): void {
    const peer = this.peers.get(peerId);
    if (peer) this.resumeHold(peer, peer);
  }

  /**
   * A publisher's new connection takes its media back: the peer owning send transport `transportId` moves to `peerId`
   * with its send transports and producers (ids unchanged, RTP never stopped), and its grace ends. That peer is held
   * (its connection dropped), or still on a connection the server has not seen drop yet (a half-open TCP connection,
   * noticed only at the ping timeout); its recv transports close. The transport id is the claim: only the connection
   * that created the transport was ever told it. Returns the tracks `peerId` now publishes.
   */
  claimPeer(peerId: string, transportId: string): ProducerSummary[] {
    if (this.closedFlag) throw MediaError.unavailable("This room's media closed; reconnect media");
    const entry = [...this.peers.values()].map((p) => p.transports.get(transportId)).find((t) => t !== undefined);
    if (entry?.direction !== 'send')
      throw MediaError.notFound(`Send transport ${transportId} in this room (its media closed: publish again)`);
    const from = entry.peer;
    let to = from;
    if (from.id !== peerId) {
      const existing = this.peers.get(peerId);
      const sends = [...from.transports.values()].filter((t) => t.direction === 'send').length;
      if (
        existing &&
        (existing.transports.size + sends > MAX_TRANSPORTS_PER_PEER ||
          existing.producers.size + from.producers.size > MAX_PRODUCERS_PER_PEER)
      ) {
        throw MediaError.conflict(
          `Reattaching would exceed ${MAX_TRANSPORTS_PER_PEER} transports or ${MAX_PRODUCERS_PER_PEER} tracks on this connection; close some first`,
        );
      }
      if (!from.hold)
        this.log.info(
          { peerId, previousPeerId: from.id },
          "publisher's new connection takes over its media before its old one was seen to drop",
        );
      to = existing ?? this.peer(peerId);
      this.movePeer(from, to);
    }
    this.resumeHold(from, to);
    return [...to.producers.values()].map(summary);
  }

  /** Closes every held publisher's media now: a new publication replaces it (the signaling layer's policy). */
  closeHeld(): void {
    for (const peer of [...this.peers.values()]) if (peer.hold) this.endHold(peer, 'superseded');
  }

  /**
   * A router of this room died with its worker (mediasoup already closed everything on it). Losing the origin loses
   * every producer: the whole room's media closes and every peer reconnects. Losing a viewer router affects only the
   * viewers placed on it.
   */
  routerLost(router: types.Router): void {
    const rr = this.lost.get(router);
    if (!rr) return;
    this.lost.delete(router);
    const reason = 'The media server restarted; reconnect media';
    if (rr.origin) {
      const everyone = [...this.peers.keys()];
      // close() drops the listeners, so tell the peers first.
      this.emit('reconnect', everyone, reason);
      this.close('workerDied');
      return;
    }
    this.emit('reconnect', [...rr.lostPeers], reason);
    for (const peerId of rr.lostPeers) {
      const peer = this.peers.get(peerId);
      if (peer && peer.transports.size === 0 && peer.producers.size === 0) this.peers.delete(peerId);
    }
    if (this.peers.size === 0) this.close('idle');
  }

  /**
   * Closes every router (and with them everything else) and ends every hold. Consumers report `roomClosed` (or
   * `workerDied`). Idempotent.
   */
  close(reason = 'roomClosed'): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.closeReason = reason === 'workerDied' ? 'workerDied' : 'roomClosed';
    for (const peer of this.peers.values()) {
      if (!peer.hold) continue;
      clearTimeout(peer.hold.timer);
      peer.hold = undefined;
      this.log.info({ peerId: peer.id, reason }, "room media closed during a publisher's grace period");
      this.emit('grace', 'roomClosed');
    }
    for (const rr of [...this.routers].reverse()) rr.router.close();
    this.routers.length = 0;
    this.lost.clear();
    this.peers.clear();
    this.producers.clear();
    this.emit('closed', reason);
    this.removeAllListeners();
  }

  /** Bitrates, loss, keyframe requests and placement, for REST and Prometheus. */
  async stats(): Promise<RoomMediaStatsData> {
    const routers = [...this.routers];
    const origin = this.origin;
    const producers = await Promise.all(
      [...this.producers.values()].map(async (p) => {
        // A producer closing while we ask: report it empty rather than fail the whole answer.
        const streams = await this.pool.request(origin.worker, 'getStats', p.getStats()).catch(() => [] as types.ProducerStat[]);
        const sum = (f: (s: types.ProducerStat) => number) => streams.reduce((n, s) => n + f(s), 0);
        return {
          id: p.id,
          kind: p.kind,
          type: p.type,
          paused: p.paused,
          score: Math.max(0, ...p.score.map((s) => s.score)),
          bitrate: sum((s) => s.bitrate),
          byteCount: sum((s) => s.byteCount),
          packetCount: sum((s) => s.packetCount),
          packetsLost: sum((s) => s.packetsLost),
          fractionLost: Math.max(0, ...streams.map((s) => s.fractionLost)),
          keyFrameRequests: sum((s) => s.pliCount + s.firCount),
        };
      }),
    );
    const entries = routers.flatMap((rr) => [...rr.transports]);
    const transportStats = await Promise.all(
      // Closed meanwhile, or its worker not answering: skipped.
      entries.map(async (t) => ({ t, s: (await this.pool.request(t.home.worker, 'getStats', t.transport.getStats()).catch(() => []))[0] })),
    );
    let bitrateIn = 0;
    let bitrateOut = 0;
    let lossIn = 0;
    let lossOut = 0;
    for (const { t, s } of transportStats) {
      if (!s) continue;
      if (t.direction === 'send') {
        bitrateIn += s.recvBitrate;
        lossIn = Math.max(lossIn, s.rtpPacketLossReceived ?? 0);
      } else {
        bitrateOut += s.sendBitrate;
        lossOut = Math.max(lossOut, s.rtpPacketLossSent ?? 0);
      }
    }
    const consumersPerWorker: Record<string, number> = {};
    for (const rr of routers) consumersPerWorker[rr.worker.index] = (consumersPerWorker[rr.worker.index] ?? 0) + routerConsumers(rr);
    return {
      roomId: this.roomId,
      routers: routers.map((rr) => ({
        routerId: rr.router.id,
        workerIndex: rr.worker.index,
        workerPid: rr.worker.worker.pid,
        origin: rr.origin,
        transports: rr.transports.size,
        consumers: routerConsumers(rr),
      })),
      producers,
      consumers: routers.reduce((n, rr) => n + routerConsumers(rr), 0),
      bitrateIn,
      bitrateOut,
      lossIn,
      lossOut,
      consumersPerWorker,
    };
  }

  // ---- internals --------------------------------------------------------------------------------------------------

  private peer(peerId: string): Peer {
    if (this.closedFlag) throw MediaError.unavailable("This room's media closed; reconnect media");
    let peer = this.peers.get(peerId);
    if (!peer) {
      peer = { id: peerId, transports: new Map(), producers: new Map(), consumers: new Map(), consuming: new Set(), hold: undefined };
      this.peers.set(peerId, peer);
    }
    return peer;
  }

  /** The peer's own transport: another peer's, another room's or an unknown id are all "not found". */
  private transport(peerId: string, transportId: string): TransportEntry {
    const entry = this.peers.get(peerId)?.transports.get(transportId);
    if (!entry)
      throw MediaError.notFound(`Transport ${transportId} of this connection in this room (create one with media:createTransport)`);
    return entry;
  }

  private ownProducer(peerId: string, producerId: string): types.Producer {
    const producer = this.peers.get(peerId)?.producers.get(producerId);
    if (!producer) throw MediaError.notFound(`Producer ${producerId} of this connection in this room`);
    return producer;
  }

  /** The peer's own consumer and the worker it lives on. */
  private ownConsumer(peerId: string, consumerId: string): { consumer: types.Consumer; worker: PooledWorker } {
    const peer = this.peers.get(peerId);
    const consumer = peer?.consumers.get(consumerId);
    const entry = consumer && [...(peer?.transports.values() ?? [])].find((t) => t.consumers.has(consumer));
    if (!consumer || !entry) throw MediaError.notFound(`Consumer ${consumerId} of this connection in this room`);
    return { consumer, worker: entry.home.worker };
  }

  /**
   * A mediasoup request with client-supplied parameters (see withClientParams), under the pool's deadline: past it the
   * client is answered UNAVAILABLE and whatever the worker creates later goes to `late` (which closes it).
   */
  private ask<T>(
    worker: PooledWorker,
    what: string,
    target: { readonly closed: boolean },
    fn: () => Promise<T>,
    late?: (v: T) => void,
  ): Promise<T> {
    return withClientParams(what, target, () => this.pool.request(worker, what, fn(), late));
  }

  private async openTransport(peer: Peer, home: RoomRouter, direction: 'send' | 'recv'): Promise<TransportParameters> {
    const transport = await this.pool.request(
      home.worker,
      'createTransport',
      home.router.createWebRtcTransport({
        webRtcServer: home.worker.webRtcServer,
        enableUdp: true,
        enableTcp: true,
        preferUdp: true,
        initialAvailableOutgoingBitrate: this.opts.initialAvailableOutgoingBitrate,
        appData: { peerId: peer.id, direction },
      }),
      (late) => late.close(),
    );
    // The room (or the peer) may have closed while the worker answered.
    if (this.closedFlag || home.router.closed || this.peers.get(peer.id) !== peer) {
      transport.close();
      throw MediaError.unavailable("This room's media closed; reconnect media");
    }
    if (direction === 'send') {
      await this.pool
        .request(home.worker, 'setMaxIncomingBitrate', transport.setMaxIncomingBitrate(this.opts.maxIncomingBitrate))
        .catch((err: Error) => this.log.warn({ err: err.message }, 'setMaxIncomingBitrate failed'));
    }
    const entry: TransportEntry = { transport, direction, peer, home, consumers: new Set() };
    peer.transports.set(transport.id, entry);
    home.transports.add(entry);
    // A held publisher's media path failing means its client cannot simply take it back: end the grace now.
    const onPathChange = () => {
      const why = pathDown(transport);
      if (why && entry.peer.hold) this.endHold(entry.peer, 'mediaFailed', why);
    };
    transport.on('icestatechange', onPathChange);
    transport.on('dtlsstatechange', onPathChange);
    transport.observer.once('close', () => {
      entry.peer.transports.delete(transport.id);
      home.transports.delete(entry);
      // Router closed under us, not by us: its worker died (the router is closed before its transports).
      if (home.router.closed && !this.closedFlag) home.lostPeers.add(entry.peer.id);
      // A held publisher's transport closed (not by closePeer, which ends the hold first): nothing left to hand back.
      if (entry.peer.hold) this.endHold(entry.peer, 'mediaFailed', 'transport closed');
      // An empty viewer router is only cost (pipes, worker memory): drop it; the next crowd gets a fresh one.
      if (!home.origin && home.transports.size === 0 && !this.closedFlag) this.dropRouter(home);
    });
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters,
    };
  }

  /**
   * Where a new viewer's recv transport goes: the first router (origin first) under the consumer threshold whose worker
   * is not full (MEDIASOUP_MAX_CONSUMERS_PER_WORKER, across rooms) nor stalled; else a new router on the least-loaded
   * such worker that has none of this room's routers; else, every usable worker already serving the room, the
   * least-loaded router on one (past the threshold: the node is busy for this room); with no usable worker at all, a
   * typed refusal (QUOTA_EXCEEDED when they are full, UNAVAILABLE when they are stalled). A fresh transport counts as
   * one consumer until it consumes, so viewers arriving together are spread too.
   */
  private async placeViewer(): Promise<RoomRouter> {
    const origin = this.origin;
    const max = this.opts.maxConsumersPerWorker;
    const usable = (w: PooledWorker) => w.stalled === 0 && this.workerLoad(w) + w.consuming < max;
    const open = this.routers.find((rr) => routerLoad(rr) < this.opts.consumersPerRouter && usable(rr.worker));
    if (open) return open;
    const used = new Set(this.routers.map((rr) => rr.worker));
    const fresh = this.pool.workers.filter((w) => !used.has(w) && usable(w));
    if (fresh.length > 0) return this.addRouter(false, new Set(this.pool.workers.filter((w) => !fresh.includes(w))));
    const candidates = this.routers.filter((rr) => usable(rr.worker));
    if (candidates.length === 0) {
      if (this.pool.workers.every((w) => w.stalled > 0))
        throw MediaError.unavailable('No media server is answering right now; retry shortly');
      this.log.warn({ max }, 'every media worker is at MEDIASOUP_MAX_CONSUMERS_PER_WORKER; refusing a viewer');
      throw MediaError.full('MEDIASOUP_MAX_CONSUMERS_PER_WORKER', max, 'Every media server is full; retry later');
    }
    const least = candidates.reduce((a, b) => (routerLoad(b) < routerLoad(a) ? b : a));
    this.log.warn(
      { load: routerLoad(least), threshold: this.opts.consumersPerRouter, origin: least === origin },
      'every worker serves this room at its threshold; overfilling the least-loaded router',
    );
    return least;
  }

  private async addRouter(origin: boolean, exclude: ReadonlySet<PooledWorker>): Promise<RoomRouter> {
    const { router, pooled } = await this.pool.createRouter({ roomId: this.roomId, origin }, { exclude, load: this.workerLoad });
    if (this.closedFlag) {
      router.close();
      throw MediaError.unavailable("This room's media closed; reconnect media");
    }
    const rr: RoomRouter = { router, worker: pooled, origin, transports: new Set(), piped: new Map(), lostPeers: new Set() };
    this.routers.push(rr);
    router.once('workerclose', () => this.lost.set(router, rr));
    router.observer.once('close', () => {
      const i = this.routers.indexOf(rr);
      if (i >= 0) this.routers.splice(i, 1);
    });
    this.log.debug({ routerId: router.id, worker: pooled.index, origin }, 'room router created');
    return rr;
  }

  /** Ends a hold by closing the held peer's media (viewers get producerClosed / consumerClosed as usual). */
  private endHold(peer: Peer, event: Exclude<GraceEvent, 'started' | 'resumed' | 'roomClosed'>, why?: string): void {
    if (!peer.hold || this.peers.get(peer.id) !== peer) return;
    this.log.info({ peerId: peer.id, event, why, heldMs: Date.now() - peer.hold.since }, 'publisher grace period over; closing its media');
    this.emit('grace', event);
    this.closePeer(peer.id);
  }

  /** `from`'s hold, if any, ends because its media now belongs to `to` (the same peer when its connection recovered). */
  private resumeHold(from: Peer, to: Peer): void {
    if (!from.hold) return;
    clearTimeout(from.hold.timer);
    this.log.info(
      { peerId: to.id, previousPeerId: from.id, heldMs: Date.now() - from.hold.since },
      'publisher reconnected within its grace period; its media carries on',
    );
    from.hold = undefined;
    this.emit('grace', 'resumed');
  }

  /** Hands `from`'s send transports and producers to `to`; `from`'s recv transports close and `from` is forgotten. */
  private movePeer(from: Peer, to: Peer): void {
    for (const t of [...from.transports.values()]) if (t.direction === 'recv') t.transport.close();
    for (const [id, t] of from.transports) {
      t.peer = to;
      t.transport.appData.peerId = to.id;
      to.transports.set(id, t);
    }
    for (const [id, p] of from.producers) {
      p.appData.peerId = to.id;
      to.producers.set(id, p);
    }
    from.transports.clear();
    from.producers.clear();
    this.peers.delete(from.id);
  }

  private dropRouter(rr: RoomRouter): void {
    rr.router.close(); // closes its pipe transport, whose pair on the origin closes with it
  }

  /**
   * Makes `producer` consumable on `rr` (a no-op on the origin). pipeToRouter keeps the producer id, pairs one pipe
   * transport per router pair, and closes the piped copy when the original closes.
   */
  private pipe(producer: types.Producer, rr: RoomRouter): Promise<void> {
    if (rr.origin) return Promise.resolve();
    let pending = rr.piped.get(producer.id);
    if (!pending) {
      const origin = this.origin;
      const piping = origin.router.pipeToRouter({
        producerId: producer.id,
        router: rr.router,
        enableRtx: true,
        listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
      });
      pending = this.pool
        .request(origin.worker, 'pipeToRouter', piping, ({ pipeConsumer, pipeProducer }) => {
          pipeConsumer?.close();
          pipeProducer?.close();
        })
        .then(({ pipeProducer }) => {
          pipeProducer?.observer.once('close', () => rr.piped.delete(producer.id));
        })
        .catch((err: Error) => {
          rr.piped.delete(producer.id);
          if (err instanceof MediaError) throw err;
          throw MediaError.unavailable(`Could not reach this track from your media router (${err.message}); retry`, err);
        });
      rr.piped.set(producer.id, pending);
    }
    return pending;
  }
}

/** Why a transport's media path is down (ICE gone, DTLS failed or closed), or undefined while it may still work. */
function pathDown(t: types.WebRtcTransport): string | undefined {
  if (t.iceState === 'disconnected' || t.iceState === 'closed') return `ICE ${t.iceState}`;
  if (t.dtlsState === 'failed' || t.dtlsState === 'closed') return `DTLS ${t.dtlsState}`;
  return undefined;
}

function summary(p: types.Producer): ProducerSummary {
  return { id: p.id, kind: p.kind, paused: p.paused };
}

function routerConsumers(rr: RoomRouter): number {
  let n = 0;
  for (const t of rr.transports) n += t.consumers.size;
  return n;
}

/** Consumers on a router, counting a recv transport that has not consumed yet as one (its viewer is about to). */
function routerLoad(rr: RoomRouter): number {
  let n = 0;
  for (const t of rr.transports) if (t.direction === 'recv') n += Math.max(1, t.consumers.size);
  return n;
}
