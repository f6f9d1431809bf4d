import { z } from 'zod';
import { EpochMs, Id } from './common.ts';
import { Product } from './commerce.ts';

/**
 * Shoppable clips (issue 18, docs/replay.md, "Clips"): a short cut of a recording, with one or more of its room's
 * products attached, stored as its own HLS files (so it outlives the recording's retention) and shown, once published,
 * in the clips feed. Cut by the room's creator or its agency's owner (the same roles as the room's products).
 */

/** Longest title, characters. */
export const CLIP_TITLE_MAX = 100;
/** Most products one clip carries. */
export const CLIP_PRODUCTS_MAX = 5;
/** A clip's range is inside one day of recording (the server's CLIP_MAX_MS bounds its length far below that). */
const OFFSET_MAX = 86_400_000;

/** `cutting`: ffmpeg is making its files; `ready`: playable (and publishable); `failed`: see `failureReason`. */
export const ClipStatus = z.enum(['cutting', 'ready', 'failed']);
export type ClipStatus = z.infer<typeof ClipStatus>;

export const Clip = z.object({
  id: Id,
  recordingId: Id,
  roomId: Id,
  creatorId: Id,
  agencyId: Id.nullable(),
  title: z.string(),
  /** The range cut, ms into the recording. */
  startMs: z.number().int(),
  endMs: z.number().int(),
  /** The clip's own media (its playlist's segment durations), ms; 0 until ready. */
  durationMs: z.number().int(),
  status: ClipStatus,
  failureReason: z.string().nullable(),
  productIds: z.array(Id),
  /** When it was published to the feed; null: a draft only its room's staff see. */
  publishedAt: EpochMs.nullable(),
  createdAt: EpochMs,
  /** The clip's HLS playlist (GET, same authorization as this resource). */
  playlistUrl: z.string(),
  /** The attached products as the room sells them now (a product no longer offered is left out). */
  products: z.array(Product),
  /** The creator's room that is live right now, if any (the feed's "LIVE now" badge links there). */
  liveRoomId: Id.nullable(),
});
export type Clip = z.infer<typeof Clip>;

/**
 * POST /api/clips: cut a clip from a recording, either a range (`startMs`..`endMs`, ms into the recording, within
 * what is stored) or, during the live, the last `lastMs` of it. Answers 202 with the clip `cutting`; it becomes
 * `ready` (or `failed`) by itself. Its length is bounded by the server's CLIP_MAX_MS.
 */
export const CreateClipBody = z
  .strictObject({
    recordingId: Id,
    title: z.string().trim().min(1).max(CLIP_TITLE_MAX),
    productIds: z.array(Id).min(1).max(CLIP_PRODUCTS_MAX),
    startMs: z.number().int().min(0).max(OFFSET_MAX).optional(),
    endMs: z.number().int().min(1).max(OFFSET_MAX).optional(),
    lastMs: z.number().int().min(1_000).max(OFFSET_MAX).optional(),
  })
  .refine((b) => (b.lastMs === undefined) === (b.startMs !== undefined && b.endMs !== undefined), {
    message: 'give either startMs and endMs, or lastMs',
    path: ['startMs'],
  })
  .refine((b) => b.startMs === undefined || b.endMs === undefined || b.endMs - b.startMs >= 1_000, {
    message: 'endMs must be at least 1000 ms after startMs',
    path: ['endMs'],
  })
  .refine((b) => new Set(b.productIds).size === b.productIds.length, { message: 'each product once', path: ['productIds'] });
export type CreateClipBody = z.infer<typeof CreateClipBody>;

/**
 * GET /api/clips: the feed (published clips, newest first) or, with `creatorId` or `agencyId` (at most one), that
 * creator's or agency's clips; drafts and failed ones only for those who may manage them. `before`: page from there
 * (the last clip's `createdAt`).
 */
export const ListClipsQuery = z
  .strictObject({
    creatorId: Id.optional(),
    agencyId: Id.optional(),
    before: z.coerce.number().int().min(0).optional(),
    limit: z.coerce.number().int().min(1).max(50).default(20),
  })
  .refine((q) => q.creatorId === undefined || q.agencyId === undefined, {
    message: 'give at most one of creatorId and agencyId',
    path: ['creatorId'],
  });
export type ListClipsQuery = z.infer<typeof ListClipsQuery>;

export const ClipList = z.object({ clips: z.array(Clip) });
export type ClipList = z.infer<typeof ClipList>;

export const ClipIdParams = z.strictObject({ clipId: Id });

/** A clip's HLS files: its playlist and numbered segments; any other name is refused before any file is read. */
export const ClipFileParams = z.strictObject({
  clipId: Id,
  file: z.string().regex(/^(index\.m3u8|seg\d{5,6}\.ts)$/, 'must be index.m3u8 or segNNNNN.ts'),
});
