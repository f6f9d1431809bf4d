/**
 * P4's real WebRTC viewers: headless Chromium opening Hawker's own viewer page (`/room?id=...`: the client SDK's
 * LiveRoom and Player, Socket.IO signaling, mediasoup-client, ICE, DTLS, SRTP, the browser's VP8 decoder), with
 * bench/sfu/viewer-probe.js timestamping each stage of the join on the page's clock.
 */
import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { waitFor } from '../../harness/node.ts';
import { devIdentity, openPage, PHONE } from '../../harness/browser.ts';
import { percentile, round } from '../lib/report.ts';

const PROBE = path.resolve(import.meta.dirname, 'viewer-probe.js');

/** The probe's stages, in the order a join goes through them (see viewer-probe.js). */
export const STAGES = ['transport', 'consumed', 'ice', 'dtls', 'keyframe', 'frame'] as const;
type Mark = 'connect' | 'wsOpen' | 'decoded' | (typeof STAGES)[number];

/** One viewer's join: the probe's marks (ms since navigation start), or why it did not see a frame in time. */
export interface ViewerJoin {
  marks: Partial<Record<Mark, number>>;
  /** SRTP suite of the viewer's transport, as the browser reports it. */
  srtpCipher?: string;
  /** The page's start: Resource Timing (HTML, style, scripts) and the page's `hawker:` marks, ms since navigation. */
  timing?: Record<string, number>;
  /** The first socket.io frames each way: [ms since navigation, 'in' | 'out', first bytes]. */
  frames?: [number, string, string][];
  error?: string;
}

/**
 * `k` viewers open the room page at once (a crowd arriving is what keyframe-request coalescing is for) and wait for
 * their first decoded frame, at most `timeoutMs`; then they leave (their contexts close, the node closes their media).
 */
export async function viewersJoin(
  browser: Browser,
  url: string,
  roomId: string,
  k: number,
  tag: string,
  timeoutMs: number,
): Promise<ViewerJoin[]> {
  const contexts: BrowserContext[] = [];
  try {
    return await Promise.all(
      Array.from({ length: k }, async (_, i): Promise<ViewerJoin> => {
        const identity = await devIdentity(url, { userId: `bench-${tag}-${i}`, name: `Viewer ${i}`, role: 'viewer' });
        const viewer = await openPage(browser, `${url}/room?id=${roomId}`, { identity, viewport: PHONE, initScript: PROBE }, (c) =>
          contexts.push(c),
        );
        // Polled from here: the page's CSP forbids the eval that page.waitForFunction needs.
        const error = await waitFor(
          'a first frame',
          () => viewer.page.evaluate('window.__hawkerProbe.marks.frame !== undefined'),
          timeoutMs,
          100,
        ).then(
          () => undefined,
          (err: Error) => err.message,
        );
        const probe = (await viewer.page.evaluate(
          '({ marks: window.__hawkerProbe.marks, srtpCipher: window.__hawkerProbe.srtpCipher, frames: window.__hawkerProbe.frames, timing: window.__hawkerProbe.timing() })',
        )) as Pick<ViewerJoin, 'marks' | 'srtpCipher' | 'timing' | 'frames'>;
        const pageErrors = viewer.errors.length > 0 ? `; page errors: ${viewer.errors.join(' | ')}` : '';
        return {
          marks: probe.marks,
          ...(probe.srtpCipher ? { srtpCipher: probe.srtpCipher } : {}),
          timing: probe.timing,
          frames: probe.frames,
          ...(error || pageErrors ? { error: `${error ?? ''}${pageErrors}` } : {}),
        };
      }),
    );
  } finally {
    for (const c of contexts) await c.close().catch(() => {});
  }
}

/**
 * p50 and max of one stage over the viewers that reached it, in ms from `from` (default: the start of their join,
 * `connect`; 'navigation' is the page being opened).
 */
export function stageTimes(
  joins: readonly ViewerJoin[],
  stage: Mark,
  from: Mark | 'navigation' = 'connect',
): { p50: number; max: number; n: number } {
  const ms = joins.flatMap((j) => {
    const start = from === 'navigation' ? 0 : j.marks[from];
    const at = j.marks[stage];
    return at !== undefined && start !== undefined ? [at - start] : [];
  });
  return { p50: round(percentile(ms, 50)), max: ms.length > 0 ? round(Math.max(...ms)) : Number.NaN, n: ms.length };
}
