import { z } from 'zod';
import { Principal } from './auth.ts';
import { ChatMessage, ChatSettings, RoomStats } from './chat.ts';
import { EpochMs } from './common.ts';
import { FlashSale, PinnedProduct } from './commerce.ts';
import { Room } from './rooms.ts';

/**
 * What joining a room returns: everything needed to render it, then live updates follow. Domains contribute their
 * slots (chat history, pinned product, flash sale, counters) through room hooks.
 */
export const RoomSnapshot = z.object({
  room: Room,
  /** Server clock at snapshot time, for countdowns: offset = serverTime - Date.now() at receipt. */
  serverTime: EpochMs,
  you: Principal,
  // Live rooms (issue 3): recent chat (shadowed messages only for their sender), chat rules, the joiner's mute, counts.
  chat: z.array(ChatMessage),
  chatSettings: ChatSettings,
  mutedUntil: EpochMs.nullable(),
  stats: RoomStats,
  /** Commerce: the "now explaining" product card, if one is pinned. */
  pinned: PinnedProduct.nullable(),
  /** Commerce: the live flash sale, else the next scheduled one (countdown from serverTime), else null. */
  flashSale: FlashSale.nullable(),
});
export type RoomSnapshot = z.infer<typeof RoomSnapshot>;
