import type { Domain, HawkerContext } from '../kernel/context.ts';
import { ConnectionCounter } from './connections.ts';
import { RestLimits } from './rest.ts';
import { SocketCuts } from './cuts.ts';

export { ConnectionCounter, connectionKeys } from './connections.ts';
export { RestLimits } from './rest.ts';
export { SocketCuts, cutKeys } from './cuts.ts';

/**
 * The limits of the node's edges that belong to no other domain (docs/security.md): open connections per user across
 * nodes (SOCKETS_PER_USER, a handshake middleware) and REST requests per user and per client address
 * (REST_RATE_PER_USER_PER_MIN, REST_RATE_PER_IP_PER_MIN). Created first, so that the express `trust proxy` setting
 * (TRUSTED_PROXIES) and the per-address limit are in place before any route is mounted. The other quotas live with what
 * they limit: rooms (per creator, per connection), likes (per user), catalog (products per room, body size), flash
 * sales (the default per-buyer limit).
 */
export function createLimits(ctx: HawkerContext): Domain & { connections: ConnectionCounter; rest: RestLimits; cuts: SocketCuts } {
  const { config, app } = ctx;
  const log = ctx.log.child({ module: 'limits' });
  // Unset: trust no proxy, so req.ip is the TCP peer and X-Forwarded-For (anyone can send one) is ignored.
  app.set('trust proxy', config.TRUSTED_PROXIES ? config.TRUSTED_PROXIES.split(',').map((s) => s.trim()) : false);
  const rest = new RestLimits(
    ctx.redis,
    config.REDIS_KEY_PREFIX,
    { perUserPerMin: config.REST_RATE_PER_USER_PER_MIN, perIpPerMin: config.REST_RATE_PER_IP_PER_MIN },
    log,
    ctx.restCuts,
  );
  app.use(rest.ipMiddleware);
  // Connections far past their budget are cut, and their users' reconnects refused for a cool-down (SOCKET_CUT_*).
  const cuts = new SocketCuts(
    ctx.redis,
    config.REDIS_KEY_PREFIX,
    { refusals: config.SOCKET_CUT_REFUSALS, windowMs: config.SOCKET_CUT_WINDOW_MS, cooldownMs: config.SOCKET_CUT_COOLDOWN_MS },
    ctx.refusals,
    log,
  );
  const connections = new ConnectionCounter(ctx.redis, config.REDIS_KEY_PREFIX, config.SOCKETS_PER_USER, config.PRESENCE_TTL_MS, log);
  return {
    name: 'limits',
    connections,
    rest,
    cuts,
    close: () => connections.close(),
  };
}
