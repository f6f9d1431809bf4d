import type { CrowdScopeKind, CrowdSource } from '@hawker/protocol';
import type { Logger } from '../kernel/log.ts';

/** Whose crowd a fact counts towards. */
export interface CrowdScope {
  kind: CrowdScopeKind;
  id: string;
}

/** The counters of one person's day towards one scope (crowd_daily). */
export interface DailyCounts {
  watchSeconds: number;
  likes: number;
  clicks: number;
  follows: number;
  searches: number;
  visits: number;
  sources: Set<CrowdSource>;
}

/** One person in one room (room_viewers). Likes are counted per room minute only (room_minutes). */
export interface ViewerCounts {
  firstAt: number;
  watchSeconds: number;
  clicks: number;
  /** A visit's source other than 'live' (null: came in live). */
  source: CrowdSource | null;
}

/** One room's minute on this node (room_minutes). */
export interface MinuteCounts {
  viewers: number;
  joins: number;
  likes: number;
  clicks: number;
}

/** What one flush writes: each map keyed by its row's primary key. */
export interface CrowdBatch {
  daily: Map<string, { scope: CrowdScope; day: string; userId: string; c: DailyCounts }>;
  viewers: Map<string, { roomId: string; userId: string; c: ViewerCounts }>;
  minutes: Map<string, { roomId: string; minute: number; c: MinuteCounts }>;
  markers: { roomId: string; at: number; kind: 'pin' | 'sale'; productId: string | null }[];
}

/** Where batches go (CrowdStore.write). */
export interface CrowdSink {
  write(nodeId: string, batch: CrowdBatch): Promise<void>;
}

/** A connection watching a room on this node: watch time is credited from `credited` on. */
interface Session {
  roomId: string;
  userId: string;
  scopes: CrowdScope[];
  credited: number;
}

export interface PipelineSettings {
  /** Rows held in memory at most (CROWD_BUFFER_MAX); past it new rows are dropped and counted, never waited for. */
  maxRows: number;
  /** An open session's watch time is credited at least this often (CROWD_WATCH_CREDIT_MS). */
  creditMs: number;
}

const MINUTE = 60_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const emptyDaily = (): DailyCounts => ({ watchSeconds: 0, likes: 0, clicks: 0, follows: 0, searches: 0, visits: 0, sources: new Set() });
const newBatch = (): CrowdBatch => ({ daily: new Map(), viewers: new Map(), minutes: new Map(), markers: [] });

/**
 * Viewer events of one node, summed in memory and written in batches (docs/centre-field.md, "Pipeline"). Recording an
 * event is synchronous map arithmetic: it never waits for PostgreSQL, so the room never waits for analytics. Memory is
 * bounded by rows, not events: a thousand likes of one person in one room are one row until the next flush; when the
 * buffer holds `maxRows` rows an event that needs a new row is dropped and counted (`dropped`). A batch whose write
 * fails is logged and lost (analytics, not money: orders, GMV and refunds are read from the ledger).
 */
export class CrowdPipeline {
  private batch = newBatch();
  private rows = 0;
  private readonly sessions = new Map<string, Session>();
  /** This node's connections per room. */
  private readonly conns = new Map<string, number>();
  private flushing: Promise<void> = Promise.resolve();
  /** Events recorded (accepted into the buffer) and dropped since start. */
  events = 0;
  dropped = 0;
  /**
   * People whose like today this node has already counted (`day|userId`): a like matters to the crowd once a day
   * (interest), so only a person's first like of the day makes daily rows; later ones only add to the room's minute.
   * Bounded: cleared past `maxRows` entries or when the day changes (then a like may be counted once more: harmless).
   */
  private likedToday = new Set<string>();
  private likedDay = '';
  /** Rows written and batches whose write failed. */
  written = 0;
  failed = 0;

  constructor(
    readonly nodeId: string,
    private readonly sink: CrowdSink,
    private readonly settings: PipelineSettings,
    private readonly log: Pick<Logger, 'warn'>,
  ) {}

  /** Rows waiting for the next flush. */
  get pending(): number {
    return this.rows;
  }

  /** Adds to one person's day towards each scope; false when the buffer was full (dropped). */
  fact(
    scopes: readonly CrowdScope[],
    userId: string,
    add: Partial<Omit<DailyCounts, 'sources'>>,
    source: CrowdSource | null,
    now: number,
  ): boolean {
    const day = dayOf(now);
    const rows: DailyCounts[] = [];
    for (const scope of scopes) {
      const key = `${scope.kind}|${scope.id}|${day}|${userId}`;
      let row = this.batch.daily.get(key);
      if (!row) {
        if (!this.room()) return this.drop();
        row = { scope, day, userId, c: emptyDaily() };
        this.batch.daily.set(key, row);
        this.rows++;
      }
      rows.push(row.c);
    }
    for (const c of rows) {
      c.watchSeconds += add.watchSeconds ?? 0;
      c.likes += add.likes ?? 0;
      c.clicks += add.clicks ?? 0;
      c.follows += add.follows ?? 0;
      c.searches += add.searches ?? 0;
      c.visits += add.visits ?? 0;
      if (source) c.sources.add(source);
    }
    this.events++;
    return true;
  }

