import { expect, it } from 'vitest';
import { h264Of } from '../../../client-sdk/src/media.ts';
import { ROOM_MEDIA_CODECS } from '../../../media/codecs.ts';

const video = (mimeType: string, profile?: string) => ({
  kind: 'video' as const,
  mimeType,
  clockRate: 90000,
  preferredPayloadType: 100,
  parameters: profile ? { 'packetization-mode': 1, 'profile-level-id': profile } : {},
});

it('a recording room publishes H.264 when offered: constrained baseline first, then any baseline, then any H.264; none without it', () => {
  expect(h264Of([video('video/VP8'), video('video/H264', '4d0032'), video('video/H264', '42e01f')])?.parameters).toMatchObject({
    'profile-level-id': '42e01f',
  });
  expect(h264Of([video('video/VP8'), video('video/H264', '4d0032'), video('video/H264', '42001f')])?.parameters).toMatchObject({
    'profile-level-id': '42001f',
  });
  expect(h264Of([video('video/h264', '640032')])?.mimeType).toBe('video/h264');
  expect(
    h264Of([video('video/VP8'), { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2, preferredPayloadType: 111 }]),
  ).toBeUndefined();
  // The room routers offer it (media/codecs.ts), so a browser that encodes H.264 gets it.
  expect(h264Of(ROOM_MEDIA_CODECS.map((c) => ({ ...c, preferredPayloadType: 100 })))?.mimeType).toBe('video/H264');
});
