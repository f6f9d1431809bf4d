/**
 * The wire contract between Hawker's server and every client (the SDK, the web pages, tests). Zod schemas are the
 * single source: TypeScript types are inferred from them, and the typed Socket.IO event maps are built from the two
 * registries below, so server handlers and the SDK cannot drift apart. Each domain declares its schemas in its own file
 * here and adds its events to the registries.
 */
import { z } from 'zod';
import { Principal } from './auth.ts';
import { EpochMs } from './common.ts';
import { clientEvents as defineClientEvents, serverEvents as defineServerEvents, type ClientEventMap, type ServerEventMap } from './events.ts';
import { JoinRoomInput, LeaveRoomInput, Room, RoomEnded, RoomUpdated } from './rooms.ts';
import * as media from './media.ts';

export * from './auth.ts';
export * from './common.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './rooms.ts';
export * from './media.ts';

/**
 * What joining a room returns: everything needed to render it, then live updates follow. Domains contribute their
 * slots (chat history, pinned product, flash sale, counters) through room hooks.
 */
export const RoomSnapshot = z.object({
  room: Room,
  /** Server clock at snapshot time, for countdowns: offset = serverTime - Date.now() at receipt. */
  serverTime: EpochMs,
  you: Principal,
});
export type RoomSnapshot = z.infer<typeof RoomSnapshot>;

/** Every client→server event, its payload schema and its ack data schema. */
export const clientEventSpecs = defineClientEvents({
  'room:join': { input: JoinRoomInput, output: RoomSnapshot },
  'room:leave': { input: LeaveRoomInput, output: z.object({ roomId: z.string() }) },
  // Live video (protocol/media.ts): the calls a mediasoup-client Device makes, in order.
  'media:capabilities': { input: media.MediaRoomInput, output: media.MediaCapabilities },
  'media:createTransport': { input: media.CreateTransportInput, output: media.TransportParams },
  'media:connectTransport': { input: media.ConnectTransportInput, output: media.MediaOk },
  'media:closeTransport': { input: media.CloseTransportInput, output: media.MediaOk },
  'media:produce': { input: media.ProduceInput, output: z.object({ id: media.MediaId }) },
  'media:pauseProducer': { input: media.ProducerInput, output: media.MediaOk },
  'media:resumeProducer': { input: media.ProducerInput, output: media.MediaOk },
  'media:closeProducer': { input: media.ProducerInput, output: media.MediaOk },
  'media:consume': { input: media.ConsumeInput, output: media.ConsumerParams },
  'media:resume': { input: media.ConsumerInput, output: media.MediaOk },
  'media:pause': { input: media.ConsumerInput, output: media.MediaOk },
  'media:setPreferredLayers': { input: media.SetPreferredLayersInput, output: media.PreferredLayers },
});
export type ClientEventName = keyof typeof clientEventSpecs;

/** Every server→client push and its payload schema. */
export const serverEventSpecs = defineServerEvents({
  'room:updated': RoomUpdated,
  'room:ended': RoomEnded,
  'media:producerAdded': media.ProducerAdded,
  'media:producerState': media.ProducerState,
  'media:producerClosed': media.ProducerClosed,
  'media:consumerClosed': media.ConsumerClosed,
  'media:reconnect': media.MediaReconnect,
});

export type ClientToServerEvents = ClientEventMap<typeof clientEventSpecs>;
export type ServerToClientEvents = ServerEventMap<typeof serverEventSpecs>;

/** Events between server nodes through the adapter (serverSideEmit). */
export interface InterServerEvents {
  /** A room ended on another node: local hooks (sales, media) clean up. */
  'room:ended': (roomId: string, reason: string) => void;
}
