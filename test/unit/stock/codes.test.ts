import fs from 'node:fs';
import { expect, it } from 'vitest';
import { RESERVE_ORDER_FIELDS, SCRIPT_CODES } from '../../../server/stock/codes.ts';

const dir = new URL('../../../server/stock/lua/', import.meta.url);

it('every stock script repeats exactly the return codes its TypeScript caller knows, and no script is unlisted', () => {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.lua'))
    .sort();
  expect(files).toEqual(
    Object.keys(SCRIPT_CODES)
      .map((n) => `${n}.lua`)
      .sort(),
  );
  for (const [name, codes] of Object.entries(SCRIPT_CODES)) {
    const lua = fs.readFileSync(new URL(`${name}.lua`, dir), 'utf8');
    const line = /^-- CODES[^:]*:(.*)$/m.exec(lua);
    expect(line, `${name}.lua has a "-- CODES:" header line`).not.toBeNull();
    const inHeader = Object.fromEntries(
      line![1]!
        .trim()
        .split(/\s+/)
        .map((pair) => {
          const [k, v] = pair.split('=');
          return [k!, Number(v)];
        }),
    );
    expect(inHeader, `${name}.lua's header vs server/stock/codes.ts`).toEqual({ ...codes });
    // Every code the script can return appears in a `return {code` statement (and no other code does).
    const returned = new Set([...lua.matchAll(/return \{(-?\d+)/g)].map((m) => Number(m[1])));
    for (const v of returned) expect(Object.values(codes), `${name}.lua returns ${v}`).toContain(v);
  }
});

it('reserve.lua names the order fields whose values its caller passes, in the same order', () => {
  const lua = fs.readFileSync(new URL('reserve.lua', dir), 'utf8');
  const list = /^local ORDER_FIELDS = \{([^}]*)\}/m.exec(lua);
  expect(list, 'reserve.lua declares "local ORDER_FIELDS = {...}"').not.toBeNull();
  const names = [...list![1]!.matchAll(/'([^']*)'/g)].map((m) => m[1]);
  expect(names).toEqual([...RESERVE_ORDER_FIELDS]);
});
