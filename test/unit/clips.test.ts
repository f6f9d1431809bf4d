import { describe, expect, it } from 'vitest';
import { CreateClipBody, ListClipsQuery } from '@hawker/protocol';
import { cutArgs, segmentsFor, storedSegments } from '../../server/recording/clipCutter.ts';

const PLAYLIST = [
  '#EXTM3U',
  '#EXT-X-VERSION:3',
  '#EXT-X-TARGETDURATION:2',
  '#EXTINF:2.000000,',
  'seg00000.ts',
  '#EXTINF:2.000000,',
  'seg00001.ts',
  '#EXT-X-DISCONTINUITY',
  '#EXTINF:1.500000,',
  'seg00002.ts',
  '#EXTINF:2.0',
].join('\n');

describe('clip cutting', () => {
  it('reads a stored playlist as segments with their start, the discontinuity kept, and a half-written last line ignored', () => {
    const { segments, totalMs } = storedSegments(PLAYLIST);
    expect(segments).toEqual([
      { name: 'seg00000.ts', startMs: 0, durationMs: 2000, discontinuity: false },
      { name: 'seg00001.ts', startMs: 2000, durationMs: 2000, discontinuity: false },
      { name: 'seg00002.ts', startMs: 4000, durationMs: 1500, discontinuity: true },
    ]);
    expect(totalMs).toBe(5500);
  });

  it('takes every segment a range overlaps, and how far into the first it starts', () => {
    const { segments } = storedSegments(PLAYLIST);
    expect(segmentsFor(segments, 2500, 4100)).toEqual({ parts: [segments[1], segments[2]], skipMs: 500 });
    expect(segmentsFor(segments, 0, 2000).parts.map((s) => s.name)).toEqual(['seg00000.ts']);
    expect(segmentsFor(segments, 6000, 7000).parts).toEqual([]);
  });

  it('seeks after the input (frame-exact) and writes a VOD HLS with a keyframe every segment', () => {
    const args = cutArgs({ input: '/w/in/source.m3u8', outDir: '/w/out', skipMs: 500, durationMs: 15_000 }).join(' ');
    expect(args).toMatch(/-i \/w\/in\/source\.m3u8 -ss 0\.500 -t 15\.000/);
    expect(args).toContain('-hls_playlist_type vod');
    expect(args).toContain('expr:gte(t,n_forced*2)');
  });
});

describe('clip input', () => {
  const ok = { recordingId: 'r1', title: 'Hat', productIds: ['p1'], startMs: 0, endMs: 2000 };
  it('takes a range or lastMs, never both, never reversed, short, negative or oversize', () => {
    expect(CreateClipBody.safeParse(ok).success).toBe(true);
    expect(CreateClipBody.safeParse({ ...ok, startMs: undefined, endMs: undefined, lastMs: 30_000 }).success).toBe(true);
    for (const bad of [
      { ...ok, lastMs: 30_000 },
      { ...ok, endMs: undefined },
      { ...ok, startMs: -1 },
      { ...ok, endMs: 500 },
      { ...ok, startMs: 3000, endMs: 2000 },
      { ...ok, title: 'x'.repeat(101) },
      { ...ok, productIds: ['p1', 'p1'] },
      { ...ok, productIds: [] },
    ])
      expect(CreateClipBody.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    expect(ListClipsQuery.safeParse({ creatorId: 'c', agencyId: 'a' }).success).toBe(false);
  });
});
