/**
 * Issue 20 B / issue 17: navigation → first decoded frame in Chromium on loopback, through Hawker's own pages. A
 * creator publishes from the studio page (headless Chromium, fake camera: a real browser encoder, which answers
 * keyframe requests as a phone would); then `--runs N` viewers open `/room?id=...` one after the other, each in a
 * fresh browser context (cold: no cached bundle, no socket), and bench/sfu/viewer-probe.js timestamps each stage of
 * their join on the page's clock (ms since navigation start). Viewers are `--gap-ms` apart (default: the keyframe
 * request delay plus 250 ms), so each one's keyframe request reaches the encoder rather than being coalesced with the
 * previous viewer's: this measures one viewer arriving, not a crowd (bench:sfu does the crowd).
 *
 * The node runs in its own process (`--node child`, the default), as it is deployed: in the bench's process it shared
 * its event loop with Playwright, whose handling of every page's DevTools events then delayed the node's answers
 * (`--node in-process` measures that arrangement, for comparison). `--creator-browser own` (the default) gives the
 * creator's studio its own Chromium, so the viewers' browser (network, GPU and renderer processes) does not also
 * carry the creator's camera encoder; `shared` is the arrangement before. `--creator-nice N` lowers the priority of
 * the creator's Chromium (every thread of its processes) once it is live: in a real live the camera's encoder runs on
 * the creator's phone, not on the viewer's device nor the server, and on this 2-core box it otherwise takes a core the
 * viewer's browser and the node then wait for. The figures say which arrangement they come from.
 *
 *   npm run bench:first-frame [-- --runs 20 --gap-ms 1250 --timeout 30 --node child|in-process --creator-browser own|shared]
 */
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { BrowserContext } from 'playwright-core';
import type { Room, RoomMediaStats } from '@hawker/protocol';
import { api } from '../harness/clients.ts';
import { devIdentity, launchChromium, openPage } from '../harness/browser.ts';
import { startNode, waitFor } from '../harness/node.ts';
import { spawnNode } from '../harness/nodeProcess.ts';
import { loadConfig } from '../server/config.ts';
import { machineBusySeconds } from './lib/cpu.ts';
import { onCleanup, runMain } from './lib/procs.ts';
import { percentile, printTable, progress, round, writeResult } from './lib/report.ts';
import { benchRedis } from './lib/setup.ts';
import { STAGES, viewersJoin, type ViewerJoin } from './sfu/viewers.ts';

const { values: opt } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    'gap-ms': { type: 'string', default: '' },
    timeout: { type: 'string', default: '30' },
    node: { type: 'string', default: 'child' },
    'creator-browser': { type: 'string', default: 'own' },
    'creator-nice': { type: 'string', default: '0' },
  },
});
const RUNS = Math.min(200, Math.max(1, Number(opt.runs)));
const TIMEOUT_MS = Math.min(120, Math.max(5, Number(opt.timeout))) * 1000;

