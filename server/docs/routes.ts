import type { Express } from 'express';
import { restSpecOf, type RestSpec } from '../edge/rest.ts';

/** One method of one route found on the app: its express path and, when it was built with `rest()`, what it declared. */
export interface RouteEntry {
  /** Lower-case HTTP method (`get`, `post`...). */
  method: string;
  /** Express path, e.g. `/api/rooms/:roomId`. */
  path: string;
  /** Undefined for handlers not built with `rest()` (health, metrics): no declared inputs. */
  spec: RestSpec | undefined;
}

interface LayerLike {
  handle?: unknown;
  route?: RouteLike;
  rawPath?: unknown;
  slash?: boolean;
  method?: string;
}
interface RouteLike {
  path?: unknown;
  methods?: Record<string, boolean>;
  stack?: LayerLike[];
}

/**
 * Every route mounted on an express 5 app, in the order express would match them: the app router's layers, and those
 * of routers mounted on it (`app.use(router)` or `app.use('/prefix', router)` with a string prefix). Middleware that
 * is not a route (static files, parsers) is not listed. When the same method and path are mounted twice, express
 * answers with the first: only that one is listed.
 */
export function collectRoutes(app: Express): RouteEntry[] {
  const router = (app as unknown as { router?: { stack?: LayerLike[] } }).router;
  const found = new Map<string, RouteEntry>();
  walk(router?.stack ?? [], '', found);
  return [...found.values()];
}

function walk(stack: LayerLike[], prefix: string, found: Map<string, RouteEntry>): void {
  for (const layer of stack) {
    if (layer.route) {
      const { route } = layer;
      if (typeof route.path !== 'string') continue; // regexp or array paths: not expressible as an OpenAPI path
      const path = joinPath(prefix, route.path);
      for (const method of Object.keys(route.methods ?? {}).filter((m) => m !== '_all')) {
        const key = `${method} ${path}`;
        if (found.has(key)) continue;
        // The last handler of the method is the one answering (earlier ones would be middleware).
        const handlers = (route.stack ?? []).filter((l) => l.method === method);
        const spec = handlers.map((l) => restSpecOf(l.handle)).find((s) => s !== undefined);
        found.set(key, { method, path, spec });
      }
      continue;
    }
    const nested = (layer.handle as { stack?: unknown } | undefined)?.stack;
    if (!Array.isArray(nested)) continue;
    if (layer.slash) walk(nested as LayerLike[], prefix, found);
    else if (typeof layer.rawPath === 'string') walk(nested as LayerLike[], joinPath(prefix, layer.rawPath), found);
  }
}

function joinPath(prefix: string, path: string): string {
  if (!prefix || prefix === '/') return path;
  return `${prefix.replace(/\/$/, '')}${path === '/' ? '' : path}`;
}
