import { AppError } from '../kernel/errors.ts';
import { storageOwner, type RecordingStore } from './store.ts';

/** The quota's setting, named in every refusal (docs/security.md lists the limits). */
export const MEDIA_QUOTA_LIMIT = 'MEDIA_QUOTA_BYTES_PER_AGENCY';

/** Bytes some other kind of media (clips) stores for an owner; added to the recordings' sum. */
export type StoredBytesSource = (owner: string) => Promise<number>;

/**
 * The per-agency media quota (issue 18, item 5): what an agency stores (its recordings not yet expired, plus what
 * each registered source reports, e.g. clips) may not pass MEDIA_QUOTA_BYTES_PER_AGENCY. A room without an agency
 * counts against its creator (`storageOwner`). Reaching it stops the agency's recordings (with an alert: the live goes
 * on) and refuses new clips with QUOTA_EXCEEDED naming the limit. Sums are read from PostgreSQL at each check, so every
 * node sees the same usage (a recording in progress counts as of its last sync, a couple of seconds old).
 */
export class MediaQuota {
  private readonly sources: StoredBytesSource[] = [];

  constructor(
    private readonly store: RecordingStore,
    readonly maxBytes: number,
  ) {}

  /** Counts another kind of stored media against the owners (the clips domain registers its sum). */
  addSource(source: StoredBytesSource): void {
    this.sources.push(source);
  }

  /** Bytes `owner` stores now. */
  async used(owner: string): Promise<number> {
    let total = await this.store.storedBytes(owner);
    for (const source of this.sources) total += await source(owner);
    return total;
  }

  /**
   * Why storing `adding` more bytes for the room's owner is refused (the quota reached, or it would pass it), or null.
   * One line, naming the limit and its value.
   */
  async problem(room: { agencyId: string | null; creatorId: string }, adding = 0): Promise<string | null> {
    const owner = storageOwner(room);
    const used = await this.used(owner);
    if (used < this.maxBytes && used + adding <= this.maxBytes) return null;
    const who = room.agencyId ? `agency ${room.agencyId}` : `creator ${room.creatorId} (no agency)`;
    return `${MEDIA_QUOTA_LIMIT}: ${who} stores ${used} bytes of media; with ${adding} more it would pass its ${this.maxBytes}-byte quota (delete clips or recordings, or raise the quota)`;
  }

  /** Throws QUOTA_EXCEEDED (details: the limit and its value) when `adding` more bytes would pass the quota. */
  async check(room: { agencyId: string | null; creatorId: string }, adding = 0): Promise<void> {
    const why = await this.problem(room, adding);
    if (why) throw AppError.quotaExceeded(MEDIA_QUOTA_LIMIT, this.maxBytes, why);
  }
}