async function main(): Promise<void> {
  const redis = await benchRedis('first-frame');
  const env = { LOG_LEVEL: 'warn', MEDIASOUP_WORKERS: '1' };
  const node = opt.node === 'in-process' ? await startNode(env, redis.url) : await spawnNode(env, redis.url);
  onCleanup(() => node.close());
  const delay = loadConfig({ DATABASE_URL: 'postgres://unused', ...env }).MEDIASOUP_KEYFRAME_REQUEST_DELAY_MS;
  const gapMs = opt['gap-ms'] ? Number(opt['gap-ms']) : delay + 250;

  const launch = async () => {
    const b = await launchChromium(['--autoplay-policy=no-user-gesture-required'], {
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    onCleanup(() => b.close());
    return b;
  };
  const browser = await launch();
  const before = chromiumPids();
  const creatorBrowser = opt['creator-browser'] === 'shared' ? browser : await launch();
  progress(`node: ${opt.node === 'in-process' ? 'in the bench process' : 'its own process'}; creator's browser: ${opt['creator-browser']}`);

  // --- The creator goes live from the studio with Chromium's fake camera and microphone.
  const creator = await devIdentity(node.url, { userId: 'ff-creator', name: 'Creator', role: 'creator', agencyId: 'ff-agency' });
  const created = await api<Room>(node.url, 'POST', '/api/rooms', creator.token, { title: 'First frame' });
  const roomId = created.body.id;
  const contexts: BrowserContext[] = [];
  onCleanup(async () => {
    for (const c of contexts) await c.close().catch(() => {});
  });
  const studio = await openPage(creatorBrowser, `${node.url}/studio?room=${roomId}`, { identity: creator }, (c) => contexts.push(c));
  await waitFor('camera preview', () => studio.page.getByTestId('preview').evaluate((v: HTMLVideoElement) => v.videoWidth > 0), 30_000);
  await studio.page.getByTestId('go-live').click();
  await waitFor(
    'the studio publishing video',
    async () =>
      (await api<RoomMediaStats>(node.url, 'GET', `/api/rooms/${roomId}/media/stats`, creator.token)).body.producers?.some(
        (p) => p.kind === 'video' && p.byteCount > 0,
      ),
    30_000,
  );
  const creatorNice = Math.min(19, Math.max(0, Number(opt['creator-nice'])));
  if (creatorNice > 0 && creatorBrowser !== browser) {
    const creatorPids = [...chromiumPids()].filter((pid) => !before.has(pid));
    const threads = renice(creatorPids, creatorNice);
    progress(`creator's Chromium (${creatorPids.length} processes, ${threads} threads) at nice ${creatorNice}`);
  }
  progress(`creator live; ${RUNS} viewers, one at a time, ${gapMs} ms apart`);

  const joins: ViewerJoin[] = [];
  const busy0 = machineBusySeconds();
  const t0 = Date.now();
  for (let i = 0; i < RUNS; i++) {
    // A page that does not even load in time (the shared box) is a failed run, recorded, not the end of the bench.
    const [join] = await viewersJoin(browser, node.url, roomId, 1, `ff${i}`, TIMEOUT_MS).catch((err: Error) => [
      { marks: {}, error: err.message.split('\n')[0] } as ViewerJoin,
    ]);
    joins.push(join!);
    if (join?.error) progress(`viewer ${i}: ${join.error}`);
    await new Promise((r) => setTimeout(r, gapMs));
  }
  const busyCores = (machineBusySeconds() - busy0) / ((Date.now() - t0) / 1000);

  const seen = joins.filter((j) => j.marks.frame !== undefined);
  const row = (label: string, pick: (j: ViewerJoin) => number | undefined) => {
    const ms = joins.flatMap((j) => {
      const v = pick(j);
      return v === undefined ? [] : [v];
    });
    return [label, ms.length, round(percentile(ms, 50)), round(percentile(ms, 95)), ms.length ? round(Math.max(...ms)) : '–'];
  };
  const rows = [
    row('socket opened (join starts)', (j) => j.marks.connect),
    row('WebSocket open', (j) => j.marks.wsOpen),
    ...STAGES.map((s) => row(s, (j) => j.marks[s])),
    row('frame − socket opened', (j) =>
      j.marks.frame !== undefined && j.marks.connect !== undefined ? j.marks.frame - j.marks.connect : undefined,
    ),
    row('frame − DTLS connected', (j) =>
      j.marks.frame !== undefined && j.marks.dtls !== undefined ? j.marks.frame - j.marks.dtls : undefined,
    ),
  ];
  printTable(`navigation → stage, ms (${seen.length}/${RUNS} saw a frame; machine ${round(busyCores, 2)} busy cores)`, [
    ['stage (ms since navigation)', 'n', 'p50', 'p95', 'max'],
    ...rows,
  ]);
  // Where the time before the socket goes (issue 17): each resource's last byte and the page's own marks, by p50.
  const keys = [...new Set(joins.flatMap((j) => Object.keys(j.timing ?? {})))];
  const startRows = keys
    .map((k) => row(k, (j) => j.timing?.[k]))
    .sort((a, b) => Number(a[2]) - Number(b[2]) || String(a[0]).localeCompare(String(b[0])));
  printTable('the page start, ms since navigation', [['resource / mark', 'n', 'p50', 'p95', 'max'], ...startRows]);
  // One viewer's signaling, frame by frame (the median viewer by first frame): what each answer waited for.
  const median = [...seen].sort((a, b) => a.marks.frame! - b.marks.frame!)[Math.floor(seen.length / 2)];
  if (median?.frames) printTable("the median viewer's first socket.io frames", [['ms', 'dir', 'data'], ...median.frames]);
  const file = writeResult('first-frame', {
    runs: RUNS,
    node: opt.node,
    creatorBrowser: opt['creator-browser'],
    gapMs,
    keyFrameRequestDelayMs: delay,
    busyCores,
    joins,
  });
  progress(`results in ${file}`);
}

/** The pids of the Chromium processes running now. */
function chromiumPids(): Set<number> {
  const out = new Set<number>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim().startsWith('chromium')) out.add(Number(d));
    } catch {
      // The process ended while we looked: nothing to renice.
    }
  }
  return out;
}

/** Sets every thread of these processes to `nice`; returns how many threads it changed. */
function renice(pids: readonly number[], nice: number): number {
  let n = 0;
  for (const pid of pids) {
    let tids: string[] = [];
    try {
      tids = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // ended meanwhile
    }
    for (const tid of tids) {
      try {
        os.setPriority(Number(tid), nice);
        n++;
      } catch {
        // A thread that ended meanwhile.
      }
    }
  }
  return n;
}

runMain('bench:first-frame', main, 900);
