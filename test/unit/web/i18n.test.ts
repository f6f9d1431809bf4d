import { describe, expect, it } from 'vitest';
import { DICTIONARIES, LOCALES, pickLocale } from '../../../web/pages/lib/i18n.ts';
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
