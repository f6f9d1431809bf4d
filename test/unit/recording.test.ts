import { describe, expect, it } from 'vitest';
import { ffmpegArgs, parsePlaylist, sdpFor, videoRouteFor } from '../../server/recording/ffmpeg.ts';
import { LocalDiskStorage } from '../../server/recording/storage.ts';
import { timelineEntries } from '../../server/recording/timeline.ts';
import { RecordingFileParams } from '@hawker/protocol';

describe('recording (pure parts)', () => {
  it('reads only complete lines of a playlist ffmpeg is rewriting, and only segment names it writes', () => {
    const whole = '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.000000,\nseg00000.ts\n#EXTINF:1.500000,\nseg00001.ts\n#EXT-X-ENDLIST\n';
    expect(parsePlaylist(whole)).toEqual({
      segments: [
        { name: 'seg00000.ts', durationS: 2 },
        { name: 'seg00001.ts', durationS: 1.5 },
      ],
      ended: true,
    });
    // Caught mid-write: the unterminated last line does not count (it could be "seg0000" of "seg00001.ts").
    expect(parsePlaylist('#EXTM3U\n#EXTINF:2.0,\nseg00000.ts\n#EXTINF:2.0,\nseg0000').segments.map((s) => s.name)).toEqual(['seg00000.ts']);
    expect(parsePlaylist('#EXTINF:2.0,\n../../etc/passwd\n').segments).toEqual([]);
    expect(parsePlaylist('').segments).toEqual([]);
  });

  it('describes each consumer in the SDP ffmpeg reads, RTCP multiplexed', () => {
    const sdp = sdpFor([
      { kind: 'video', port: 5000, rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }] } },
      {
        kind: 'audio',
        port: 5002,
        rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }] },
      },
    ]);
    expect(sdp).toContain('m=video 5000 RTP/AVP 101\r\na=rtpmap:101 VP8/90000\r\na=rtcp-mux');
    expect(sdp).toContain('m=audio 5002 RTP/AVP 100\r\na=rtpmap:100 opus/48000/2\r\na=rtcp-mux');
    const args = ffmpegArgs({ sdpFile: '/x/input.sdp', workDir: '/x', audio: true, append: true });
    expect(args.join(' ')).toContain('-protocol_whitelist file,udp,rtp');
    expect(args.join(' ')).toContain('-hls_flags append_list+independent_segments+discont_start');
    expect(args).toContain('aac');
    expect(ffmpegArgs({ sdpFile: '/x/input.sdp', workDir: '/x', audio: false, append: false })).not.toContain('0:a:0');
    // H.264 from the creator is copied (no libx264, no forced keyframes); VP8 (and anything else) is transcoded.
    expect(videoRouteFor('video/H264')).toBe('copy');
    expect(videoRouteFor('video/VP8')).toBe('transcode');
    const copy = ffmpegArgs({ sdpFile: '/x/input.sdp', workDir: '/x', audio: true, append: false, video: 'copy' });
    expect(copy.join(' ')).toContain('-c:v copy');
    expect(copy).not.toContain('libx264');
    expect(copy).not.toContain('-force_key_frames');
    expect(copy.join(' ')).toContain('-c:a aac');
    expect(ffmpegArgs({ sdpFile: '/x/input.sdp', workDir: '/x', audio: false, append: false })).toContain('libx264');
  });

  it('turns the room pushes into timeline entries at their own time where they carry one', () => {
    const product = { id: 'p1', title: 'Scarf' };
    expect(timelineEntries('product:pinned', { roomId: 'r', product, pinnedAt: 1000 }, 5000)).toEqual([
      { at: 1000, kind: 'pin', productId: 'p1', data: { roomId: 'r', product, pinnedAt: 1000 } },
    ]);
    expect(timelineEntries('product:unpinned', { roomId: 'r', productId: 'p1' }, 5000)[0]).toMatchObject({
      at: 5000,
      kind: 'unpin',
      productId: 'p1',
    });
    expect(timelineEntries('sale:started', { id: 's1', productId: 'p1' }, 5000)[0]).toMatchObject({ kind: 'sale_start', productId: 'p1' });
    expect(timelineEntries('sale:soldout', { roomId: 'r', saleId: 's1' }, 5000)[0]).toMatchObject({ kind: 'sold_out' });
    const price = { roomId: 'r', productId: 'p1', changes: [{ skuId: null, price: 900, previousPrice: 1000 }], at: 4000 };
    expect(timelineEntries('product:price', price, 5000)).toEqual([{ at: 4000, kind: 'price_change', productId: 'p1', data: price }]);
    expect(
      timelineEntries(
        'chat:batch',
        {
          roomId: 'r',
          messages: [
            { at: 10, text: 'a' },
            { at: 20, text: 'b' },
          ],
        },
        5000,
      ).map((e) => e.at),
    ).toEqual([10, 20]);
    expect(timelineEntries('room:stats', { roomId: 'r' }, 5000)).toEqual([]);
  });

  it('keeps every file inside its recording directory, whatever name reaches the storage', () => {
    const disk = new LocalDiskStorage('/data/recordings');
    expect(disk.resolve('rec1', 'seg00001.ts')).toBe('/data/recordings/rec1/seg00001.ts');
    for (const [id, name] of [
      ['rec1', '../rec2/index.m3u8'],
      ['..', 'index.m3u8'],
      ['rec1', '.hidden'],
      ['rec1', 'a/b.ts'],
      ['rec1/../x', 'index.m3u8'],
      ['', 'index.m3u8'],
    ] as const) {
      expect(() => disk.resolve(id, name), `${id}/${name}`).toThrow();
    }
    expect(RecordingFileParams.safeParse({ recordingId: 'rec1', file: 'seg00001.ts' }).success).toBe(true);
    for (const file of ['../index.m3u8', 'index.m3u8.tmp', 'seg1.ts', 'input.sdp', 'SEG00001.TS'])
      expect(RecordingFileParams.safeParse({ recordingId: 'rec1', file }).success, file).toBe(false);
  });
});
