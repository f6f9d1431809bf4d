import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { isPublishedSecret } from './kernel/publishedSecrets.ts';
import { STOCK_STEPS } from './stock/benchReserve.ts';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const port = z.coerce.number({ error: 'must be a port number (0-65535)' }).int('must be an integer').min(0).max(65535);

/**
 * Every environment variable Hawker reads. README.md ("Configuration") documents each one; keep the two in step.
 * Parsed once at start-up, so a typo fails fast with the variable's name instead of misbehaving later.
 */
const EnvSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  /**
   * A second listener (same HOST) for health checks and metrics only: `/healthz`, `/readyz`, `/metrics`. Unset: they
   * are served on PORT only (they still are, with it set). Why: the node accepts one new connection per turn of its event
   * loop (libuv), so under a flood of new connections on PORT a health check that opens its own connection (Kubernetes
   * probes, most load balancers) waits behind hundreds of them in PORT's accept queue, seconds under abuse, and the node
   * is declared dead while it serves. On its own listener the check waits for one turn at most.
   */
  HEALTH_PORT: port.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** External Redis; when unset, Hawker launches its own redis-server with data under DATA_DIR. */
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
  /** Prefix of every Redis key Hawker owns (lets several deployments or test runs share one Redis). */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/, 'must be 1-64 chars of A-Z a-z 0-9 : _ -')
    .default('hawker:'),
  DATA_DIR: z.string().min(1).default('./data'),
  /**
   * PostgreSQL, the system of record for money (server/ledger). Unset: Hawker launches its own PostgreSQL 15 with data
   * under DATA_DIR (development and tests; production needs ALLOW_EMBEDDED_SERVICES=true for that).
   */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional(),
  /**
   * Production only (NODE_ENV=production): let Hawker launch its own Redis and PostgreSQL under DATA_DIR when REDIS_URL /
   * DATABASE_URL are unset (single-box installs). Off: production refuses to start without both URLs.
   */
  ALLOW_EMBEDDED_SERVICES: bool.default(false),
  /** Schema holding Hawker's tables (lets several deployments or test runs share one database). */
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier (a-z 0-9 _, 1-63 chars)')
    .default('hawker'),
  /** Connections in this process's PostgreSQL pool. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(16),
  /** Connections of the second pool, for work that is not money (ledger/index.ts, `bulkPool`). */
  DATABASE_BULK_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(4),
  /** How often gateway charges are reconciled with the ledger (a repeatable BullMQ job). */
  RECONCILE_EVERY_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(24 * 3600_000)
    .default(5 * 60_000),
  /** How far back each reconciliation run looks at the gateway's charges. */
  RECONCILE_WINDOW_MS: z.coerce
    .number()
    .int()
    .min(10_000)
    .max(30 * 24 * 3600_000)
    .default(24 * 3600_000),
  /** Charges younger than this are left for the next run (their order may still be settling). */
  RECONCILE_SETTLE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 3600_000)
    .default(60_000),
  /** mediasoup workers; default one per core. */
  MEDIASOUP_WORKERS: z.coerce.number().int().min(1).max(64).default(os.availableParallelism()),
  MEDIASOUP_LOG_LEVEL: z.enum(['debug', 'warn', 'error', 'none']).default('warn'),
  /** IP the WebRtcServers listen on. */
  MEDIASOUP_LISTEN_IP: z.ipv4().or(z.ipv6()).default('127.0.0.1'),
  /** Public IP or hostname put in ICE candidates, for hosts behind NAT or cloud 1:1 NAT. */
  MEDIASOUP_ANNOUNCED_ADDRESS: z.string().min(1).optional(),
  /** Worker i listens on UDP and TCP port MEDIASOUP_PORT_BASE + i; 0 picks free ports (tests). */
  MEDIASOUP_PORT_BASE: port.default(40000),
  /** Upper bound for graceful shutdown before the process exits anyway. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /**
   * HS256 secret shared by every node (and your token issuer). Unset: a development secret is used (refused in
   * production, as are published values and secrets shorter than 32 characters).
   */
  JWT_SECRET: z.string().min(16, 'must be at least 16 characters').default('hawker-dev-secret-change-me'),
  /** Verify tokens against your identity provider's JWKS instead of JWT_SECRET. */
  JWT_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  /** POST /api/dev/tokens mints tokens for any identity: for demos and tests only. Default: on unless NODE_ENV=production (where `true` is refused). */
  DEV_TOKENS: bool.optional(),
  /** `production` fails closed: loadConfig refuses development defaults, published secrets and self-launched services. */
  NODE_ENV: z.string().optional(),
  /** Replace a mediasoup worker that dies (on by default; tests of the death path may turn it off). */
  MEDIASOUP_RESPAWN: bool.default(true),
  // Live rooms (issue 3): chat, likes, presence.
  /** Chat messages kept per room (Redis stream MAXLEN) and replayed on join; also the most one tick delivers. */
  CHAT_HISTORY: z.coerce.number().int().min(10).max(1000).default(100),
  /** Socket events one connection may have processed per second (a token bucket; RATE_LIMITED naming it past it). */
  SOCKET_EVENTS_PER_SEC: z.coerce.number().int().min(1).max(10_000).default(20),
  /** Burst of the per-connection event budget (events above the rate it absorbs at once). */
  SOCKET_EVENTS_BURST: z.coerce.number().int().min(1).max(100_000).default(60),
  /** Per-user chat rate limit (held in Redis, so across nodes): a burst of this many messages... */
  CHAT_RATE_BURST: z.coerce.number().int().min(1).max(1000).default(5),
  /** ...refilled at this many messages per minute. */
  CHAT_RATE_PER_MIN: z.coerce.number().int().min(1).max(60_000).default(20),
  /**
   * Per-viewer delivery budget of very large rooms (issue 20): chat messages a second each viewer is sent from other
   * viewers (burst: as many) in a room with at least CHAT_BUDGET_MIN_VIEWERS connections on the node; the rest are
   * sampled out (their senders still get them; the creator's and moderators' always go out). 0: off.
   */
  CHAT_VIEWER_BUDGET_PER_S: z.coerce.number().int().min(0).max(1000).default(20),
  /** Connections a room needs on a node before CHAT_VIEWER_BUDGET_PER_S applies to it. */
  CHAT_BUDGET_MIN_VIEWERS: z.coerce.number().int().min(1).max(1_000_000).default(2000),
  /** Longest mute a moderator may choose, seconds (mod:mute; the protocol's own ceiling is 7 days). */
  MODERATION_MUTE_MAX_S: z.coerce
    .number()
    .int()
    .min(10)
    .max(7 * 24 * 3600)
    .default(7 * 24 * 3600),
  /** Users one room's ban list may hold (mod:ban; re-banning is free): QUOTA_EXCEEDED past it. */
  MODERATION_BANS_PER_ROOM: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** Users one agency's ban list may hold (mod:agencyBan): QUOTA_EXCEEDED past it. */
  MODERATION_BANS_PER_AGENCY: z.coerce.number().int().min(1).max(10_000_000).default(100_000),
  /** Users muted at once in one room (expired mutes do not count): QUOTA_EXCEEDED past it. */
  MODERATION_MUTES_PER_ROOM: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** Creators on one agency's roster: QUOTA_EXCEEDED past it (a large MCN runs thousands). */
  AGENCY_MAX_CREATORS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** Moderators on one agency's roster: QUOTA_EXCEEDED past it. */
  AGENCY_MAX_MODERATORS: z.coerce.number().int().min(1).max(100_000).default(1_000),
  /** Longest slow-mode interval a moderator may choose, seconds (mod:slowMode; the protocol's ceiling is 600). */
  MODERATION_SLOW_MODE_MAX_S: z.coerce.number().int().min(1).max(600).default(600),
  /** Each room's tick on each node: chat goes out in one batch per tick. */
  ROOM_TICK_MS: z.coerce.number().int().min(10).max(5_000).default(100),
  /** How often viewer and like counts are refreshed and pushed (when they changed); a multiple of ROOM_TICK_MS. */
  STATS_TICK_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  /**
   * Socket writes per second one node spends on one room's ticks (live stock, room stats; each): a room with more
   * connections on the node than this allows at the tick's rate gets them less often (the newest state, merged; never
   * lost), at most TICK_ROOM_MAX_GAP_MS apart. At the default, rooms up to 1,000 connections per node keep every 500 ms
   * tick; 3,000 get one every 1.5 s (server/kernel/ticks.ts, TickPace). 0: every tick to every room.
   */
  TICK_ROOM_WRITES_PER_SEC: z.coerce.number().int().min(0).max(10_000_000).default(2_000),
  /** The longest a room's tick push waits under TICK_ROOM_WRITES_PER_SEC. */
  TICK_ROOM_MAX_GAP_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /** A node that stops heartbeating (crash) drops out of every viewer count after this long (plus up to a third of it). */
  PRESENCE_TTL_MS: z.coerce.number().int().min(300).max(300_000).default(15_000),
  /**
   * Consumers a room router serves before new viewers go to a router on another worker (docs/media.md). 400: what one
   * worker forwarded over SRTP without loss on the benchmark machine (docs/benchmarks.md, P4).
   */
  MEDIASOUP_CONSUMERS_PER_ROUTER: z.coerce.number().int().min(1).max(100_000).default(400),
  /**
   * Hard cap on one worker's consumers across rooms (recv transports yet to consume count as one): past it viewers go
   * to another worker or are refused with QUOTA_EXCEEDED, never queued behind a worker that would stall. 500: where the
   * benchmark's worker stalled over SRTP (docs/benchmarks.md, P4); raise it on a machine that measures more.
   */
  MEDIASOUP_MAX_CONSUMERS_PER_WORKER: z.coerce.number().int().min(1).max(100_000).default(500),
  /**
   * How long a request to a mediasoup worker may take before the client is answered UNAVAILABLE (mediasoup's own
   * requests never time out); what the worker creates after that is closed (docs/media.md).
   */
  MEDIASOUP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Minimum gap between keyframe requests forwarded to a creator's encoder, however many viewers ask. */
  MEDIASOUP_KEYFRAME_REQUEST_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  /** Cap on what one creator may send, bits/s (simulcast 3 layers needs about 2.5 Mbit/s). */
  MEDIASOUP_MAX_INCOMING_BITRATE: z.coerce.number().int().min(100_000).max(100_000_000).default(5_000_000),
  /** A viewer transport's starting bandwidth estimate, bits/s, before congestion control has measured. */
  MEDIASOUP_INITIAL_OUTGOING_BITRATE: z.coerce.number().int().min(100_000).max(100_000_000).default(1_000_000),
  /**
   * How long a creator's media outlives a dropped signaling connection, so a websocket blip does not end the video for
   * every viewer; a reconnect within it takes the same tracks back. 0: close at once (docs/media.md).
   */
  STREAM_RECONNECT_GRACE_MS: z.coerce.number().int().min(0).max(300_000).default(15_000),
  // Recording and replay (issue 18, docs/replay.md).
  /** Record lives on this node (each room's `record` setting, default on, decides per room). `false`: never. */
  RECORDING: bool.default(true),
  /** Where recordings' HLS files are kept; unset: `$DATA_DIR/recordings`. */
  RECORDINGS_DIR: z.string().min(1).optional(),
  /** Recordings this node runs at once (each an ffmpeg transcode: about 8 % of a core at 480p, 23 % at 720p; docs/replay.md). */
  RECORDINGS_MAX_CONCURRENT: z.coerce.number().int().min(1).max(256).default(4),
  /** Bytes one recording may write; past it the recording stops (with an alert) and the live goes on. */
  RECORDING_MAX_BYTES: z.coerce.number().int().min(1_000_000).max(1_000_000_000_000).default(4_000_000_000),
  /** Longest clip cut from a recording, ms (docs/replay.md, "Clips"); a longer range is refused naming this limit. */
  CLIP_MAX_MS: z.coerce.number().int().min(1_000).max(600_000).default(60_000),
  /** Clips one creator may have (drafts included; deleting one frees its place). */
  CLIPS_PER_CREATOR: z.coerce.number().int().min(1).max(1_000_000).default(200),
  /** Clips the rooms of one agency may have, all its creators together. */
  CLIPS_PER_AGENCY: z.coerce.number().int().min(1).max(10_000_000).default(2_000),
  /** Clip cuts (each an ffmpeg transcode of at most CLIP_MAX_MS) this node runs at once; the rest wait in line. */
  CLIP_CUTS_CONCURRENT: z.coerce.number().int().min(1).max(64).default(2),
  /** Clip cuts that may wait in this node's line; past it a new clip is refused (RATE_LIMITED) until one finishes. */
  CLIP_CUTS_QUEUED: z.coerce.number().int().min(0).max(1_000).default(16),
  /**
   * A clip cut whose ffmpeg writes nothing new for this long (ms) is stuck (an input that never answers, a wedged
   * process): it is killed and the clip fails naming this setting. A busy 2-core box still writes every few seconds.
   */
  CLIP_CUT_STALL_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
  /**
   * Where recordings and clips are stored: `local` (the disk under RECORDINGS_DIR: one node) or `s3` (an S3-compatible
   * bucket, MEDIA_S3_*: several nodes share it). docs/replay.md, "Storage".
   */
  MEDIA_STORAGE: z.enum(['local', 's3']).default('local'),
  /** The S3-compatible endpoint (MinIO, Ceph, R2...); unset: AWS S3 for MEDIA_S3_REGION. Production requires https. */
  MEDIA_S3_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  MEDIA_S3_REGION: z.string().min(1).default('us-east-1'),
  MEDIA_S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3-63 chars of a-z 0-9 . -)')
    .optional(),
  /** Prefix of every object key, so one bucket can hold several deployments. */
  MEDIA_S3_PREFIX: z
    .string()
    .regex(/^([A-Za-z0-9_.-]+\/)*$/, 'must be empty or path segments ending in / (e.g. hawker/)')
    .default('hawker/'),
  MEDIA_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  MEDIA_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** The bucket in the URL's path, not its host name (MinIO and most self-hosted stores need it). */
  MEDIA_S3_FORCE_PATH_STYLE: bool.default(true),
  /** Days a finished recording is kept; then a BullMQ job deletes its media (clips stay until deleted). 0: for ever. */
  RECORDING_RETENTION_DAYS: z.coerce.number().min(0).max(36_500).default(30),
  /** How often the retention job runs (one run per deployment, whatever the number of nodes). */
  RECORDING_RETENTION_EVERY_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(7 * 24 * 3600_000)
    .default(3600_000),
  /**
   * Bytes of media (recordings not yet expired, and clips) one agency may store; a room without an agency counts
   * against its creator. Reached: its recordings stop (with an alert) and clips are refused (QUOTA_EXCEEDED).
   */
  MEDIA_QUOTA_BYTES_PER_AGENCY: z.coerce.number().int().min(1_000_000).max(1e15).default(500_000_000_000),
  // Image uploads (issue 17, docs/uploads.md).
  /** Where uploaded pictures are kept (one file per content hash); unset: `$DATA_DIR/uploads`. */
  UPLOADS_DIR: z.string().min(1).optional(),
  /** Bytes one uploaded picture may have, as sent (PAYLOAD_TOO_LARGE above it). */
  UPLOAD_MAX_BYTES: z.coerce.number().int().min(1_000).max(100_000_000).default(5_000_000),
  /**
   * Pixels (width x height, from the file's header) one uploaded picture may have: a small file can declare a huge
   * picture (a decompression bomb) that every phone showing the product would have to decode. 50 MP fits a 48 MP phone
   * photo.
   */
  UPLOAD_MAX_PIXELS: z.coerce.number().int().min(10_000).max(1_000_000_000).default(50_000_000),
  /** Bytes of stored pictures one user may have in total (QUOTA_EXCEEDED above it; the same picture twice counts once). */
  UPLOAD_QUOTA_BYTES_PER_USER: z.coerce.number().int().min(1_000).max(1_000_000_000_000).default(500_000_000),
  // Abuse limits (issue 14; docs/security.md lists each with its default and its error). Every quota is refused with a
  // typed QUOTA_EXCEEDED or RATE_LIMITED error whose details name the limit (the variable below).
  /** Rooms one creator may have open (not ended) at once. */
  ROOMS_OPEN_PER_CREATOR: z.coerce.number().int().min(1).max(10_000).default(5),
  /** Rooms one creator may create per rolling hour. */
  ROOMS_CREATED_PER_HOUR: z.coerce.number().int().min(1).max(100_000).default(20),
  /** Rooms one connection may be in at once (each costs a timer and Redis work). */
  ROOMS_PER_SOCKET: z.coerce.number().int().min(1).max(1_000).default(10),
  /** Open connections one user may hold, counted across every node. */
  SOCKETS_PER_USER: z.coerce.number().int().min(1).max(1_000).default(10),
  /** Like taps one user may send per second, summed over every connection and node. */
  LIKES_PER_USER_PER_SEC: z.coerce.number().int().min(1).max(10_000).default(30),
  /** Products one room may ever hold, deleted ones included (deleting does not give the slot back). */
  PRODUCTS_PER_ROOM: z.coerce.number().int().min(1).max(10_000).default(200),
  /** Largest product create/update body, bytes of JSON. */
  PRODUCT_MAX_BYTES: z.coerce.number().int().min(1_024).max(65_536).default(16_384),
  /** Largest REST body of any route, bytes (express.json limit). */
  REST_BODY_MAX_BYTES: z.coerce.number().int().min(1_024).max(1_048_576).default(65_536),
  /** REST requests one signed-in user may make per minute (across nodes; bursts up to this many). */
  REST_RATE_PER_USER_PER_MIN: z.coerce.number().int().min(1).max(1_000_000).default(600),
  /** REST requests one client address may make per minute (across nodes). */
  REST_RATE_PER_IP_PER_MIN: z.coerce.number().int().min(1).max(1_000_000).default(1_200),
  /**
   * Cut a connection far past its budget: one that gets this many RATE_LIMITED answers (any limit: its event budget,
   * LIKES_PER_USER_PER_SEC, chat) within SOCKET_CUT_WINDOW_MS is told once (`connection:cut`, RATE_LIMITED naming
   * SOCKET_CUT_REFUSALS) and disconnected. The SDK sends at most 4 like packets a second per room, so it cannot reach
   * the default.
   */
  SOCKET_CUT_REFUSALS: z.coerce.number().int().min(5).max(1_000_000).default(60),
  /**
   * Cork each connection's TCP socket around a flush of several queued packets, so they leave in one system call rather
   * than one per WebSocket frame (server/kernel/corkedWrites.ts). Process-wide once any node of the process starts
   * with it on; `false` is for an A/B of the write path (bench:soak `--set SOCKET_CORK_FLUSHES=false`).
   */
  SOCKET_CORK_FLUSHES: bool.default(true),
  /**
   * Flush each connection's queued packets once per turn of the event loop, so an acknowledgement and the packets
   * produced with it (a buyer's two attempts answered by one Redis reply, a push caused by the same event) leave in one
   * write instead of one write each (server/kernel/corkedWrites.ts). Process-wide once any node of the process starts
   * with it on; `false` is for an A/B of the write path.
   */
  SOCKET_COALESCE_FLUSHES: bool.default(true),
  /** The window SOCKET_CUT_REFUSALS counts in, ms. */
  SOCKET_CUT_WINDOW_MS: z.coerce.number().int().min(1_000).max(600_000).default(10_000),
  /** After a cut, the user's new connections are refused (RATE_LIMITED, on every node) for this long, ms. */
  SOCKET_CUT_COOLDOWN_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
  /**
   * Cut a client address far past REST_RATE_PER_IP_PER_MIN: one that is refused this many times within REST_CUT_WINDOW_MS
   * gets every `/api/` request refused at the edge (429, Retry-After, RATE_LIMITED naming REST_CUT_REFUSALS) for
   * REST_CUT_COOLDOWN_MS, before any parsing, token check or Redis call.
   */
  REST_CUT_REFUSALS: z.coerce.number().int().min(10).max(10_000_000).default(600),
  /** The window REST_CUT_REFUSALS counts in, ms. */
  REST_CUT_WINDOW_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
  /** How long a cut address is refused, ms. */
  REST_CUT_COOLDOWN_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
  /** Refusals are counted, not logged one by one: one line per this many ms says how many each limit refused. */
  REFUSAL_LOG_INTERVAL_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
  /**
   * Proxies whose X-Forwarded-For is believed, as express `trust proxy` values (comma-separated addresses, CIDRs or
   * `loopback`, `linklocal`, `uniquelocal`). Unset: none, so the client address is the TCP peer and a forged header
   * changes nothing. docker-compose.yml sets it to the nginx network.
   */
  TRUSTED_PROXIES: z.string().max(2_000).optional(),
  /** Per-buyer limit a flash sale applies when its product sets none (shown to buyers with the sale). */
  FLASH_SALE_DEFAULT_MAX_PER_BUYER: z.coerce.number().int().min(1).max(99).default(5),
  /** Longest token lifetime accepted (exp minus iat, or exp minus now without iat); tokens without exp are refused. */
  TOKEN_MAX_LIFETIME_S: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 24 * 3600)
    .default(7 * 24 * 3600),
  /** Audit entries kept per stream (room, agency, platform); older ones are trimmed. */
  AUDIT_MAX_ENTRIES: z.coerce.number().int().min(100).max(1_000_000).default(10_000),
  /** Audited actions one agency's staff may take per minute (moderation, roster, keywords); more are RATE_LIMITED. */
  AUDIT_RATE_PER_AGENCY_PER_MIN: z.coerce.number().int().min(1).max(100_000).default(300),
  /** maxmemory of the Redis Hawker launches itself (policy noeviction: writes fail rather than data vanish). */
  REDIS_MAXMEMORY_MB: z.coerce.number().int().min(64).max(1_048_576).default(1_024),
  /** Share of Redis maxmemory in use at which the node warns and /readyz reports low headroom. */
  REDIS_MEMORY_WARN_RATIO: z.coerce.number().min(0.1).max(0.99).default(0.8),
  /** Shops one account may own (issue 15; merchants and creators open their own, admins for anyone). */
  SHOPS_PER_OWNER: z.coerce.number().int().min(1).max(1_000).default(1),
  /** Products one shop may hold, archived ones included (deleting a never-ordered product frees its slot). */
  PRODUCTS_PER_SHOP: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** Creators one user may follow (issue 19). */
  FOLLOWS_PER_USER: z.coerce.number().int().min(1).max(100_000).default(2_000),
  /**
   * Crowd pipeline (issue 19) on or off. Off: this node records no viewer events (joins, watch time, likes, clicks,
   * follows, searches, page touches, report markers); crowd readings and reports show what was recorded before. For
   * deployments that want no audience analytics, and for bench:chat's pipeline-on/off comparison.
   */
  CROWD_PIPELINE: bool.default(true),
  /** Crowd pipeline (issue 19): how often each node writes its buffered viewer events to PostgreSQL (ms). */
  CROWD_FLUSH_MS: z.coerce.number().int().min(50).max(60_000).default(2_000),
  /** Rows a node's crowd buffer holds at most between flushes; events needing a new row past it are dropped and counted. */
  CROWD_BUFFER_MAX: z.coerce.number().int().min(100).max(5_000_000).default(200_000),
  /** An open viewing session's watch time is written at least this often (ms), so a crash loses little of it. */
  CROWD_WATCH_CREDIT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(300_000),
  /** Seconds of watching in a day that make a person interested (种草) in a creator, agency or shop. */
  CROWD_MIN_WATCH_SECONDS: z.coerce.number().int().min(1).max(86_400).default(30),
  /** Days without activity after which a person is lapsed. */
  CROWD_LAPSED_DAYS: z.coerce.number().int().min(1).max(3_650).default(30),
  /** People one crowd reading or export covers at most (QUOTA_EXCEEDED past it). */
  CROWD_PEOPLE_MAX: z.coerce.number().int().min(10).max(10_000_000).default(200_000),
  /** Notices kept per user (issue 19): the fan-out trims each list to its newest this many. */
  NOTICES_PER_USER: z.coerce.number().int().min(1).max(10_000).default(200),
  /** Largest shop product create/edit body, bytes of JSON (200 SKUs with codes and prices take about 25 KB). */
  SHOP_PRODUCT_MAX_BYTES: z.coerce.number().int().min(4_096).max(1_048_576).default(49_152),
  /** Lowest commission rate a shop may set (default, plan or offer), in basis points (100 = 1 %). */
  COMMISSION_MIN_BPS: z.coerce.number().int().min(0).max(10_000).default(100),
  /** Highest commission rate a shop may set, in basis points (8000 = 80 %). */
  COMMISSION_MAX_BPS: z.coerce.number().int().min(0).max(10_000).default(8_000),
  /** Open plans one shop may have (one per product). */
  PLANS_PER_SHOP: z.coerce.number().int().min(1).max(1_000_000).default(2_000),
  /** Targeted offers (product x creator or agency) one shop may have. */
  OFFERS_PER_SHOP: z.coerce.number().int().min(1).max(1_000_000).default(5_000),
  /** Applications one creator may have waiting for a shop's answer at once. */
  PENDING_APPLICATIONS_PER_CREATOR: z.coerce.number().int().min(1).max(10_000).default(100),
  // Commerce (server/catalog, flash-sale, orders, payments, analytics; docs/commerce.md)
  /** Period of the commerce tick: coalesced stock broadcasts, flash-sale start/end, analytics flush, order expiry. */
  COMMERCE_TICK_MS: z.coerce.number().int().min(20).max(10_000).default(500),
  /** Period of the agency dashboard's push (server/analytics/dashboard.ts): figures re-read, sent when they changed. */
  DASHBOARD_TICK_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  /** How long a reservation waits for its payment before it expires and its stock returns. */
  ORDER_PAYMENT_WINDOW_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(24 * 3600_000)
    .default(300_000),
  /**
   * Benchmarks only (bench:flash-sale, issue 20 P1): how an order's stock step runs. `lua` (Hawker's): reserve.lua,
   * one atomic script. `watch` (WATCH/MULTI retried), `lock` (a per-pool SET NX PX lock) and `naive` (no isolation:
   * oversells) run a JavaScript port of the same checks and writes (server/stock/benchReserve.ts), so the baselines
   * share all the rest of the server. Production refuses anything but `lua`.
   */
  BENCH_STOCK_STEP: z.enum(STOCK_STEPS).default('lua'),
  /** BENCH_STOCK_STEP=watch: connections in its pool (each runs one WATCH/MULTI transaction at a time). */
  BENCH_STOCK_WATCH_CONNECTIONS: z.coerce.number().int().min(1).max(1_000).default(16),
  /** BENCH_STOCK_STEP=lock: the lock's lease, ms (a holder that stalls longer lets the next one in). */
  BENCH_STOCK_LOCK_LEASE_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  /**
   * The payment gateway's base URL. Unset: `npm start` launches the sandbox gateway; other launches charge nothing.
   * Production refuses to start without it (unless ALLOW_SANDBOX_GATEWAY=true).
   */
  PAYMENT_GATEWAY_URL: z.url({ protocol: /^https?$/ }).optional(),
  /**
   * Production only: with PAYMENT_GATEWAY_URL unset, let `npm start` launch the sandbox gateway, which charges nothing
   * (demos). Hawker cannot tell a sandbox from a real gateway by its URL, so a PAYMENT_GATEWAY_URL is taken as a choice.
   */
  ALLOW_SANDBOX_GATEWAY: bool.default(false),
  /** Bearer key for the gateway (must be set, and not a published value, in production). */
  PAYMENT_GATEWAY_API_KEY: z.string().min(8).default('sk_sandbox_hawker_dev'),
  /** HMAC secret of the gateway's webhooks (must be set, unpublished and 32+ characters in production). */
  PAYMENT_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').default('whsec_hawker_dev_change_me'),
  /** Run a payment worker in this process (turn off when running `server/payments/workerMain.ts` separately). */
  PAYMENT_WORKER: bool.default(true),
  /**
   * Payment jobs are I/O-bound (they wait on the gateway), so throughput per worker is about concurrency / (gateway
   * latency + ~10 ms): 64 with a 50 ms gateway is ~1,000 charges/s; a 300 ms PSP needs ~300 for the same.
   */
  PAYMENT_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(64),
  /** Charge attempts per order before the worker gives up (the order then fails and its stock returns). */
  PAYMENT_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(10),
  /** First retry delay; doubles per attempt, capped at 32x, with jitter. */
  PAYMENT_BACKOFF_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  PAYMENT_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
  /** A job whose worker stops renewing its lock for this long (crash, SIGKILL) is retried by another worker. */
  PAYMENT_LOCK_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  // After payment (issue 16: server/refunds; docs/commerce.md, "After payment: cancel and refunds").
  /** How long after payment a buyer may ask for a refund (default 7 days). */
  REFUND_REQUEST_WINDOW_MS: z.coerce
    .number()
    .int()
    .min(60_000)
    .max(365 * 86_400_000)
    .default(7 * 86_400_000),
  /** Refund requests one buyer may have open (waiting for the shop's answer) at once, across their orders. */
  REFUND_REQUESTS_OPEN_PER_BUYER: z.coerce.number().int().min(1).max(1_000).default(5),
  /** Refund requests one order may have in all (open, approved and rejected). */
  REFUND_REQUESTS_PER_ORDER: z.coerce.number().int().min(1).max(100).default(5),
  /** Refunds one order may have in all (partial refunds add up; each is a gateway call). */
  REFUNDS_PER_ORDER: z.coerce.number().int().min(1).max(1_000).default(20),
  /** How often requested refunds whose gateway outcome is unknown (timeout) are retried, with the same key. */
  REFUND_RETRY_MS: z.coerce.number().int().min(50).max(3_600_000).default(30_000),
  // Merchant operations (issue 16: server/exports, server/webhooks; docs/commerce.md, "Exports and webhooks").
  /** Development only: webhook endpoints may be http(s) on localhost / 127.0.0.1 / [::1]. Refused in production. */
  WEBHOOK_ALLOW_HTTP_LOCALHOST: bool.default(false),
  /** Webhook endpoints per shop and per agency. */
  WEBHOOK_ENDPOINTS_PER_OWNER: z.coerce.number().int().min(1).max(100).default(10),
  /** Run the webhook delivery worker in this node (false: deliveries wait for a node that runs it). */
  WEBHOOK_WORKER: bool.default(true),
  /** HTTP attempts per delivery (the first and its retries) before it counts as failed. */
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(30).default(8),
  /** First retry delay of a delivery; doubles per attempt, capped at 32x, with jitter. */
  WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(10).max(3_600_000).default(10_000),
  /** How long one delivery attempt may take (connect to last byte of the answer). */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** How often the dispatcher looks for new events in the outbox. */
  WEBHOOK_DISPATCH_MS: z.coerce.number().int().min(20).max(60_000).default(1_000),
  /** An endpoint is disabled after this many consecutive failed deliveries ... */
  WEBHOOK_DISABLE_AFTER_FAILURES: z.coerce.number().int().min(1).max(100_000).default(50),
  /** ... when the first of them failed at least this long ago (default a day). */
  WEBHOOK_DISABLE_MIN_AGE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(30 * 86_400_000)
    .default(86_400_000),
  // Fulfilment (issue 16: server/fulfilment; docs/commerce.md, "After payment: fulfilment").
  /** A delivered order is completed automatically this long after delivery (default 7 days). */
  ORDER_AUTO_COMPLETE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(365 * 86_400_000)
    .default(7 * 86_400_000),
  /** How often each node completes delivered orders that are due (any node may; each order completes once). */
  FULFILMENT_TICK_MS: z.coerce.number().int().min(20).max(3_600_000).default(60_000),
  /** Largest shipments CSV upload, bytes (the JSON body around it is bounded by REST_BODY_MAX_BYTES too). */
  FULFILMENT_CSV_MAX_BYTES: z.coerce.number().int().min(64).max(1_048_576).default(48_000),
  /** Most data rows in one shipments CSV upload. */
  FULFILMENT_CSV_MAX_ROWS: z.coerce.number().int().min(1).max(10_000).default(500),
});

