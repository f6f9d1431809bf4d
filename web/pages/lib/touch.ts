/**
 * Crowd touches (issue 19, crowd assets): what pages tell POST /api/crowd/touch that no socket event carries: a visit
 * and where it came from, replay and clip watching, a product opened on a replay or a clip. In a live room the server
 * counts watch time from the socket (join, leave) and product clicks from `product:click`, so the room page never
 * touches for those (no double count).
 *
 * Never in the way of the page: `touch` only queues (bounded: past QUEUE_MAX the oldest is dropped);
 * the queue is sent a moment later, and at once with `fetch(..., { keepalive: true })` when the page is hidden or left
 * (`sendBeacon` cannot carry the Authorization header). Watch seconds of the same room and source are added up in the
 * queue (up to the endpoint's 300 per touch). A failed send is logged to console.debug and dropped: analytics, not money.
 * Signed-out visitors send nothing (the endpoint needs a person).
 */
import type { CrowdSource, CrowdTouchBody } from '@hawker/client-sdk';
import { loadIdentity } from './identity.ts';

/** The most touches queued; past it the oldest is dropped. */
const QUEUE_MAX = 50;
/** How long a touch waits in the queue, so a burst goes out together. */
const SEND_AFTER_MS = 2_000;
/** An open watch reports its seconds at least this often (and whenever the page is hidden). */
const WATCH_REPORT_MS = 30_000;
/** The endpoint's ceiling for one watch touch. */
const WATCH_MAX_SECONDS = 300;
/** A gap between two playback ticks longer than this is not counted (a stall, a sleeping laptop). */
const TICK_MAX_MS = 5_000;

const queue: CrowdTouchBody[] = [];
let timer: ReturnType<typeof setTimeout> | null = null;
let hooked = false;
const flushers = new Set<() => void>();

/** Queues one touch; returns at once. */
export function touch(body: CrowdTouchBody): void {
  if (!loadIdentity()) return;
  hook();
  const last = queue[queue.length - 1];
  if (
    body.kind === 'watch' &&
    last?.kind === 'watch' &&
    last.source === body.source &&
    last.roomId === body.roomId &&
    last.creatorId === body.creatorId &&
    last.shopId === body.shopId &&
    (last.seconds ?? 0) + (body.seconds ?? 0) <= WATCH_MAX_SECONDS
  ) {
    last.seconds = (last.seconds ?? 0) + (body.seconds ?? 0);
  } else {
    if (queue.length >= QUEUE_MAX) queue.shift();
    queue.push({ ...body });
  }
  timer ??= setTimeout(() => send(false), SEND_AFTER_MS);
}

/** A visit to this page, and where from: `?src=` when it names a traffic source, else `fallback`. */
export function touchVisit(target: Pick<CrowdTouchBody, 'roomId' | 'creatorId' | 'shopId'>, fallback: CrowdTouchBody['source']): void {
  touch({ kind: 'visit', source: sourceFromUrl() ?? fallback, ...target });
}

/** The traffic source a link named with `?src=` (search results, follow notices), or null. */
export function sourceFromUrl(): CrowdTouchBody['source'] | null {
  const src = new URLSearchParams(location.search).get('src');
  const known: readonly CrowdSource[] = ['live', 'replay', 'clip', 'search', 'follow_notice', 'storefront'];
  return known.find((k) => k === src) ?? null;
}

/**
 * Counts the seconds `video` actually plays (not paused, not seeking, the page visible) and reports them as `watch`
 * touches for `target`. Returns the stop (reports what is left). Calling it again for another target (the next clip)
 * after stopping the last is how a feed switches.
 */
export function watchVideo(
  video: HTMLVideoElement,
  source: CrowdTouchBody['source'],
  target: Pick<CrowdTouchBody, 'roomId' | 'creatorId' | 'shopId'>,
): () => void {
  let ms = 0;
  let lastTick: number | null = null;
  const tick = () => {
    const now = performance.now();
    if (lastTick !== null && !video.paused && !video.seeking && document.visibilityState === 'visible') {
      const gap = now - lastTick;
      if (gap > 0 && gap <= TICK_MAX_MS) ms += gap;
    }
    lastTick = video.paused ? null : now;
  };
  const report = () => {
    tick();
    let seconds = Math.floor(ms / 1000);
    ms -= seconds * 1000;
    while (seconds > 0) {
      const n = Math.min(seconds, WATCH_MAX_SECONDS);
      touch({ kind: 'watch', source, ...target, seconds: n });
      seconds -= n;
    }
  };
  const onPause = () => {
    tick();
    lastTick = null;
  };
  video.addEventListener('timeupdate', tick);
  video.addEventListener('playing', tick);
  video.addEventListener('pause', onPause);
  const every = setInterval(report, WATCH_REPORT_MS);
  flushers.add(report);
  hook();
  return () => {
    report();
    clearInterval(every);
    flushers.delete(report);
    video.removeEventListener('timeupdate', tick);
    video.removeEventListener('playing', tick);
    video.removeEventListener('pause', onPause);
  };
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  const leaving = () => {
    for (const f of flushers) f();
    send(true);
  };
  addEventListener('pagehide', leaving);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') leaving();
  });
}

/** Sends what is queued, one request per touch (the endpoint takes one); `leaving`: with keepalive, not awaited. */
function send(leaving: boolean): void {
  if (timer) clearTimeout(timer);
  timer = null;
  const token = loadIdentity()?.token;
  const batch = queue.splice(0);
  if (!token || !batch.length) return;
  for (const body of batch) {
    fetch('/api/crowd/touch', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
      keepalive: leaving,
    })
      .then((res) => {
        if (!res.ok) console.debug('crowd touch not recorded', res.status, body);
      })
      .catch((err: unknown) => console.debug('crowd touch not sent', err, body));
  }
}
