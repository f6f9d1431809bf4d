import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import type { Clip, ClipList } from '@hawker/protocol';
import { devIdentity, PHONE, useBrowser } from '../../harness/browser.ts';
import { api } from '../../harness/clients.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { CUT_STALLED } from '../../server/recording/clipCutter.ts';
import { creatorWithShop, room, select, simpleShopProduct } from '../channels/fixtures.ts';
import { clipsOf, storedRecording, untilCut } from './clipHelpers.ts';
import { recordingNode } from './helpers.ts';

const run = promisify(execFile);
const t = useTeardown();
const openPage = useBrowser(t);

it("a clip cut whose ffmpeg makes no progress is killed after CLIP_CUT_STALL_MS: the clip fails naming the setting, the replay page says so in the viewer's language, and the node's cutting place is free for the next cut", async () => {
  // One cutting place: the next cut can only run if the stuck one gave its place back.
  const { node } = await recordingNode(t, { CLIP_CUT_STALL_MS: '2000', CLIP_CUTS_CONCURRENT: '1' });
  const { creator, shop } = await creatorWithShop(node);
  const jade = await simpleShopProduct(node, creator, shop.id, 20, 5_000);
  const r = await room(node, creator);
  await select(node, creator, r.id, jade.id);
  const rec = await storedRecording(t, node, { id: 'stallSrc1', roomId: r.id, creatorId: 'c1', agencyId: 'ag1', seconds: 8 });

  // The seam: the first cut's ffmpeg reads a FIFO nobody writes, so its open() blocks for ever (a real stuck ffmpeg).
  const clips = clipsOf(node);
  clips.cutHooks.ffmpegArgs = async (args, workDir) => {
    clips.cutHooks.ffmpegArgs = undefined;
    const fifo = path.join(workDir, 'never.m3u8');
    await run('mkfifo', [fifo]);
    const i = args.indexOf('-i');
    return [...args.slice(0, i + 1), fifo, ...args.slice(i + 2)];
  };
  // The creator cuts on the replay page (zh-CN): the panel follows the cut and says, in Chinese, that it stalled.
  const staff = await devIdentity(node.url, { userId: 'c1', name: 'Creator', role: 'creator', agencyId: 'ag1' });
  const { page } = await openPage(`${node.url}/replay?id=${rec.id}`, { identity: staff, viewport: PHONE, locale: 'zh-CN' });
  const panel = page.getByTestId('clip-cut');
  await panel.getByTestId('cut-start').fill('1');
  await panel.getByTestId('cut-end').fill('5');
  await panel.getByTestId('cut-title').fill('Stuck');
  await panel.getByTestId('cut-product').first().check();
  await panel.getByTestId('cut-submit').click();
  const shown = panel.getByTestId('cut-failed');
  await shown.waitFor({ timeout: 60_000 });
  expect(await shown.textContent()).toBe('剪辑失败：剪辑进程长时间没有进展，已停止；请重试');
  const [failed] = (await api<ClipList>(node.url, 'GET', '/api/clips?creatorId=c1', creator)).body.clips;
  expect(failed).toMatchObject({ title: 'Stuck', status: 'failed' });
  expect(failed!.failureReason).toMatch(new RegExp(`^${CUT_STALLED}: `));

  // The place it held is free: a healthy cut runs and is ready.
  const next = await api<Clip>(node.url, 'POST', '/api/clips', creator, {
    recordingId: rec.id,
    startMs: 1_000,
    endMs: 5_000,
    title: 'Fine',
    productIds: [jade.id],
  });
  expect(next.status).toBe(202);
  expect((await untilCut(node, creator, next.body.id)).status).toBe('ready');
}, 120_000);