export type Config = Omit<z.infer<typeof EnvSchema>, 'DEV_TOKENS'> & { DEV_TOKENS: boolean; dataDir: string };

/** Thrown for a bad environment; `message` is one line naming the variable(s) and what they must be. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses configuration from an environment (default: process.env). Throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset": `FOO= npm start` should give the default, not a parse error.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? '?');
      return `${name}=${JSON.stringify(env[name] ?? '')} ${i.message}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')} (see README.md, Configuration)`);
  }
  const data = parsed.data;
  const s3Problems = mediaStorageProblems(data);
  if (s3Problems.length > 0) {
    throw new ConfigError(`Invalid configuration: ${s3Problems.join('; ')} (see README.md, Configuration)`);
  }
  const production = data.NODE_ENV === 'production';
  if (production) {
    const problems = productionProblems(cleaned, data);
    if (problems.length > 0) {
      throw new ConfigError(`Invalid configuration for NODE_ENV=production: ${problems.join('; ')} (see README.md, Configuration)`);
    }
  }
  return { ...data, DEV_TOKENS: data.DEV_TOKENS ?? !production, dataDir: path.resolve(data.DATA_DIR) };
}

/** MEDIA_STORAGE=s3 needs its bucket and credentials, in every environment (a missing one would fail every write). */
function mediaStorageProblems(data: z.infer<typeof EnvSchema>): string[] {
  if (data.MEDIA_STORAGE !== 's3') return [];
  const missing = (['MEDIA_S3_BUCKET', 'MEDIA_S3_ACCESS_KEY_ID', 'MEDIA_S3_SECRET_ACCESS_KEY'] as const).filter((n) => !data[n]);
  return missing.map((n) => `${n} is unset: MEDIA_STORAGE=s3 needs the bucket and its credentials`);
}

