/**
 * The agency keyword list editor (block / shadow words for every room of the agency), shared by the console and the
 * agency page: the chips with their remove buttons and the add form. Both pages talk to the same socket call
 * (`mod:agencyKeywords`, through whatever AgencyConsole the page holds), so the editor takes that call as a function.
 */
import type { KeywordEdit, KeywordList } from '@hawker/client-sdk';
import { h, replace } from './dom.ts';
import { t } from './i18n.ts';
import './messages/staff.ts';
import { withButton } from './ui.ts';

/** A keyword mode in the page's language. */
export function keywordModeText(mode: 'block' | 'shadow'): string {
  return mode === 'block' ? t('keywords.block') : t('keywords.shadow');
}

/** The list of agency keywords and the form that adds one; `edit` sends a change and answers the list after it. */
export class AgencyKeywordEditor {
  /** The chips (mount where the list goes). */
  readonly list = h('div', { class: 'keyword-list', attrs: { 'data-testid': 'agency-keywords' } });
  /** The add form (mount under the list). */
  readonly form: HTMLFormElement;

  constructor(
    private readonly edit: (change: KeywordEdit) => Promise<KeywordList>,
    formClass = 'row',
  ) {
    const word = h('input', {
      attrs: {
        maxlength: 40,
        placeholder: t('keywords.placeholder'),
        'aria-label': t('keywords.word'),
        'data-testid': 'keyword-input',
      },
    });
    const mode = h(
      'select',
      { attrs: { 'aria-label': t('keywords.mode'), 'data-testid': 'keyword-mode' } },
      h('option', { text: t('keywords.modeBlock'), attrs: { value: 'block' } }),
      h('option', { text: t('keywords.modeShadow'), attrs: { value: 'shadow' } }),
    );
    const add = h('button', { class: 'btn', text: t('keywords.addEveryRoom'), attrs: { type: 'submit', 'data-testid': 'keyword-add' } });
    this.form = h(
      'form',
      {
        class: formClass,
        on: {
          submit: (e) => {
            e.preventDefault();
            if (!word.value.trim()) return;
            void withButton(add, async () => {
              this.show(await this.edit({ add: [{ word: word.value.trim(), mode: mode.value as 'block' | 'shadow' }] }));
              word.value = '';
            });
          },
        },
      },
      h('div', { class: 'grow' }, word),
      mode,
      add,
    );
  }

  /** Shows `list` (or the empty line). */
  show(list: KeywordList): void {
    if (list.keywords.length === 0) {
      replace(this.list, h('span', { class: 'muted small', text: t('keywords.none') }));
      return;
    }
    replace(
      this.list,
      ...list.keywords.map((k) => {
        const remove = h('button', {
          class: 'keyword-remove',
          text: '×',
          attrs: { type: 'button', 'aria-label': t('keywords.remove', { word: k.word }), 'data-testid': 'keyword-remove' },
        });
        // withButton shows a failure as a toast and keeps the chip.
        remove.addEventListener('click', () => void withButton(remove, async () => this.show(await this.edit({ remove: [k.word] }))));
        return h('span', { class: 'keyword', attrs: { 'data-testid': 'keyword' } }, `${k.word} · ${keywordModeText(k.mode)}`, remove);
      }),
    );
  }

  /** Shows a load failure in place of the list. */
  showError(text: string): void {
    replace(this.list, h('span', { class: 'muted small', text }));
  }
}
