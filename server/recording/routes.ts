import { Router } from 'express';
import { ListRecordingsQuery, RecordingFileParams, RecordingIdParams, RecordingTimelineQuery, type Principal } from '@hawker/protocol';
import type { Auth } from '../auth/index.ts';
import { policy } from '../edge/policy.ts';
import { AppError } from '../kernel/errors.ts';
import type { RoomStore } from '../rooms/store.ts';
import type { RecordingService } from './service.ts';
import { type RecordingRow, toWire } from './store.ts';

const CONTENT_TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  ts: 'video/mp2t',
};

/**
 * REST for recordings (docs/replay.md, docs/api): list a room's or a creator's, get one, its timeline, and its HLS files.
 * Ids and file names are checked by zod before anything is read (protocol/recordings.ts) and files resolve under the
 * recording's own directory, so no path can leave it. Same roles as the room: anyone signed in watches a recording in
 * progress or ready; a failed one only the room's staff (policy.canWatchRecording).
 */
export function recordingRoutes(service: RecordingService, rooms: RoomStore, { rest }: Auth): Router {
  const r = Router();
  const { store } = service;

  const visible = async (p: Principal, id: string): Promise<RecordingRow> => {
    const row = await store.get(id);
    // An expired recording's media is gone (RECORDING_RETENTION_DAYS): as far as viewers go, it no longer exists.
    if (!row || row.expiredAt !== null) throw AppError.notFound(`Recording ${id}`);
    if (!policy.canWatchRecording(p, row, row.status))
      throw AppError.forbidden("This recording failed; only the room's creator and its agency's staff see it");
    return row;
  };

  r.get(
    '/api/recordings',
    rest({ query: ListRecordingsQuery }, async ({ query, principal }) => {
      if (query.roomId && !(await rooms.get(query.roomId))) throw AppError.notFound(`Room ${query.roomId}`);
      const by = query.roomId ? { roomId: query.roomId } : { creatorId: query.creatorId ?? '' };
      const rows = await store.list(by, query.limit);
      return { recordings: rows.filter((row) => policy.canWatchRecording(principal, row, row.status)).map(toWire) };
    }),
  );

  r.get(
    '/api/recordings/:recordingId',
    rest({ params: RecordingIdParams }, async ({ params, principal }) => toWire(await visible(principal, params.recordingId))),
  );

  r.get(
    '/api/recordings/:recordingId/timeline',
    rest({ params: RecordingIdParams, query: RecordingTimelineQuery }, async ({ params, query, principal }) => {
      const row = await visible(principal, params.recordingId);
      const entries = await store.timeline(row.id, { chat: query.chat === 'true', afterMs: query.afterMs, limit: query.limit });
      return { recordingId: row.id, entries };
    }),
  );

  r.get(
    '/api/recordings/:recordingId/files/:file',
    rest({ params: RecordingFileParams }, async ({ params, principal, res }) => {
      const row = await visible(principal, params.recordingId);
      let data = await service.files.read(row.id, params.file);
      if (!data) throw AppError.notFound(`File ${params.file} of recording ${row.id}`);
      const ext = params.file.slice(params.file.lastIndexOf('.') + 1);
      if (ext === 'm3u8') {
        // A recording no longer in progress is complete, even if its node died before ffmpeg could say so.
        const text = data.toString('utf8');
        if (row.status !== 'recording' && !text.includes('#EXT-X-ENDLIST')) data = Buffer.from(`${text.trimEnd()}\n#EXT-X-ENDLIST\n`);
      }
      res.status(200);
      res.set({
        'Content-Type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
        // Segments never change once stored; the playlist grows while recording.
        'Cache-Control': ext === 'ts' ? 'private, max-age=31536000, immutable' : 'no-cache',
        'Content-Length': String(data.length),
      });
      res.end(data);
    }),
  );
  return r;
}