/** Whether a URL's host is this machine (plain http to it never crosses a network). */
function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}

/** Shortest JWT_SECRET and PAYMENT_WEBHOOK_SECRET production accepts (`openssl rand -hex 32` gives 64). */
export const MIN_PRODUCTION_SECRET_LENGTH = 32;

/**
 * Production fails closed: everything that is fine for development but unsafe with real users and money (a default or
 * published secret, the sandbox gateway, dev tokens, a self-launched Redis or PostgreSQL) must be replaced or explicitly
 * allowed. `set` holds only the variables actually given (empty strings removed), `data` the parsed values. Each
 * problem names its variable and what to do.
 */
function productionProblems(set: Record<string, string | undefined>, data: z.infer<typeof EnvSchema>): string[] {
  const problems: string[] = [];
  const generate = 'e.g. `openssl rand -hex 32`';
  const secret = (name: string, minLength: number | undefined, own = `your own secret (${generate})`): void => {
    const value = set[name];
    if (value === undefined) {
      problems.push(`${name} is unset, so a development default would be used: set it to ${own}`);
    } else if (isPublishedSecret(value)) {
      problems.push(`${name} is a value published in Hawker's repository (default, example or placeholder): set it to ${own}`);
    } else if (minLength !== undefined && value.length < minLength) {
      problems.push(`${name} has ${value.length} characters, fewer than ${minLength}: set a longer secret (${generate})`);
    }
  };

  if (!data.PAYMENT_GATEWAY_URL && !data.ALLOW_SANDBOX_GATEWAY) {
    problems.push(
      'PAYMENT_GATEWAY_URL is unset, so the sandbox gateway (which charges nothing) would be used: set PAYMENT_GATEWAY_URL to your payment provider (or ALLOW_SANDBOX_GATEWAY=true for a demo)',
    );
  }
  // With JWT_JWKS_URL, tokens are verified against the identity provider's keys and JWT_SECRET is not used.
  if (!data.JWT_JWKS_URL) secret('JWT_SECRET', MIN_PRODUCTION_SECRET_LENGTH);
  secret('PAYMENT_WEBHOOK_SECRET', MIN_PRODUCTION_SECRET_LENGTH);
  secret('PAYMENT_GATEWAY_API_KEY', undefined, "your payment provider's API key");
  if (data.WEBHOOK_ALLOW_HTTP_LOCALHOST) {
    problems.push('WEBHOOK_ALLOW_HTTP_LOCALHOST=true lets merchants point webhooks at this machine: unset it in production');
  }
  if (data.BENCH_STOCK_STEP !== 'lua') {
    problems.push(
      `BENCH_STOCK_STEP=${data.BENCH_STOCK_STEP} swaps the atomic stock step for a benchmark baseline (slower, or overselling): unset it in production`,
    );
  }
  if (data.DEV_TOKENS === true) {
    problems.push('DEV_TOKENS=true lets anyone mint a token for any identity: unset it or set DEV_TOKENS=false');
  }
  if (!data.REDIS_URL && !data.ALLOW_EMBEDDED_SERVICES) {
    problems.push(
      'REDIS_URL is unset, so Hawker would launch its own development redis-server: set REDIS_URL to your Redis (or ALLOW_EMBEDDED_SERVICES=true for a single-box install)',
    );
  }
  if (!data.DATABASE_URL && !data.ALLOW_EMBEDDED_SERVICES) {
    problems.push(
      'DATABASE_URL is unset, so Hawker would launch its own development PostgreSQL: set DATABASE_URL to your PostgreSQL (or ALLOW_EMBEDDED_SERVICES=true for a single-box install)',
    );
  }
  if (data.MEDIA_STORAGE === 's3') {
    if (data.MEDIA_S3_ENDPOINT?.startsWith('http:') && !isLoopbackUrl(data.MEDIA_S3_ENDPOINT)) {
      problems.push(
        'MEDIA_S3_ENDPOINT is plain http to another machine, so recordings (failed ones included, which only staff may see) cross the network in clear: use https',
      );
    }
    const key = data.MEDIA_S3_SECRET_ACCESS_KEY;
    if (key && isPublishedSecret(key)) {
      problems.push(
        "MEDIA_S3_SECRET_ACCESS_KEY is a value published in Hawker's repository or a server's default (S3RVER, minioadmin...): set your bucket's own key",
      );
    }
  }
  for (const name of ['DATABASE_URL', 'REDIS_URL'] as const) {
    const url = data[name];
    if (!url) continue;
    let password = '';
    try {
      password = decodeURIComponent(new URL(url).password);
    } catch {
      password = new URL(url).password;
    }
    if (password && isPublishedSecret(password)) {
      problems.push(
        `${name}'s password is a value published in Hawker's repository (default, example or placeholder): set your own password (${generate})`,
      );
    }
  }
  return problems;
}
