import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FollowList, FollowResult, MarkNoticesReadBody, Notice, NoticeList, Room } from '@hawker/protocol';
import { userChannel } from '../kernel/channels.ts';
import type { HawkerIo } from '../kernel/context.ts';
import { AppError } from '../kernel/errors.ts';
import { closeWorker } from '../kernel/closeWorker.ts';
import type { Logger } from '../kernel/log.ts';
import type { FollowStore, NoticeEvent } from './store.ts';

/** BullMQ queue of notice fan-outs; its keys live under `<REDIS_KEY_PREFIX>bull:notices:*` (payments' convention). */
export const NOTICE_QUEUE_NAME = 'notices';
/** Followers given a notice per PostgreSQL statement and per push (NOTICE_BATCH). */
export const NOTICE_BATCH = 1_000;
/**
 * Followers per range job (NOTICE_RANGE): one event's followers are cut into ranges of user ids, each its own job, so
 * every node's worker takes part in a large fan-out instead of one worker doing every batch in turn.
 */
export const NOTICE_RANGE = 20_000;
/**
 * Batches between WAL flushes (NOTICE_FLUSH_EVERY): batches commit asynchronously, and a range job records its progress
 * after a flush every this many batches, so a PostgreSQL crash costs a retry at most this many batches again (they
 * insert nothing twice).
 */
export const NOTICE_FLUSH_EVERY = 5;

/** The limits this service enforces (configuration variables, server/config.ts). */
export interface FollowLimits {
  FOLLOWS_PER_USER: number;
  NOTICES_PER_USER: number;
}

/** Whether a creator is known (has opened a room): only known creators can be followed. */
export interface CreatorDirectory {
  creator(creatorId: string): Promise<{ name: string } | null>;
  /** Creators live now (for the follow list). */
  liveCreators(): Promise<ReadonlySet<string>>;
}

interface FanoutJob extends NoticeEvent {
  /** Followers up to this user id (exclusive order) already have it (or are queued): a retried job resumes after them. */
  after: string;
  /**
   * A range job: the last user id of its range (inclusive). Absent: the event's planning job, which cuts the followers
   * into ranges of NOTICE_RANGE and queues a job for each.
   */
  until?: string;
}

/**
 * Follows and going-live notices (issue 19; docs/centre-field.md, "Follows"). A creator who schedules or starts a live
 * has a fan-out job queued (BullMQ, out of the request path): it gives every follower the notice in batches of
 * NOTICE_BATCH (one transaction each, trimmed to NOTICES_PER_USER per user) and pushes `notice:new` to each batch's
 * open sockets on every node (the users' channels, through the adapter).
 */
export class FollowService {
  readonly queue: Queue<FanoutJob>;
  private worker: Worker<FanoutJob> | null = null;
  /** Told of every new follow (the crowd pipeline, issue 19); they must not throw. */
  readonly followListeners: ((userId: string, creatorId: string) => void)[] = [];

  constructor(
    readonly store: FollowStore,
    private readonly creators: CreatorDirectory,
    private readonly limits: FollowLimits,
    private readonly io: HawkerIo,
    private readonly log: Logger,
    queueConn: Redis,
    private readonly keyPrefix: string,
  ) {
    this.queue = new Queue<FanoutJob>(NOTICE_QUEUE_NAME, { connection: queueConn, prefix: `${keyPrefix}bull` });
  }

  /** Starts this node's fan-out worker on its own (blocking) connection. */
  startWorker(connection: Redis, concurrency = 2): void {
    this.worker = new Worker<FanoutJob>(NOTICE_QUEUE_NAME, (job) => this.fanout(job), {
      connection,
      prefix: `${this.keyPrefix}bull`,
      concurrency,
    });
    this.worker.on('failed', (job, err) => this.log.warn({ err: err.message, jobId: job?.id }, 'notice fan-out failed; BullMQ retries it'));
  }

  async follow(userId: string, creatorId: string): Promise<FollowResult> {
    if (creatorId === userId) throw AppError.badRequest('You cannot follow yourself');
    if (!(await this.creators.creator(creatorId))) throw AppError.notFound(`Creator ${creatorId}`);
    const max = this.limits.FOLLOWS_PER_USER;
    const res = await this.store.follow(userId, creatorId, max);
    if (res === 'full') {
      throw AppError.quotaExceeded(
        'FOLLOWS_PER_USER',
        max,
        `You follow ${max} creators already (the most allowed); unfollow one (DELETE /api/follows/:creatorId) first`,
      );
    }
    if (res === 'added') for (const l of this.followListeners) l(userId, creatorId);
    return { creatorId, following: true, followers: await this.store.followers(creatorId) };
  }

  async unfollow(userId: string, creatorId: string): Promise<FollowResult> {
    if (creatorId === userId) throw AppError.badRequest('You cannot follow yourself, nor unfollow');
    const was = await this.store.unfollow(userId, creatorId);
    if (!was && !(await this.creators.creator(creatorId))) throw AppError.notFound(`Creator ${creatorId}`);
    return { creatorId, following: false, followers: await this.store.followers(creatorId) };
  }

