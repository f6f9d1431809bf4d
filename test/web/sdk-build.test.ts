import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { startNode } from '../helpers/node.ts';
import { useTeardown } from '../helpers/teardown.ts';

const run = promisify(execFile);
const root = path.resolve('.');
const dist = path.join(root, 'client-sdk/dist');
const work = path.join(root, 'test-artifacts/sdk-consumer');
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');

const t = useTeardown();

/** A Node program that uses only the built bundle: mint tokens, create a room, join, see it go live, hit an error. */
const NODE_CLIENT = `
import { HawkerApi, HawkerError, LiveRoom } from ${JSON.stringify(path.join(dist, 'index.js'))};
const url = process.env.HAWKER_URL;
const creator = await HawkerApi.devToken(url, { userId: 'c-node', name: 'Node Creator', role: 'creator' });
const viewer = await HawkerApi.devToken(url, { userId: 'v-node', name: 'Node Viewer', role: 'viewer' });
const api = new HawkerApi(url, creator.token);
const created = await api.createRoom({ title: 'From Node' });
const room = await LiveRoom.join(url, viewer.token, created.id);
const updated = new Promise((resolve) => room.on('room:updated', (p) => resolve(p.room.status)));
await api.goLive(created.id);
const status = await updated;
let missing;
try {
  await LiveRoom.join(url, viewer.token, 'no-such-room');
} catch (e) {
  missing = { isHawkerError: e instanceof HawkerError, code: e.code };
}
const closed = new Promise((resolve) => room.on('closed', (p) => resolve(p.code)));
room.close();
room.close();
console.log(JSON.stringify({ title: room.snapshot.room.title, status, missing, closedCode: await closed, statusAfter: room.status }));
`;

/** A TypeScript consumer compiled against the emitted .d.ts files only (as an npm user would see them). */
const CONSUMER = `
import { HawkerError, LiveRoom, type RoomSnapshot } from '@hawker/client-sdk';
export async function use(token: string): Promise<number> {
  const room = await LiveRoom.join('http://localhost:3000', token, 'r1');
  room.on('room:ended', (p) => {
    const reason: string = p.reason;
    void reason;
  });
  room.on('resync', (s) => {
    const snap: RoomSnapshot = s;
    void snap;
  });
  // @ts-expect-error not an event of the protocol
  room.on('room:explode', () => {});
  // @ts-expect-error room:join needs a roomId
  await room.request('room:join', {});
  try {
    await room.goLive();
  } catch (e) {
    if (e instanceof HawkerError && e.code === 'RATE_LIMITED') return e.retryAfterMs ?? 0;
    // @ts-expect-error not an error code
    if (e instanceof HawkerError && e.code === 'OOPS') return -1;
  }
  return 0;
}
`;

it('builds the SDK on its own; Node imports dist/ and talks to a real node; the .d.ts files type a consumer', async () => {
  await run(process.execPath, [path.join(root, 'client-sdk/build.mjs')], { cwd: root });
  for (const f of ['index.js', 'index.js.map', 'types/client-sdk/src/index.d.ts', 'types/server/protocol/index.d.ts']) {
    await expect(fs.stat(path.join(dist, f)), f).resolves.toBeTruthy();
  }
  const bundle = await fs.readFile(path.join(dist, 'index.js'), 'utf8');
  // Peer dependencies stay imports (not bundled copies), so apps share one socket.io-client and mediasoup-client.
  expect(bundle).toMatch(/from "socket\.io-client"/);

  const node = t.add(await startNode());
  await fs.mkdir(work, { recursive: true });
  await fs.writeFile(path.join(work, 'node-client.mjs'), NODE_CLIENT);
  const { stdout } = await run(process.execPath, [path.join(work, 'node-client.mjs')], { env: { ...process.env, HAWKER_URL: node.url }, timeout: 30_000 });
  expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({
    title: 'From Node',
    status: 'live',
    missing: { isHawkerError: true, code: 'NOT_FOUND' },
    closedCode: 'CLOSED_BY_CLIENT',
    statusAfter: 'closed',
  });

  await fs.writeFile(path.join(work, 'consumer.ts'), CONSUMER);
  await fs.writeFile(path.join(work, 'package.json'), '{ "type": "module" }\n');
  await fs.writeFile(
    path.join(work, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        lib: ['es2022', 'dom'],
        types: [],
        paths: { '@hawker/client-sdk': ['../../client-sdk/dist/types/client-sdk/src/index.d.ts'] },
      },
      files: ['consumer.ts'],
    }),
  );
  // Unused @ts-expect-error lines are errors too: this fails if the types were loosened to `any`.
  await run(process.execPath, [tsc, '-p', path.join(work, 'tsconfig.json')], { cwd: root });
}, 180_000); // two TypeScript compilations and a bundle: slow on a busy 2-core machine, not a timing check
