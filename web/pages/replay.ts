/**
 * Replay of a recorded live (docs/replay.md): the recording played with hls.js (or the browser's own HLS), the
 * shopping timeline as markers to jump to, the product card that was pinned at the moment playing, and buying it from
 * the replay (POST /api/orders, channel `replay`: at the product's current price and stock, a flash-sale price only
 * while that sale really runs). Phone-first: one column, the video on top.
 *
 * `/replay?id=<recordingId>`, or `/replay?room=<roomId>` for the room's latest recording.
 */
import { HawkerApi, type Product, type Recording, type RecordingTimelineEntry } from '@hawker/client-sdk';
import { clipCutPanel, mayClip } from './lib/clipCut.ts';
import { byId, h, replace } from './lib/dom.ts';
import { t } from './lib/i18n.ts';
import './lib/messages/common.ts';
import './lib/messages/replay.ts';
import './lib/messages/shop.ts';
import './lib/messages/studio.ts';
import { playRecording, ReplayCard, replayVideo } from './lib/replayPlayer.ts';
import type { Identity } from './lib/identity.ts';
import { describeError, renderTopbar, requireIdentity, showNotice } from './lib/ui.ts';

renderTopbar('/replay');
document.title = `${t('replay.replayTitle')} — Hawker`;
const identity = requireIdentity(['viewer', 'creator', 'moderator', 'agency', 'merchant', 'admin'], t('studio.replayPage'));
const params = new URLSearchParams(location.search);
if (identity) void open(identity, params.get('id'), params.get('room'));

async function open(identity: Identity, id: string | null, roomId: string | null): Promise<void> {
  const api = new HawkerApi(location.origin, identity.token);
  try {
    const recording = id ? await api.getRecording(id) : roomId ? (await api.listRecordings({ roomId, limit: 1 }))[0] : undefined;
    if (!recording) {
      showNotice({
        title: t('studio.noReplay'),
        message: t('studio.noReplayHint'),
        action: { label: t('nav.home'), href: '/' },
        testId: 'no-replay',
      });
      return;
    }
    const [{ entries }, current] = await Promise.all([
      api.recordingTimeline(recording.id),
      // Today's price and stock of the room's products: buying from a replay is at those, not at the live's.
      api.listProducts(recording.roomId).catch(() => [] as Product[]),
    ]);
    new ReplayView(api, identity, recording, entries, new Map(current.map((p) => [p.id, p])));
  } catch (err) {
    showNotice({
      title: t('studio.replayCannotOpen'),
      message: describeError(err),
      action: { label: t('nav.home'), href: '/' },
      testId: 'replay-error',
    });
  }
}

/** m:ss of an offset in ms. */
function at(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export { pinnedAt } from './lib/replayPlayer.ts';

class ReplayView {
  private readonly video = replayVideo('replay-video');
  private readonly card: ReplayCard;

  constructor(
    api: HawkerApi,
    private readonly identity: Identity,
    private readonly recording: Recording,
    entries: RecordingTimelineEntry[],
    current: ReadonlyMap<string, Product>,
  ) {
    this.card = new ReplayCard(api, recording.roomId, entries, current, this.video);
    const markers = entries
      .filter((e) => e.kind === 'pin' || e.kind === 'sale_start')
      .map((e) =>
        h(
          'button',
          {
            class: 'btn btn-sm marker',
            attrs: { type: 'button', 'data-testid': 'marker', 'data-offset': e.offsetMs, 'data-product': e.productId ?? '' },
            on: { click: () => this.seek(e.offsetMs) },
          },
          `${at(e.offsetMs)} ${e.kind === 'pin' ? String((e.data.product as Product | undefined)?.title ?? t('studio.saleProduct')) : t('studio.flashSale')}`,
        ),
      );
    replace(
      byId('main'),
      h('div', { class: 'replay-stage' }, this.video),
      h(
        'p',
        { class: 'muted', attrs: { 'data-testid': 'replay-status' } },
        recording.status === 'recording' ? t('studio.replayLive') : t('replay.replayTitle'),
      ),
      this.card.element,
      h('nav', { class: 'markers', attrs: { 'aria-label': t('shop.bagTitle') } }, ...markers),
    );
    // The room's staff cut clips here (docs/replay.md, "Clips"), from the room's products as sold now.
    if (mayClip(identity.principal, recording))
      byId('main').append(clipCutPanel(api, recording, [...current.values()], () => this.video.currentTime));
    playRecording(this.video, this.recording, this.identity.token);
  }

  private seek(offsetMs: number): void {
    // A little after the pin, so the card shows what was being presented.
    this.video.currentTime = offsetMs / 1000 + 0.1;
    this.card.update();
  }
}