  async following(userId: string, limit: number, cursor: string | undefined): Promise<FollowList> {
    const after = cursor ? decodePair(cursor) : null;
    const [rows, live] = await Promise.all([this.store.following(userId, limit + 1, after), this.creators.liveCreators()]);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      follows: page.map((r) => ({ creatorId: r.creatorId, name: r.name ?? r.creatorId, liveNow: live.has(r.creatorId), since: r.since })),
      nextCursor: rows.length > limit && last ? encodePair(last.exact, last.creatorId) : null,
    };
  }

  async notices(userId: string, q: { limit: number; unread?: 'true' | 'false'; cursor?: string }): Promise<NoticeList> {
    const after = q.cursor ? decodePair(q.cursor) : null;
    const [rows, unread] = await Promise.all([
      this.store.notices(userId, q.limit + 1, q.unread === 'true', after),
      this.store.unread(userId),
    ]);
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      notices: page.map(({ exact: _, ...n }) => n),
      unread,
      nextCursor: rows.length > q.limit && last ? encodePair(last.exact, last.id) : null,
    };
  }

  async markRead(userId: string, body: MarkNoticesReadBody): Promise<{ updated: number; unread: number }> {
    const updated = await this.store.markRead(userId, 'all' in body ? 'all' : body.ids);
    return { updated, unread: await this.store.unread(userId) };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Going-live notices

  /** A creator scheduled a live (a room created with a `scheduledAt`) or started one: queue the fan-out. */
  async roomEvent(room: Room, kind: NoticeEvent['kind']): Promise<void> {
    const event: FanoutJob = {
      id: `${room.id}.${kind === 'live.started' ? 'live' : 'scheduled'}`,
      kind,
      creatorId: room.creatorId,
      roomId: room.id,
      creatorName: room.creatorName,
      title: room.title,
      scheduledAt: room.scheduledAt,
      at: Date.now(),
      after: '',
    };
    // Job id = the event's: queuing one event twice (a retried request) makes one job.
    await this.queue.add('fanout', event, this.jobOptions(event.id));
  }

  /** A planning job (cuts the followers into range jobs) or a range job (delivers its range, batch after batch). */
  private fanout(job: Job<FanoutJob>): Promise<number> {
    return job.data.until === undefined ? this.plan(job) : this.deliverRange(job, job.data.until);
  }

  /** Queues one range job per NOTICE_RANGE followers (job ids from the range, so a retried plan queues none twice). */
  private async plan(job: Job<FanoutJob>): Promise<number> {
    const { until: _, ...e } = job.data;
    let after = e.after;
    let ranges = 0;
    for (;;) {
      const until = await this.store.rangeEnd(e.creatorId, after, NOTICE_RANGE);
      if (until === null) break;
      await this.queue.add('fanout', { ...e, after, until }, this.jobOptions(`${e.id}:${after}`));
      ranges++;
      after = until;
      await job.updateData({ ...e, after });
    }
    return ranges;
  }

  /** Every follower of the range, batch after batch, resuming after the last batch a failed attempt finished. */
  private async deliverRange(job: Job<FanoutJob>, until: string): Promise<number> {
    const e = job.data;
    let after = e.after;
    let given = 0;
    let batches = 0;
    for (;;) {
      const { users, last } = await this.store.deliver(e, after, until, NOTICE_BATCH, this.limits.NOTICES_PER_USER);
      if (last === null) break;
      if (users.length) {
        const notice: Notice = {
          id: e.id,
          kind: e.kind,
          creatorId: e.creatorId,
          creatorName: e.creatorName,
          roomId: e.roomId,
          title: e.title,
          scheduledAt: e.scheduledAt,
          at: e.at,
          read: false,
        };
        // One broadcast to the batch's user channels: every node's sockets of those users get it.
        this.io.to(users.map(userChannel)).emit('notice:new', notice);
        given += users.length;
      }
      after = last;
      // Progress is recorded only once the batches before it are durable (their commits are asynchronous).
      if (++batches % NOTICE_FLUSH_EVERY === 0) {
        await this.store.flush();
        await job.updateData({ ...e, after });
      }
    }
    // The job completes (and is never retried) only with its every batch durable.
    await this.store.flush();
    return given;
  }

  /** BullMQ options of a fan-out job; the id is derived from the event (and range), so queuing twice makes one job. */
  private jobOptions(key: string) {
    return {
      jobId: key.replace(/[^A-Za-z0-9_-]/g, '_'),
      attempts: 5,
      backoff: { type: 'exponential' as const, delay: 1_000 },
      removeOnComplete: { age: 3_600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3_600, count: 10_000 },
    };
  }

  async close(): Promise<void> {
    if (this.worker) await closeWorker(this.worker, this.log);
    await this.queue.close();
  }
}

function encodePair(a: string, b: string): string {
  return Buffer.from(JSON.stringify([a, b])).toString('base64url');
}

/** A [time text, id] cursor this server made, or BAD_REQUEST. */
function decodePair(cursor: string): [string, string] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      typeof v[0] === 'string' &&
      /^[0-9][0-9 :.T+-]{9,40}$/.test(v[0]) &&
      !Number.isNaN(Date.parse(v[0].replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'))) &&
      typeof v[1] === 'string' &&
      v[1].length <= 200
    ) {
      return [v[0], v[1]];
    }
  } catch {
    // falls through
  }
  throw AppError.badRequest('cursor is not one this server returned; start again without it');
}
