import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs (pino): one line per event, cheap enough for hot paths, readable with `pino-pretty`. */
export function createLogger(level: string, name = 'hawker'): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}
