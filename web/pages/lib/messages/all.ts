/**
 * Every page family's messages at once, for the tests (placeholders agree across languages, every key has both) and
 * tools. No page imports this: a page imports the families its modules use (lib/i18n.ts).
 */
import type { Locale, MessageKey } from '../i18n.ts';
import * as agency from './agency.ts';
import * as centre from './centre.ts';
import * as chat from './chat.ts';
import * as clips from './clips.ts';
import * as common from './common.ts';
import * as consoleMessages from './console.ts';
import * as crowd from './crowd.ts';
import * as landing from './landing.ts';
import * as orders from './orders.ts';
import * as replay from './replay.ts';
import * as room from './room.ts';
import * as shop from './shop.ts';
import * as staff from './staff.ts';
import * as studio from './studio.ts';

/** Each family (its lib/messages/ file name) with its messages in both languages. */
export const FAMILIES: Record<string, { en: Record<string, string>; zh: Record<string, string> }> = {
  agency,
  centre,
  chat,
  clips,
  common,
  console: consoleMessages,
  crowd,
  landing,
  orders,
  replay,
  room,
  shop,
  staff,
  studio,
};

/** Every message in every language. */
export const DICTIONARIES = {
  en: Object.assign({}, ...Object.values(FAMILIES).map((f) => f.en)),
  'zh-CN': Object.assign({}, ...Object.values(FAMILIES).map((f) => f.zh)),
} as Record<Locale, Record<MessageKey, string>>;
