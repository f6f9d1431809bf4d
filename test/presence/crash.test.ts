import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { expect, inject, it } from 'vitest';
import { freePort } from '../../server/kernel/localRedis.ts';
import { LiveClient, liveRoom, tokenFor } from '../../harness/live.ts';
import { randomPrefix, schemaFor, startNode, waitFor } from '../../harness/node.ts';
import { stopProcess } from '../../harness/nodeProcess.ts';
import { useTeardown } from '../../harness/teardown.ts';

const root = path.resolve(import.meta.dirname, '../..');
const t = useTeardown();

it('viewers of a node that crashes (SIGKILL: no cleanup at all) drop out of the count once its presence expires', async () => {
  const prefix = randomPrefix();
  const env = { REDIS_KEY_PREFIX: prefix, STATS_TICK_MS: '100', PRESENCE_TTL_MS: '1500' };
  const node = t.add(await startNode(env));
  // The node that will crash is a real separate process, started like `npm start` does. With a gateway URL (nothing
  // listens there; this test places no order), main.ts launches no sandbox gateway child, which the SIGKILL would orphan.
  const port = await freePort();
  const dir = await t.tempDir('hawker-crash-');
  const child = t.add(
    spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: root,
      env: {
        DATABASE_URL: inject('databaseUrl'),
        DATABASE_SCHEMA: schemaFor(randomPrefix()),
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ...env,
        REDIS_URL: inject('redisUrl'),
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dir,
        MEDIASOUP_WORKERS: '1',
        MEDIASOUP_PORT_BASE: '0',
        LOG_LEVEL: 'silent',
        PAYMENT_GATEWAY_URL: 'http://127.0.0.1:9',
      },
      stdio: 'ignore',
    }),
    (c) => stopProcess(c, 'SIGKILL', 0), // a no-op once it has exited
  );
  const doomedUrl = `http://127.0.0.1:${port}`;
  await waitFor(
    'the second node to be ready',
    async () => (await fetch(`${doomedUrl}/readyz`).catch(() => undefined))?.status === 200,
    30_000,
  );

  const { roomId } = await liveRoom(node.url);
  const survivor = t.add(await LiveClient.connect(node.url, await tokenFor(node.url, 'survivor')));
  await survivor.join(roomId);
  const doomed = await Promise.all(
    ['d1', 'd2', 'd3'].map(async (id) => t.add(await LiveClient.connect(doomedUrl, await tokenFor(doomedUrl, id)))),
  );
  for (const d of doomed) await d.join(roomId);
  await survivor.until('all four counted', (s) => s.stats.viewers === 4);

  child.kill('SIGKILL');
  await once(child, 'exit');
  const after = await survivor.until("the crashed node's viewers expire", (s) => s.stats.viewers === 1, 15_000);
  expect(after.stats.viewers).toBe(1);
});
