/**
 * The pages' languages: Simplified Chinese and English. The language is the one the visitor chose (remembered in
 * localStorage), else the browser's first preference that we speak, else English. Switching reloads the page, so
 * every string on it is rendered once, in one language. Numbers, money and times go through `Intl` in the same
 * locale (lib/format.ts).
 */

import type * as agency from './messages/agency.ts';
import type * as centre from './messages/centre.ts';
import type * as chat from './messages/chat.ts';
import type * as clips from './messages/clips.ts';
import type * as common from './messages/common.ts';
import type * as consoleMessages from './messages/console.ts';
import type * as crowd from './messages/crowd.ts';
import type * as landing from './messages/landing.ts';
import type * as orders from './messages/orders.ts';
import type * as replay from './messages/replay.ts';
import type * as room from './messages/room.ts';
import type * as shop from './messages/shop.ts';
import type * as staff from './messages/staff.ts';
import type * as studio from './messages/studio.ts';

export type Locale = 'en' | 'zh-CN';
export const LOCALES: readonly Locale[] = ['en', 'zh-CN'];
/** What each language is called in itself (the switcher shows these). */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', 'zh-CN': '简体中文' };

const KEY = 'hawker.locale';

/**
 * Every message key of every page family (lib/messages/): the type only, so `t` is checked over all of them while a
 * page's bundle carries just the families its modules import.
 */
export type MessageKey =
  | keyof typeof agency.en
  | keyof typeof centre.en
  | keyof typeof chat.en
  | keyof typeof clips.en
  | keyof typeof common.en
  | keyof typeof consoleMessages.en
  | keyof typeof crowd.en
  | keyof typeof landing.en
  | keyof typeof orders.en
  | keyof typeof replay.en
  | keyof typeof room.en
  | keyof typeof shop.en
  | keyof typeof staff.en
  | keyof typeof studio.en;

/** The messages of the families this page's modules imported, by language (filled by `registerMessages`). */
const registered: Record<Locale, Partial<Record<MessageKey, string>>> = { en: {}, 'zh-CN': {} };

/**
 * Adds a page family's messages (called once by each lib/messages/ module as it loads). A module that uses a family's
 * keys imports that family's module itself, so the bundler ships exactly the families a page's code can show.
 */
export function registerMessages(en: Partial<Record<MessageKey, string>>, zh: Partial<Record<MessageKey, string>>): void {
  Object.assign(registered.en, en);
  Object.assign(registered['zh-CN'], zh);
}

/** The best of our locales for a list of browser preferences (`navigator.languages`): any `zh` → zh-CN, else English. */
export function pickLocale(preferences: readonly string[]): Locale {
  for (const p of preferences) {
    const lang = p.toLowerCase();
    if (lang.startsWith('zh')) return 'zh-CN';
    if (lang.startsWith('en')) return 'en';
  }
  return 'en';
}

function detect(): Locale {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved && (LOCALES as readonly string[]).includes(saved)) return saved as Locale;
  } catch {
    // Storage blocked (privacy mode): fall back to the browser's preference.
  }
  if (typeof navigator === 'undefined') return 'en';
  return pickLocale(navigator.languages?.length ? navigator.languages : [navigator.language ?? 'en']);
}

/** The page's language, fixed for the page's life (switching reloads). */
export const locale: Locale = detect();
if (typeof document !== 'undefined') document.documentElement.lang = locale;

/**
 * `key`'s text in the page's language (else English), with `{name}` placeholders filled from `params`. A key whose
 * family the page did not load is a bug (test/unit/web/i18n.test.ts checks every module imports its families): it is
 * reported as a console error, which the page tests fail on, rather than shown as a raw key silently.
 */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = registered[locale][key] ?? registered.en[key];
  if (text === undefined) {
    console.error(`i18n: no message for ${key}: its lib/messages/ family is not imported by the module using it`);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** Remembers `next` as the visitor's language and reloads the page in it. */
export function setLocale(next: Locale): void {
  try {
    localStorage.setItem(KEY, next);
  } catch {
    // Not remembered; the reload still shows the browser's language.
  }
  location.reload();
}
