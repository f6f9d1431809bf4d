/**
 * "Clip the live" in the creator studio (docs/replay.md, "Clips"; issue 18): while the room is live and recorded, the
 * creator cuts the last 10, 30 or 60 s of the recording so far (`POST /api/clips` with `lastMs`), attaches products
 * of the room, titles it, follows the cut and publishes it to the clips feed. A link opens the replay page of the
 * recording in progress, whose "Cut a clip" panel takes any range of it (time-shifted). Mounted by studio.ts with one
 * call; everything else is here.
 */
import type { HawkerApi, LiveRoom, Product, Recording } from '@hawker/client-sdk';
import { cutError, startCut } from './clipCut.ts';
import { h, replace } from './dom.ts';
import { t } from './i18n.ts';
import './messages/clips.ts';
import { describeError, withButton } from './ui.ts';

/** The lengths offered, seconds; the "clip the last 30 s" is the default. */
const LENGTHS = [10, 30, 60] as const;
const DEFAULT_LENGTH = 30;

/** Builds the "Clip the live" card and appends it to `into` (the studio's grid); shown only while the room is live. */
export function mountStudioClip(room: LiveRoom, into: Element | null): void {
  if (!into) return;
  const api: HawkerApi = room.api;
  const roomId = room.roomId;
  const length = h(
    'select',
    { attrs: { 'data-testid': 'studio-clip-length' } },
    ...LENGTHS.map((s) => h('option', { text: t('clips.studio.seconds', { s }), attrs: { value: s, selected: s === DEFAULT_LENGTH } })),
  );
  const title = h('input', { attrs: { type: 'text', maxlength: 100, required: true, 'data-testid': 'studio-clip-title' } });
  const productBox = h('div', { class: 'clip-cut-products-list' });
  const clipButton = h('button', { class: 'btn btn-primary', attrs: { type: 'submit', 'data-testid': 'studio-clip-last' } });
  const replayLink = h('a', {
    class: 'btn btn-ghost btn-sm',
    text: t('clips.studio.range'),
    attrs: { target: '_blank', hidden: true, 'data-testid': 'studio-clip-replay' },
  });
  const note = h('p', { class: 'muted small', attrs: { 'data-testid': 'studio-clip-note' } });
  const status = h('div', { class: 'clip-cut-status', attrs: { role: 'status', 'aria-live': 'polite', 'data-testid': 'cut-status' } });
  const label = () => {
    clipButton.textContent = t('clips.studio.clipLast', { s: Number(length.value) });
  };
  label();
  length.addEventListener('change', label);

  let products: readonly Product[] = [];
  const renderProducts = () => {
    const checked = new Set(Array.from(productBox.querySelectorAll<HTMLInputElement>('input:checked')).map((i) => i.value));
    replace(
      productBox,
      ...(products.length
        ? products.map((p) =>
            h(
              'label',
              { class: 'clip-cut-product' },
              h('input', { attrs: { type: 'checkbox', value: p.id, checked: checked.has(p.id), 'data-testid': 'studio-clip-product' } }),
              h('span', { text: p.title }),
            ),
          )
        : [h('p', { class: 'muted', text: t('clips.cut.noProducts') })]),
    );
  };
  let loading: Promise<void> | null = null;
  const loadProducts = () => {
    loading ??= api
      .listProducts(roomId)
      .then((list) => {
        products = list;
        renderProducts();
      })
      .catch(() => {
        // Kept as they were; the next change or focus reads them again.
      })
      .finally(() => {
        loading = null;
      });
    return loading;
  };

  /** The room's recording in progress, if it is being recorded now. */
  const recordingNow = async (): Promise<Recording | undefined> =>
    (await api.listRecordings({ roomId })).find((r) => r.status === 'recording');

  const form = h(
    'form',
    { class: 'stack' },
    h('label', { class: 'field' }, t('clips.cut.titleLabel'), title),
    h('fieldset', { class: 'clip-cut-products' }, h('legend', { text: t('clips.cut.products') }), productBox),
    h('label', { class: 'field' }, t('clips.studio.length'), length),
    h('div', { class: 'row wrap' }, clipButton, replayLink),
    note,
    status,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void withButton(clipButton, async () => {
      const productIds = Array.from(productBox.querySelectorAll<HTMLInputElement>('input:checked')).map((i) => i.value);
      if (!title.value.trim() || productIds.length === 0) {
        replace(status, h('p', { class: 'banner banner-error', text: t('clips.cut.need'), attrs: { role: 'alert' } }));
        return;
      }
      let rec: Recording | undefined;
      try {
        rec = await recordingNow();
      } catch (err) {
        cutError(status, describeError(err));
        return;
      }
      if (!rec) {
        replace(status, h('p', { class: 'banner banner-error', text: t('clips.studio.notRecording'), attrs: { role: 'alert' } }));
        return;
      }
      await startCut(api, { recordingId: rec.id, lastMs: Number(length.value) * 1000, title: title.value.trim(), productIds }, status);
    });
  });

  const section = h(
    'section',
    { class: 'card studio-clip', attrs: { 'data-testid': 'studio-clip', 'aria-labelledby': 'studio-clip-title', hidden: true } },
    h('div', { class: 'card-head' }, h('h2', { text: t('clips.studio.heading'), attrs: { id: 'studio-clip-title' } })),
    h('p', { class: 'muted small', text: t('clips.studio.hint') }),
    form,
  );
  into.append(section);

  /** Shown while live; the note says when this room's lives are not recorded; the replay link once there is a recording. */
  const update = () => {
    const r = room.room;
    const live = r.status === 'live';
    section.hidden = !live;
    if (!live) return;
    const records = r.record !== false;
    clipButton.disabled = !records;
    note.textContent = records ? '' : t('clips.studio.recordOff');
    void loadProducts();
    if (records && replayLink.hidden)
      void recordingNow()
        .then((rec) => {
          if (!rec) return;
          replayLink.setAttribute('href', `/replay?id=${encodeURIComponent(rec.id)}`);
          replayLink.hidden = false;
        })
        .catch(() => {});
  };
  room.on('room:updated', update);
  room.on('resync', update);
  room.on('product:updated', () => void loadProducts());
  section.addEventListener('focusin', () => void loadProducts());
  update();
}
