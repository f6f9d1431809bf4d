import { Router } from 'express';
import { ClipFileParams, ClipIdParams, CreateClipBody, ListClipsQuery, type ClipList, type Clip } from '@hawker/protocol';
import type { Auth } from '../auth/index.ts';
import { policy } from '../edge/policy.ts';
import { AppError } from '../kernel/errors.ts';
import type { ClipService } from './clips.ts';

/**
 * REST for clips (docs/replay.md, "Clips"; docs/api): cut, list (the feed, or a creator's or an agency's), get,
 * publish, delete, and the clip's HLS files. Same roles as the room's products: its creator, its agency's owner,
 * admins manage its clips; anyone signed in watches a published one.
 */
export function clipRoutes(clips: ClipService, { rest }: Auth): Router {
  const r = Router();

  r.post(
    '/api/clips',
    rest({ body: CreateClipBody, status: 202 }, async ({ body, principal }): Promise<Clip> => {
      const [clip] = await clips.toWire([await clips.create(principal, body)]);
      return clip!;
    }),
  );

  r.get(
    '/api/clips',
    rest({ query: ListClipsQuery }, async ({ query, principal }): Promise<ClipList> => {
      const by = query.creatorId ? { creatorId: query.creatorId } : query.agencyId ? { agencyId: query.agencyId } : 'feed';
      const rows = await clips.store.list(by, { before: query.before, limit: query.limit });
      return { clips: await clips.toWire(rows.filter((row) => policy.canWatchClip(principal, row, row.publishedAt !== null))) };
    }),
  );

  r.get(
    '/api/clips/:clipId',
    rest({ params: ClipIdParams }, async ({ params, principal }): Promise<Clip> => {
      const [clip] = await clips.toWire([await clips.visible(principal, params.clipId)]);
      return clip!;
    }),
  );

  r.post(
    '/api/clips/:clipId/publish',
    rest({ params: ClipIdParams }, async ({ params, principal }): Promise<Clip> => {
      const [clip] = await clips.toWire([await clips.publish(principal, params.clipId)]);
      return clip!;
    }),
  );

  r.delete(
    '/api/clips/:clipId',
    rest({ params: ClipIdParams }, async ({ params, principal }) => {
      await clips.remove(principal, params.clipId);
      return { ok: true };
    }),
  );

  r.get(
    '/api/clips/:clipId/files/:file',
    rest({ params: ClipFileParams }, async ({ params, principal, res }) => {
      const row = await clips.visible(principal, params.clipId);
      if (row.status !== 'ready') throw AppError.notFound(`File ${params.file} of clip ${row.id} (it is ${row.status})`);
      const data = await clips.files.read(row.id, params.file);
      if (!data) throw AppError.notFound(`File ${params.file} of clip ${row.id}`);
      const playlist = params.file.endsWith('.m3u8');
      res.status(200);
      res.set({
        'Content-Type': playlist ? 'application/vnd.apple.mpegurl' : 'video/mp2t',
        // A ready clip's files never change.
        'Cache-Control': 'private, max-age=31536000, immutable',
        'Content-Length': String(data.length),
      });
      res.end(data);
    }),
  );
  return r;
}
