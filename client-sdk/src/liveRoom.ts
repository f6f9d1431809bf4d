import type { z } from 'zod';
import type {
  ChatMessage,
  FlashSale,
  Order,
  PinnedProduct,
  PlaceOrderResult,
  Room,
  RoomSnapshot,
  ScheduleSaleBody,
} from '@hawker/protocol';
import { HawkerApi } from './api.ts';
import { HawkerError } from './errors.ts';
import { RoomModeration } from './moderation.ts';
import type { DeviceAhead, Player, Publisher, PublishOptions, WatchOptions, WatchStart } from './media.ts';
import {
  openSocket,
  request,
  Session,
  type ClientSocket,
  type ConnectOptions,
  type LifecycleEvents,
  type ServerPushes,
} from './connection.ts';

/**
 * Events a LiveRoom emits: every server push of the protocol (typed by its schema), plus connection lifecycle.
 *
 * @example
 * room.on('room:updated', ({ room }) => setStatus(room.status));
 * room.on('closed', ({ reason }) => showBanner(reason));
 */
export type LiveRoomEvents = ServerPushes &
  LifecycleEvents & {
    /** A fresh snapshot replaced the state after a reconnect: re-render from it. */
    resync: RoomSnapshot;
  };

/**
 * Options for {@link LiveRoom.join}.
 *
 * @example
 * await LiveRoom.join(url, token, roomId, { timeoutMs: 5_000 });
 * const room = await LiveRoom.join(url, token, roomId, { watch: true }); // a viewer page: video sooner
 */
export type JoinOptions = ConnectOptions & {
  /**
   * Ask for what a player needs (`media:watch`: the router's capabilities, a receive transport and paused consumers
   * for the tracks published now) together with `room:join`, not after it, and load the media code meanwhile: the
   * first {@link LiveRoom.watch} then starts from them and only connects and resumes, saving three round trips before
   * the first frame. For pages that will watch; a page that never does holds an unused transport and paused
   * consumers on the server until it leaves.
   */
  watch?: boolean;
};

/**
 * What {@link LiveRoom.buy} orders: units of a flash sale (sale price and limits), or of a catalog SKU at list price.
 * Prices never come from the client.
 *
 * @example
 * await room.buy({ productId: p.id, skuId: p.skus[0].id, quantity: 2 });
 */
export type BuyInput = { saleId: string; quantity?: number } | { productId: string; skuId: string; quantity?: number };

/**
 * The media half of the SDK (mediasoup-client, the player and publisher), loaded when first needed: a page that joins
 * bundles it as a chunk of its own, fetched and parsed while the connection opens and the join is answered, instead
 * of before the page's script can run at all (issue 20).
 */
const loadMedia = () => import('./media.ts');

/**
 * The routers' capabilities (GET /api/media/capabilities: configuration, not the room's) and a mediasoup-client Device
 * loaded with them, started with the join instead of after `media:watch` answers (issue 17): `device.load` makes the
 * page's first RTCPeerConnection to read the browser's codecs, the slowest local step of a viewer's start. Only where
 * the browser has WebRTC (Node callers pass their own `handlerFactory` to `watch()`, which this cannot know); a
 * room.html `<link rel="preload">` of the same URL has the request in flight before the SDK even runs.
 */