  /** Adds to one person's row in one room. */
  viewer(
    roomId: string,
    userId: string,
    add: Partial<Omit<ViewerCounts, 'source' | 'firstAt'>>,
    source: CrowdSource | null,
    now: number,
  ): boolean {
    const key = `${roomId}|${userId}`;
    let row = this.batch.viewers.get(key);
    if (!row) {
      if (!this.room()) return this.drop();
      row = { roomId, userId, c: { firstAt: now, watchSeconds: 0, clicks: 0, source: null } };
      this.batch.viewers.set(key, row);
      this.rows++;
    }
    row.c.watchSeconds += add.watchSeconds ?? 0;
    row.c.clicks += add.clicks ?? 0;
    if (source && source !== 'live') row.c.source ??= source;
    return true;
  }

  /** Adds to one room's current minute on this node (viewers: the most connections seen). */
  minute(roomId: string, add: Partial<Omit<MinuteCounts, 'viewers'>>, now: number): boolean {
    const minute = Math.floor(now / MINUTE) * MINUTE;
    const key = `${roomId}|${minute}`;
    let row = this.batch.minutes.get(key);
    if (!row) {
      if (!this.room()) return this.drop();
      row = { roomId, minute, c: { viewers: 0, joins: 0, likes: 0, clicks: 0 } };
      this.batch.minutes.set(key, row);
      this.rows++;
    }
    row.c.viewers = Math.max(row.c.viewers, this.conns.get(roomId) ?? 0);
    row.c.joins += add.joins ?? 0;
    row.c.likes += add.likes ?? 0;
    row.c.clicks += add.clicks ?? 0;
    return true;
  }

  /** Likes in a room: the room's minute always; the person's day towards each scope on their first like of the day. */
  like(roomId: string, userId: string, scopes: readonly CrowdScope[], count: number, now: number): void {
    this.minute(roomId, { likes: count }, now);
    const day = dayOf(now);
    if (day !== this.likedDay || this.likedToday.size >= this.settings.maxRows) {
      this.likedToday = new Set();
      this.likedDay = day;
    }
    const key = `${day}|${userId}`;
    if (this.likedToday.has(key)) {
      this.events++;
      return;
    }
    if (this.fact(scopes, userId, { likes: 1 }, null, now)) this.likedToday.add(key);
  }

  /** A pin or a flash sale started in a room (the report's chart markers). */
  marker(roomId: string, kind: 'pin' | 'sale', productId: string | null, now: number): void {
    if (!this.room()) {
      this.drop();
      return;
    }
    this.batch.markers.push({ roomId, at: now, kind, productId });
    this.rows++;
    this.events++;
  }

  /** A connection joined a room: a visit (source 'live'), the room's viewer row, its minute's joins. */
  join(socketId: string, roomId: string, userId: string, scopes: CrowdScope[], now: number): void {
    const key = `${socketId}|${roomId}`;
    if (this.sessions.has(key)) return; // a recovered connection's re-join: already counted
    this.sessions.set(key, { roomId, userId, scopes, credited: now });
    this.conns.set(roomId, (this.conns.get(roomId) ?? 0) + 1);
    this.fact(scopes, userId, { visits: 1 }, 'live', now);
    this.viewer(roomId, userId, {}, null, now);
    this.minute(roomId, { joins: 1 }, now);
  }

  /** A connection left a room: its watch time since the last credit is credited. */
  leave(socketId: string, roomId: string, now: number): void {
    const key = `${socketId}|${roomId}`;
    const s = this.sessions.get(key);
    if (!s) return;
    this.sessions.delete(key);
    this.credit(s, now);
    const n = (this.conns.get(roomId) ?? 1) - 1;
    if (n <= 0) this.conns.delete(roomId);
    else this.conns.set(roomId, n);
    this.minute(roomId, {}, now);
  }

  /** Credits open sessions' watch time every `creditMs`, and records every room's viewers in the current minute. */
  tick(now: number): void {
    for (const s of this.sessions.values()) if (now - s.credited >= this.settings.creditMs) this.credit(s, now);
    for (const roomId of this.conns.keys()) this.minute(roomId, {}, now);
  }

  /** Writes what is buffered; resolves when everything recorded before the call is written (or its failure logged). */
  flush(now = Date.now()): Promise<void> {
    this.tick(now);
    if (this.rows === 0) return this.flushing;
    const batch = this.batch;
    const rows = this.rows;
    this.batch = newBatch();
    this.rows = 0;
    this.flushing = this.flushing.then(() =>
      this.sink.write(this.nodeId, batch).then(
        () => {
          this.written += rows;
        },
        (err: Error) => {
          this.failed++;
          this.log.warn({ err: err.message, rows }, 'writing crowd events failed; this batch is lost (analytics only)');
        },
      ),
    );
    return this.flushing;
  }

  private credit(s: Session, now: number): void {
    const seconds = Math.floor((now - s.credited) / 1000);
    if (seconds <= 0) return;
    s.credited += seconds * 1000;
    this.fact(s.scopes, s.userId, { watchSeconds: seconds }, null, now);
    this.viewer(s.roomId, s.userId, { watchSeconds: seconds }, null, now);
  }

  private room(): boolean {
    return this.rows < this.settings.maxRows;
  }

  private drop(): false {
    this.dropped++;
    return false;
  }
}
