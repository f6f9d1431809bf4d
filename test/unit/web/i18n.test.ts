import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { LOCALES, pickLocale } from '../../../web/pages/lib/i18n.ts';
import { DICTIONARIES, FAMILIES } from '../../../web/pages/lib/messages/all.ts';
import { familiesImported, familiesUsed, htmlFamilies, pageModules } from './messageFamilies.ts';
import { negotiate } from '../../../server/web/compress.ts';

describe('page languages (web/pages/lib/i18n.ts)', () => {
  it('picks Chinese for any zh preference, English for en, English when neither is offered', () => {
    expect(pickLocale(['zh-CN'])).toBe('zh-CN');
    expect(pickLocale(['zh-TW', 'en'])).toBe('zh-CN');
    expect(pickLocale(['zh'])).toBe('zh-CN');
    expect(pickLocale(['en-GB', 'zh-CN'])).toBe('en');
    expect(pickLocale(['fr-FR', 'zh-Hans-CN'])).toBe('zh-CN');
    expect(pickLocale(['fr-FR', 'de'])).toBe('en');
    expect(pickLocale([])).toBe('en');
  });

  it('every translation has the same placeholders as the English text, and none is empty', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const locale of LOCALES) {
      for (const [key, text] of Object.entries(DICTIONARIES[locale])) {
        expect([locale, key, text.trim().length > 0]).toEqual([locale, key, true]);
        expect([locale, key, placeholders(text)]).toEqual([
          locale,
          key,
          placeholders(DICTIONARIES.en[key as keyof typeof DICTIONARIES.en]),
        ]);
      }
      expect(Object.keys(DICTIONARIES[locale]).sort()).toEqual(Object.keys(DICTIONARIES.en).sort());
    }
  });

  it('each family has both languages for the same keys, and no key is in two families', () => {
    const seen = new Map<string, string>();
    for (const [family, messages] of Object.entries(FAMILIES)) {
      expect([family, Object.keys(messages.zh).sort()]).toEqual([family, Object.keys(messages.en).sort()]);
      for (const key of Object.keys(messages.en)) {
        expect([key, seen.get(key)]).toEqual([key, undefined]);
        seen.set(key, family);
      }
    }
  });

  it('every page module imports the message families whose keys it uses, and none it does not use', () => {
    // A page's bundle then carries exactly the messages its code can show, and a key whose family no module loaded
    // (t() would report it and show the raw key) cannot happen: each user of a key imports its family itself.
    const html = htmlFamilies();
    const wrong: string[] = [];
    for (const file of pageModules()) {
      const source = fs.readFileSync(file, 'utf8');
      const used = familiesUsed(source);
      for (const family of html.get(file) ?? []) used.add(family);
      const imported = familiesImported(file, source);
      for (const family of used) if (!imported.has(family)) wrong.push(`${file} uses ${family} but does not import it`);
      for (const family of imported) if (!used.has(family)) wrong.push(`${file} imports ${family} but uses none of it`);
    }
    expect(wrong).toEqual([]);
    expect(pageModules().length).toBeGreaterThan(20); // the walk found the pages
  });
});

describe('content negotiation for compressed assets (server/web/compress.ts)', () => {
  it('prefers brotli, then gzip, honours q=0, and sends nothing compressed when neither is accepted', () => {
    expect(negotiate('gzip, deflate, br')).toBe('br');
    expect(negotiate('gzip')).toBe('gzip');
    expect(negotiate('br;q=0, gzip')).toBe('gzip');
    expect(negotiate('br;q=0, gzip;q=0')).toBeNull();
    expect(negotiate('*')).toBe('br');
    expect(negotiate('*;q=0, gzip')).toBe('gzip');
    expect(negotiate('identity')).toBeNull();
    expect(negotiate('')).toBeNull();
    expect(negotiate(undefined)).toBeNull();
  });
});
