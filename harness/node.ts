import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { Hawker } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { registerDomains } from '../server/domains.ts';
import { createLogger } from '../server/kernel/log.ts';
import type { Teardown } from './teardown.ts';

export { waitFor } from './wait.ts';

/** A running test node and how to reach it. */
export interface TestNode {
  node: Hawker;
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** The node's Redis key prefix (random per node unless given). */
  prefix: string;
  close(): Promise<void>;
}

/** A random Redis key prefix, so tests sharing the run's Redis never see each other's keys. */
export function randomPrefix(): string {
  return `t${randomBytes(5).toString('hex')}:`;
}

/**
 * The run's PostgreSQL: vitest's global setup provides it; processes outside vitest (spawned nodes, benchmarks) get it
 * through DATABASE_URL.
 */
export function testDatabaseUrl(): string {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  try {
    return inject('databaseUrl');
  } catch (cause) {
    throw new Error('No PostgreSQL for this node: run under vitest (its global setup starts one) or set DATABASE_URL', { cause });
  }
}

/** The ledger schema of a deployment with this Redis key prefix: nodes sharing a prefix share their ledger too. */
export function schemaFor(prefix: string): string {
  return `h_${prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
}

/**
 * Starts a full Hawker node (all domains) on 127.0.0.1, port 0, against the run's Redis (or `redisUrl`) and the run's
 * PostgreSQL (a schema per key prefix), with one mediasoup worker on random ports, and the REST rate limits raised
 * out of the way (all clients share 127.0.0.1; helpers poll as one user). `env` overrides any configuration variable.
 */
export async function startNode(env: Record<string, string> = {}, redisUrl = inject('redisUrl')): Promise<TestNode> {
  const prefix = env.REDIS_KEY_PREFIX ?? randomPrefix();
  const config = loadConfig({
    DATABASE_URL: env.DATABASE_URL ?? testDatabaseUrl(),
    DATABASE_SCHEMA: schemaFor(prefix),
    DATABASE_POOL_SIZE: '4',
    DATABASE_BULK_POOL_SIZE: '2',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    MEDIASOUP_WORKERS: '1',
    MEDIASOUP_PORT_BASE: '0',
    REDIS_URL: redisUrl,
    // Every test client and benchmark load process is 127.0.0.1, one address far busier than one buyer's, and test
    // helpers poll REST as one user (waitFinal: every order, every 100 ms): the REST rates are raised out of the way.
    // The other limits stay at their defaults. Tests of a limit set it (test/limits/), and so must a benchmark that
    // wants the REST rates at their production values.
    REST_RATE_PER_IP_PER_MIN: '1000000',
    REST_RATE_PER_USER_PER_MIN: '1000000',
    // Recording spawns an ffmpeg transcode per live: only the tests that are about it (test/recording/) turn it on.
    RECORDING: 'false',
    ...env,
    REDIS_KEY_PREFIX: prefix,
  });
  const node = await Hawker.create(config, createLogger(config.LOG_LEVEL), redisUrl);
  try {
    await registerDomains(node);
    const addr = await node.listen();
    return { node, url: `http://127.0.0.1:${addr.port}`, port: addr.port, prefix, close: () => node.close() };
  } catch (err) {
    await node.close();
    throw err;
  }
}

/**
 * Two nodes of one deployment (one random key prefix, `env` on both, as behind a load balancer); `t` closes them after
 * the test.
 */
export async function twoNodes(t: Teardown, env: Record<string, string> = {}): Promise<[TestNode, TestNode]> {
  const shared = { REDIS_KEY_PREFIX: randomPrefix(), ...env };
  return [t.add(await startNode(shared)), t.add(await startNode(shared))];
}
