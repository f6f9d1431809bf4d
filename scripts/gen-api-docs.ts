/**
 * `npm run docs:api`: regenerates the API reference in docs/api/ (openapi.json, events.md) from the code. It starts a
 * node the way the tests do (all domains, port 0, the reference configuration of server/docs), fetches
 * GET /api/docs/openapi.json, renders the events reference, writes both files and stops everything. Redis and
 * PostgreSQL: REDIS_URL / DATABASE_URL when set, otherwise private ones in temp directories.
 * test/docs/api-reference.test.ts fails when the checked-in files differ from what this writes.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Hawker } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import {
  EVENTS_FILE,
  generateEventsMarkdown,
  jsonFileText,
  OPENAPI_FILE,
  OPENAPI_ROUTE,
  REFERENCE_NODE_ENV,
} from '../server/docs/index.ts';
import { registerDomains } from '../server/domains.ts';
import { startLocalPostgres } from '../server/kernel/localPostgres.ts';
import { startLocalRedis } from '../server/kernel/localRedis.ts';
import { createLogger } from '../server/kernel/log.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Steps to undo, last first. */
const cleanup: (() => Promise<unknown>)[] = [];

async function main(): Promise<void> {
  const redisUrl = process.env.REDIS_URL || (await localRedis());
  const databaseUrl = process.env.DATABASE_URL || (await localPostgres());
  const prefix = `apidocs${randomBytes(4).toString('hex')}:`;
  // Only the variables below: the developer's own environment must not change what gets documented.
  const schema = `h_${prefix.replace(/[^a-z0-9_]/g, '_')}`;
  if (process.env.REDIS_URL) cleanup.push(() => deleteKeys(redisUrl, prefix));
  if (process.env.DATABASE_URL) cleanup.push(() => dropSchema(databaseUrl, schema));
  const config = loadConfig({
    REDIS_URL: redisUrl,
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: schema,
    DATABASE_POOL_SIZE: '2',
    REDIS_KEY_PREFIX: prefix,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.LOG_LEVEL || 'error',
    MEDIASOUP_WORKERS: '1',
    MEDIASOUP_PORT_BASE: '0',
    ...REFERENCE_NODE_ENV,
  });
  const node = await Hawker.create(config, createLogger(config.LOG_LEVEL), redisUrl);
  cleanup.push(() => node.close());
  await registerDomains(node);
  const { port } = await node.listen();
  const res = await fetch(`http://127.0.0.1:${port}${OPENAPI_ROUTE}`);
  if (!res.ok) throw new Error(`GET ${OPENAPI_ROUTE} answered ${res.status}: ${await res.text()}`);
  const openapi: unknown = await res.json();
  await write(OPENAPI_FILE, jsonFileText(openapi));
  await write(EVENTS_FILE, generateEventsMarkdown());
}

async function localRedis(): Promise<string> {
  const dir = await tempDir('hawker-apidocs-redis-');
  const redis = await startLocalRedis({ dir });
  cleanup.push(() => redis.stop());
  return redis.url;
}

async function localPostgres(): Promise<string> {
  const dir = await tempDir('hawker-apidocs-pg-');
  const pg = await startLocalPostgres({ dir });
  cleanup.push(() => pg.stop());
  return pg.url;
}

/** On a Redis that is not ours: remove what the node left under its key prefix. */
async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 })) {
      if ((keys as string[]).length) await redis.unlink(...(keys as string[]));
    }
  } finally {
    redis.disconnect();
  }
}

/** On a PostgreSQL that is not ours: drop the node's ledger schema. */
async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

async function tempDir(prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  cleanup.push(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

async function write(file: string, text: string): Promise<void> {
  const target = path.join(ROOT, file);
  await fs.mkdir(path.dirname(target), { recursive: true });
  const before = await fs.readFile(target, 'utf8').catch(() => undefined);
  await fs.writeFile(target, text);
  process.stdout.write(`${file}: ${before === text ? 'unchanged' : 'written'}\n`);
}

let failed = false;
try {
  await main();
} catch (err) {
  failed = true;
  process.stderr.write(`docs:api failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
} finally {
  for (const step of cleanup.reverse()) await step().catch((err: unknown) => process.stderr.write(`cleanup: ${String(err)}\n`));
}
process.exit(failed ? 1 : 0);
