import type { types } from 'mediasoup';

/**
 * Codecs every room router offers. VP8 is what every browser sends; H264 (constrained baseline and high, packetization
 * mode 1) covers Safari and hardware encoders; Opus for audio. Bitrate hints keep the first seconds of a stream sharp.
 *
 * Payload types skip one after each video codec: mediasoup gives each video codec's RTX the next free dynamic payload
 * type as it goes (VP8 101 → RTX 102), so a video codec preferring 102 would collide with it.
 */
export const ROOM_MEDIA_CODECS: types.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2, preferredPayloadType: 100 },
  {
    kind: 'video',
    mimeType: 'video/VP8',
    clockRate: 90000,
    preferredPayloadType: 101,
    parameters: { 'x-google-start-bitrate': 1000 },
  },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    preferredPayloadType: 103,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1, 'x-google-start-bitrate': 1000 },
  },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    preferredPayloadType: 105,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '4d0032', 'level-asymmetry-allowed': 1, 'x-google-start-bitrate': 1000 },
  },
];
