import { z } from 'zod';
import { EpochMs, Id } from './common.ts';

/**
 * Recordings and replay (issue 18, docs/replay.md): each live a node records (the room's `record` setting, default on)
 * becomes an HLS recording (H.264 + AAC in MPEG-TS segments of about 2 s) with a shopping timeline: every pin, unpin,
 * flash-sale start and end, sold-out and chat message at its offset into the recording.
 */

/** `recording`: the live is on and segments are being added; `ready`: complete; `failed`: stopped early (see `failureReason`). */
export const RecordingStatus = z.enum(['recording', 'ready', 'failed']);
export type RecordingStatus = z.infer<typeof RecordingStatus>;

export const Recording = z.object({
  id: Id,
  roomId: Id,
  creatorId: Id,
  agencyId: Id.nullable(),
  status: RecordingStatus,
  startedAt: EpochMs,
  endedAt: EpochMs.nullable(),
  /** Media written so far (the playlist's segment durations), ms. */
  durationMs: z.number().int(),
  bytes: z.number().int(),
  /** Why a failed recording stopped (storage full, node limit...); the segments before it stay playable. */
  failureReason: z.string().nullable(),
  /** The HLS playlist (GET, same authorization as this resource). */
  playlistUrl: z.string(),
});
export type Recording = z.infer<typeof Recording>;

/** GET /api/recordings: a room's or a creator's recordings (exactly one of the two), newest first. */
export const ListRecordingsQuery = z
  .strictObject({
    roomId: Id.optional(),
    creatorId: Id.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  })
  .refine((q) => (q.roomId === undefined) !== (q.creatorId === undefined), {
    message: 'give exactly one of roomId and creatorId',
    path: ['roomId'],
  });
export type ListRecordingsQuery = z.infer<typeof ListRecordingsQuery>;

export const RecordingList = z.object({ recordings: z.array(Recording) });

export const RecordingIdParams = z.strictObject({ recordingId: Id });

/** The HLS files of a recording: its playlist and its numbered segments; any other name is refused before any file is read. */
export const RecordingFileName = z.string().regex(/^(index\.m3u8|seg\d{5,6}\.ts)$/, 'must be index.m3u8 or segNNNNN.ts');
export const RecordingFileParams = z.strictObject({ recordingId: Id, file: RecordingFileName });

export const RecordingTimelineKind = z.enum(['pin', 'unpin', 'sale_start', 'sale_end', 'sold_out', 'chat', 'gap', 'price_change']);
export type RecordingTimelineKind = z.infer<typeof RecordingTimelineKind>;

/** One moment of the shopping timeline; `data` is the live push it was taken from (the pinned product, the sale, the message). */
export const RecordingTimelineEntry = z.object({
  offsetMs: z.number().int(),
  at: EpochMs,
  kind: RecordingTimelineKind,
  /** The product concerned (pin, unpin, sales), for markers and the card shown at that moment. */
  productId: Id.nullable(),
  data: z.record(z.string(), z.unknown()),
});
export type RecordingTimelineEntry = z.infer<typeof RecordingTimelineEntry>;

/** GET /api/recordings/:recordingId/timeline query: the kinds wanted (default all but chat) and a page. */
export const RecordingTimelineQuery = z.strictObject({
  chat: z.enum(['true', 'false']).default('false'),
  afterMs: z.coerce.number().int().min(-1).max(86_400_000).default(-1),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});
export type RecordingTimelineQuery = z.infer<typeof RecordingTimelineQuery>;

export const RecordingTimeline = z.object({ recordingId: Id, entries: z.array(RecordingTimelineEntry) });
export type RecordingTimeline = z.infer<typeof RecordingTimeline>;

/** Pushed to the room's creator and its agency's consoles when a recording stops early; the live goes on. */
export const RecordingStopped = z.object({ roomId: Id, recordingId: Id, reason: z.string() });
export type RecordingStopped = z.infer<typeof RecordingStopped>;
