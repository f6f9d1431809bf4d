import fs from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * A domain's atomic Redis scripts. Each lives in a named `.lua` file whose header declares `-- KEYS: n` (plus what
 * KEYS, ARGV and the return value mean); `-- KEYS: n+` declares at least n keys, for scripts that also write a variable
 * list of keys (e.g. the audit streams an action lands in). Registered with ioredis `defineCommand`, so they run by
 * EVALSHA and are re-sent transparently after a Redis restart. Names are namespaced by domain to avoid clashes on a
 * shared connection.
 */
export class LuaScripts<N extends string> {
  private readonly numKeys = new Map<N, { min: number; variadic: boolean }>();

  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    dir: URL,
    names: readonly N[],
  ) {
    for (const name of names) {
      const lua = fs.readFileSync(new URL(`${name}.lua`, dir), 'utf8');
      const m = /^--\s*KEYS:\s*(\d+)(\+?)/m.exec(lua);
      if (!m) throw new Error(`${name}.lua: missing "-- KEYS: n" header`);
      const numberOfKeys = Number(m[1]);
      const variadic = m[2] === '+';
      this.numKeys.set(name, { min: numberOfKeys, variadic });
      // Without numberOfKeys, ioredis takes the key count as the first argument of each call (see run()).
      redis.defineCommand(this.command(name), variadic ? { lua } : { numberOfKeys, lua });
    }
  }

  /** Runs script `name`; `keys.length` must match its header (`n`: exactly n, `n+`: at least n). */
  run(name: N, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    const spec = this.numKeys.get(name);
    if (!spec || (spec.variadic ? keys.length < spec.min : keys.length !== spec.min)) {
      throw new Error(`${name}.lua takes ${spec?.variadic ? 'at least ' : ''}${spec?.min} keys, got ${keys.length}`);
    }
    const fn = (this.redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[this.command(name)];
    // One array argument, not the keys and args spread: ioredis flattens a command's arguments one level anyway, and
    // every layer it passes through (the command function, the auto-pipeline, the script) copies a spread list again:
    // for reserve.lua's 39 arguments, four copies per order attempt.
    return fn!.call(this.redis, spec.variadic ? [keys.length, ...keys, ...args] : [...keys, ...args]);
  }

  private command(name: N): string {
    return `${this.namespace}_${name.replace(/[^A-Za-z0-9]/g, '_')}`;
  }
}
