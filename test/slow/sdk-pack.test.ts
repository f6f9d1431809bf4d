import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const run = promisify(execFile);
const root = path.resolve('.');
const work = path.join(root, 'test-artifacts/sdk-consumer');
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');

const t = useTeardown();

/** A Node program that uses only the built bundle: mint tokens, create a room, join, see it go live, hit an error. */
const NODE_CLIENT = `
import { HawkerApi, HawkerError, LiveRoom } from '@hawker/client-sdk';
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

/** A TypeScript consumer compiled against the installed packages' .d.ts files only (as an npm user sees them). */
const CONSUMER = `
import { HawkerError, LiveRoom, type RoomSnapshot } from '@hawker/client-sdk';
import type { Order, PlaceOrderResult } from '@hawker/protocol';

/** Join, then buy from the live flash sale, and follow the order to paid: the flow a shop app writes first. */
export async function joinAndBuy(token: string, roomId: string): Promise<Order['status']> {
  const room = await LiveRoom.join('http://localhost:3000', token, roomId);
  const sale = room.snapshot.flashSale;
  if (!sale) return 'cancelled';
  const placed: PlaceOrderResult = await room.buy({ saleId: sale.id, quantity: 1 });
  // @ts-expect-error quantity is a number
  await room.buy({ saleId: sale.id, quantity: 'one' });
  return new Promise((resolve) => room.on('order:updated', (u) => u.orderId === placed.order.id && resolve(u.status)));
}

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

it('packs the protocol and the SDK; a scratch project installs both tarballs, runs against a real node and type-checks a join + order flow', async () => {
  const packs = path.join(work, 'packs');
  await fs.rm(work, { recursive: true, force: true });
  await fs.mkdir(packs, { recursive: true });
  await run(process.execPath, [path.join(root, 'protocol/build.mjs')], { cwd: root });
  await run(process.execPath, [path.join(root, 'client-sdk/build.mjs')], { cwd: root });
  const bundle = await fs.readFile(path.join(root, 'client-sdk/dist/index.js'), 'utf8');
  // Peer dependencies stay imports (not bundled copies), so apps share one socket.io-client and mediasoup-client.
  expect(bundle).toMatch(/from "socket\.io-client"/);
  const npm = (args: string[], cwd: string) => run('npm', args, { cwd, timeout: 120_000 });
  await npm(['pack', path.join(root, 'protocol/dist'), '--pack-destination', packs], root);
  await npm(['pack', path.join(root, 'client-sdk/dist'), '--pack-destination', packs], root);
  const tarballs = (await fs.readdir(packs)).sort();
  expect(tarballs).toEqual(['hawker-client-sdk-0.1.0.tgz', 'hawker-protocol-0.1.0.tgz']);

  // The scratch project: only the two tarballs and the SDK's peers, from the npm cache this checkout already filled.
  const own = JSON.parse(await fs.readFile(path.join(root, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  await fs.writeFile(
    path.join(work, 'package.json'),
    JSON.stringify({
      name: 'sdk-consumer',
      private: true,
      type: 'module',
      dependencies: {
        '@hawker/protocol': `file:packs/${tarballs[1]}`,
        '@hawker/client-sdk': `file:packs/${tarballs[0]}`,
        'socket.io-client': own.devDependencies['socket.io-client'],
        'mediasoup-client': own.devDependencies['mediasoup-client'],
      },
    }),
  );
  await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], work);

  const node = t.add(await startNode());
  await fs.writeFile(path.join(work, 'node-client.mjs'), NODE_CLIENT);
  const { stdout } = await run(process.execPath, [path.join(work, 'node-client.mjs')], {
    cwd: work,
    env: { ...process.env, HAWKER_URL: node.url },
    timeout: 30_000,
  });
  expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({
    title: 'From Node',
    status: 'live',
    missing: { isHawkerError: true, code: 'NOT_FOUND' },
    closedCode: 'CLOSED_BY_CLIENT',
    statusAfter: 'closed',
  });

  await fs.writeFile(path.join(work, 'consumer.ts'), CONSUMER);
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
      },
      files: ['consumer.ts'],
    }),
  );
  // Unused @ts-expect-error lines are errors too: this fails if the types were loosened to `any`.
  await run(process.execPath, [tsc, '-p', path.join(work, 'tsconfig.json')], { cwd: work });
}, 300_000); // two builds, two packs, an npm install and a TypeScript compilation: slow on a busy 2-core machine
