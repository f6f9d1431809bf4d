/**
 * "Cut a clip" on the replay page (docs/replay.md, "Clips"), for the room's creator, its agency's owner and admins:
 * a range of the recording (or, during the live, its last 30 s), a title and the products to attach; it then follows
 * the cut (cutting → ready) and publishes the clip to the feed. The server decides who may (policy.canClipRoom); the
 * page only shows the panel to those who might.
 */
import type { Clip, HawkerApi, Principal, Product, Recording } from '@hawker/client-sdk';
import { h, replace } from './dom.ts';
import { t } from './i18n.ts';
import './messages/clips.ts';
import { describeError, withButton } from './ui.ts';

/** How often the panel asks whether the cut is done. */
const POLL_MS = 1_000;
/** The live's "clip the last 30 s". */
const LAST_MS = 30_000;

/** Whether this principal might manage the recording's room (the server checks for real). */
export function mayClip(p: Principal, r: Recording): boolean {
  return (
    p.role === 'admin' ||
    (p.role === 'creator' && p.userId === r.creatorId) ||
    (p.role === 'agency' && r.agencyId !== null && p.agencyId === r.agencyId)
  );
}

/** The panel; `position` is the video's current time (s), to start the range there. */
export function clipCutPanel(api: HawkerApi, recording: Recording, products: readonly Product[], position: () => number): HTMLElement {
  const field = (label: string, input: HTMLInputElement) => h('label', { class: 'field' }, label, input);
  const start = h('input', { attrs: { type: 'number', min: 0, step: 0.1, value: 0, 'data-testid': 'cut-start', inputmode: 'decimal' } });
  const end = h('input', { attrs: { type: 'number', min: 1, step: 0.1, value: 15, 'data-testid': 'cut-end', inputmode: 'decimal' } });
  const title = h('input', { attrs: { type: 'text', maxlength: 100, required: true, 'data-testid': 'cut-title' } });
  const here = h('button', { class: 'btn btn-sm', text: t('clips.cut.here'), attrs: { type: 'button', 'data-testid': 'cut-here' } });
  here.addEventListener('click', () => {
    const at = Math.floor(position() * 10) / 10;
    start.value = String(at);
    end.value = String(at + 15);
  });
  const boxes = products.map((p) =>
    h(
      'label',
      { class: 'clip-cut-product' },
      h('input', { attrs: { type: 'checkbox', value: p.id, 'data-testid': 'cut-product' } }),
      h('span', { text: p.title }),
    ),
  );
  const status = h('div', { class: 'clip-cut-status', attrs: { role: 'status', 'aria-live': 'polite', 'data-testid': 'cut-status' } });
  const cut = h('button', {
    class: 'btn btn-primary',
    text: t('clips.cut.submit'),
    attrs: { type: 'submit', 'data-testid': 'cut-submit' },
  });
  const last =
    recording.status === 'recording'
      ? h('button', { class: 'btn', text: t('clips.cut.last30'), attrs: { type: 'button', 'data-testid': 'cut-last' } })
      : null;

  const submit = async (range: { startMs: number; endMs: number } | { lastMs: number }) => {
    const productIds = boxes
      .map((b) => b.querySelector('input')!)
      .filter((i) => i.checked)
      .map((i) => i.value);
    if (!title.value.trim() || productIds.length === 0) {
      replace(status, h('p', { class: 'banner banner-error', text: t('clips.cut.need'), attrs: { role: 'alert' } }));
      return;
    }
    await startCut(api, { recordingId: recording.id, title: title.value.trim(), productIds, ...range }, status);
  };
  const form = h(
    'form',
    { class: 'stack' },
    h('div', { class: 'form-grid' }, field(t('clips.cut.start'), start), field(t('clips.cut.end'), end), here),
    field(t('clips.cut.titleLabel'), title),
    boxes.length
      ? h('fieldset', { class: 'clip-cut-products' }, h('legend', { text: t('clips.cut.products') }), ...boxes)
      : h('p', { class: 'muted', text: t('clips.cut.noProducts') }),
    h('div', { class: 'row' }, cut, last),
    status,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const startMs = Math.round(Number(start.value) * 1000);
    const endMs = Math.round(Number(end.value) * 1000);
    void withButton(cut, () => submit({ startMs, endMs }));
  });
  last?.addEventListener('click', () => void withButton(last, () => submit({ lastMs: LAST_MS })));
  return h(
    'section',
    { class: 'card clip-cut', attrs: { 'data-testid': 'clip-cut', 'aria-labelledby': 'clip-cut-title' } },
    h('h2', { text: t('clips.cut.heading'), attrs: { id: 'clip-cut-title' } }),
    form,
  );
}

/**
 * Follows a cut until it is ready (then offers to publish it) or failed (then says why), in `status`. The studio's
 * "Clip the last 30 s" (lib/studioClip.ts) follows its cuts with it too.
 */
/** Asks for the cut and follows it in `status` (the replay's cut panel and the studio's "clip the live" share it). */
export async function startCut(api: HawkerApi, body: Parameters<HawkerApi['createClip']>[0], status: HTMLElement): Promise<void> {
  try {
    const clip = await api.createClip(body);
    replace(status, h('p', { class: 'muted', text: t('clips.cut.cutting') }));
    follow(api, clip, status);
  } catch (err) {
    cutError(status, describeError(err));
  }
}

/** A refused or failed cut request, in words, in `status`. */
export function cutError(status: HTMLElement, text: string): void {
  replace(status, h('p', { class: 'banner banner-error', text, attrs: { role: 'alert', 'data-testid': 'cut-error' } }));
}

export function follow(api: HawkerApi, clip: Clip, status: HTMLElement): void {
  const timer = setInterval(() => {
    void api.getClip(clip.id).then(
      (c) => {
        if (c.status === 'cutting') return;
        clearInterval(timer);
        if (c.status === 'failed') {
          replace(
            status,
            h('p', {
              class: 'banner banner-error',
              text: t('clips.cut.failed', { reason: failureText(c.failureReason) }),
              attrs: { role: 'alert', 'data-testid': 'cut-failed' },
            }),
          );
          return;
        }
        const publish = h('button', {
          class: 'btn btn-primary',
          text: t('clips.cut.publish'),
          attrs: { type: 'button', 'data-testid': 'cut-publish' },
        });
        publish.addEventListener(
          'click',
          () =>
            void withButton(publish, async () => {
              await api.publishClip(c.id);
              replace(
                status,
                h(
                  'p',
                  {},
                  h('a', {
                    text: t('clips.cut.seeIt'),
                    attrs: { href: `/clips?id=${encodeURIComponent(c.id)}`, 'data-testid': 'cut-published' },
                  }),
                ),
              );
            }),
        );
        replace(status, h('p', { text: t('clips.cut.ready', { s: (c.durationMs / 1000).toFixed(1) }) }), publish);
      },
      (err: unknown) => {
        clearInterval(timer);
        replace(status, h('p', { class: 'banner banner-error', text: describeError(err), attrs: { role: 'alert' } }));
      },
    );
  }, POLL_MS);
}

/**
 * A failed clip's reason in words: a typed one (the server's reason starts with the setting that stopped the cut) in
 * the page's language, any other as the server wrote it.
 */
export function failureText(reason: string | null): string {
  if (reason?.startsWith('CLIP_CUT_STALL_MS')) return t('clips.cut.stalled');
  return reason ?? '?';
}