function loadDeviceAhead(url: string): Promise<DeviceAhead> | undefined {
  if (typeof (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection !== 'function') return undefined;
  const caps = fetch(new URL('/api/media/capabilities', url)).then(async (res) => {
    if (!res.ok) throw new HawkerError('UNAVAILABLE', `GET /api/media/capabilities: HTTP ${res.status}`);
    return ((await res.json()) as { routerRtpCapabilities: unknown }).routerRtpCapabilities;
  });
  const ahead = Promise.all([loadMedia(), caps]).then(([media, routerRtpCapabilities]) => media.loadDeviceAhead(routerRtpCapabilities));
  ahead.catch(() => {}); // only a head start: the player loads its device from media:watch's answer without it
  return ahead;
}

/** Taps are sent at most this often, whatever the tapping rate (the server counts them per room per tick anyway). */
const LIKE_FLUSH_MS = 250;
/** Most taps one like:tap may carry. */
const LIKE_MAX_BATCH = 50;

/**
 * A joined live room: the current snapshot, typed live events, and typed actions. Reconnection is automatic: after a
 * dropped connection the SDK reconnects, re-joins, emits `resync` with a fresh snapshot, and recovers the media it
 * owned (a publisher takes back the tracks the server held for it, a player consumes again). `close()` leaves, stops
 * every timer and media session, and is idempotent.
 *
 * @example
 * const room = await LiveRoom.join('https://live.example.com', token, roomId);
 * room.on('room:ended', ({ reason }) => alert(reason));
 * room.on('resync', (snapshot) => render(snapshot));
 */
export class LiveRoom extends Session<LiveRoomEvents> {
  /** REST client with the same server and token (catalog, sales, analytics, room lifecycle). */
  readonly api: HawkerApi;
  /**
   * Moderation of this room (its creator, agency staff, admins): delete messages, mute, ban, slow mode, keywords.
   *
   * @example
   * await room.moderation.deleteMessage(msg.id);
   */
  readonly moderation: RoomModeration;
  private current: RoomSnapshot;
  private offsetMs: number;
  /** Asked for with the join (`JoinOptions.watch`), for the first player. */
  private watchStart: Promise<WatchStart> | undefined;
  /** The device loaded with the join (`JoinOptions.watch`), for the first player. */
  private deviceAhead: Promise<DeviceAhead> | undefined;
  private likes: {
    taps: number;
    timer: ReturnType<typeof setTimeout>;
    done: Promise<number>;
    resolve(n: number): void;
    reject(e: unknown): void;
  } | null = null;

  private constructor(
    socket: ClientSocket,
    readonly roomId: string,
    joined: Joined,
    url: string,
    token: string,
    timeoutMs: number,
  ) {
    super(socket, timeoutMs);
    this.current = joined.snapshot;
    this.offsetMs = joined.offsetMs;
    this.api = new HawkerApi(url, token, { timeoutMs });
    this.moderation = new RoomModeration(this, roomId);
  }

  /**
   * Connects with `token`, joins `roomId`, and resolves once the snapshot arrived. Rejects with a HawkerError:
   * `UNAUTHENTICATED` (bad token), `NOT_FOUND` (no such room), `CONFLICT` (the live ended), `FORBIDDEN` (banned),
   * `NOT_CONNECTED` (server unreachable).
   *
   * @example
   * const room = await LiveRoom.join('http://localhost:3000', token, 'r_abc123');
   * console.log(room.snapshot.room.title);
   */
  static async join(url: string, token: string, roomId: string, opts: JoinOptions = {}): Promise<LiveRoom> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    // A viewer will need the media code right after the join: start loading it now, alongside the connection.
    if (opts.watch) loadMedia().catch(() => {}); // a failed load is reported by watch(), which loads it again
    const deviceAhead = opts.watch ? loadDeviceAhead(url) : undefined;
    // `room` lets a load balancer keep a room's connections on one node, where its media lives (docs/media.md).
    const socket = await openSocket(url, token, opts, { room: roomId });
    // room:join leaves first (request() emits synchronously): the server waits for a join in flight before answering
    // media, but only for one it has received; a `media:watch` ahead of it is refused (FORBIDDEN) and the player
    // then has to ask again after the view is up, a round trip and more later (found by bench:first-frame's frames).
    const joining = joinRoom(socket, roomId, timeoutMs);
    // Sent right behind room:join, in the same flight: the server waits for the join before answering it, with the
    // capabilities, a receive transport and paused consumers for the tracks published now (`media:watch`).
    const watchStart = opts.watch ? request(socket, 'media:watch', { roomId }, timeoutMs) : undefined;
    watchStart?.catch(() => {}); // a refusal is the join's to report; watch() then asks again
    try {
      const joined = await joining;
      const room = new LiveRoom(socket, roomId, joined, url, token, timeoutMs);
      room.watchStart = watchStart;
      room.deviceAhead = deviceAhead;
      room.wire();
      return room;
    } catch (err) {
      socket.disconnect();
      throw err;
    }
  }

  /**
   * The latest join snapshot (replaced on `resync`). Live pushes arrive as events; they are not merged into it.
   *
   * @example
   * const { room, you } = liveRoom.snapshot;
   */
  get snapshot(): RoomSnapshot {
    return this.current;
  }

  /**
   * The room as of the last snapshot or `room:updated` push.
   *
   * @example
   * if (liveRoom.room.status === 'live') play();
   */
  get room(): Room {
    return this.current.room;
  }

  /**
   * The server's clock now (ms epoch), estimated from the last snapshot: use it for countdowns so every viewer sees
   * the same second whatever their device clock says.
   *
   * @example
   * const leftMs = sale.endsAt - room.serverNow();
   */
  serverNow(): number {
    return Date.now() + this.offsetMs;
  }

  /**
   * Takes this room live (its creator only). Everyone in the room, this client included, gets `room:updated`.
   *
   * @example
   * await studio.goLive();
   */
  async goLive(): Promise<Room> {
    const room = await this.api.goLive(this.roomId);
    this.current = { ...this.current, room };
    return room;
  }

  /**
   * Ends this room for everyone (creator, agency, admin). Viewers get `room:ended` with `reason`; this LiveRoom closes.
   *
   * @example
   * await studio.end('See you tomorrow at 8!');
   */
  end(reason?: string): Promise<Room> {
    return this.api.endRoom(this.roomId, reason);
  }

  /**
   * Sends a chat message (弹幕). Resolves with the message as stored; everyone, you included, also gets it in the next
   * `chat:batch`. Rejects with `RATE_LIMITED` (slow mode; `retryAfterMs`), `FORBIDDEN` (muted, or a blocked word),
   * `BAD_REQUEST` (empty or too long).
   *
   * @example
   * await room.chat('Is the blue one in stock?');
   */
  chat(text: string): Promise<ChatMessage> {
    return this.request('chat:send', { roomId: this.roomId, text });
  }

  /**
   * Taps the heart `count` times. Rapid taps are sent together (one packet per quarter second at most); resolves with
   * how many of the batch the server counted (taps over the per-connection or per-person rate are not counted).
   *
   * @example
   * heart.onclick = () => void room.like();
   */
  like(count = 1): Promise<number> {
    if (this.status === 'closed') return Promise.reject(new HawkerError('CLOSED', 'This room is closed; join again to like it'));
    if (!this.likes) {
      let resolve!: (n: number) => void;
      let reject!: (e: unknown) => void;
      const done = new Promise<number>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      const timer = setTimeout(() => this.flushLikes(), LIKE_FLUSH_MS);
      this.likes = { taps: 0, timer, done, resolve, reject };
      const batch = this.likes;
      // Closing the room drops unsent taps: the batch then counts 0.
      const release = this.adopt({
        close: () => {
          clearTimeout(batch.timer);
          batch.resolve(0);
        },
      });
      void done.then(release, release);
    }
    this.likes.taps += Math.max(1, Math.floor(count));
    return this.likes.done;
  }

  /**
   * Orders from a flash sale or the catalog. Resolves with the order as reserved (stock is held for you); its status
   * then arrives in `order:updated` pushes (`pending_payment`, `paid`, or `failed` / `expired`). Safe to retry: a
   * retried call with the same `idempotencyKey` returns the same order. Refusals are `CONFLICT` errors whose `reason`
   * says why: `SOLD_OUT`, `INSUFFICIENT_STOCK`, `LIMIT_REACHED`, `NOT_STARTED`, `ENDED`.
   *
   * @example
   * room.on('order:updated', (u) => showStatus(u.orderId, u.status));
   * const { order } = await room.buy({ saleId: sale.id, quantity: 1 });
   */
  buy(input: BuyInput, idempotencyKey: string = newIdempotencyKey()): Promise<PlaceOrderResult> {
    const quantity = input.quantity ?? 1;
    const payload =
      'saleId' in input
        ? { roomId: this.roomId, saleId: input.saleId, quantity, idempotencyKey }
        : { roomId: this.roomId, productId: input.productId, skuId: input.skuId, quantity, idempotencyKey };
    return this.request('order:place', payload);
  }

  /**
   * Cancels one of your orders that is not paid yet; its stock returns.
   *
   * @example
   * await room.cancelOrder(order.id);
   */
  cancelOrder(orderId: string): Promise<Order> {
    return this.request('order:cancel', { orderId });
  }

  /**
   * Tells the room a viewer opened a product's card or detail: the room's click counters and the crowd (种草) count it.
   * Resolves `{ counted }`; rejects with `FORBIDDEN` (not in the room) or `NOT_FOUND` (not this room's product).
   *
   * @example
   * card.onclick = () => void room.clickProduct(product.id).catch(() => {});
   */
  clickProduct(productId: string): Promise<{ counted: boolean }> {
    return this.request('product:click', { roomId: this.roomId, productId });
  }

  /**
   * Pins a product of this room (its creator, agency, admins): every viewer's product card switches to it.
   *
   * @example
   * await studio.pin(product.id);
   */
  pin(productId: string): Promise<PinnedProduct> {
    return this.api.pin(this.roomId, productId);
  }

  /**
   * Removes the pinned product card.
   *
   * @example
   * await studio.unpin();
   */
  async unpin(): Promise<void> {
    await this.api.unpin(this.roomId);
  }

  /**
   * Launches a flash sale in this room (starts at once unless `startsAt` is given).
   *
   * @example
   * await studio.startSale({ productId, skuId: 'std', durationMs: 60_000, salePrice: 999, quantity: 50, perBuyerLimit: 2 });
   */
  startSale(body: z.input<typeof ScheduleSaleBody>): Promise<FlashSale> {
    return this.api.scheduleSale(this.roomId, body);
  }

  /**
   * Sends `stream` (camera and microphone) to the room's viewers: the room's creator only. The room owns the
   * publisher: it keeps publishing across reconnects (viewers keep the video through a short drop) and stops when the
   * room closes. The caller keeps the tracks (stop them when done with the camera). Rejects with `MEDIA_UNSUPPORTED` without WebRTC, `FORBIDDEN` for anyone else.
   *
   * @example
   * const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
   * const publisher = await room.publish(stream);
   *
   * A room that records its lives (`room.record`, on unless set false) gets H.264 when the browser offers it, so the
   * recording is a remux rather than a transcode; `{ preferH264: false }` keeps the browser's default codec.
   */
  async publish(stream: MediaStream, opts: PublishOptions = {}): Promise<Publisher> {
    const { Publisher } = await loadMedia();
    return Publisher.start(this, stream, { ...opts, preferH264: opts.preferH264 ?? this.room.record !== false });
  }

  /** @internal The media a join asked for ahead (`JoinOptions.watch`), handed out once. */
  takeWatchStart(): Promise<WatchStart> | undefined {
    const taken = this.watchStart;
    this.watchStart = undefined;
    return taken;
  }

  /** @internal The device loaded with the join (`JoinOptions.watch`), handed out once. */
  takeDeviceAhead(): Promise<DeviceAhead> | undefined {
    const taken = this.deviceAhead;
    this.deviceAhead = undefined;
    return taken;
  }

  /**
   * Plays the room's live video in `video` (muted until you set `player.muted = false` from a user gesture, as browsers
   * require). Waits for the creator if nothing is published yet, follows camera off/on, and recovers after reconnects.
   *
   * @example
   * const player = await room.watch(document.querySelector('video')!);
   * player.on('state', (s) => console.log(s)); // 'waiting' | 'playing' | 'paused'
   */
  async watch(video: HTMLVideoElement, opts: WatchOptions = {}): Promise<Player> {
    const { Player } = await loadMedia();
    return Player.start(this, video, opts);
  }

  /**
   * Leaves the room and closes the connection, every media session and timer it owns. Idempotent.
   *
   * @example
   * window.addEventListener('pagehide', () => room.close());
   */
  override close(): void {
    this.shutdown('You left the room', 'CLOSED_BY_CLIENT');
  }

  private flushLikes(): void {
    const batch = this.likes;
    if (!batch) return;
    this.likes = null;
    const sends: Promise<number>[] = [];
    for (let left = batch.taps; left > 0; left -= LIKE_MAX_BATCH) {
      sends.push(
        this.request('like:tap', { roomId: this.roomId, count: Math.min(left, LIKE_MAX_BATCH) }).then(
          (r) => r.accepted,
          // Over the per-person like rate the server counts none of a packet: for the caller, 0 of it counted.
          (err: unknown) => (err instanceof HawkerError && err.code === 'RATE_LIMITED' ? 0 : Promise.reject(err)),
        ),
      );
    }
    Promise.all(sends).then((n) => batch.resolve(n.reduce((a, b) => a + b, 0)), batch.reject);
  }

  protected override onPush(event: keyof ServerPushes, payload: unknown): void {
    if (event === 'room:kicked' && (payload as ServerPushes['room:kicked']).roomId === this.roomId) {
      queueMicrotask(() => this.shutdown((payload as ServerPushes['room:kicked']).reason, 'KICKED'));
    }
    if (event === 'room:updated') {
      const { room } = payload as ServerPushes['room:updated'];
      if (room.id === this.roomId) this.current = { ...this.current, room };
    }
    if (event === 'room:ended') {
      const { roomId, reason } = payload as ServerPushes['room:ended'];
      // Subscribers get the push itself first (forwarded after this), then `closed`.
      if (roomId === this.roomId) queueMicrotask(() => this.shutdown(reason, 'ROOM_ENDED'));
    }
  }

  protected override async resubscribe(): Promise<() => void> {
    const { snapshot, offsetMs } = await joinRoom(this.socket, this.roomId, this.timeoutMs);
    return () => {
      this.current = snapshot;
      this.offsetMs = offsetMs;
      this.events.emit('resync', snapshot);
    };
  }
}

interface Joined {
  snapshot: RoomSnapshot;
  offsetMs: number;
}

/** room:join, with the clock offset estimated at the midpoint of the round trip. */
async function joinRoom(socket: ClientSocket, roomId: string, timeoutMs: number): Promise<Joined> {
  const sent = Date.now();
  const snapshot = await request(socket, 'room:join', { roomId }, timeoutMs);
  const received = Date.now();
  return { snapshot, offsetMs: snapshot.serverTime - Math.round((sent + received) / 2) };
}

/** A fresh key for one order attempt (8-64 chars of A-Z a-z 0-9 _ -). */
function newIdempotencyKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
